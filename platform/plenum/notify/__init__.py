"""Notifications: in-app now; e-mail and digests come with the threads issue."""
