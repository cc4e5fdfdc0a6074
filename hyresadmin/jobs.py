"""Once-per-period jobs.

Celery beat fires every job daily; the job asks the calendar whether today is its day and then calls
``run_once(job=…, period=…, func=…)``. A ``JobRun(job, period)`` row, unique and taken under a lock,
makes a second run for the same period do nothing. A failed run is recorded and may be run again;
staff re-run a period on purpose from the admin (``rerun``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction

from . import audit
from .models import JobRun

logger = logging.getLogger(__name__)


def run_once(*, job: str, period: str, func: Callable[[], dict | None], force: bool = False,
             atomic: bool = True) -> JobRun | None:
    """Run ``func`` for (job, period) unless it already succeeded or is running.

    Returns the ``JobRun`` when the function ran, ``None`` when there was nothing to do. With
    ``atomic=False`` the function commits its own steps (a resumable run issued in chunks): if it
    fails half-way, what it committed stays and running the period again completes it.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = JobRun.objects.create(job=job, period=period)
        except IntegrityError:
            run = JobRun.objects.select_for_update().get(job=job, period=period)
            if run.state == JobRun.State.RUNNING:
                logger.info("job %s %s is already running", job, period)
                return None
            if run.state == JobRun.State.SUCCEEDED and not force:
                logger.info("job %s %s already ran", job, period)
                return None
            run.rerun()
            run.save()
    try:
        if atomic:
            with transaction.atomic():
                result = func() or {}
        else:
            result = func() or {}
    except Exception as exc:
        with transaction.atomic():
            run = JobRun.objects.select_for_update().get(pk=run.pk)
            run.fail(f"{type(exc).__name__}: {exc}")
            run.save()
            audit.record(audit.AuditEvent.Type.JOB, actor=job, subject=run, to_state=run.state,
                         reason=run.error)
        raise
    with transaction.atomic():
        run = JobRun.objects.select_for_update().get(pk=run.pk)
        run.succeed(result)
        run.save()
        audit.record(audit.AuditEvent.Type.JOB, actor=job, subject=run, to_state=run.state,
                     changes=result)
    logger.info("job %s %s done", job, period)
    return run


#: Jobs that can be re-run for a period from the admin: name -> function(period) -> result dict.
REGISTRY: dict[str, Callable[[str], dict | None]] = {}


def periodic_job(name: str):
    """Register ``func(period)`` under ``name`` so that staff can re-run a period from the admin."""

    def decorator(func):
        REGISTRY[name] = func
        return func

    return decorator


def rerun(*, job: str, period: str) -> JobRun | None:
    """Run (job, period) again on purpose, whatever its last outcome."""
    func = REGISTRY[job]
    return run_once(job=job, period=period, func=lambda: func(period), force=True)
