"""The invoice PDF (hyresavi): its content, the protected identity, PDF/UA tagging, the payment QR code,
and the stored copy that is served again until what it shows changes."""

import datetime as dt
import hashlib
import io
import json
import logging
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils.translation import gettext, override
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from contracts.models import RentalContract, RentLineKind
from invoicing import documents, services
from invoicing.models import Invoice, RunKind
from invoicing.ocr import bankgiro_formatted
from invoicing.qr import payment_qr_svg
from invoicing.tasks import render_invoice_pdf
from tests.invoicing.factories import contract_with_rent

pytestmark = pytest.mark.django_db
DEC = dt.date(2026, 12, 1)


def _issue(staff, period=DEC, kind=RunKind.RENT):
    run = services.run_for(period=period, kind=kind)
    run = services.run_prepare(run=run, actor=staff)
    run = services.run_approve(run=run, actor=staff)
    return services.run_issue(run=run, actor=staff)


def _text(pdf: bytes) -> str:
    """The PDF's text with no-break spaces as plain spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ")


@pytest.fixture
def rent_invoice(staff, district):
    contract = contract_with_rent(organisation=district, rent=Decimal("12345.50"))
    contract.rent_lines.create(kind=RentLineKind.SUPPLEMENT, description="Möblering", amount=Decimal("300.00"),
                               rent_year=2026)
    contract.rent_lines.create(kind=RentLineKind.DEDUCTION, description="Avdrag balkong",
                               amount=Decimal("250.50"), rent_year=2026)
    services.invoice_note_add(actor=staff, contract=contract, text="Hyran ändras från 1 januari.",
                              first_period=DEC)
    run = _issue(staff)
    return run.invoices.get()


# --- Formatting -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "text"), [
    (Decimal("5400"), "5 400,00 kr"),
    (Decimal("5400.00"), "5 400,00 kr"),
    (Decimal("1234567.5"), "1 234 567,50 kr"),
    (Decimal("999.99"), "999,99 kr"),
    (Decimal("0"), "0,00 kr"),
    (Decimal("-250.50"), "\u2212250,50 kr"),
    (Decimal("-1250"), "\u22121 250,00 kr"),
])
def test_amounts_are_written_the_swedish_way(amount, text):
    assert documents.format_kronor(amount).replace("\u00a0", " ") == text
    assert " " not in documents.format_kronor(amount)  # no-break spaces only: never split over lines


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        documents.format_kronor(5400.0)


def test_period_is_the_swedish_month():
    assert documents.period_label(DEC) == "december 2026"
    assert documents.period_label(dt.date(2027, 3, 1)) == "mars 2027"


# --- What the PDF shows ---------------------------------------------------------------------------------


def test_the_pdf_shows_everything_needed_to_pay(rent_invoice):
    invoice = rent_invoice
    text = _text(documents.get_or_render_invoice_pdf(invoice))

    assert str(invoice.number) in text
    assert invoice.ocr_reference in text
    assert "2026-11-30" in text  # due date: the last working day before December
    assert invoice.issue_date.isoformat() in text
    assert "december 2026" in text
    assert invoice.total == Decimal("12395.00")
    assert "12 395,00 kr" in text
    assert bankgiro_formatted(settings.BANKGIRO_NUMBER) in text
    assert settings.INVOICE_ISSUER_NAME in text and settings.INVOICE_ISSUER_ORG_NUMBER in text
    for description, amount in [("Grundhyra", "12 345,50 kr"), ("Möblering", "300,00 kr"),
                                ("Avdrag balkong", "\u2212250,50 kr")]:
        assert description in text and amount in text
    assert "Hyran ändras från 1 januari." in text  # the invoice note (avispecifikation)
    person = invoice.customer
    assert person.full_name in text and person.street_address in text
    assert f"{person.postcode} {person.town}" in text


def test_a_protected_identity_gets_no_address_on_the_pdf(staff, district):
    contract = contract_with_rent(organisation=district)
    person = contract.customer
    person.protected_identity = True
    person.street_address, person.care_of, person.postcode, person.town = (
        "Hemliga gränd 7", "Skyddad Boende", "12733", "Skärholmen")
    person.save()
    invoice = _issue(staff).invoices.get()

    text = _text(documents.get_or_render_invoice_pdf(invoice))

    assert person.full_name in text
    for secret in ("Hemliga gränd", "Skyddad Boende", "12733", "Skärholmen",
                   contract.rental_object.street_address, contract.rental_object.postcode):
        assert secret not in text
    # Everything needed to pay is still there.
    assert invoice.ocr_reference in text and "5 400,00 kr" in text


def _struct_figures(node, seen=None):
    """The alternative texts of every /Figure in the structure tree."""
    seen = set() if seen is None else seen
    if isinstance(node, IndirectObject):
        if node.idnum in seen:
            return []
        seen.add(node.idnum)
        node = node.get_object()
    found = []
    if isinstance(node, DictionaryObject):
        if node.get("/S") == "/Figure":
            found.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        if kids is not None:
            for kid in kids if isinstance(kids, list) else [kids]:
                found += _struct_figures(kid, seen)
    elif isinstance(node, list):
        for kid in node:
            found += _struct_figures(kid, seen)
    return found


def test_the_pdf_is_tagged_pdf_ua(rent_invoice, caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = documents.get_or_render_invoice_pdf(rent_invoice)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []

    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "sv"
    metadata = catalog["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in metadata
    assert f"{rent_invoice.number}</rdf:li>" in metadata  # dc:title
    with override("sv"):
        alt = gettext("QR code for payment")
    assert _struct_figures(catalog["/StructTreeRoot"]) == [alt]  # the QR code, with its text


# --- The payment QR code --------------------------------------------------------------------------------


def test_the_qr_payload_matches_the_invoice(rent_invoice):
    invoice = rent_invoice
    payload = documents.invoice_qr_payload(invoice)
    assert json.loads(payload) == {
        "uqr": 1, "tp": 1, "nme": settings.INVOICE_ISSUER_NAME, "cid": settings.INVOICE_ISSUER_ORG_NUMBER,
        "iref": invoice.ocr_reference, "idt": invoice.issue_date.strftime("%Y%m%d"), "ddt": "20261130",
        "due": 12395, "pt": "BG", "acc": bankgiro_formatted(settings.BANKGIRO_NUMBER),
    }
    # The code printed on the invoice is the code of that payload.
    with override("sv"):
        svg = payment_qr_svg(payload, title=gettext("QR code for payment"))
    assert svg in documents.invoice_html(invoice)


def test_a_partly_paid_invoice_asks_for_what_is_left(rent_invoice):
    Invoice.objects.filter(pk=rent_invoice.pk).update(balance=Decimal("395.00"),
                                                      state=Invoice.State.PARTLY_PAID)
    invoice = Invoice.objects.get(pk=rent_invoice.pk)
    assert json.loads(documents.invoice_qr_payload(invoice))["due"] == 395
    text = _text(documents.get_or_render_invoice_pdf(invoice))
    assert "12 395,00 kr" in text and "12 000,00 kr" in text and "395,00 kr" in text


@pytest.mark.parametrize("state", [Invoice.State.PAID, Invoice.State.CANCELLED, Invoice.State.CREDITED,
                                   Invoice.State.AT_COLLECTION])
def test_no_qr_code_when_nothing_is_to_be_paid_to_the_city(rent_invoice, state):
    balance = Decimal("0.00") if state != Invoice.State.AT_COLLECTION else rent_invoice.balance
    Invoice.objects.filter(pk=rent_invoice.pk).update(balance=balance, state=state)
    invoice = Invoice.objects.get(pk=rent_invoice.pk)
    assert documents.invoice_qr_payload(invoice) is None
    assert "<svg" not in documents.invoice_html(invoice)


def test_an_accounting_order_is_addressed_to_the_administration_and_has_no_qr_code(staff, district):
    contract = contract_with_rent(organisation=district, kind=RentalContract.Kind.VACANCY, customer=None)
    invoice = _issue(staff, kind=RunKind.INTERNAL).invoices.get()
    assert invoice.document_type == Invoice.DocumentType.ACCOUNTING_ORDER and invoice.contract == contract

    assert documents.invoice_qr_payload(invoice) is None
    html = documents.invoice_html(invoice)
    assert "<svg" not in html
    text = _text(documents.get_or_render_invoice_pdf(invoice))
    assert district.name in text
    assert str(invoice.number) in text and "5 400,00 kr" in text
    assert bankgiro_formatted(settings.BANKGIRO_NUMBER) not in text
    with override("sv"):
        assert gettext("Accounting order") in text


# --- Stored and served again ----------------------------------------------------------------------------


@pytest.fixture
def renders(monkeypatch):
    """Counts WeasyPrint renderings, rendering for real."""
    import weasyprint

    calls = []
    real = weasyprint.HTML.write_pdf

    def counting(self, *args, **kwargs):
        calls.append(kwargs.get("pdf_variant"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", counting)
    return calls


def test_the_pdf_is_stored_with_its_checksum_and_served_again(rent_invoice, renders):
    first = documents.get_or_render_invoice_pdf(rent_invoice)
    assert renders == ["pdf/ua-1"]
    invoice = Invoice.objects.get(pk=rent_invoice.pk)
    assert invoice.pdf.name.endswith(".pdf") and invoice.pdf_rendered_at is not None
    assert invoice.pdf_sha256 == hashlib.sha256(first).hexdigest()

    second = documents.get_or_render_invoice_pdf(Invoice.objects.get(pk=rent_invoice.pk))
    assert second == first
    assert renders == ["pdf/ua-1"]  # not rendered again


def test_a_payment_renders_it_again_without_the_qr_code(rent_invoice, renders,
                                                         django_capture_on_commit_callbacks):
    documents.get_or_render_invoice_pdf(rent_invoice)
    old = Invoice.objects.get(pk=rent_invoice.pk).pdf
    Invoice.objects.filter(pk=rent_invoice.pk).update(balance=Decimal("0.00"), state=Invoice.State.PAID)

    with django_capture_on_commit_callbacks(execute=True):
        pdf = documents.get_or_render_invoice_pdf(rent_invoice)

    assert len(renders) == 2
    invoice = Invoice.objects.get(pk=rent_invoice.pk)
    assert invoice.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert _struct_figures(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"]) == []
    if invoice.pdf.name != old.name:
        assert not old.storage.exists(old.name)  # the stale file is not left behind


def test_a_protected_identity_given_later_renders_it_again_without_the_address(rent_invoice, renders):
    person = rent_invoice.customer
    assert person.street_address in _text(documents.get_or_render_invoice_pdf(rent_invoice))
    person.protected_identity = True
    person.save()

    text = _text(documents.get_or_render_invoice_pdf(rent_invoice))
    assert len(renders) == 2
    assert person.street_address not in text and person.full_name in text


def test_a_damaged_stored_file_is_rendered_again(rent_invoice, renders):
    documents.get_or_render_invoice_pdf(rent_invoice)
    invoice = Invoice.objects.get(pk=rent_invoice.pk)
    with invoice.pdf.storage.open(invoice.pdf.name, "wb") as handle:
        handle.write(b"%PDF-1.7 not the file that was stored")

    pdf = documents.get_or_render_invoice_pdf(invoice)
    assert len(renders) == 2 and pdf.startswith(b"%PDF")
    assert Invoice.objects.get(pk=invoice.pk).pdf_sha256 == hashlib.sha256(pdf).hexdigest()


def test_the_task_renders_and_stores_once(rent_invoice, renders):
    result = render_invoice_pdf.delay(rent_invoice.pk).get()
    invoice = Invoice.objects.get(pk=rent_invoice.pk)
    assert result == {"invoice": invoice.pk, "sha256": invoice.pdf_sha256}
    assert render_invoice_pdf.delay(rent_invoice.pk).get() == result
    assert len(renders) == 1
    with invoice.pdf.open("rb") as handle:
        assert documents.get_or_render_invoice_pdf(invoice) == handle.read()
