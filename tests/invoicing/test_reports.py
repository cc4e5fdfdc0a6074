"""The quarterly proof that every contract was invoiced, its file, and the job that makes it."""

import csv
import datetime as dt
import io
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from contracts.models import RentalContract
from hyresadmin.calendar import STOCKHOLM
from hyresadmin.jobs import rerun
from hyresadmin.models import JobRun
from invoicing import reports, services
from invoicing.models import Invoice, ReportFile, RunKind
from invoicing.ocr import ocr_reference
from invoicing.reports import Status
from invoicing.tasks import quarterly_invoicing_report
from tests.invoicing.factories import contract_with_rent

pytestmark = pytest.mark.django_db
Q3 = dt.date(2026, 7, 1)
JUL, AUG, SEP = dt.date(2026, 7, 1), dt.date(2026, 8, 1), dt.date(2026, 9, 1)


def _invoice(contract, period, kind=None, state=None):
    """An invoice of ``contract`` for ``period`` (made directly: only its existence matters here)."""
    kind = kind or (RunKind.RENT if contract.kind in reports.CUSTOMER_KINDS else RunKind.INTERNAL)
    number = 5000000 + Invoice.objects.count()
    invoice = Invoice.objects.create(
        number=number, ocr_reference=ocr_reference(number), kind=kind,
        document_type=(Invoice.DocumentType.INVOICE if kind == RunKind.RENT
                       else Invoice.DocumentType.ACCOUNTING_ORDER),
        contract=contract, customer=contract.customer, organisation=contract.organisation, period=period,
        issue_date=period, due_date=period, total=Decimal("5400.00"), balance=Decimal("5400.00"))
    if state:
        Invoice.objects.filter(pk=invoice.pk).update(state=state)
    return invoice


def _set(contract, **fields):
    RentalContract.objects.filter(pk=contract.pk).update(**fields)
    return RentalContract.objects.get(pk=contract.pk)


@pytest.fixture
def quarter(district):
    """Contracts around the third quarter of 2026, and what was invoiced for them."""
    c = {}
    c["whole"] = contract_with_rent(organisation=district)
    for month in (JUL, AUG, SEP):
        _invoice(c["whole"], month)
    c["starts_mid_august"] = contract_with_rent(organisation=district, start=dt.date(2026, 8, 15))
    for month in (AUG, SEP):
        _invoice(c["starts_mid_august"], month)
    c["ends_mid_august"] = _set(contract_with_rent(organisation=district), end_date=dt.date(2026, 8, 10),
                                state=RentalContract.State.TERMINATED)
    for month in (JUL, AUG):
        _invoice(c["ends_mid_august"], month)
    c["missing_august"] = contract_with_rent(organisation=district)
    for month in (JUL, SEP):
        _invoice(c["missing_august"], month)
    c["vacancy"] = contract_with_rent(organisation=district, kind=RentalContract.Kind.VACANCY, customer=None)
    _invoice(c["vacancy"], JUL)
    _invoice(c["vacancy"], AUG)
    _invoice(c["vacancy"], SEP, kind=RunKind.RENT)  # the wrong document does not count
    c["cancelled"] = contract_with_rent(organisation=district, kind=RentalContract.Kind.CITY_INTERNAL)
    _invoice(c["cancelled"], JUL)
    _invoice(c["cancelled"], AUG)
    _invoice(c["cancelled"], SEP, state=Invoice.State.CANCELLED)
    c["preliminary"] = _set(contract_with_rent(organisation=district, start=dt.date(2026, 9, 1)),
                            state=RentalContract.State.PRELIMINARY)
    # Not in the quarter at all: starts after it, ended before it, or never left draft.
    contract_with_rent(organisation=district, start=dt.date(2026, 10, 1))
    _set(contract_with_rent(organisation=district, start=dt.date(2025, 1, 1)), end_date=dt.date(2026, 6, 30),
         state=RentalContract.State.TERMINATED)
    _set(contract_with_rent(organisation=district, start=dt.date(2026, 7, 1)), state=RentalContract.State.DRAFT)
    return c


def _months(report, contract):
    return {row.month: row.status for row in report.rows if row.contract_id == contract.pk}


def test_every_month_of_every_contract_active_in_the_quarter(quarter):
    report = reports.quarterly_invoicing_report(quarter_start=Q3)
    assert report.period == "2026-Q3" and report.months == [JUL, AUG, SEP]

    assert _months(report, quarter["whole"]) == {JUL: Status.INVOICED, AUG: Status.INVOICED,
                                                 SEP: Status.INVOICED}
    # Starting 15 August, it needs August (and not July); ending 10 August, it needs August (not September).
    assert _months(report, quarter["starts_mid_august"]) == {AUG: Status.INVOICED, SEP: Status.INVOICED}
    assert _months(report, quarter["ends_mid_august"]) == {JUL: Status.INVOICED, AUG: Status.INVOICED}
    assert _months(report, quarter["missing_august"]) == {JUL: Status.INVOICED, AUG: Status.MISSING,
                                                          SEP: Status.INVOICED}
    assert _months(report, quarter["vacancy"]) == {JUL: Status.INVOICED, AUG: Status.INVOICED,
                                                   SEP: Status.MISSING}
    assert _months(report, quarter["cancelled"])[SEP] == Status.CANCELLED
    assert _months(report, quarter["preliminary"]) == {SEP: Status.PRELIMINARY}
    assert {row.contract_id for row in report.rows} == {c.pk for c in quarter.values()}


def test_the_exceptions_say_which_contract_month_and_document(quarter):
    report = reports.quarterly_invoicing_report(quarter_start=Q3)
    missing = {(row.contract_id, row.month, row.expected_document, row.status) for row in report.exceptions}
    assert missing == {
        (quarter["missing_august"].pk, AUG, Invoice.DocumentType.INVOICE, Status.MISSING),
        (quarter["vacancy"].pk, SEP, Invoice.DocumentType.ACCOUNTING_ORDER, Status.MISSING),
        (quarter["cancelled"].pk, SEP, Invoice.DocumentType.INVOICE, Status.CANCELLED),
        (quarter["preliminary"].pk, SEP, Invoice.DocumentType.INVOICE, Status.PRELIMINARY),
    }
    assert report.counts == {"contracts": 7, "months": 17, "invoiced": 13, "exceptions": 4,
                             "missing": 2, "cancelled": 1, "preliminary": 1}


def test_the_report_reads_the_database_twice_whatever_its_size(quarter, django_assert_num_queries):
    with django_assert_num_queries(2):
        reports.quarterly_invoicing_report(quarter_start=Q3)


def test_the_csv_lists_the_exceptions_first(quarter):
    report = reports.quarterly_invoicing_report(quarter_start=Q3)
    content = reports.report_csv(report)
    assert content.startswith(b"\xef\xbb\xbf")  # so that a spreadsheet reads å ä ö
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    header, *body = rows
    assert len(header) == 9 and len(body) == 17
    assert [row[0] for row in body[:4]].count(quarter["missing_august"].number) == 1
    first = {(row[0], row[4]) for row in body[:4]}
    assert (quarter["missing_august"].number, "2026-08") in first
    assert (quarter["vacancy"].number, "2026-09") in first
    assert all(row[6] for row in body[4:])  # the rest has an invoice number


@pytest.mark.parametrize(("text", "start"), [("2026-Q1", dt.date(2026, 1, 1)), ("2026-Q3", Q3),
                                             ("2027-Q4", dt.date(2027, 10, 1))])
def test_quarters(text, start):
    assert reports.parse_quarter(text) == start
    assert reports.quarter_label(start) == text


@pytest.mark.parametrize("bad", ["2026-Q5", "2026Q1", "Q1-2026", ""])
def test_bad_quarters(bad):
    with pytest.raises(ValueError):
        reports.parse_quarter(bad)


def test_a_quarter_starts_on_its_first_day():
    with pytest.raises(ValueError):
        reports.quarterly_invoicing_report(quarter_start=dt.date(2026, 8, 1))


@pytest.mark.parametrize(("today", "is_day", "quarter"), [
    (dt.date(2026, 10, 1), True, "2026-Q3"),   # Thursday
    (dt.date(2026, 10, 2), False, "2026-Q3"),
    (dt.date(2026, 9, 30), False, "2026-Q2"),
    (dt.date(2027, 1, 1), False, "2026-Q4"),   # New Year's Day
    (dt.date(2027, 1, 4), True, "2026-Q4"),    # Monday, the first working day of 2027
    (dt.date(2027, 4, 1), True, "2027-Q1"),
    (dt.date(2027, 7, 1), True, "2027-Q2"),
    (dt.date(2026, 11, 2), False, "2026-Q3"),  # the first working day, but not of a quarter
])
def test_the_report_day(today, is_day, quarter):
    assert reports.is_report_day(today) is is_day
    assert reports.quarter_label(reports.quarter_to_report(today)) == quarter


# --- The job ---------------------------------------------------------------------------------------------


def _at(day: dt.date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 6, 40, tzinfo=STOCKHOLM), tick=False)


def test_the_job_makes_the_report_on_its_day_and_tells_the_staff(quarter, service_org):
    with _at(dt.date(2026, 9, 30)):
        assert quarterly_invoicing_report.delay().get() is None
    with _at(dt.date(2026, 10, 1)):
        result = quarterly_invoicing_report.delay().get()

    stored = ReportFile.objects.get()
    assert stored.kind == ReportFile.Kind.QUARTERLY_INVOICING and stored.period == "2026-Q3"
    assert result == {"report": stored.pk, **stored.summary, "mailed": 1}
    assert stored.summary["exceptions"] == 4
    with stored.file.open("rb") as handle:
        content = handle.read()
    assert content == reports.report_csv(reports.quarterly_invoicing_report(quarter_start=Q3))
    import hashlib

    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    [message] = mail.outbox
    assert message.to == [service_org.shared_mailbox_email]
    assert "2026-Q3" in message.subject and "2026-Q3" in message.body


def test_the_job_runs_once_a_quarter(quarter, service_org):
    with _at(dt.date(2026, 10, 1)):
        assert quarterly_invoicing_report.delay().get() is not None
        assert quarterly_invoicing_report.delay().get() is None  # beat fired twice: nothing the second time
    with _at(dt.date(2026, 10, 2)):
        assert quarterly_invoicing_report.delay().get() is None
    assert ReportFile.objects.count() == 1 and len(mail.outbox) == 1
    assert JobRun.objects.get(job="invoicing.quarterly_report").period == "2026-Q3"

    with _at(dt.date(2027, 1, 4)):
        assert quarterly_invoicing_report.delay().get()["report"]
    assert sorted(ReportFile.objects.values_list("period", flat=True)) == ["2026-Q3", "2026-Q4"]


def test_staff_can_make_a_quarter_again_and_it_replaces_the_file(quarter, service_org,
                                                                 django_capture_on_commit_callbacks):
    first = services.quarterly_report_store(quarter_start=Q3)
    old_name = first.file.name
    _invoice(quarter["missing_august"], AUG)
    with django_capture_on_commit_callbacks(execute=True):
        rerun(job="invoicing.quarterly_report", period="2026-Q3")

    stored = ReportFile.objects.get()
    assert stored.summary["exceptions"] == 3
    if stored.file.name != old_name:
        assert not stored.file.storage.exists(old_name)
