"""Discussion: spaces, threads and comments, read state, subscriptions, moderation."""
