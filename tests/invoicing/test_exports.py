"""The files of an issued run: the print vendor's file and the ledger export (Agresso)."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import DeliveryChannel, RentalContract, RentLineKind
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused
from invoicing import exports, services
from invoicing.exports import LEDGER_COLUMNS, PRINT_COLUMNS
from invoicing.models import Invoice, RunKind
from tests.invoicing.factories import contract_with_rent

pytestmark = pytest.mark.django_db
DEC = dt.date(2026, 12, 1)
JAN = dt.date(2027, 1, 1)


def _issue(staff, period=DEC, kind=RunKind.RENT):
    run = services.run_for(period=period, kind=kind)
    run = services.run_prepare(run=run, actor=staff)
    run = services.run_approve(run=run, actor=staff)
    return services.run_issue(run=run, actor=staff)


def _parse(content: bytes) -> tuple[list[str], list[dict]]:
    assert not content.startswith(b"\xef\xbb\xbf")  # UTF-8 without a byte-order mark
    text = content.decode("utf-8")
    assert text.endswith("\r\n")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header, *rows = list(reader)
    return header, [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def small_run(staff, district):
    normal = contract_with_rent(organisation=district)
    normal.customer.care_of = "Anna Svensson"
    normal.customer.save()
    protected = contract_with_rent(organisation=district, rent=Decimal("4100.50"))
    person = protected.customer
    person.protected_identity = True
    person.street_address, person.postcode, person.town = "Hemliga gränd 7", "12733", "Skärholmen"
    person.save()
    digital = contract_with_rent(organisation=district, delivery_channel=DeliveryChannel.DIGITAL_MAILBOX)
    digital.rent_lines.create(kind=RentLineKind.SUPPLEMENT, description="Möblering", amount=Decimal("300.00"),
                              rent_year=2026)
    digital.rent_lines.create(kind=RentLineKind.DEDUCTION, description="Avdrag", amount=Decimal("250.25"),
                              rent_year=2026)
    run = _issue(staff)
    return run, {"normal": normal, "protected": protected, "digital": digital}


def test_print_vendor_file_has_one_record_per_invoice(small_run):
    run, contracts = small_run
    header, rows = _parse(exports.print_vendor_file(run))
    assert header == PRINT_COLUMNS
    assert len(rows) == 3
    by_number = {row["fakturanummer"]: row for row in rows}
    assert list(by_number) == sorted(by_number)  # in number order

    normal = Invoice.objects.get(contract=contracts["normal"])
    row = by_number[str(normal.number)]
    person = normal.customer
    assert row == {
        "fakturanummer": str(normal.number), "ocr": normal.ocr_reference, "mottagare": person.full_name,
        "adressrad1": "c/o Anna Svensson", "adressrad2": person.street_address,
        "postnummer": person.postcode, "ort": person.town, "skyddad_identitet": "0",
        "personnummer": "", "leveranssatt": "post", "epost": "", "belopp": "5400.00",
        "forfallodag": "2026-11-30", "period": "2026-12",
    }

    digital = Invoice.objects.get(contract=contracts["digital"])
    row = by_number[str(digital.number)]
    assert row["leveranssatt"] == "digital_mailbox"
    assert row["personnummer"] == digital.customer.personal_number  # the digital mailbox needs it
    assert row["adressrad1"] == digital.customer.street_address and row["adressrad2"] == ""
    assert row["belopp"] == "5449.75"


def test_a_protected_identity_has_no_address_and_is_flagged_for_forwarding(small_run):
    run, contracts = small_run
    content = exports.print_vendor_file(run)
    for secret in ("Hemliga gränd", "12733", "Skärholmen"):
        assert secret.encode() not in content
    _, rows = _parse(content)
    invoice = Invoice.objects.get(contract=contracts["protected"])
    [row] = [r for r in rows if r["fakturanummer"] == str(invoice.number)]
    assert row["skyddad_identitet"] == "1"
    assert row["adressrad1"] == row["adressrad2"] == row["postnummer"] == row["ort"] == row["epost"] == ""
    assert row["mottagare"] == invoice.customer.full_name
    # The tax agency forwards the letter by personal identity number (FACTS.md §8).
    assert row["personnummer"] == invoice.customer.personal_number
    assert row["belopp"] == "4100.50"


def test_ledger_file_has_one_row_per_invoice_line_summing_to_the_run(small_run, district):
    run, contracts = small_run
    header, rows = _parse(exports.ledger_file(run))
    assert header == LEDGER_COLUMNS
    invoices = list(Invoice.objects.filter(run=run))
    assert len(rows) == sum(inv.lines.count() for inv in invoices) == 5
    total = sum(inv.total for inv in invoices)
    assert sum(Decimal(row["belopp"]) for row in rows) == total == Decimal("14950.25")

    digital = Invoice.objects.get(contract=contracts["digital"])
    digital_rows = [r for r in rows if r["fakturanummer"] == str(digital.number)]
    assert sorted((r["konto"], r["belopp"], r["text"]) for r in digital_rows) == [
        ("3611", "5400.00", "Grundhyra"), ("3612", "300.00", "Möblering"), ("3613", "-250.25", "Avdrag")]
    for row in digital_rows:
        assert row["dokumenttyp"] == "invoice"
        assert row["fakturadatum"] == digital.issue_date.isoformat()
        assert row["period"] == "2026-12"
        assert row["organisation"] == district.code
        assert row["kund"] == f"P{digital.customer_id}"
        assert row["ocr"] == digital.ocr_reference


def test_an_internal_run_has_no_print_records_and_books_the_administration(staff, district):
    contract_with_rent(organisation=district, kind=RentalContract.Kind.VACANCY, customer=None)
    run = _issue(staff, kind=RunKind.INTERNAL)
    header, rows = _parse(exports.print_vendor_file(run))
    assert header == PRINT_COLUMNS and rows == []
    _, rows = _parse(exports.ledger_file(run))
    assert [(r["dokumenttyp"], r["kund"], r["organisation"], r["belopp"]) for r in rows] == [
        ("accounting_order", f"O{district.code}", district.code, "5400.00")]


def test_amounts_for_machines():
    assert exports.money(Decimal("5400")) == "5400.00"
    assert exports.money(Decimal("1234567.5")) == "1234567.50"
    assert exports.money(Decimal("-250.5")) == "-250.50"
    with pytest.raises(TypeError):
        exports.money(12.5)


def _queries(func, run) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func(run)
    return len(ctx.captured_queries)


def test_the_files_take_the_same_number_of_queries_for_10_and_200_invoices(staff, district):
    for _ in range(10):
        contract_with_rent(organisation=district)
    small = _issue(staff, period=DEC)
    for _ in range(190):
        contract_with_rent(organisation=district)
    large = _issue(staff, period=JAN)
    assert large.invoices.count() == 200

    for build in (exports.print_vendor_file, exports.ledger_file):
        assert _queries(build, small) == _queries(build, large)
    assert _queries(exports.ledger_file, large) <= 4


# --- Downloading through the service: audited ------------------------------------------------------------


def test_run_export_records_the_export_of_personal_data(small_run, staff):
    run, _ = small_run
    filename, content = services.run_export(actor=staff, run=run, which="print")
    assert filename == "tryckfil-rent-2026-12.csv"
    assert content == exports.print_vendor_file(run)
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.EXPORT)
    assert event.actor == staff and event.object_id == str(run.pk)
    assert event.changes == {"rows": 3}

    filename, content = services.run_export(actor=staff, run=run, which="ledger")
    assert filename == "agresso-rent-2026-12.csv"
    assert content == exports.ledger_file(run)
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.EXPORT).latest("pk").changes == {"rows": 5}


def test_run_export_refuses_a_run_that_is_not_issued_and_records_nothing(staff, district):
    contract_with_rent(organisation=district)
    run = services.run_prepare(run=services.run_for(period=DEC, kind=RunKind.RENT), actor=staff)
    with pytest.raises(TransitionRefused):
        services.run_export(actor=staff, run=run, which="print")
    with pytest.raises(ValueError):
        services.run_export(actor=staff, run=run, which="everything")
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.EXPORT).exists()
