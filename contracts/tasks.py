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


@shared_task(name="contracts.tasks.send_termination_confirmation", acks_late=True)
def send_termination_confirmation(termination_id: int) -> dict:
    """The confirmation letter of a termination: rendered, kept, e-mailed; the district is told."""
    from . import termination

    return termination.termination_send_confirmation(termination_id=termination_id)


@periodic_job("contracts.terminations")
def _end_contracts(period: str) -> dict:
    from datetime import date

    from . import termination

    return termination.contracts_end_due(today=date.fromisoformat(period))


@shared_task(name="contracts.tasks.end_terminated_contracts")
def end_terminated_contracts() -> dict | None:
    """Daily: contracts with notice given whose end date has passed are terminated, and each object
    gets its vacancy contract from the day after."""
    period = timezone.localdate().isoformat()
    run = run_once(job="contracts.terminations", period=period, func=lambda: _end_contracts(period),
                   atomic=False)
    return run.result if run else None
