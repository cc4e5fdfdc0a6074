"""Models of the support app (see the package docstring for what it owns)."""
