"""Celery tasks of the contracts app: thin wrappers over services, idempotent, safe to retry."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from hyresadmin.jobs import periodic_job, run_once


@shared_task(name="contracts.tasks.render_contract_documents", acks_late=True)
def render_contract_documents(contract_id: int, send: bool = False) -> dict:
    """Render the contract PDF and one supplementary agreement per deduction; optionally send it."""
    from . import services

    return services.contract_render_documents(contract_id=contract_id, send=send)


@periodic_job("contracts.retention")
def _retention(period: str) -> dict:
    from . import services

    return services.submissions_delete_expired()


@shared_task(name="contracts.tasks.delete_expired_submissions")
def delete_expired_submissions() -> dict | None:
    """Nightly: delete submissions (and attachments) two years after they were completed."""
    period = timezone.localdate().isoformat()
    run = run_once(job="contracts.retention", period=period, func=lambda: _retention(period))
    return run.result if run else None
