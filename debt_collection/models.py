"""Models of the debt_collection app (see the package docstring for what it owns)."""
