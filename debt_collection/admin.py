"""The staff side of debt_collection (the admin's autodiscovery imports this module); each part keeps
its admin in its own module, imported here."""

from . import report_admin  # noqa: F401
