"""Models of the contracts app (see the package docstring for what it owns)."""
