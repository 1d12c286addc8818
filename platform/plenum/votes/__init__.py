"""Votes and elections."""
