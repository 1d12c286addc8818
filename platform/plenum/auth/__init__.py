"""Login through OpenID Connect, the current member, and permissions."""
