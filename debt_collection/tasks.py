"""Celery tasks of debt_collection: thin wrappers over the services, idempotent, safe to retry. Celery's
autodiscovery imports this module; the unpaid-rent report's task is in ``report_tasks`` (imported
here), interest and collection's in ``tasks_collection`` (imported by the app's ``ready()``).

- ``daily_overdue_and_reminders`` (beat, daily at 07:40, after the BgMax import): on a working day,
  once, mark overdue invoices and propose the day's reminders (``reminders.reminders_daily``).
- ``deliver_reminders(batch_id)``: after a batch was sent, share the delivery out: one
  ``deliver_reminders_chunk(batch_id, ids)`` per chunk of ``REMINDER_DELIVERY_CHUNK`` reminders, each
  rendering and storing the PDFs and e-mailing those to be e-mailed
  (``reminders.reminders_deliver_chunk``; what is done is not done again, so a chunk may run twice).
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
    chunks = reminders.reminder_delivery_chunks(batch_id=batch_id)
    for ids in chunks:
        deliver_reminders_chunk.delay(batch_id, ids)
    return {"chunks": len(chunks), "reminders": sum(len(ids) for ids in chunks)}


@shared_task(name="debt_collection.tasks.deliver_reminders_chunk", acks_late=True)
def deliver_reminders_chunk(batch_id: int, ids: list[int]) -> dict:
    return reminders.reminders_deliver_chunk(batch_id=batch_id, ids=ids)
