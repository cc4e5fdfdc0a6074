"""The invoice as PDF (hyresavi, or an accounting order to an administration).

WeasyPrint, imported lazily, renders ``templates/pdf/invoice.html`` in Swedish with an explicit base
URL and the DejaVu fonts (å ä ö), as tagged PDF/UA-1 since citizens receive it.

``get_or_render_invoice_pdf(invoice)`` is what the doors call: it renders the PDF the first time, stores
it on the invoice with its SHA-256, and returns the stored bytes afterwards. An issued invoice never
changes, but two things printed on it can: the recipient's address (a customer moves, or is given a
protected identity) and what is left to pay (a payment came in, the invoice was credited). A checksum
of those inputs is stored beside the file (``Invoice.pdf_key``); when it no longer matches, the PDF is
rendered afresh, so a PDF never shows an address that must not be printed, nor a payment QR code for
an invoice that is paid.

What the PDF shows (business rules here, the template only lays them out):

* the sender: the city (``INVOICE_ISSUER_NAME``, ``INVOICE_ISSUER_ORG_NUMBER``), service administration;
* the recipient: the customer's name and postal address, **no address for a protected identity**
  (``Person.postal_address_lines`` is empty then; the print vendor routes such letters through the
  tax agency, FACTS.md §8); for an accounting order, the administration charged;
* number, invoice date, period ("december 2026"), lines, invoice notes (avispecifikation), total,
  due date;
* for an invoice with something left to pay: the city's bankgiro, the OCR reference and the payment
  QR code (UsingQR, ``qr.py``). No QR code on an accounting order (it is booked in the city's ledger,
  not paid) nor when nothing is left to pay.

Nothing is recorded in the audit trail here: the doors that serve the PDF record the download.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import dateformat
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import override

from . import qr
from .models import Invoice, RunKind
from .ocr import bankgiro_formatted, format_ocr

logger = logging.getLogger(__name__)

__all__ = [
    "amount_due",
    "format_kronor",
    "get_or_render_invoice_pdf",
    "invoice_html",
    "invoice_pdf_key",
    "invoice_qr_payload",
    "period_label",
    "recipient_of",
    "render_invoice_pdf",
    "stored_pdf",
]

#: Bumped when the layout changes in a way that must reach PDFs already stored.
LAYOUT_VERSION = 1

#: States in which the city's bankgiro is the place to pay. At collection the claim is with the agency.
PAYABLE_STATES = (Invoice.State.ISSUED, Invoice.State.PARTLY_PAID, Invoice.State.OVERDUE,
                  Invoice.State.REMINDED)

NBSP = "\u00a0"
MINUS = "\u2212"


# --- Pure helpers --------------------------------------------------------------------------------------


def format_kronor(amount: Decimal) -> str:
    """Swedish money: a space between thousands, a decimal comma, "kr" (``5 400,00 kr``).

    The spaces are no-break spaces, so that an amount never breaks over two lines; a negative amount
    (a deduction) has a real minus sign. Decimal only: a float is refused.
    """
    if isinstance(amount, bool) or not isinstance(amount, Decimal):
        raise TypeError(f"An amount must be a Decimal, got {type(amount).__name__}.")
    text = f"{abs(amount.quantize(Decimal('0.01'))):,.2f}"  # exact for Decimal: "5,400.00"
    text = text.replace(",", NBSP).replace(".", ",")
    sign = MINUS if amount < 0 else ""
    return f"{sign}{text}{NBSP}kr"


def period_label(period: date) -> str:
    """The month in Swedish, as printed: ``december 2026``."""
    with override("sv"):
        return dateformat.format(period, "F Y")


@dataclass(frozen=True)
class Recipient:
    name: str
    address_lines: tuple[str, ...]  # below the name; empty for a protected identity
    protected_identity: bool = False


def recipient_of(invoice: Invoice) -> Recipient:
    """Who the document is addressed to, with the address lines that may be printed."""
    customer = invoice.customer
    if invoice.document_type == Invoice.DocumentType.ACCOUNTING_ORDER or customer is None:
        organisation = invoice.organisation
        return Recipient(name=organisation.name, address_lines=())
    lines = customer.postal_address_lines()  # [] for a protected identity; else name first
    return Recipient(name=customer.full_name, address_lines=tuple(lines[1:]),
                     protected_identity=customer.protected_identity)


def amount_due(invoice: Invoice) -> Decimal:
    """What is left to pay to the city's bankgiro: the balance of an open invoice, else nothing."""
    if invoice.document_type != Invoice.DocumentType.INVOICE or invoice.state not in PAYABLE_STATES:
        return Decimal("0.00")
    return max(invoice.balance, Decimal("0.00"))


def invoice_qr_payload(invoice: Invoice) -> str | None:
    """The payment QR code's payload for ``invoice`` (UsingQR JSON), or None when no code is printed:
    an accounting order, or nothing left to pay."""
    due = amount_due(invoice)
    if due <= 0:
        return None
    return qr.payment_qr_payload(
        payee_name=settings.INVOICE_ISSUER_NAME,
        org_number=settings.INVOICE_ISSUER_ORG_NUMBER,
        reference=invoice.ocr_reference,
        due_date=invoice.due_date,
        amount=due,
        bankgiro=settings.BANKGIRO_NUMBER,
        invoice_date=invoice.issue_date,
    )


def invoice_pdf_key(invoice: Invoice) -> str:
    """A checksum of what may change on an issued invoice's PDF; a stored PDF with another key is stale."""
    recipient = recipient_of(invoice)
    inputs = {
        "layout": LAYOUT_VERSION,
        "state": invoice.state,
        "balance": str(invoice.balance),
        "recipient": [recipient.name, *recipient.address_lines],
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


# --- Rendering -----------------------------------------------------------------------------------------


def _with_relations(invoice: Invoice) -> Invoice:
    return (Invoice.objects.select_related("customer", "organisation", "contract",
                                          "contract__rental_object")
            .prefetch_related("lines").get(pk=invoice.pk))


def _title(invoice: Invoice) -> str:
    if invoice.document_type == Invoice.DocumentType.ACCOUNTING_ORDER:
        return _("Accounting order")
    if invoice.kind == RunKind.RENT:
        return _("Rent invoice")
    return _("Invoice")


def _context(invoice: Invoice) -> dict:
    """Everything the template prints, formatted (call inside ``override("sv")``)."""
    due = amount_due(invoice)
    payload = invoice_qr_payload(invoice)
    qr_svg = ""
    if payload:
        # Safe to mark: qrcode's own SVG markup, the payload is ASCII JSON and the title is XML-escaped.
        qr_svg = mark_safe(qr.payment_qr_svg(payload, title=_("QR code for payment")))  # noqa: S308
    paid = invoice.total - invoice.balance
    is_invoice = invoice.document_type == Invoice.DocumentType.INVOICE
    return {
        "invoice": invoice,
        "title": _title(invoice),
        "is_invoice": is_invoice,
        "is_rent": invoice.kind == RunKind.RENT,
        "issuer_name": settings.INVOICE_ISSUER_NAME,
        "issuer_org_number": settings.INVOICE_ISSUER_ORG_NUMBER,
        "recipient": recipient_of(invoice),
        "period": period_label(invoice.period),
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "lines": [{"description": line.description, "amount": format_kronor(line.amount)}
                  for line in invoice.lines.all()],
        "notes": [text for text in invoice.notes.splitlines() if text.strip()],
        "total": format_kronor(invoice.total),
        "paid": format_kronor(paid) if is_invoice and 0 < paid else "",
        "amount_due": format_kronor(due),
        "to_pay": due > 0,
        "status": "" if invoice.state == Invoice.State.ISSUED else invoice.get_state_display(),
        "bankgiro": bankgiro_formatted(settings.BANKGIRO_NUMBER),
        "ocr": format_ocr(invoice.ocr_reference),
        "qr_svg": qr_svg,
        "contract_number": invoice.contract.number if invoice.contract_id else "",
        "object_address": (invoice.contract.rental_object.street_address
                           if invoice.contract_id and invoice.kind == RunKind.RENT else ""),
    }


def _html(invoice: Invoice) -> str:
    with override("sv"):
        return render_to_string("pdf/invoice.html", _context(invoice))


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # lazy: heavy import, only in workers and on demand

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(pdf_variant="pdf/ua-1")


def invoice_html(invoice: Invoice) -> str:
    """The invoice as the HTML that WeasyPrint renders (Swedish)."""
    return _html(_with_relations(invoice))


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """Render the invoice as tagged PDF/UA-1, without storing it."""
    return _pdf(invoice_html(invoice))


def stored_pdf(invoice: Invoice, *, key: str) -> bytes | None:
    """The PDF stored on ``invoice`` if it was rendered for ``key`` and is intact; else None."""
    if not invoice.pdf or not invoice.pdf_sha256 or invoice.pdf_key != key:
        return None
    try:
        with invoice.pdf.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        logger.warning("invoice %s: stored PDF missing, rendering it again", invoice.pk)
        return None
    if hashlib.sha256(content).hexdigest() != invoice.pdf_sha256:
        logger.warning("invoice %s: stored PDF does not match its checksum, rendering it again", invoice.pk)
        return None
    return content


def get_or_render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice's PDF: the stored one when it is current, else rendered now and stored.

    The name and signature are what the API and the citizen page call; keep them.
    """
    from . import services

    invoice = _with_relations(invoice)
    key = invoice_pdf_key(invoice)
    content = stored_pdf(invoice, key=key)
    if content is not None:
        return content
    content = _pdf(_html(invoice))
    return services.invoice_store_pdf(invoice=invoice, pdf=content, key=key)
