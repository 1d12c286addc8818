"""E-mail: sending over SMTP, immediate notices, digests and one-click unsubscribe."""
