"""The invoicing schedule: on which days the jobs act (tables), and the daily tasks driven through
the calendar with time-machine (prepare once, issue if approved, alert once if not, accounting
orders on the second-to-last working day)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from contracts.models import RentalContract
from hyresadmin.calendar import is_working_day
from hyresadmin.models import JobRun
from invoicing import schedule, services, tasks
from invoicing.models import Invoice, InvoiceRun, RunKind
from tests.invoicing.factories import contract_with_rent

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEC = dt.date(2026, 12, 1)
DEC_PREPARE = dt.date(2026, 10, 27)  # Tue: five working days before 3 November
DEC_ISSUE = dt.date(2026, 11, 3)     # Tue: Sun 1 November, Mon 2 is the first working day


def at(day: dt.date, hour: int = 6):
    """Travel to ``hour`` o'clock Stockholm time on ``day`` (beat fires the invoicing jobs at 06:00)."""
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=STOCKHOLM), tick=False)


# --- The days (tables worked out by hand from the Swedish calendar) ----------------------------------

@pytest.mark.parametrize(("period", "issue", "prepare"), [
    # period          issue: 2nd working day of the month before   prepare: 5 working days earlier
    (dt.date(2026, 2, 1), dt.date(2026, 1, 5), dt.date(2025, 12, 22)),   # 1 Jan holiday; back over Christmas
    (dt.date(2026, 5, 1), dt.date(2026, 4, 2), dt.date(2026, 3, 26)),    # Good Friday is 3 April
    (dt.date(2026, 6, 1), dt.date(2026, 5, 5), dt.date(2026, 4, 27)),    # 1 May is a Friday holiday
    (dt.date(2026, 7, 1), dt.date(2026, 6, 2), dt.date(2026, 5, 26)),
    (DEC, DEC_ISSUE, DEC_PREPARE),
    (dt.date(2027, 1, 1), dt.date(2026, 12, 2), dt.date(2026, 11, 25)),
    (dt.date(2027, 2, 1), dt.date(2027, 1, 5), dt.date(2026, 12, 23)),  # over nyårsafton, jul
    (dt.date(2027, 6, 1), dt.date(2027, 5, 4), dt.date(2027, 4, 27)),    # 1 May is a Saturday
])
def test_rent_issue_and_prepare_days(period, issue, prepare):
    assert schedule.rent_issue_day(period) == issue
    assert schedule.rent_prepare_day(period) == prepare
    assert is_working_day(issue) and is_working_day(prepare)
    assert prepare < issue < schedule.rent_periods_near(issue)[0] == period


@pytest.mark.parametrize(("period", "day"), [
    (dt.date(2026, 1, 1), dt.date(2026, 1, 29)),    # Sat 31, Fri 30 last
    (dt.date(2026, 4, 1), dt.date(2026, 4, 29)),    # Thu 30 last
    (dt.date(2026, 5, 1), dt.date(2026, 5, 28)),    # Sun 31, Sat 30, Fri 29 last
    (dt.date(2026, 6, 1), dt.date(2026, 6, 29)),    # Tue 30 last
    (dt.date(2026, 10, 1), dt.date(2026, 10, 29)),  # Sat 31, Fri 30 last
    (dt.date(2026, 12, 1), dt.date(2026, 12, 29)),  # Thu 31 nyårsafton, Wed 30 last
    (dt.date(2027, 2, 1), dt.date(2027, 2, 25)),    # Sun 28, Sat 27, Fri 26 last
    (dt.date(2027, 3, 1), dt.date(2027, 3, 30)),    # Wed 31 last
    (dt.date(2027, 12, 1), dt.date(2027, 12, 29)),  # Fri 31 nyårsafton, Thu 30 last
])
def test_internal_issue_day_is_the_second_to_last_working_day(period, day):
    assert schedule.internal_issue_day(period) == day


# --- The daily tasks ---------------------------------------------------------------------------------

def _rent_run():
    return tasks.daily_rent_run.apply().get()


def _internal_run():
    return tasks.daily_internal_run.apply().get()


@pytest.mark.django_db
@pytest.mark.parametrize("day", [
    dt.date(2026, 10, 26),  # before December's prepare day, after November's issue day
    dt.date(2026, 11, 5),   # after December's issue day (nothing approved to issue late)
    dt.date(2026, 11, 10),
    dt.date(2026, 11, 14),  # Saturday
    dt.date(2026, 11, 24),  # before January's prepare day and November's internal day
])
def test_on_an_ordinary_day_the_jobs_do_nothing(day, district, service_org):
    contract_with_rent(organisation=district)
    contract_with_rent(organisation=district, kind=RentalContract.Kind.VACANCY, customer=None)
    with at(day):
        assert _rent_run() == {}
        assert _internal_run() is None
    assert not InvoiceRun.objects.exists()
    assert not JobRun.objects.exists()
    assert not Invoice.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_prepare_day_prepares_the_run_once(district, service_org):
    contract_with_rent(organisation=district)
    with at(DEC_PREPARE):
        assert _rent_run() == {"2026-12": "prepared"}
    run = InvoiceRun.objects.get(kind=RunKind.RENT)
    assert (run.period, run.state, run.items.count()) == (DEC, InvoiceRun.State.PREPARED, 1)
    prepared_at = run.prepared_at

    contract_with_rent(organisation=district)  # a second call must not prepare again
    with at(DEC_PREPARE, hour=14):
        assert _rent_run() == {}
    run.refresh_from_db()
    assert (run.state, run.items.count(), run.prepared_at) == (InvoiceRun.State.PREPARED, 1, prepared_at)
    job = JobRun.objects.get()
    assert (job.job, job.period, job.state) == ("invoicing.prepare_rent", "2026-12", JobRun.State.SUCCEEDED)
    assert not Invoice.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_issue_day_issues_an_approved_run(staff, district):
    contract_with_rent(organisation=district)
    contract_with_rent(organisation=district)
    with at(DEC_PREPARE):
        _rent_run()
    services.run_approve(run=InvoiceRun.objects.get(), actor=staff)

    with at(DEC_ISSUE):
        assert _rent_run() == {"2026-12": "issued"}
        assert _rent_run() == {}  # issued: nothing more to do
    run = InvoiceRun.objects.get()
    assert run.state == InvoiceRun.State.ISSUED
    invoices = Invoice.objects.filter(run=run)
    assert invoices.count() == 2
    assert {(i.period, i.issue_date, i.due_date) for i in invoices} == {
        (DEC, DEC_ISSUE, dt.date(2026, 11, 30))}
    assert sorted((item.contract_id, item.invoice.contract_id) for item in run.items.all()) == sorted(
        (i.contract_id, i.contract_id) for i in invoices)  # each item linked to its own invoice
    assert JobRun.objects.filter(job="invoicing.issue_rent", period="2026-12",
                                 state=JobRun.State.SUCCEEDED).count() == 1
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_run_not_approved_on_the_issue_day_alerts_the_shared_mailbox_once(staff, service_org, district):
    contract_with_rent(organisation=district)
    with at(DEC_PREPARE):
        _rent_run()

    with at(DEC_ISSUE):
        assert _rent_run() == {"2026-12": "alerted"}
    with at(DEC_ISSUE, hour=15):
        assert _rent_run() == {"2026-12": "already alerted"}
    with at(dt.date(2026, 11, 4)):
        assert _rent_run() == {}

    assert len(mail.outbox) == 1
    alert = mail.outbox[0]
    assert alert.to == [service_org.shared_mailbox_email]
    assert "2026-12" in alert.subject
    assert InvoiceRun.objects.get().state == InvoiceRun.State.PREPARED
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_a_run_approved_after_the_alert_is_issued_when_the_job_runs_again(staff, service_org, district):
    """The alert promises "it is issued as soon as it is approved and the job runs again"."""
    contract_with_rent(organisation=district)
    with at(DEC_PREPARE):
        _rent_run()
    with at(DEC_ISSUE):
        _rent_run()
    services.run_approve(run=InvoiceRun.objects.get(), actor=staff)

    with at(dt.date(2026, 11, 5)):
        assert _rent_run() == {"2026-12": "issued"}
    assert InvoiceRun.objects.get().state == InvoiceRun.State.ISSUED
    assert Invoice.objects.get().issue_date == dt.date(2026, 11, 5)
    assert len(mail.outbox) == 1  # the alert only

    with at(dt.date(2026, 11, 6)):
        assert _rent_run() == {}
    assert Invoice.objects.count() == 1


@pytest.mark.django_db
def test_a_run_never_prepared_is_alerted_on_its_issue_day(service_org, district):
    """The prepare day was missed (beat down): the issue day still tells the staff."""
    contract_with_rent(organisation=district)
    with at(DEC_ISSUE):
        assert _rent_run() == {"2026-12": "alerted"}
    assert InvoiceRun.objects.get().state == InvoiceRun.State.PLANNED
    assert len(mail.outbox) == 1 and not Invoice.objects.exists()


@pytest.mark.django_db
def test_accounting_orders_on_the_second_to_last_working_day_only_once(district, service_org):
    vacancy = contract_with_rent(organisation=district, kind=RentalContract.Kind.VACANCY, customer=None)
    contract_with_rent(organisation=district)  # a customer contract: not in the internal run

    with at(dt.date(2026, 12, 28)):
        assert _internal_run() is None
    assert not InvoiceRun.objects.exists()

    second_to_last = dt.date(2026, 12, 29)
    with at(second_to_last):
        result = _internal_run()
        assert _internal_run() is None  # once
    with at(dt.date(2026, 12, 30)):
        assert _internal_run() is None  # and not again the day after
    run = InvoiceRun.objects.get(kind=RunKind.INTERNAL)
    assert result == {"run": run.pk, "state": InvoiceRun.State.ISSUED}
    assert (run.period, run.approved_by) == (DEC, None)
    order = Invoice.objects.get()
    assert order.contract == vacancy
    assert order.document_type == Invoice.DocumentType.ACCOUNTING_ORDER
    assert order.issue_date == second_to_last
    assert JobRun.objects.get().job == "invoicing.internal_run"
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_missed_day_is_caught_up(district, service_org):
    """If beat did not run on the day, the first day it runs after does the work, once."""
    contract_with_rent(organisation=district, kind=RentalContract.Kind.VACANCY, customer=None)
    contract_with_rent(organisation=district)
    with at(dt.date(2026, 12, 30)):  # the 29th was missed
        assert _internal_run()["state"] == InvoiceRun.State.ISSUED
        assert _internal_run() is None
    january = dt.date(2027, 1, 1)
    missed_prepare = schedule.rent_prepare_day(january)
    with at(missed_prepare + dt.timedelta(days=1)):
        _rent_run()
    assert InvoiceRun.objects.get(kind=RunKind.RENT, period=january).state == InvoiceRun.State.PREPARED
