"""The unpaid-rent report's daily job: thin, idempotent per month, safe to retry.

Beat fires it every day; it acts on the report day only (the first working day on or after the 10th)
and once per month (``run_once``: a ``JobRun("debt_collection.unpaid_report", "YYYY-MM")``). Staff make
a month's reports again from the admin (the reports' action, or the job run's "run again"). Every day
it first sends, after commit, the notice of any report of this month whose officers were not told
(the e-mail failed: ``notified_at`` is empty; ``unpaid_report.report_notices_resend``).
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from hyresadmin.jobs import periodic_job, run_once

from . import unpaid_report

JOB = "debt_collection.unpaid_report"


@periodic_job(JOB)
def _make_reports(period: str) -> dict:
    reports = unpaid_report.unpaid_reports_make(actor=JOB, month=unpaid_report.parse_month(period),
                                                report_date=timezone.localdate())
    return {"reports": len(reports), "invoices": sum(r.invoice_count for r in reports),
            "total": str(sum((r.total for r in reports), start=unpaid_report.ZERO))}


@shared_task(name="debt_collection.tasks.daily_unpaid_report", acks_late=True)
def daily_unpaid_report() -> dict | None:
    """Daily; acts on the report day: each district's unpaid-rent report for this month, stored and
    announced to its officers. Every day: a notice that failed is sent again."""
    today = timezone.localdate()
    unpaid_report.report_notices_resend(month=today.replace(day=1))
    if not unpaid_report.is_report_day(today):
        return None
    period = f"{today:%Y-%m}"
    done = run_once(job=JOB, period=period, func=lambda: _make_reports(period))
    return done.result if done else None
