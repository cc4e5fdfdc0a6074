"""Credit notes, cancellations and refunds: the ledger rules (DOMAIN.md "What the ledger rules say").

* **Credit note** (``credit_note_create``): reverses all or part of one invoice. Staff may credit an
  invoice that is unpaid or partly paid, never one at collection (the claim is the agency's until it is
  recalled) and never one already closed; the amount is at most what is left to pay. The balance falls by
  the amount; a balance of zero leaves the invoice ``credited``. The final settlement at termination may
  also credit a paid invoice (``allow_paid=True``): the part the customer had already paid goes to their
  credit balance, which is then offset against their open invoices and otherwise refunded. A paid
  invoice credited in full (all of its total) ends ``credited``; credited in part it stays ``paid``.
* **Cancellation** (``invoice_cancel``, makulering): voids an invoice nobody has paid on, for its whole
  total; refused at collection. It is a credit note of kind ``cancellation``.
* **Refund** (``refund_order_create``): first the customer's credit balance is offset against their open
  invoices (oldest first); what is left, or the part asked for, becomes a ``RefundOrder`` to the payee's
  account, reserved from the credit balance at once. A second person approves it
  (``refund_order_approve``); beyond delegation (more than two months' rent, ``invoicing.delegation``)
  it goes to the district (``refund_order_refer``), whose decision comes back from the district portal
  (``refund_order_decide``). Rejected or cancelled, the reservation is given back.
* **An unmatched payment refunded** (``payment_refund``): the payment goes to the payer's credit balance
  of the customer it belongs to and is refunded at once to the account given.
* **Files for the ERP** (``invoicing.ledger_exports`` builds them): ``daily_ledger_store`` keeps a day's
  ledger file of what was booked outside the runs (made once per day by the job ``invoicing.daily_ledger``);
  ``refund_payout_file_create`` makes the supplier-payment file of approved refunds and marks them paid.

Invariant kept here and checked by the tests: an invoice's balance = total − Σ allocations − Σ (credit
notes − their part to the credit balance), never below zero.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from hyresadmin import audit, calendar
from hyresadmin.models import AuditEvent, Person
from hyresadmin.transitions import TransitionRefused, apply_transition

from . import delegation
from .models import CreditNote, CustomerCredit, Invoice, NumberSeries, Payment, RefundOrder
from .payments import PaymentRefused, credit_balance, offset_credit_balances

ZERO = Decimal("0.00")
#: Working days to handle a credit or cancellation, and a refund (DOMAIN.md service levels).
CREDIT_WORKING_DAYS = 2
REFUND_WORKING_DAYS = 3
CREDIT_NOTE_NUMBER_START = 9_000_000_001

# Clearing number (4 or 5 digits, Swedbank's 8xxx-x) and account; bankgiro NNN-NNNN / NNNN-NNNN;
# plusgiro up to 8 digits with a dash before the check digit.
_ACCOUNT = re.compile(r"^(\d{4}(-\d)?[,-]?\d{1,12}|\d{3,4}-\d{4}|\d{1,7}-\d)$")


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _label(actor) -> str:
    return actor[:100] if isinstance(actor, str) else ""


def _take_number() -> int:
    series, _created = NumberSeries.objects.select_for_update().get_or_create(
        name="credit_note", defaults={"next_number": CREDIT_NOTE_NUMBER_START})
    number = series.next_number
    series.next_number = number + 1
    series.save(update_fields=["next_number"])
    return number


def credited_total(invoice: Invoice) -> Decimal:
    return invoice.credit_notes.aggregate(s=Sum("amount"))["s"] or ZERO


def credit_checks(invoice: Invoice, amount: Decimal | None = None, *, allow_paid: bool = False) -> list[str]:
    """Why ``invoice`` may not be credited by ``amount`` now (an empty list: it may)."""
    problems = []
    if invoice.state == Invoice.State.AT_COLLECTION:
        problems.append(_("The invoice is at collection: recall it from the collection agency first."))
    elif invoice.state in (Invoice.State.CREDITED, Invoice.State.CANCELLED, Invoice.State.WRITTEN_OFF):
        problems.append(_("The invoice is %(state)s: there is nothing left to credit.")
                        % {"state": invoice.get_state_display().lower()})
    elif invoice.state == Invoice.State.PAID and not allow_paid:
        problems.append(_("The invoice is paid: a paid invoice is not credited; refund the customer "
                          "instead."))
    if amount is not None and not problems:
        if amount <= 0:
            problems.append(_("The amount must be more than zero."))
        else:
            limit = invoice.total - credited_total(invoice) if allow_paid else invoice.balance
            if amount > limit:
                problems.append(_("The amount is more than is left to credit on the invoice "
                                  "(%(limit)s kr).") % {"limit": f"{limit:.2f}".replace(".", ",")})
    return problems


@transaction.atomic
def credit_note_create(*, actor, invoice: Invoice, amount: Decimal, reason: str,
                       allow_paid: bool = False) -> CreditNote:
    """Credit ``amount`` of ``invoice`` (see the module docstring). Refused with the reasons."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if not reason.strip():
        raise TransitionRefused(_("Give a reason for the credit."))
    problems = credit_checks(invoice, amount, allow_paid=allow_paid)
    if problems:
        raise TransitionRefused(" ".join(problems), failed_checks=problems)
    on_balance = min(amount, invoice.balance)
    to_credit_balance = amount - on_balance
    if to_credit_balance and invoice.customer_id is None:
        raise TransitionRefused(_("The invoice has no customer to hold a credit balance."))
    note = CreditNote.objects.create(
        number=_take_number(), invoice=invoice, kind=CreditNote.Kind.CREDIT, amount=amount,
        to_credit_balance=to_credit_balance, reason=reason, attested_by=_user(actor),
        actor_label=_label(actor), issue_date=timezone.localdate())
    before = invoice.state
    invoice.balance -= on_balance
    # A paid invoice credited in full (the final settlement, ``allow_paid``) ends credited too; one
    # credited in part stays paid.
    in_full = credited_total(invoice) >= invoice.total
    if (invoice.balance == 0 and (invoice.state != Invoice.State.PAID or in_full)
            and can_proceed(invoice.credit)):
        invoice.credit()
    Invoice.objects.filter(pk=invoice.pk).update(balance=invoice.balance, state=invoice.state)
    audit.record(AuditEvent.Type.TRANSITION if before != invoice.state else AuditEvent.Type.UPDATE,
                 actor=actor, subject=invoice, from_state=before, to_state=invoice.state,
                 reason=_("Credit note %(number)s: %(reason)s") % {"number": note.number, "reason": reason},
                 changes={"credit_note": note.number, "amount": str(amount),
                          "to_credit_balance": str(to_credit_balance)})
    if to_credit_balance:
        CustomerCredit.objects.create(person_id=invoice.customer_id, kind=CustomerCredit.Kind.CREDIT_NOTE,
                                      amount=to_credit_balance, credit_note=note)
        offset_credit_balances(customer_ids=[invoice.customer_id], actor=actor)
    return note


def cancel_checks(invoice: Invoice) -> list[str]:
    """Why ``invoice`` may not be cancelled (an empty list: it may)."""
    if invoice.state == Invoice.State.AT_COLLECTION:
        return [_("The invoice is at collection: recall it from the collection agency first.")]
    if invoice.state not in (Invoice.State.ISSUED, Invoice.State.OVERDUE, Invoice.State.REMINDED):
        return [_("Only an unpaid invoice can be cancelled; this one is %(state)s.")
                % {"state": invoice.get_state_display().lower()}]
    if invoice.balance != invoice.total or invoice.allocations.exists() or invoice.credit_notes.exists():
        return [_("Something has been paid or credited on the invoice: credit it instead.")]
    return []


@transaction.atomic
def invoice_cancel(*, actor, invoice: Invoice, reason: str) -> CreditNote:
    """Cancel (void) an unpaid invoice in full. Refused at collection and once anything was paid."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not reason.strip():
        raise TransitionRefused(_("Give a reason for the cancellation."))
    problems = cancel_checks(invoice)
    if problems:
        raise TransitionRefused(" ".join(problems), failed_checks=problems)
    note = CreditNote.objects.create(
        number=_take_number(), invoice=invoice, kind=CreditNote.Kind.CANCELLATION, amount=invoice.total,
        reason=reason, attested_by=_user(actor), actor_label=_label(actor), issue_date=timezone.localdate())
    Invoice.objects.filter(pk=invoice.pk).update(balance=ZERO)
    invoice.balance = ZERO
    apply_transition(invoice, "cancel", actor=actor,
                     reason=_("Cancelled (%(number)s): %(reason)s") % {"number": note.number, "reason": reason})
    return note


# --- Refunds -------------------------------------------------------------------------------------------------


def valid_account(account: str) -> bool:
    """A plausible Swedish payee account: clearing + account number, bankgiro or plusgiro."""
    return bool(_ACCOUNT.match("".join(account.split())))


def _latest_contract(person_id: int):
    """The customer's latest contract that is more than a draft (their current one, if any), with its
    rent lines: the basis of the delegation limit and of the deciding district."""
    from contracts.models import RentalContract

    return (RentalContract.objects.filter(customer_id=person_id).exclude(state=RentalContract.State.DRAFT)
            .prefetch_related("rent_lines").order_by("-start_date", "-pk").first())


def _deciding_organisation_id(person_id: int, contract) -> int | None:
    if contract:
        return contract.organisation_id
    return Person.objects.filter(pk=person_id).values_list("affiliation_id", flat=True).first()


@transaction.atomic
def refund_order_create(*, actor, person: Person, payee_name: str, payee_account: str, reason: str,
                        amount: Decimal | None = None, payment: Payment | None = None,
                        monthly_rent: Decimal | None = None) -> RefundOrder | None:
    """Refund ``person``'s credit balance (all of it, or ``amount``) to the payee's account.

    The credit balance is first offset against the person's open invoices; returns ``None`` when
    nothing is left to refund. Beyond delegation the order is referred to the district at once.
    """
    Person.objects.select_for_update().get(pk=person.pk)  # one refund at a time per customer
    if not payee_name.strip():
        raise TransitionRefused(_("Give the payee's name."))
    if not valid_account(payee_account):
        raise TransitionRefused(_("The payee's account is not a valid clearing and account number, bankgiro "
                                  "or plusgiro number."))
    if not reason.strip():
        raise TransitionRefused(_("Give a reason for the refund."))
    offset_credit_balances(customer_ids=[person.pk], actor=actor)
    available = credit_balance(person_id=person.pk)
    if amount is None:
        amount = available
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if available <= 0:
        return None
    if amount <= 0 or amount > available:
        raise TransitionRefused(_("The amount must be more than zero and at most the credit balance "
                                  "(%(balance)s kr).") % {"balance": f"{available:.2f}".replace(".", ",")})
    contract = _latest_contract(person.pk)
    rent = (contract.monthly_rent() if contract else ZERO) if monthly_rent is None else monthly_rent
    decision = delegation.refund(amount=amount, monthly_rent=rent)
    order = RefundOrder.objects.create(
        person=person, organisation_id=_deciding_organisation_id(person.pk, contract), amount=amount,
        payee_name=payee_name.strip(), payee_account=payee_account.strip(), reason=reason, payment=payment,
        monthly_rent=rent, within_delegation=decision.within, requested_by=_user(actor),
        actor_label=_label(actor),
        due_date=calendar.service_level_due(timezone.now(), REFUND_WORKING_DAYS))
    CustomerCredit.objects.create(person=person, kind=CustomerCredit.Kind.REFUND, amount=-amount,
                                  refund_order=order)
    audit.record(AuditEvent.Type.CREATE, actor=actor, subject=order, to_state=order.state,
                 reason=reason, changes={"amount": str(amount), "within_delegation": decision.within})
    if not decision.within:
        order = apply_transition(order, "refer", actor=actor, reason=decision.reason)
        from . import notifications

        notifications.refund_referred(order)
    return order


@transaction.atomic
def refund_order_refer(*, actor, order: RefundOrder, reason: str = "") -> RefundOrder:
    """Send a refund to the district for decision (staff may do so within delegation too)."""
    order = apply_transition(order, "refer", actor=actor, reason=reason or _("Referred to the district"))
    from . import notifications

    notifications.refund_referred(order)
    return order


@transaction.atomic
def refund_order_approve(*, actor, order: RefundOrder) -> RefundOrder:
    """The second person's approval. Refused for the person who prepared the order, and beyond
    delegation until the district has approved."""
    user = _user(actor)
    if user is None:
        raise TransitionRefused(_("A refund is approved by a person, not by the system."))
    if order.requested_by_id == user.pk:
        raise TransitionRefused(_("A refund is approved by a second person: you prepared this one."))
    if not order.within_delegation and order.state != RefundOrder.State.DISTRICT_APPROVED:
        raise TransitionRefused(_("The refund is beyond delegation: the district must approve it first."))
    return apply_transition(order, "approve", actor=actor, reason=_("Approved for payment"), approver=user)


@transaction.atomic
def refund_order_decide(*, actor, order: RefundOrder, approve: bool, note: str = "") -> RefundOrder:
    """The district's decision on a referred refund (from the district portal)."""
    user = _user(actor)
    if not approve and not note.strip():
        raise TransitionRefused(_("Give a reason for rejecting the refund."))
    if approve:
        return apply_transition(order, "district_approve", actor=actor, reason=note or _("Approved by the district"),
                                decided_by=user, note=note)
    order = apply_transition(order, "district_reject", actor=actor, reason=note, decided_by=user, note=note)
    _give_back(order, actor=actor)
    return order


@transaction.atomic
def refund_order_mark_paid(*, actor, order: RefundOrder) -> RefundOrder:
    return apply_transition(order, "mark_paid", actor=actor, reason=_("Paid out"))


@transaction.atomic
def refund_order_cancel(*, actor, order: RefundOrder, reason: str) -> RefundOrder:
    if not reason.strip():
        raise TransitionRefused(_("Give a reason for cancelling the refund."))
    order = apply_transition(order, "cancel", actor=actor, reason=reason)
    _give_back(order, actor=actor)
    return order


def _give_back(order: RefundOrder, *, actor) -> None:
    """Return a refund's reserved amount to the credit balance, and offset it against open invoices."""
    CustomerCredit.objects.create(person_id=order.person_id, kind=CustomerCredit.Kind.REFUND_RETURNED,
                                  amount=order.amount, refund_order=order)
    offset_credit_balances(customer_ids=[order.person_id], actor=actor)


@transaction.atomic
def payment_refund(*, actor, payment: Payment, person: Person, payee_name: str, payee_account: str,
                   reason: str) -> RefundOrder | None:
    """Refund an unmatched payment to the payer: it is kept as ``person``'s credit (a prepayment), the
    credit balance is offset against their open invoices, and what is left of the payment is refunded
    (``None`` when the open invoices took it all)."""
    from .payments import _lock_unmatched

    payment = _lock_unmatched(payment)
    if not valid_account(payee_account):
        raise PaymentRefused(_("The payee's account is not a valid clearing and account number, bankgiro or "
                               "plusgiro number."))
    CustomerCredit.objects.create(person=person, kind=CustomerCredit.Kind.PREPAYMENT, amount=payment.amount,
                                  payment=payment)
    payment.status = Payment.Status.REFUNDED
    payment.customer = person
    payment.due_date = None
    payment.save(update_fields=["status", "customer", "due_date"])
    audit.record(AuditEvent.Type.TRANSITION, actor=actor, subject=payment, from_state=Payment.Status.UNMATCHED,
                 to_state=payment.status, reason=reason, changes={"person": person.pk})
    offset_credit_balances(customer_ids=[person.pk], actor=actor)
    left = min(payment.amount, credit_balance(person_id=person.pk))
    if left <= 0:
        # The customer's open invoices took the whole payment: it stays as used credit, no refund.
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.CREDIT)
        return None
    return refund_order_create(actor=actor, person=person, payee_name=payee_name, payee_account=payee_account,
                               reason=reason, amount=left, payment=payment)


# --- Files for the ERP: the daily ledger file and the refund payout file (``invoicing.ledger_exports``) ---


def _store_report(*, kind: str, period: str, filename: str, content: bytes, summary: dict):
    import hashlib

    from django.core.files.base import ContentFile

    from .models import ReportFile

    stored = ReportFile(kind=kind, period=period, sha256=hashlib.sha256(content).hexdigest(), summary=summary)
    stored.file.save(filename, ContentFile(content), save=False)
    stored.save()
    return stored


@transaction.atomic
def daily_ledger_store(*, day):
    """The daily ledger file of ``day`` (what was booked outside the runs), kept as a ``ReportFile`` with
    its checksum. Made once: a day already stored is returned as it is (the ERP may have read it)."""
    from .ledger_exports import build_daily_ledger_file
    from .models import ReportFile

    period = day.isoformat()
    existing = ReportFile.objects.select_for_update().filter(kind=ReportFile.Kind.DAILY_LEDGER,
                                                             period=period).first()
    if existing is not None:
        return existing
    built = build_daily_ledger_file(day)
    return _store_report(kind=ReportFile.Kind.DAILY_LEDGER, period=period,
                         filename=f"agresso-dag-{period}.csv", content=built.content,
                         summary={"rows": built.rows})


@transaction.atomic
def refund_payout_file_create(*, actor, orders):
    """One supplier-payment file for the approved refund ``orders``; each order is marked paid out
    (``refund_order_mark_paid``, audited) in the same transaction, so no order is in two files. Refused,
    with nothing written, when an order is not approved."""
    from .ledger_exports import build_refund_payout_file
    from .models import ReportFile

    ids = sorted({order.pk for order in orders})
    if not ids:
        raise TransitionRefused(_("Select the approved refunds to pay out."))
    locked = list(RefundOrder.objects.select_for_update(of=("self",)).filter(pk__in=ids)
                  .select_related("payment").order_by("pk"))
    not_approved = [order for order in locked if order.state != RefundOrder.State.APPROVED]
    if not_approved or len(locked) != len(ids):
        raise TransitionRefused(_("Only approved refunds can be paid out: %(orders)s.") % {
            "orders": ", ".join(f"R{order.pk}" for order in not_approved) or "–"})
    built = build_refund_payout_file(locked)
    # An order is in one file only, so its first order names the file (and two files never collide).
    period = f"R{ids[0]}"
    total = sum((order.amount for order in locked), ZERO)
    for order in locked:
        refund_order_mark_paid(actor=actor, order=order)
    stored = _store_report(kind=ReportFile.Kind.REFUND_PAYOUT, period=period,
                           filename=f"utbetalning-{timezone.localdate():%Y-%m-%d}-{period}.csv", content=built.content,
                           summary={"rows": built.rows, "orders": ids, "total": str(total)})
    audit.record_export(actor=actor, what=_("Refund payout file %(period)s") % {"period": period},
                        count=built.rows, subject=stored)
    return stored
