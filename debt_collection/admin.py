"""The staff side of debt_collection (the admin's autodiscovery imports this module); each part keeps
its admin in its own module, imported here (interest and collection: ``admin_collection``, imported by
the app's ``ready()``)."""

from . import reminder_admin, report_admin  # noqa: F401
