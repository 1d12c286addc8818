"""Party structure: chapters, bodies, members, memberships and roles."""
