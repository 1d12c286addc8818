"""Meetings: registration and needs, agenda, presence, the speakers' list, the live room."""
