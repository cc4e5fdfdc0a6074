"""Models of the invoicing app (see the package docstring for what it owns)."""
