"""Celery tasks of deferrals and payment plans: thin wrappers over ``plans``, idempotent per period.

Beat fires both daily (``CELERY_BEAT_SCHEDULE`` in settings):
- ``daily_deferrals_and_plans``: expire granted deferrals past their new due date; complete plans whose
  instalments are all paid; mark broken the plans with an instalment unpaid too long. Once a day.
- ``monthly_plan_report``: on the first working day of the month, tell each district that its report of
  payment plans for the month before is in the portal. Once a month.
Imported by ``DebtCollectionConfig.ready`` so that the worker registers them.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from hyresadmin import calendar
from hyresadmin.jobs import periodic_job, run_once
from invoicing.periods import period_of, previous_period

from . import plans

DAILY_JOB = "debt_collection.plans_daily"
REPORT_JOB = "debt_collection.plan_report"


@periodic_job(DAILY_JOB)
def _daily(period: str) -> dict:
    day = dt.date.fromisoformat(period)
    return {"expired": plans.deferrals_expire(today=day), **plans.payment_plans_follow_up(today=day)}


@periodic_job(REPORT_JOB)
def _report(period: str) -> dict:
    year, month = (int(part) for part in period.split("-"))
    return plans.report_month_notify(month=dt.date(year, month, 1))


@shared_task(name="debt_collection.tasks_plans.daily_deferrals_and_plans", acks_late=True)
def daily_deferrals_and_plans() -> dict:
    period = timezone.localdate().isoformat()
    run = run_once(job=DAILY_JOB, period=period, func=lambda: _daily(period))
    return run.result if run else {}


@shared_task(name="debt_collection.tasks_plans.monthly_plan_report", acks_late=True)
def monthly_plan_report() -> dict:
    today = timezone.localdate()
    if today < calendar.nth_working_day(today.year, today.month, 1):
        return {}
    period = f"{previous_period(period_of(today)):%Y-%m}"
    run = run_once(job=REPORT_JOB, period=period, func=lambda: _report(period))
    return run.result if run else {}
