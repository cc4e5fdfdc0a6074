"""Models of the rent_adjustment app (see the package docstring for what it owns)."""
