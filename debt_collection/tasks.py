"""Celery tasks of debt_collection: thin wrappers over the services, idempotent, safe to retry. Celery's
autodiscovery imports this module; the unpaid-rent report's task is in ``report_tasks`` (imported
here), interest and collection's in ``tasks_collection`` (imported by the app's ``ready()``).

- ``daily_overdue_and_reminders`` (beat, daily at 07:40, after the BgMax import): on a working day,
  once, mark overdue invoices and propose the day's reminders (``reminders.reminders_daily``).
- ``deliver_reminders(batch_id)``: after a batch was sent, render and store the PDFs and e-mail those
  to be e-mailed (``reminders.reminders_deliver``; what is done is not done again).
"""

from __future__ import annotations

from celery import shared_task

from . import (
    reminders,
    report_tasks,  # noqa: F401  (the unpaid-rent report's task)
)


@shared_task(name="debt_collection.tasks.daily_overdue_and_reminders", acks_late=True)
def daily_overdue_and_reminders() -> dict | None:
    run = reminders.reminders_daily()
    return run.result if run else None


@shared_task(name="debt_collection.tasks.deliver_reminders", acks_late=True)
def deliver_reminders(batch_id: int) -> dict:
    return reminders.reminders_deliver(batch_id=batch_id)
