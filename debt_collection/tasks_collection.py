"""Celery tasks of interest and collection: thin, idempotent per period, safe to retry.

Beat fires each daily (``settings.CELERY_BEAT_SCHEDULE``); the task asks the calendar whether today is
its day and records a ``JobRun`` per period, so a second run does nothing:

- interest-invoice proposals: monthly, from the first working day of the month (period ``YYYY-MM``),
  with interest up to the end of the month before;
- collection proposals: every working day (period: the day);
- closing the cases whose invoices are all paid: daily (period: the day).

Imported by ``DebtCollectionConfig.ready`` (Celery's autodiscovery looks for ``tasks`` modules only).
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from hyresadmin import calendar
from hyresadmin.jobs import periodic_job, run_once

INTEREST_JOB = "debt_collection.interest_proposals"
PROPOSALS_JOB = "debt_collection.collection_proposals"
CLOSE_JOB = "debt_collection.close_settled_cases"


@periodic_job(INTEREST_JOB)
def _interest_proposals(period: str) -> dict:
    from hyresadmin.transitions import TransitionRefused

    from . import interest

    year, month = (int(part) for part in period.split("-"))
    until = min(timezone.localdate(), date(year, month, 1))
    try:
        batch = interest.interest_proposals_create(actor=INTEREST_JOB, until=until)
    except TransitionRefused:
        return {"batch": None, "waiting": True}  # the last proposal is still under review
    return {"batch": batch.pk if batch else None, **(batch.summary if batch else {})}


@shared_task(name="debt_collection.tasks_collection.monthly_interest_proposals", acks_late=True)
def monthly_interest_proposals() -> dict | None:
    """Daily; acts from the first working day of each month: the interest-invoice proposal."""
    today = timezone.localdate()
    if today < calendar.nth_working_day(today.year, today.month, 1):
        return None
    period = f"{today:%Y-%m}"
    done = run_once(job=INTEREST_JOB, period=period, func=lambda: _interest_proposals(period))
    return done.result if done else None


@periodic_job(PROPOSALS_JOB)
def _collection_proposals(period: str) -> dict:
    from . import collection

    return collection.collection_proposals_create(actor=PROPOSALS_JOB, today=date.fromisoformat(period))


@shared_task(name="debt_collection.tasks_collection.daily_collection_proposals", acks_late=True)
def daily_collection_proposals() -> dict | None:
    """Daily; acts on working days: propose the claims whose reminder period ran out for handover."""
    today = timezone.localdate()
    if not calendar.is_working_day(today):
        return None
    period = today.isoformat()
    done = run_once(job=PROPOSALS_JOB, period=period, func=lambda: _collection_proposals(period))
    return done.result if done else None


@periodic_job(CLOSE_JOB)
def _close_settled(period: str) -> dict:
    from . import collection

    return {"closed": collection.collection_cases_close_settled(actor=CLOSE_JOB)}


@shared_task(name="debt_collection.tasks_collection.daily_close_settled_cases", acks_late=True)
def daily_close_settled_cases() -> dict | None:
    """Daily: close the collection cases whose invoices are all paid (invoicing sends no event)."""
    period = timezone.localdate().isoformat()
    done = run_once(job=CLOSE_JOB, period=period, func=lambda: _close_settled(period))
    return done.result if done else None


__all__ = ["daily_close_settled_cases", "daily_collection_proposals", "monthly_interest_proposals"]
