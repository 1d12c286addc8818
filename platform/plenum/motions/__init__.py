"""Motions, amendments, line numbering, diff and merge, resolutions and exports."""
