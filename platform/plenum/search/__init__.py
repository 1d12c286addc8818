"""Full-text search over motions, amendments, resolutions and comments."""
