"""Member text: one Markdown parser and the rules around it."""
