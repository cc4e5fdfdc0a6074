"""Kernel tasks: thin wrappers over services, idempotent per period, safe to retry."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from .jobs import periodic_job, run_once


@shared_task(name="hyresadmin.tasks.ping")
def ping(value: str = "pong") -> str:
    """A task with no side effects, used to prove the broker round trip."""
    return value


@periodic_job("clear_expired_sessions")
def _clear_expired_sessions(period: str) -> dict:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return {"deleted": deleted}


@shared_task(name="hyresadmin.tasks.clear_expired_sessions")
def clear_expired_sessions() -> dict | None:
    """Nightly: remove expired sessions (they hold who was logged in)."""
    period = timezone.localdate().isoformat()
    run = run_once(job="clear_expired_sessions", period=period,
                   func=lambda: _clear_expired_sessions(period))
    return run.result if run else None
