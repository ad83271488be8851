"""The fork's stack tool: upstream Django plus an ordered series of patches."""
