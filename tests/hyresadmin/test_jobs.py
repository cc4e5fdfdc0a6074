"""Once-per-period jobs (``hyresadmin.jobs``) and the kernel's nightly session clean-up."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.sessions.models import Session

from hyresadmin import jobs
from hyresadmin.models import AuditEvent, JobRun
from hyresadmin.tasks import clear_expired_sessions

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class Recorder:
    """A job function that counts its calls and can be told to fail."""

    def __init__(self, result=None, error=None):
        self.calls = 0
        self.result = result if result is not None else {"invoices": 3}
        self.error = error

    def __call__(self):
        self.calls += 1
        if self.error:
            raise self.error
        return self.result


def job_events(run):
    return AuditEvent.objects.for_object(run).filter(event_type=AuditEvent.Type.JOB).order_by("id")


# --- run_once -----------------------------------------------------------------------------------------


def test_a_job_runs_once_per_period():
    func = Recorder()

    first = jobs.run_once(job="issue_rent_invoices", period="2026-11", func=func)
    second = jobs.run_once(job="issue_rent_invoices", period="2026-11", func=func)

    assert first.state == JobRun.State.SUCCEEDED
    assert first.result == {"invoices": 3}
    assert first.finished_at is not None
    assert second is None
    assert func.calls == 1
    assert JobRun.objects.filter(job="issue_rent_invoices").count() == 1


def test_the_next_period_runs_again():
    func = Recorder()

    jobs.run_once(job="issue_rent_invoices", period="2026-11", func=func)
    december = jobs.run_once(job="issue_rent_invoices", period="2026-12", func=func)

    assert december.state == JobRun.State.SUCCEEDED
    assert func.calls == 2


def test_other_jobs_in_the_same_period_are_independent():
    func = Recorder()

    jobs.run_once(job="issue_rent_invoices", period="2026-11", func=func)
    other = jobs.run_once(job="mark_overdue", period="2026-11", func=func)

    assert other is not None
    assert func.calls == 2


def test_a_failing_job_is_recorded_with_its_error_and_may_run_again():
    failing = Recorder(error=ValueError("the ledger is locked"))

    with pytest.raises(ValueError, match="the ledger is locked"):
        jobs.run_once(job="ledger_export", period="2026-11", func=failing)

    run = JobRun.objects.get(job="ledger_export", period="2026-11")
    assert run.state == JobRun.State.FAILED
    assert run.error == "ValueError: the ledger is locked"
    assert run.attempts == 1

    fixed = Recorder(result={"rows": 12})
    again = jobs.run_once(job="ledger_export", period="2026-11", func=fixed)

    assert fixed.calls == 1
    assert again.pk == run.pk
    assert again.state == JobRun.State.SUCCEEDED
    assert again.attempts == 2
    assert again.error == ""
    assert again.result == {"rows": 12}


def test_a_failed_job_keeps_nothing_of_what_it_wrote():
    def half_done():
        Session.objects.create(session_key="x" * 32, session_data="", expire_date=datetime.now(STOCKHOLM))
        raise RuntimeError("stopped half way")

    with pytest.raises(RuntimeError):
        jobs.run_once(job="half_done", period="2026-11", func=half_done)

    assert not Session.objects.exists()
    assert JobRun.objects.get(job="half_done").state == JobRun.State.FAILED


def test_a_job_that_is_running_is_not_started_twice():
    JobRun.objects.create(job="import_payments", period="2026-11-23")  # another worker has it
    func = Recorder()

    assert jobs.run_once(job="import_payments", period="2026-11-23", func=func) is None
    assert func.calls == 0


def test_force_runs_a_succeeded_period_again():
    func = Recorder()
    jobs.run_once(job="unpaid_report", period="2026-11", func=func)

    again = jobs.run_once(job="unpaid_report", period="2026-11", func=func, force=True)

    assert func.calls == 2
    assert again.state == JobRun.State.SUCCEEDED
    assert again.attempts == 2


def test_rerun_runs_a_registered_job_for_its_period(monkeypatch):
    periods = []

    def report(period):
        periods.append(period)
        return {"period": period}

    monkeypatch.setitem(jobs.REGISTRY, "unpaid_report", report)

    jobs.run_once(job="unpaid_report", period="2026-10", func=lambda: report("2026-10"))
    run = jobs.rerun(job="unpaid_report", period="2026-10")

    assert periods == ["2026-10", "2026-10"]
    assert run.result == {"period": "2026-10"}
    assert run.attempts == 2


def test_rerun_of_an_unknown_job_fails_loudly():
    with pytest.raises(KeyError):
        jobs.rerun(job="no_such_job", period="2026-10")


def test_a_job_runs_state_cannot_be_assigned():
    run = jobs.run_once(job="issue_rent_invoices", period="2026-11", func=Recorder())

    with pytest.raises(AttributeError):
        run.state = JobRun.State.RUNNING

    run.refresh_from_db()
    assert run.state == JobRun.State.SUCCEEDED


def test_every_run_writes_a_job_event_to_the_audit_trail():
    with pytest.raises(ValueError):
        jobs.run_once(job="ledger_export", period="2026-11", func=Recorder(error=ValueError("locked")))
    run = jobs.run_once(job="ledger_export", period="2026-11", func=Recorder(result={"rows": 4}))

    events = list(job_events(run))
    assert [e.to_state for e in events] == [JobRun.State.FAILED, JobRun.State.SUCCEEDED]
    assert all(e.actor_label == "ledger_export" and e.actor is None for e in events)
    assert events[0].reason == "ValueError: locked"
    assert events[1].changes == {"rows": 4}


def test_a_run_that_did_nothing_writes_no_event():
    run = jobs.run_once(job="issue_rent_invoices", period="2026-11", func=Recorder())
    jobs.run_once(job="issue_rent_invoices", period="2026-11", func=Recorder())

    assert job_events(run).count() == 1


# --- clear_expired_sessions -------------------------------------------------------------------------------


def _session(key, expires):
    return Session.objects.create(session_key=key.ljust(32, "0"), session_data="", expire_date=expires)


def test_clear_expired_sessions_deletes_expired_sessions_only():
    now = datetime(2026, 11, 23, 4, 15, tzinfo=STOCKHOLM)
    with time_machine.travel(now, tick=False):
        _session("expired", now - timedelta(minutes=1))
        _session("live", now + timedelta(hours=8))

        result = clear_expired_sessions.apply().get()

    assert result == {"deleted": 1}
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live".ljust(32, "0")]
    run = JobRun.objects.get(job="clear_expired_sessions")
    assert run.period == "2026-11-23"
    assert run.state == JobRun.State.SUCCEEDED


def test_clear_expired_sessions_runs_once_a_day():
    monday = datetime(2026, 11, 23, 4, 15, tzinfo=STOCKHOLM)
    with time_machine.travel(monday, tick=False):
        clear_expired_sessions.apply().get()

    # Later the same day another session has expired; a second run that day does nothing.
    with time_machine.travel(monday + timedelta(hours=12), tick=False):
        _session("stale", monday + timedelta(hours=1))
        assert clear_expired_sessions.apply().get() is None
        assert Session.objects.count() == 1

    # The next day's run takes it.
    with time_machine.travel(monday + timedelta(days=1), tick=False):
        assert clear_expired_sessions.apply().get() == {"deleted": 1}

    assert list(JobRun.objects.order_by("period").values_list("period", flat=True)) == [
        "2026-11-23", "2026-11-24"
    ]


def test_the_day_is_the_stockholm_day():
    # 23:30 UTC on 23 November is already 24 November in Stockholm.
    with time_machine.travel(datetime(2026, 11, 23, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        clear_expired_sessions.apply().get()

    assert JobRun.objects.get(job="clear_expired_sessions").period == "2026-11-24"


def test_staff_can_rerun_the_session_clean_up_for_a_day():
    day = datetime(2026, 11, 23, 4, 15, tzinfo=STOCKHOLM)
    with time_machine.travel(day, tick=False):
        clear_expired_sessions.apply().get()
        _session("stale", day - timedelta(seconds=1))

        run = jobs.rerun(job="clear_expired_sessions", period="2026-11-23")

    assert run.result == {"deleted": 1}
    assert run.attempts == 2
    assert not Session.objects.exists()
