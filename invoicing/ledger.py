"""The customer ledger (kundreskontra) of one person: every invoice, payment, allocation and credit
balance entry, in date order, with a running balance. Read only; a selector.

The balance is what the customer owes: an invoice adds its total (a debit); money put on an invoice
from a payment, money put on an invoice from the credit balance (an offset), and the part of a credit
note or cancellation that lowered the invoice's balance take it away (credits). The credit balance is
part of the ledger too: money paid in beyond an invoice (``CustomerCredit`` entries from a payment),
the already-paid part of a credited invoice, and a refund given back are credits; using the credit
balance (an offset against an invoice) and a refund reserved for the payee are debits. So the running
balance ends at Σ open balances of the customer's invoices − the customer's credit balance; below zero
the customer has money to get back.

Dates: an invoice its invoice date, a payment (and the credit entries it made) its payment date, a
credit note its credit date, an offset or a refund the day it was made. Four queries whatever the
number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hyresadmin import permissions

from .models import Allocation, CreditNote, CustomerCredit, Invoice, Payment

ZERO = Decimal("0.00")


class Kind:
    INVOICE = "invoice"
    PAYMENT = "payment"
    CREDIT = "credit"
    CREDIT_USED = "credit_used"
    OFFSET = "offset"
    CREDIT_NOTE = "credit_note"
    CANCELLATION = "cancellation"
    CREDIT_NOTE_TO_BALANCE = "credit_note_to_balance"
    REFUND = "refund"
    REFUND_RETURNED = "refund_returned"

    choices = [
        (INVOICE, "Invoice"),
        (PAYMENT, "Payment to an invoice"),
        (CREDIT, "Payment to the credit balance"),
        (CREDIT_USED, "Credit balance used"),
        (OFFSET, "Credit balance offset against an invoice"),
        (CREDIT_NOTE, "Credit note (the part that lowered the invoice's balance)"),
        (CANCELLATION, "Cancellation of an invoice"),
        (CREDIT_NOTE_TO_BALANCE, "Credit note: the part already paid, to the credit balance"),
        (REFUND, "Refund reserved from the credit balance for the payee"),
        (REFUND_RETURNED, "Refund not paid out: back to the credit balance"),
    ]

    #: The rows that move the credit balance: their credits less their debits is the credit balance.
    CREDIT_BALANCE = frozenset({CREDIT, CREDIT_USED, CREDIT_NOTE_TO_BALANCE, REFUND, REFUND_RETURNED})


@dataclass(frozen=True)
class LedgerRow:
    date: date
    kind: str
    text: str
    reference: str
    debit: Decimal
    credit: Decimal
    balance: Decimal
    invoice_id: int | None = None
    payment_id: int | None = None


def _local_date(moment) -> date:
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def ledger_for(person) -> list[LedgerRow]:
    """The ledger rows of ``person`` (a ``Person`` or its id), oldest first, with a running balance."""
    person_id = getattr(person, "pk", person)
    entries: list[tuple] = []  # (sort key, kind, text, reference, debit, credit, invoice_id, payment_id)

    invoices = Invoice.objects.filter(customer_id=person_id).order_by("pk")
    for invoice in invoices:
        entries.append(((invoice.issue_date, 0, invoice.pk, 0), Kind.INVOICE,
                        _("Invoice %(number)s, %(period)s") % {"number": invoice.number,
                                                                "period": invoice.period_label},
                        invoice.ocr_reference, invoice.total, ZERO, invoice.pk, None))

    allocations = (Allocation.objects.filter(invoice__customer_id=person_id)
                   .select_related("payment", "credit", "invoice").order_by("pk"))
    for allocation in allocations:
        invoice = allocation.invoice
        if allocation.payment_id:
            payment = allocation.payment
            entries.append(((payment.payment_date, 1, payment.pk, allocation.pk), Kind.PAYMENT,
                            _("Payment to invoice %(number)s") % {"number": invoice.number},
                            payment.reference, ZERO, allocation.amount, invoice.pk, payment.pk))
        else:
            credit = allocation.credit
            entries.append(((_local_date(credit.created_at), 3, credit.pk, 1), Kind.OFFSET,
                            _("Credit balance offset against invoice %(number)s") % {
                                "number": invoice.number},
                            invoice.ocr_reference, ZERO, allocation.amount, invoice.pk, None))

    notes = (CreditNote.objects.filter(invoice__customer_id=person_id)
             .select_related("invoice").order_by("pk"))
    for note in notes:
        on_invoice = note.amount - note.to_credit_balance
        if on_invoice <= 0:
            continue  # all of it went to the credit balance: its own row below
        if note.kind == CreditNote.Kind.CANCELLATION:
            kind, text = Kind.CANCELLATION, _("Cancellation of invoice %(invoice)s") % {
                "invoice": note.invoice.number}
        else:
            kind, text = Kind.CREDIT_NOTE, _("Credit note %(number)s on invoice %(invoice)s") % {
                "number": note.number, "invoice": note.invoice.number}
        entries.append(((note.issue_date, 1, 0, note.pk), kind, text, note.invoice.ocr_reference,
                        ZERO, on_invoice, note.invoice_id, None))

    credits = (CustomerCredit.objects.filter(person_id=person_id)
               .select_related("payment", "allocation__invoice", "credit_note__invoice", "refund_order")
               .order_by("pk"))
    for entry in credits:
        payment = entry.payment
        day = _local_date(entry.created_at)
        if entry.kind == CustomerCredit.Kind.CREDIT_NOTE and entry.credit_note_id:
            note = entry.credit_note
            entries.append(((note.issue_date, 3, entry.pk, 0), Kind.CREDIT_NOTE_TO_BALANCE,
                            _("Credit note %(number)s: the amount already paid to the credit balance")
                            % {"number": note.number},
                            note.invoice.ocr_reference, ZERO, entry.amount, note.invoice_id, None))
        elif entry.kind == CustomerCredit.Kind.REFUND and entry.refund_order_id:
            entries.append(((day, 3, entry.pk, 0), Kind.REFUND,
                            _("Refund to %(payee)s") % {"payee": entry.refund_order.payee_name},
                            "", -entry.amount, ZERO, None, payment.pk if payment else None))
        elif entry.kind == CustomerCredit.Kind.REFUND_RETURNED and entry.refund_order_id:
            entries.append(((day, 3, entry.pk, 0), Kind.REFUND_RETURNED,
                            _("Refund to %(payee)s not paid out: back to the credit balance")
                            % {"payee": entry.refund_order.payee_name},
                            "", ZERO, entry.amount, None, payment.pk if payment else None))
        elif entry.amount > 0:
            day = payment.payment_date if payment else day
            entries.append(((day, 2, payment.pk if payment else 0, entry.pk), Kind.CREDIT,
                            str(CustomerCredit.Kind(entry.kind).label) if entry.kind in
                            CustomerCredit.Kind.values else _("Payment to the credit balance"),
                            payment.reference if payment else "", ZERO, entry.amount,
                            None, payment.pk if payment else None))
        else:
            try:
                used_on = entry.allocation.invoice
            except CustomerCredit.allocation.RelatedObjectDoesNotExist:
                used_on = None
            entries.append(((day, 3, entry.pk, 0), Kind.CREDIT_USED,
                            _("Credit balance used"),
                            used_on.ocr_reference if used_on else (payment.reference if payment else ""),
                            -entry.amount, ZERO, used_on.pk if used_on else None,
                            payment.pk if payment else None))

    entries.sort(key=lambda e: e[0])
    rows, balance = [], ZERO
    for (key, kind, text, reference, debit, credit, invoice_id, payment_id) in entries:
        balance = balance + debit - credit
        rows.append(LedgerRow(date=key[0], kind=kind, text=text, reference=reference, debit=debit,
                              credit=credit, balance=balance, invoice_id=invoice_id,
                              payment_id=payment_id))
    return rows


def ledger_balance(rows: list[LedgerRow]) -> Decimal:
    """The balance after the last row: what the customer owes (below zero: money to get back)."""
    return rows[-1].balance if rows else ZERO


def ledger_credit_balance(rows: list[LedgerRow]) -> Decimal:
    """The customer's credit balance, from the rows that move it."""
    return sum((r.credit - r.debit for r in rows if r.kind in Kind.CREDIT_BALANCE), ZERO)


def payments_visible_to(user) -> QuerySet[Payment]:
    """Payments the user may see: all for service staff; for a district officer the payments whose
    customer is affiliated with their administration or whose invoice is theirs; none otherwise."""
    qs = Payment.objects.select_related("invoice", "file")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user):
        org = user.organisation_id
        return qs.filter(Q(customer__affiliation_id=org) | Q(invoice__organisation_id=org))
    return qs.none()
