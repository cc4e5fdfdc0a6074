"""The unpaid-rent report's numbers against a hand-built ledger (``unpaid_report_ledger``), its rows
(masked personal identity numbers, no address for a protected identity, representatives), the files
(XLSX opened with openpyxl, PDF read with pdftotext), storing and replacing, and the e-mail."""

from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation

from contracts.models import HousingForm
from debt_collection import report_documents, unpaid_report
from debt_collection.models import UnpaidReport
from hyresadmin.models import AuditEvent
from tests.debt_collection.unpaid_report_ledger import DEC, MONTH, NOV, REPORT_DAY, at, build_ledger
from tests.factories import OrganisationFactory

D = Decimal


def sv(text: str) -> str:
    """A message as the Swedish report prints it (the English id if the translations are not compiled)."""
    with translation.override("sv"):
        return translation.gettext(text)


@pytest.fixture
def ledger(staff, district, other_district):
    return build_ledger(staff=staff, district=district, other_district=other_district)


def _data(organisation, report_date=REPORT_DAY):
    rows = unpaid_report.unpaid_rows(report_date=report_date)
    return unpaid_report.report_data(organisation=organisation, month=MONTH, report_date=report_date, rows=rows)


def _make(actor="test", **kwargs):
    with at(REPORT_DAY):
        return unpaid_report.unpaid_reports_make(actor=actor, month=MONTH, report_date=REPORT_DAY, **kwargs)


# --- What is unpaid, and the numbers -------------------------------------------------------------------


def test_the_districts_numbers_match_the_ledger(ledger, district, other_district):
    data = _data(district)
    assert [(row.customer_name, row.period, row.balance) for row in data.rows] == [
        ("Karin Berg", NOV, D("5400.00")),
        ("Karin Berg", DEC, D("4000.00")),
        ("Lars Holm", NOV, D("5500.00")),
        ("Sara Dold", DEC, D("3000.00")),
    ]
    assert data.total == D("17900.00")
    assert data.invoice_count == 4
    assert data.customer_count == 3
    groups = {g.housing_form: (g.invoice_count, g.customer_count, g.total) for g in data.groups}
    assert groups == {HousingForm.CARE_HOME: (2, 1, D("9400.00")),
                      HousingForm.SERVICE_HOUSE: (1, 1, D("5500.00")),
                      HousingForm.FOT: (1, 1, D("3000.00"))}
    # Groups in the order of the housing forms, and the sum of the groups is the district's total.
    assert [g.housing_form for g in data.groups] == [HousingForm.CARE_HOME, HousingForm.SERVICE_HOUSE,
                                                     HousingForm.FOT]
    assert sum(g.total for g in data.groups) == data.total

    other = _data(other_district)
    assert [(row.customer_name, row.balance) for row in other.rows] == [("Maria Ek", D("4500.00"))]


def test_paid_cancelled_and_not_yet_due_invoices_are_not_listed(ledger, district):
    listed = {row.invoice_id for row in _data(district).rows}
    assert ledger.invoices["karin_jan"].pk not in listed  # due 30 December: not yet due
    assert ledger.invoices["karin_jan"].balance > 0
    # On the invoice's due date it is not yet overdue; the day after it is.
    jan = ledger.invoices["karin_jan"]
    on_due = unpaid_report.unpaid_rows(report_date=jan.due_date)
    after_due = unpaid_report.unpaid_rows(report_date=jan.due_date.replace(day=31))
    assert jan.pk not in {r.invoice_id for r in on_due}
    assert jan.pk in {r.invoice_id for r in after_due}


def test_a_row_shows_what_the_district_needs_and_masks_the_rest(ledger, district):
    rows = {(row.customer_name, row.period): row for row in _data(district).rows}
    karin = rows[("Karin Berg", DEC)]
    assert karin.personal_number == "19410304-****"
    assert ledger.karin.personal_number[8:] not in karin.personal_number
    assert karin.address == "Bergvägen 1, 11726 Stockholm"
    assert karin.due_date.isoformat() == "2026-11-30"
    assert karin.days_overdue == 10
    assert karin.state == "partly_paid"
    assert karin.invoice_number == ledger.invoices["karin_dec"].number
    # Representatives valid on the report day, with their kind; the one whose term ended is not shown.
    assert [(rep.name, rep.kind) for rep in karin.representatives] == [
        ("Eva Socialsekreterare", "social_secretary"), ("Olle Godman", "trustee")]
    assert rows[("Karin Berg", NOV)].days_overdue == 41
    assert rows[("Lars Holm", NOV)].state == "at_collection"

    sara = rows[("Sara Dold", DEC)]
    assert sara.protected_identity
    assert sara.address == ""
    assert sara.state == "reminded"


def test_the_rows_are_read_in_two_queries_whatever_their_number(ledger, staff, district,
                                                                django_assert_num_queries):
    with django_assert_num_queries(2):
        few = unpaid_report.unpaid_rows(report_date=REPORT_DAY, organisation_ids=[district.pk])
    from tests.debt_collection.unpaid_report_ledger import _contract
    from tests.factories import PersonFactory, RepresentativeFactory
    from tests.invoicing.factories import issue_rent_run

    others = OrganisationFactory()
    with at(REPORT_DAY.replace(day=1)):
        for i in range(6):
            person = PersonFactory(affiliation=others)
            RepresentativeFactory(person=person)
            _contract(organisation=others, customer=person, rent=f"{4000 + i}.00",
                      housing_form=HousingForm.GROUP_HOME)
    with at(REPORT_DAY.replace(day=2)):
        issue_rent_run(period=MONTH.replace(year=2027, month=2), actor=staff)  # not due: adds rows later
    with django_assert_num_queries(2):
        many = unpaid_report.unpaid_rows(report_date=MONTH.replace(year=2027, month=3))
    assert len(many) > len(few) + 6


# --- Storing, replacing, the audit trail and the e-mail ------------------------------------------------


def test_the_job_stores_one_report_per_district_with_files_numbers_and_checksums(ledger, district,
                                                                                 other_district):
    import hashlib

    reports = {r.organisation_id: r for r in _make()}
    assert set(reports) == {district.pk, other_district.pk}
    report = reports[district.pk]
    assert (report.month, report.report_date) == (MONTH, REPORT_DAY)
    assert (report.invoice_count, report.customer_count, report.total) == (4, 3, D("17900.00"))
    assert report.summary["housing_forms"][0] == {"housing_form": "care_home", "invoices": 2, "customers": 1,
                                                  "total": "9400.00"}
    for field, checksum in (("pdf", report.pdf_sha256), ("xlsx", report.xlsx_sha256)):
        with getattr(report, field).open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == checksum
    assert AuditEvent.objects.for_object(report).filter(event_type=AuditEvent.Type.CREATE).count() == 1


def test_a_district_without_contracts_or_unpaid_rents_gets_no_report(ledger):
    quiet = OrganisationFactory()
    assert quiet.pk not in {r.organisation_id for r in _make()}


def test_made_again_the_report_replaces_the_months_report(ledger, staff, district,
                                                         django_capture_on_commit_callbacks):
    first = next(r for r in _make() if r.organisation_id == district.pk)
    old_pdf = first.pdf.name
    from debt_collection.report_models import UnpaidReport as Model
    from tests.invoicing.factories import set_invoice_state

    set_invoice_state(ledger.invoices["sara_dec"], "paid", balance=D("0.00"))
    with at(REPORT_DAY.replace(day=11)), django_capture_on_commit_callbacks(execute=True):
        again = unpaid_report.unpaid_reports_make(actor=staff, month=MONTH, organisation_ids=[district.pk])
    assert [r.pk for r in again] == [first.pk]
    assert Model.objects.filter(organisation=district, month=MONTH).count() == 1
    report = Model.objects.get(pk=first.pk)
    assert (report.invoice_count, report.total, report.made_by) == (3, D("14900.00"), staff)
    assert report.report_date == REPORT_DAY.replace(day=11)
    assert report.pdf.name != old_pdf
    assert not first.pdf.storage.exists(old_pdf)  # the replaced file is deleted after commit
    assert AuditEvent.objects.for_object(report).filter(event_type=AuditEvent.Type.UPDATE).exists()


def test_a_month_cannot_be_made_before_its_report_day(ledger):
    with pytest.raises(ValueError), at(REPORT_DAY):
        unpaid_report.unpaid_reports_make(actor="test", month=MONTH, report_date=REPORT_DAY.replace(day=9))
    assert not UnpaidReport.objects.exists()


def test_the_officers_are_told_by_e_mail_with_a_link_and_nothing_personal(
        ledger, district, officer, other_officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reports = {r.organisation_id: r for r in _make()}
    report = UnpaidReport.objects.get(pk=reports[district.pk].pk)
    to_district = [m for m in mail.outbox if officer.email in m.to]
    assert len(to_district) == 1
    message = to_district[0]
    assert other_officer.email not in message.to
    assert "2026-12" in message.subject
    assert f"/forvaltning/obetalda-hyror/{report.pk}/" in message.body
    for personal in ("Karin", "Berg", "Sara", "Dold", "19410304", "Bergvägen", "Olle"):
        assert personal not in message.body
    assert report.notified_at is not None


def test_without_officers_the_shared_mailbox_is_told(ledger, district, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _make(organisation_ids=[district.pk])
    assert [m.to for m in mail.outbox] == [[district.shared_mailbox_email]]


# --- The files -----------------------------------------------------------------------------------------


def test_the_xlsx_opens_and_has_the_rows_and_numbers(ledger, district):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(report_documents.report_xlsx(_data(district))))
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(values) if row and row[1] == sv("Customer"))
    body = values[header_index + 1:]
    balances = [row[10] for row in body if row[2]]  # rows with a personal identity number
    assert sorted(D(str(b)) for b in balances) == sorted(D(x) for x in ("5400.00", "4000.00", "5500.00",
                                                                        "3000.00"))
    total_row = body[-1]
    assert total_row[0] == sv("Total for the administration")
    assert (total_row[6], D(str(total_row[10]))) == (4, D("17900.00"))
    sara = next(row for row in body if row[1] == "Sara Dold")
    assert sara[5] == sv("Protected identity: no address")
    assert "Dold" not in " ".join(str(v) for row in body if row[1] != "Sara Dold" for v in row if v)
    karin = next(row for row in body if row[1] == "Karin Berg" and row[7] == "2026-12")
    assert karin[2] == "19410304-****"
    assert karin[12] == (f"Eva Socialsekreterare ({sv('Social secretary')}); "
                         f"Olle Godman ({sv('Trustee (god man)')})")
    assert karin[9] == 10
    summary = book.worksheets[1]
    rows = list(summary.iter_rows(values_only=True))
    assert rows[-1][1:3] == (3, 4)
    assert D(str(rows[-1][3])) == D("17900.00")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_pdf_renders_with_the_rows_and_totals_and_no_protected_address(ledger, district, tmp_path):
    pdf = report_documents.report_pdf(_data(district))
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split()).replace("\u00a0", " ")
    assert district.name in flat
    for expected in ("Karin Berg", "19410304-****", "Bergvägen 1", "Olle Godman", sv("Trustee (god man)"),
                     "17 900,00 kr", "9 400,00 kr", sv("Protected identity: no address"), sv("At collection")):
        assert expected in flat, expected
    assert "Doldvägen" not in flat
    assert ledger.karin.personal_number[8:] not in flat.replace("19410304-****", "")
