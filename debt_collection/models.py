"""Models of the debt_collection app (see the package docstring for what it owns); each part keeps
its models in its own module, imported here."""

from .report_models import *  # noqa: F401,F403
