"""Models of the fees app (see the package docstring for what it owns)."""
