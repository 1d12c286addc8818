"""Plenum: member participation and deliberation platform."""
