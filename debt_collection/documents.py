"""The reminder as PDF (betalningspåminnelse).

WeasyPrint, imported lazily, renders ``templates/pdf/reminder.html`` in Swedish, as tagged PDF/UA-1
like the invoice (``invoicing.documents``, whose helpers it uses). What it shows: the recipient (no
address for a protected identity), the invoice reminded (number, period, its due date), what is left
to pay, the new "pay by" date, the city's bankgiro and the **original invoice's OCR reference** with a
payment QR code; and when a fee was charged, the fee as its own invoice with its own OCR reference and
the same date. Nothing is recorded in the audit trail here: the doors that serve the PDF record it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import dateformat
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import override

from invoicing import qr
from invoicing.documents import format_kronor, period_label, recipient_of
from invoicing.ocr import bankgiro_formatted, format_ocr

from .reminder_models import Reminder


def _date(value) -> str:
    with override("sv"):
        return dateformat.format(value, "j F Y") if value else ""


def _context(reminder: Reminder) -> dict:
    invoice = reminder.invoice
    due = reminder.new_due_date or invoice.due_date
    left = max(invoice.balance, Decimal("0.00"))
    qr_svg = ""
    if left > 0:
        payload = qr.payment_qr_payload(
            payee_name=settings.INVOICE_ISSUER_NAME, org_number=settings.INVOICE_ISSUER_ORG_NUMBER,
            reference=invoice.ocr_reference, due_date=due, amount=left, bankgiro=settings.BANKGIRO_NUMBER,
            invoice_date=invoice.issue_date)
        # Safe to mark: qrcode's own SVG markup, the payload is ASCII JSON and the title is XML-escaped.
        qr_svg = mark_safe(qr.payment_qr_svg(payload, title=_("QR code for payment")))  # noqa: S308
    fee_invoice = reminder.fee_invoice
    return {
        "reminder": reminder,
        "invoice": invoice,
        "issuer_name": settings.INVOICE_ISSUER_NAME,
        "issuer_org_number": settings.INVOICE_ISSUER_ORG_NUMBER,
        "recipient": recipient_of(invoice),
        "period": period_label(invoice.period),
        "sent_on": _date(reminder.sent_at.date() if reminder.sent_at else reminder.batch.proposed_on),
        "original_due_date": _date(invoice.due_date),
        "due_date": _date(due),
        "amount_due": format_kronor(left),
        "bankgiro": bankgiro_formatted(settings.BANKGIRO_NUMBER),
        "ocr": format_ocr(invoice.ocr_reference),
        "qr_svg": qr_svg,
        "fee": format_kronor(reminder.fee) if fee_invoice else "",
        "fee_number": fee_invoice.number if fee_invoice else "",
        "fee_ocr": format_ocr(fee_invoice.ocr_reference) if fee_invoice else "",
        "fee_due_date": _date(fee_invoice.due_date) if fee_invoice else "",
    }


def reminder_html(reminder: Reminder) -> str:
    reminder = (Reminder.objects.select_related("batch", "invoice__customer", "invoice__organisation",
                                                "fee_invoice").get(pk=reminder.pk))
    with override("sv"):
        return render_to_string("pdf/reminder.html", _context(reminder))


def render_reminder_pdf(reminder: Reminder) -> bytes:
    from weasyprint import HTML  # lazy: heavy import, only in workers and on demand

    return HTML(string=reminder_html(reminder), base_url=str(settings.BASE_DIR)).write_pdf(
        pdf_variant="pdf/ua-1")
