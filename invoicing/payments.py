"""Payments: the BgMax import, matching payments to invoices, and customers' credit balances.

``import_bgmax`` reads a BgMax file (``invoicing.bgmax``, a pure parser) and, all or nothing in one
transaction, keeps the raw file (``hyresadmin.imports.import_file``: the same file twice is refused),
writes a ``PaymentFile`` with one ``Payment`` per payment record, and matches each payment:

* **by OCR reference**: under reference code 2, and under codes 3 and 4 when the reference happens to
  be a valid OCR reference of one of our invoices;

  - the exact amount → the invoice is paid;
  - less → the invoice is partly paid, the rest stays as its balance;
  - more → the invoice is paid and the surplus goes to the customer's credit balance;
  - to an invoice already paid (or no longer open: credited, cancelled, written off) → the whole
    payment goes to the customer's credit balance;
* **unmatched** (the queue, due in 10 working days): no, an invalid or an unknown reference; a payment
  with extra references (TK22/TK23, to be split by hand); money that would go to the credit balance
  of an invoice without a customer (an accounting order). The payer's name and address (TK26–28) are
  kept for staff.
* **Deductions** (TK21, e.g. a credit note the payer deducted) are recorded as unmatched items of
  kind "deduction" with a note, for staff to handle; no invoice is reduced automatically.

Afterwards the credit balances of the customers touched are offset against their open invoices,
oldest due date first (``offset_credit_balances``).

Performance: a fixed number of queries per chunk of payments (one query for the invoices of all the
chunk's references, ``bulk_create`` of payments, allocations, credit entries and audit events, one
UPDATE of the invoices' balances and one per target state). The state changes run through the invoice's
transition methods (``register_part_payment``, ``register_full_payment``) in memory, so that the
state machine decides what is allowed; the rows are locked (``select_for_update``) and written in
bulk, and each state change gets its own ``AuditEvent`` row (built in memory, one ``bulk_create``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from hyresadmin import calendar
from hyresadmin.imports import ImportRefused, LineError, import_file
from hyresadmin.middleware import current_request_id
from hyresadmin.models import AuditEvent

from .models import Allocation, CustomerCredit, Invoice, Payment, PaymentFile
from .ocr import is_valid_ocr

IMPORT_KIND = "bgmax"
CHUNK = 2000
#: Working days staff have to handle an unmatched payment.
UNMATCHED_DUE_WORKING_DAYS = 10
OCR_CODE = 2
MAYBE_OCR_CODES = (3, 4)
ZERO = Decimal("0.00")


# --- Reading the file -------------------------------------------------------------------------------------


def _parse(data: bytes):
    """The parsed file; a ``BgMaxError`` becomes an ``ImportRefused`` naming the line and field."""
    from . import bgmax

    try:
        return bgmax.parse(data)
    except bgmax.BgMaxError as exc:
        raise ImportRefused(
            _("The BgMax file could not be read. Nothing was changed."),
            [LineError(getattr(exc, "line", 0) or 0, str(getattr(exc, "message", exc)),
                       str(getattr(exc, "field", "") or ""))],
        )


def _digits(text: str) -> str:
    return "".join(ch for ch in str(text) if ch.isdigit()).lstrip("0")


def _check_bankgiro(parsed) -> str:
    """Refuse deposits to another bankgiro than ours, naming each deposit's opening record (TK05)."""
    ours = _digits(settings.BANKGIRO_NUMBER)
    errors = [
        LineError(deposit.line,
                  _("The deposit is for bankgiro %(bankgiro)s, not the city's %(ours)s.")
                  % {"bankgiro": _digits(deposit.recipient_bankgiro) or "0",
                     "ours": settings.BANKGIRO_NUMBER},
                  "recipient_bankgiro")
        for deposit in parsed.sections
        if _digits(deposit.recipient_bankgiro) != ours
    ]
    if errors:
        raise ImportRefused(_("The file is for another bankgiro. Nothing was changed."), errors)
    return ours


def _file_timestamp(parsed):
    value = getattr(parsed, "timestamp", None) or getattr(parsed, "written_at", None)
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return None


# --- Matching ---------------------------------------------------------------------------------------------


@dataclass
class _Item:
    """One payment record with what the matching decided."""

    payment: Payment
    ref: str = ""  # the OCR reference to look up, if any
    allocation: Decimal = ZERO
    credit: Decimal = ZERO
    credit_kind: str = ""


@dataclass
class _Outcome:
    counts: Counter = field(default_factory=Counter)
    customer_ids: set = field(default_factory=set)


def _lookup_reference(record) -> str:
    """The reference to look up among invoices' OCR references, or '' for the unmatched queue."""
    code = int(record.reference_code or 0)
    ref = "".join(str(record.reference or "").split())
    if getattr(record, "extra_references", None):
        return ""
    if code == OCR_CODE or code in MAYBE_OCR_CODES:
        return ref if is_valid_ocr(ref) else ""
    return ""


def _payer_name(record) -> str:
    names = (str(getattr(record, "payer_name", "") or "").strip(),
             str(getattr(record, "payer_extra_name", "") or "").strip())
    return " ".join(n for n in names if n)[:70]


def _payment_row(record, *, file, deposit, kind, due_date) -> Payment:
    return Payment(
        file=file, kind=kind, status=Payment.Status.UNMATCHED, deposit_serial=str(deposit.serial or "")[:5],
        line=record.line, payment_date=deposit.payment_date, amount=record.amount,
        reference=str(record.reference or "").strip()[:25], reference_code=int(record.reference_code or 0),
        channel=str(record.channel or "")[:1], bgc_serial=str(record.serial or "")[:12],
        payer_bankgiro=str(record.payer_bankgiro or "")[:10],
        payer_name=_payer_name(record), payer_address=str(record.payer_address or "")[:35],
        payer_postcode=str(record.payer_postcode or "")[:9], payer_town=str(record.payer_town or "")[:35],
        payer_org_number=str(record.payer_org_number or "")[:12], due_date=due_date,
    )


def _audit_transition(invoice: Invoice, before: str, after: str, *, actor, reason: str, changes: dict,
                      content_type, request_id: str) -> AuditEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = actor[:100] if isinstance(actor, str) else ""
    return AuditEvent(
        event_type=AuditEvent.Type.TRANSITION, actor=user, actor_label=label, content_type=content_type,
        object_id=str(invoice.pk), object_repr=str(invoice)[:200], from_state=before,
        to_state=after, reason=reason, changes=changes, request_id=request_id,
    )


def _apply_to_invoice(invoice: Invoice, amount: Decimal) -> tuple[Decimal, list[tuple[str, str]]]:
    """Put up to ``amount`` on ``invoice`` in memory: its balance falls and its state moves through
    the transitions. Returns the amount put on it and the (from, to) state changes."""
    put = min(amount, invoice.balance)
    if put <= 0:
        return ZERO, []
    invoice.balance -= put
    before = invoice.state
    if invoice.balance == 0 and can_proceed(invoice.register_full_payment):
        invoice.register_full_payment()
    elif invoice.balance > 0 and can_proceed(invoice.register_part_payment):
        invoice.register_part_payment()
    return put, ([(before, invoice.state)] if invoice.state != before else [])


def _write_invoices(changed: dict[int, Invoice], new_allocations: Q) -> None:
    """Write the balances and states of ``changed`` invoices in a fixed number of queries.

    The balance falls by the sum of the invoice's ``new_allocations`` (one UPDATE with a correlated
    subquery: ``bulk_update`` builds a CASE per row and is slow for thousands of rows); the state, as
    the transitions left it in memory, is written with one UPDATE per target state.
    """
    sums = (Allocation.objects.filter(new_allocations, invoice=OuterRef("pk")).order_by()
            .values("invoice").annotate(s=Sum("amount")).values("s"))
    money = DecimalField(max_digits=12, decimal_places=2)
    Invoice.objects.filter(pk__in=list(changed)).update(
        balance=F("balance") - Coalesce(Subquery(sums, output_field=money), Value(ZERO), output_field=money))
    by_state: dict[str, list[int]] = {}
    for invoice in changed.values():
        by_state.setdefault(invoice.state, []).append(invoice.pk)
    for state, pks in by_state.items():
        Invoice.objects.filter(pk__in=pks).exclude(state=state).update(state=state)


def _match_chunk(records, *, file, actor, due_date, outcome: _Outcome, content_type, request_id):
    """Write and match one chunk of ``(deposit, record, kind)``: a fixed number of queries."""
    items: list[_Item] = []
    for deposit, record, kind in records:
        payment = _payment_row(record, file=file, deposit=deposit, kind=kind, due_date=due_date)
        item = _Item(payment=payment)
        if kind == Payment.Kind.DEDUCTION:
            payment.note = _("A deduction (TK21) made by the payer: check it against the invoices and "
                             "credit notes by hand; no invoice was changed.")
        else:
            item.ref = _lookup_reference(record)
            if not item.ref:
                payment.note = (_("Several references: split the payment by hand.")
                                if getattr(record, "extra_references", None)
                                else _("No valid OCR reference."))
        items.append(item)

    refs = {item.ref for item in items if item.ref}
    invoices = {inv.ocr_reference: inv for inv in
                Invoice.objects.select_for_update().filter(ocr_reference__in=refs)
                .order_by("pk")} if refs else {}

    changed: dict[int, Invoice] = {}
    events: list[AuditEvent] = []
    for item in items:
        payment = item.payment
        if not item.ref:
            outcome.counts["unmatched"] += 1
            continue
        invoice = invoices.get(item.ref)
        if invoice is None:
            payment.note = _("No invoice has this OCR reference.")
            outcome.counts["unmatched"] += 1
            continue
        payment.invoice = invoice
        payment.customer_id = invoice.customer_id
        amount = payment.amount
        if invoice.customer_id is None and (not invoice.is_open or amount > invoice.balance):
            # No customer to hold a credit balance: staff decide, and the invoice is left unchanged.
            payment.note = _("Paid more than the invoice, which has no customer for a credit balance.")
            outcome.counts["unmatched"] += 1
            continue
        put, moves = _apply_to_invoice(invoice, amount) if invoice.is_open else (ZERO, [])
        rest = amount - put
        payment.due_date = None
        item.allocation, item.credit = put, rest
        if put and rest:
            payment.status = Payment.Status.MATCHED
            item.credit_kind = CustomerCredit.Kind.SURPLUS
            outcome.counts["paid"] += 1
            outcome.counts["surplus"] += 1
        elif put:
            payment.status = Payment.Status.MATCHED
            outcome.counts["paid" if invoice.balance == 0 else "partly"] += 1
        else:
            payment.status = Payment.Status.CREDIT
            item.credit_kind = CustomerCredit.Kind.PAID_INVOICE
            outcome.counts["credit"] += 1
        if put:
            changed[invoice.pk] = invoice
        for before, after in moves:
            events.append(_audit_transition(
                invoice, before, after, actor=actor, reason=_("Payment (BgMax)"),
                changes={"payment_line": payment.line, "amount": str(put)},
                content_type=content_type, request_id=request_id))
        if invoice.customer_id:
            outcome.customer_ids.add(invoice.customer_id)

    Payment.objects.bulk_create([item.payment for item in items], batch_size=CHUNK)
    Allocation.objects.bulk_create(
        [Allocation(payment=item.payment, invoice=item.payment.invoice, amount=item.allocation)
         for item in items if item.allocation > 0], batch_size=CHUNK)
    CustomerCredit.objects.bulk_create(
        [CustomerCredit(person_id=item.payment.customer_id, kind=item.credit_kind, amount=item.credit,
                        payment=item.payment)
         for item in items if item.credit > 0], batch_size=CHUNK)
    if changed:
        first = min(item.payment.pk for item in items)
        _write_invoices(changed, Q(payment__file_id=file.pk, payment_id__gte=first))
    if events:
        AuditEvent.objects.bulk_create(events, batch_size=CHUNK)
    outcome.counts["payments"] += len(items)


def _records(parsed):
    for deposit in parsed.sections:
        for record in deposit.payments:
            yield deposit, record, Payment.Kind.PAYMENT
        for record in deposit.deductions:
            yield deposit, record, Payment.Kind.DEDUCTION


def import_parsed(*, actor, name: str, data: bytes, parsed, chunk_size: int = CHUNK) -> dict:
    """Import an already parsed BgMax file (``import_bgmax`` without the parsing)."""
    _check_bankgiro(parsed)
    deposits_total = sum((d.amount for d in parsed.sections), ZERO)
    due_date = calendar.add_working_days(timezone.localdate(), UNMATCHED_DUE_WORKING_DAYS)
    content_type = ContentType.objects.get_for_model(Invoice)
    request_id = current_request_id() or ""
    holder: dict = {}

    def write() -> dict:
        file = PaymentFile.objects.create(
            bankgiro=_digits(parsed.sections[0].recipient_bankgiro).zfill(10) if parsed.sections else "",
            file_timestamp=_file_timestamp(parsed), deposits=len(parsed.sections),
            payments=sum(len(d.payments) for d in parsed.sections),
            deductions=sum(len(d.deductions) for d in parsed.sections), total=deposits_total)
        outcome = _Outcome()
        chunk = []
        for row in _records(parsed):
            chunk.append(row)
            if len(chunk) >= chunk_size:
                _match_chunk(chunk, file=file, actor=actor, due_date=due_date, outcome=outcome,
                             content_type=content_type, request_id=request_id)
                chunk = []
        if chunk:
            _match_chunk(chunk, file=file, actor=actor, due_date=due_date, outcome=outcome,
                         content_type=content_type, request_id=request_id)
        offset = offset_credit_balances(customer_ids=outcome.customer_ids, actor=actor)
        counts = outcome.counts
        holder["file"] = file
        return {
            "rows": counts["payments"], "payment_file": file.pk, "deposits": len(parsed.sections),
            "payments": file.payments, "deductions": file.deductions,
            "matched": counts["paid"] + counts["partly"], "paid": counts["paid"],
            "partly": counts["partly"], "surplus": counts["surplus"], "credit": counts["credit"],
            "unmatched": counts["unmatched"], "total": str(deposits_total),
            "offset": str(offset),
        }

    with transaction.atomic():
        record = import_file(kind=IMPORT_KIND, name=name, data=data, actor=actor, write=write)
        file = holder["file"]
        file.imported_file = record
        file.save(update_fields=["imported_file"])
    return record.result


def import_bgmax(*, actor, name: str, data: bytes) -> dict:
    """Import and match a BgMax file, all or nothing; returns the counts.

    Raises ``ImportRefused`` (nothing written) for a file that cannot be read (naming the line and
    field), a deposit to another bankgiro than ``settings.BANKGIRO_NUMBER`` (naming its TK05 line), or
    a file already imported. Deductions (TK21) become unmatched items for staff; no invoice is reduced
    automatically.
    """
    return import_parsed(actor=actor, name=name, data=data, parsed=_parse(data))


# --- Credit balances ---------------------------------------------------------------------------------------


def credit_balance(*, person_id: int) -> Decimal:
    """A customer's credit balance: the sum of their credit entries."""
    return CustomerCredit.objects.filter(person_id=person_id).aggregate(s=Sum("amount"))["s"] or ZERO


def offset_credit_balances(*, customer_ids, actor="invoicing.offset_credit") -> Decimal:
    """Offset each customer's credit balance against their open invoices, oldest due date first.

    Each offset is a negative ``CustomerCredit`` entry and an ``Allocation`` from it; the invoices'
    states move through the transitions (audited). A fixed number of queries whatever the number of
    customers. Returns the total offset. Call inside a transaction (the invoices are locked).
    """
    customer_ids = list(customer_ids)
    if not customer_ids:
        return ZERO
    balances = {
        row["person_id"]: row["s"]
        for row in CustomerCredit.objects.filter(person_id__in=customer_ids)
        .values("person_id").annotate(s=Sum("amount")).order_by()
        if row["s"] and row["s"] > 0
    }
    if not balances:
        return ZERO
    invoices = (Invoice.objects.select_for_update()
                .filter(customer_id__in=list(balances), state__in=Invoice.OPEN_STATES, balance__gt=0)
                .order_by("due_date", "period", "number"))
    content_type = ContentType.objects.get_for_model(Invoice)
    request_id = current_request_id() or ""
    pairs: list[tuple[CustomerCredit, Invoice]] = []
    changed, events = [], []
    total = ZERO
    for invoice in invoices:
        left = balances[invoice.customer_id]
        if left <= 0:
            continue
        put, moves = _apply_to_invoice(invoice, left)
        if not put:
            continue
        balances[invoice.customer_id] = left - put
        total += put
        pairs.append((CustomerCredit(person_id=invoice.customer_id, kind=CustomerCredit.Kind.OFFSET,
                                     amount=-put), invoice))
        changed.append(invoice)
        for before, after in moves:
            events.append(_audit_transition(
                invoice, before, after, actor=actor, reason=_("Offset of credit balance"),
                changes={"amount": str(put)}, content_type=content_type, request_id=request_id))
    if not pairs:
        return ZERO
    credits = CustomerCredit.objects.bulk_create([credit for credit, _inv in pairs], batch_size=CHUNK)
    Allocation.objects.bulk_create(
        [Allocation(credit=credit, invoice=invoice, amount=-credit.amount)
         for credit, (_c, invoice) in zip(credits, pairs, strict=True)], batch_size=CHUNK)
    _write_invoices({invoice.pk: invoice for invoice in changed},
                    Q(credit__kind=CustomerCredit.Kind.OFFSET, credit_id__gte=min(c.pk for c in credits)))
    if events:
        AuditEvent.objects.bulk_create(events, batch_size=CHUNK)
    return total


@transaction.atomic
def credit_balances_offset(*, customer_ids, actor="invoicing.offset_credit") -> Decimal:
    """``offset_credit_balances`` in its own transaction (for a job or an admin action)."""
    return offset_credit_balances(customer_ids=customer_ids, actor=actor)


# --- The unmatched queue: handled by hand (the admin) ------------------------------------------------------


class PaymentRefused(Exception):
    """A manual action on a payment that may not run; ``message`` is fit to show a user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _lock_unmatched(payment: Payment) -> Payment:
    """A fresh, locked copy of an unmatched payment (not a deduction), or ``PaymentRefused``."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.status != Payment.Status.UNMATCHED:
        raise PaymentRefused(_("The payment is not in the unmatched queue: it has already been handled."))
    if locked.kind != Payment.Kind.PAYMENT:
        raise PaymentRefused(_("A deduction cannot be matched or kept as a prepayment."))
    return locked


def _audit_payment(payment: Payment, *, actor, reason: str, changes: dict) -> None:
    from hyresadmin import audit

    audit.record(AuditEvent.Type.TRANSITION, actor=actor, subject=payment,
                 from_state=Payment.Status.UNMATCHED, to_state=payment.status, reason=reason,
                 changes=changes)


@transaction.atomic
def payment_match_to_invoice(*, actor, payment: Payment, invoice: Invoice) -> Payment:
    """Match an unmatched payment by hand to an open invoice: min(amount, balance) is allocated to it
    (its state moves through the transitions, audited), the surplus goes to the customer's credit
    balance, which is then offset against their other open invoices. Refuses a payment that is not
    unmatched, and an invoice that is not open or (with a surplus) has no customer."""
    payment = _lock_unmatched(payment)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.is_open or invoice.balance <= 0:
        raise PaymentRefused(_("Invoice %(number)s is not open: nothing is left to pay on it.")
                             % {"number": invoice.number})
    if invoice.customer_id is None and payment.amount > invoice.balance:
        raise PaymentRefused(_("The payment is more than the invoice, which has no customer for a credit "
                               "balance."))
    put, moves = _apply_to_invoice(invoice, payment.amount)
    rest = payment.amount - put
    Invoice.objects.filter(pk=invoice.pk).update(balance=invoice.balance, state=invoice.state)
    Allocation.objects.create(payment=payment, invoice=invoice, amount=put)
    if rest > 0:
        CustomerCredit.objects.create(person_id=invoice.customer_id, kind=CustomerCredit.Kind.SURPLUS,
                                      amount=rest, payment=payment)
    payment.status = Payment.Status.MATCHED
    payment.invoice = invoice
    payment.customer_id = invoice.customer_id
    payment.due_date = None
    payment.save(update_fields=["status", "invoice", "customer", "due_date"])
    content_type = ContentType.objects.get_for_model(Invoice)
    request_id = current_request_id() or ""
    for before, after in moves:
        _audit_transition(invoice, before, after, actor=actor, reason=_("Payment matched by hand"),
                          changes={"payment": payment.pk, "amount": str(put)},
                          content_type=content_type, request_id=request_id).save()
    _audit_payment(payment, actor=actor, reason=_("Matched by hand to an invoice"),
                   changes={"invoice": invoice.pk, "allocated": str(put), "to_credit": str(rest)})
    if rest > 0:
        offset_credit_balances(customer_ids=[invoice.customer_id], actor=actor)
    return payment


@transaction.atomic
def payment_to_credit(*, actor, payment: Payment, person) -> Payment:
    """Keep an unmatched payment as a prepayment: the whole amount becomes ``person``'s credit
    balance (offset at once against their open invoices, oldest first, like any credit balance)."""
    payment = _lock_unmatched(payment)
    CustomerCredit.objects.create(person_id=person.pk, kind=CustomerCredit.Kind.PREPAYMENT,
                                  amount=payment.amount, payment=payment)
    payment.status = Payment.Status.CREDIT
    payment.customer_id = person.pk
    payment.due_date = None
    payment.save(update_fields=["status", "customer", "due_date"])
    _audit_payment(payment, actor=actor, reason=_("Kept as a prepayment (credit balance)"),
                   changes={"person": person.pk, "amount": str(payment.amount)})
    offset_credit_balances(customer_ids=[person.pk], actor=actor)
    return payment


def credit_balances():
    """Persons with a non-zero credit balance, largest first, in one query: rows of ``person_id``,
    ``first_name``, ``last_name`` and ``balance``."""
    return (CustomerCredit.objects.values("person_id").order_by()
            .annotate(balance=Sum("amount"), first_name=F("person__first_name"),
                      last_name=F("person__last_name"))
            .exclude(balance=0).order_by("-balance", "person_id"))


def unmatched_payments_for(user):
    """The open items of the unmatched queue ("Mitt arbete"): every unmatched payment, for service
    staff; nothing for anyone else."""
    from hyresadmin import permissions

    if not permissions.is_service_staff(user):
        return Payment.objects.none()
    return Payment.objects.filter(status=Payment.Status.UNMATCHED)
