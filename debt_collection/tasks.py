"""Celery tasks of debt_collection (Celery's autodiscovery imports this module); each part keeps its
tasks in its own module, imported here."""

from . import report_tasks  # noqa: F401
