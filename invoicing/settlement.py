"""The final settlement of a terminated contract (*slutreglering*, DOMAIN.md "Termination").

Owns ``FinalSettlement``. When a customer contract has ended (``contract_terminated``, or the daily
catch-up job for one an event missed) a **proposal** is computed and queued for staff, due in three
working days from the day after the end date:

* every rent invoice of the contract for a month after the end date is reversed: cancelled when nothing
  was paid or credited on it, otherwise credited in full (a **final credit**, ``allow_paid``: what had
  been paid goes to the customer's credit balance);
* the month of the end date is credited pro rata by calendar days for the days after the end date
  (``invoicing.periods``): kept + credited = invoiced, neither below zero;
* months up to the end date that were never invoiced (the end date is later than the last invoice) get
  one **final invoice** (``invoice_issue_one_off``, kind one-off) — except for a deceased customer
  (no further invoices are sent to a deceased customer, as the runs do) and an **internal move** within
  the same administration, where the days are deducted for the customer and charged to the
  administration by an **accounting order** (``services.accounting_order_issue``);
* lines queued for an invoice after the end month (a rent reduction for double housing registered
  during the notice period goes on the *next* invoice, which never comes) are settled too: on the
  final invoice, or credited on the contract's last invoices;
* an invoice at collection stops the settlement until it is recalled, and so does a prepared rent run
  that still includes the contract for a month the final invoice would charge (no month twice).

Staff confirm the proposal ("Bekräfta slutreglering"): it is computed again and applied through the
ledger services (``invoicing.credits``), nothing written directly; confirming twice does nothing more.
Then the customer's credit balance (prepaid rent) is refunded to the payee staff give — the customer or,
on death, the estate's representative — by ``credits.refund_order_create``: a second person approves
within delegation (two months' rent), beyond it the district decides.

Facts recorded by the termination (internal move, the estate's contact) are read from
``contracts.Termination`` (none for a contract that ended by its fixed end date); the termination is marked settled through the
``settlement_done`` event (``invoicing.receivers``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import RentalContract
from hyresadmin import audit, calendar
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused, apply_transition

from . import credits, events, periods, services
from .models import (
    RUN_KINDS,
    FinalSettlement,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceRun,
    PendingLine,
    RunItem,
)
from .payments import credit_balance

ZERO = Decimal("0.00")
#: The service level of a termination's settlement and of the refund at termination (DOMAIN.md).
SETTLEMENT_WORKING_DAYS = 3
#: The actor of the receiver and the daily job in the audit trail.
JOB_ACTOR = "invoicing.settlement"
#: The contracts a settlement is made for: those invoiced to a customer.
CUSTOMER_KINDS = (RentalContract.Kind.EXTERNAL, RentalContract.Kind.CITY_INTERNAL)
_SKIPPED_STATES = (Invoice.State.CREDITED, Invoice.State.CANCELLED, Invoice.State.WRITTEN_OFF)


# --- What the termination recorded ---------------------------------------------------------------------


@dataclass(frozen=True)
class TerminationFacts:
    internal_move: bool = False
    deceased_on: dt.date | None = None
    estate_contact_name: str = ""


def termination_facts(contract: RentalContract) -> TerminationFacts:
    """The internal move and the estate's contact as the termination recorded them (defaults when the
    contract has no termination, e.g. it ended by its fixed end date)."""
    from contracts.models import Termination

    deceased_on = contract.customer.deceased_on if contract.customer_id else None
    termination = (Termination.objects.filter(contract=contract).exclude(state=Termination.State.WITHDRAWN)
                   .order_by("-pk").first())
    if termination is None:
        return TerminationFacts(deceased_on=deceased_on)
    return TerminationFacts(
        internal_move=termination.internal_move,
        deceased_on=deceased_on or termination.deceased_on,
        estate_contact_name=termination.estate_contact_name,
    )


def mark_termination_settled(*, contract_id: int) -> bool:
    """Mark the contract's confirmed termination settled (contracts' service), when there is one."""
    from contracts.models import Termination
    from contracts.termination import termination_mark_settled

    termination = (Termination.objects.filter(contract_id=contract_id, state=Termination.State.CONFIRMED)
                   .order_by("-pk").first())
    if termination is None:
        return False
    termination_mark_settled(actor=JOB_ACTOR, termination=termination,
                             reason=_("The final settlement is confirmed."))
    return True


# --- Computing the proposal ----------------------------------------------------------------------------


@dataclass
class Proposal:
    credits: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    charge_to: str = "customer"  # customer | organisation | none

    @property
    def credit_total(self) -> Decimal:
        return sum((Decimal(c["amount"]) for c in self.credits), ZERO)

    @property
    def invoice_total(self) -> Decimal:
        return sum((Decimal(m["amount"]) for m in self.missing), ZERO)

    def as_json(self) -> dict:
        return {"credits": self.credits, "missing": self.missing, "problems": self.problems,
                "notes": self.notes, "charge_to": self.charge_to,
                "credit_total": str(self.credit_total), "invoice_total": str(self.invoice_total)}


def split_end_month(invoiced: Decimal, should_be: Decimal) -> tuple[Decimal, Decimal]:
    """(kept, credited) of an invoice of ``invoiced`` whose month should have cost ``should_be``:
    kept + credited = invoiced, neither below zero."""
    kept = min(max(should_be, ZERO), invoiced)
    return kept, invoiced - kept


def _should_cost(contract: RentalContract, invoice: Invoice) -> Decimal:
    """What the month of ``invoice`` costs with the contract's end date: its rent for the days up to
    the end date, pro rata by calendar days, plus the one-off lines the invoice carried."""
    pending = list(PendingLine.objects.filter(invoice=invoice))
    return services.compute(contract, invoice.period, pending=pending).total


def compute_settlement(contract: RentalContract, *, internal_move: bool = False,
                       deceased_on: dt.date | None = None) -> Proposal:
    """The credits and the final invoice that the contract's end date calls for (nothing written)."""
    proposal = Proposal()
    end = contract.end_date
    end_period = periods.period_of(end)
    invoices = list(Invoice.objects.filter(contract=contract, kind__in=RUN_KINDS)
                    .exclude(state=Invoice.State.CANCELLED).order_by("period"))
    for invoice in invoices:
        if invoice.period < end_period or invoice.state in _SKIPPED_STATES:
            continue
        left = invoice.total - credits.credited_total(invoice)
        if invoice.period == end_period:
            _kept, amount = split_end_month(invoice.total, _should_cost(contract, invoice))
            amount = min(amount, left)
            days = periods.active_days(invoice.period, contract.start_date, end)
            what = _("%(days)s of %(all)s days after the end date") % {
                "days": periods.days_in(invoice.period) - days, "all": periods.days_in(invoice.period)}
        else:
            amount = left
            what = _("the whole month is after the end date")
        if amount <= 0:
            continue
        if invoice.state == Invoice.State.AT_COLLECTION:
            proposal.problems.append(_("Invoice %(number)s is at collection: recall it from the collection "
                                       "agency before the settlement.") % {"number": invoice.number})
        whole_unpaid = amount == invoice.total and not credits.cancel_checks(invoice)
        proposal.credits.append({
            "invoice": invoice.pk, "number": invoice.number, "period": invoice.period_label,
            "action": "cancel" if whole_unpaid else "credit", "amount": str(amount),
            "kept": str(invoice.total - credits.credited_total(invoice) - amount),
            "paid": invoice.state == Invoice.State.PAID, "what": str(what)})
    invoiced = {i.period for i in invoices}
    first = periods.next_period(max(invoiced)) if invoiced else periods.period_of(contract.start_date)
    for period in periods.months_between(first, end) if first <= end_period else []:
        if deceased_on is not None and deceased_on < period:
            proposal.notes.append(_("%(period)s is not invoiced: the customer died before the month began.")
                                  % {"period": f"{period:%Y-%m}"})
            continue
        if RunItem.objects.filter(contract=contract, run__period=period, included=True, invoice__isnull=True,
                                  run__state__in=[InvoiceRun.State.PREPARED, InvoiceRun.State.APPROVED]).exists():
            proposal.problems.append(_("The rent run for %(period)s still includes the contract: prepare the run "
                                       "again (or let it be issued) before the settlement.")
                                     % {"period": f"{period:%Y-%m}"})
            continue
        pending = list(PendingLine.objects.filter(contract=contract, period=period, invoice__isnull=True))
        computed = services.compute(contract, period, pending=pending)
        if computed.total <= 0:
            continue
        proposal.missing.append({
            "period": f"{period:%Y-%m}", "amount": str(computed.total),
            "lines": [{"kind": ln["kind"], "description": f"{period:%Y-%m} {ln['description']}"[:200],
                       "amount": ln["amount"], "account": ln["account"]} for ln in computed.lines],
            "pending": [p.pk for p in pending]})
    _queued_after_end(contract, proposal, invoices, end_period, deceased_on=deceased_on)
    if proposal.missing:
        if internal_move:
            proposal.charge_to = "organisation"
            proposal.notes.append(_("Internal move: the days not yet invoiced are deducted for the customer "
                                    "and charged to the administration by an accounting order."))
    else:
        proposal.charge_to = "none"
    return proposal


def _queued_after_end(contract: RentalContract, proposal: Proposal, invoices: list[Invoice], end_period: dt.date,
                      *, deceased_on: dt.date | None) -> None:
    """Lines queued for an invoice after the end month (a rent reduction registered during the notice
    period goes on the *next* invoice, which never comes) are settled now: on the final invoice when
    there is one, else a reduction is credited on the contract's last invoices and a charge gets a
    final invoice of its own (none to a deceased customer)."""
    queued = list(PendingLine.objects.filter(contract=contract, invoice__isnull=True, period__gt=end_period)
                  .order_by("period", "pk"))
    if not queued:
        return
    total = sum((p.amount for p in queued), ZERO)
    lines = [{"kind": InvoiceLine.Kind.ONE_OFF, "description": p.description[:200], "amount": str(p.amount),
              "account": services.ledger_account("one_off")} for p in queued]
    pks = [p.pk for p in queued]
    last = proposal.missing[-1] if proposal.missing else None
    if last is not None and Decimal(last["amount"]) + total > 0:
        last["lines"] += lines
        last["pending"] += pks
        last["amount"] = str(Decimal(last["amount"]) + total)
    elif total > 0:
        if deceased_on is not None:
            proposal.notes.append(_("Queued lines of %(amount)s kr are not invoiced: the customer has died.")
                                  % {"amount": total})
            return
        proposal.missing.append({"period": f"{end_period:%Y-%m}", "amount": str(total), "lines": lines,
                                 "pending": pks})
    elif total < 0:
        planned: dict[int, Decimal] = {}
        for step in proposal.credits:
            planned[step["invoice"]] = planned.get(step["invoice"], ZERO) + Decimal(step["amount"])
        to_credit = -total
        for invoice in sorted(invoices, key=lambda i: i.period, reverse=True):
            if to_credit <= 0:
                break
            if invoice.state in _SKIPPED_STATES or invoice.customer_id is None:
                continue
            left = invoice.total - credits.credited_total(invoice) - planned.get(invoice.pk, ZERO)
            amount = min(left, to_credit)
            if amount <= 0:
                continue
            proposal.credits.append({
                "invoice": invoice.pk, "number": invoice.number, "period": invoice.period_label,
                "action": "credit", "amount": str(amount), "kept": str(left - amount),
                "paid": invoice.state == Invoice.State.PAID, "pending": pks,
                "what": str(_("queued for the next invoice: %(lines)s") % {
                    "lines": "; ".join(p.description for p in queued)})})
            pks = []
            to_credit -= amount
        if to_credit > 0:
            proposal.notes.append(_("Queued lines of %(amount)s kr could not be credited: no invoice of the "
                                    "contract has that much left. Settle them by hand.") % {"amount": to_credit})


# --- Writes --------------------------------------------------------------------------------------------


def _received_at(end_date: dt.date) -> dt.datetime:
    """The settlement is due from the day after the end date (when the contract is terminated)."""
    start = timezone.make_aware(dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time(0, 0)))
    return min(start, timezone.now())


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def final_settlement_propose(*, actor, contract_id: int) -> FinalSettlement | None:
    """Create (or compute again) the proposal for a terminated customer contract. Idempotent: a
    settled one is returned as it is; ``None`` for a contract that is not terminated or not a
    customer's."""
    contract = (RentalContract.objects.select_for_update(of=("self",)).select_related("customer", "rental_object")
                .prefetch_related("rent_lines").get(pk=contract_id))
    if (contract.state != RentalContract.State.TERMINATED or contract.end_date is None
            or contract.kind not in CUSTOMER_KINDS):
        return None
    settlement = FinalSettlement.objects.select_for_update().filter(contract=contract).first()
    if settlement is not None and settlement.state == FinalSettlement.State.SETTLED:
        return settlement
    facts = termination_facts(contract)
    created = settlement is None
    if created:
        received = _received_at(contract.end_date)
        settlement = FinalSettlement(
            contract=contract, end_date=contract.end_date, internal_move=facts.internal_move,
            received_at=received, due_date=calendar.service_level_due(received, SETTLEMENT_WORKING_DAYS))
    proposal = compute_settlement(contract, internal_move=settlement.internal_move,
                                  deceased_on=facts.deceased_on)
    settlement.end_date = contract.end_date
    settlement.deceased = facts.deceased_on is not None
    settlement.proposal = proposal.as_json()
    settlement.credit_total = proposal.credit_total
    settlement.invoice_total = proposal.invoice_total
    settlement.save()
    audit.record(AuditEvent.Type.CREATE if created else AuditEvent.Type.UPDATE, actor=actor,
                 subject=settlement, to_state=settlement.state,
                 reason=_("Final settlement computed"),
                 changes={"credit_total": str(proposal.credit_total),
                          "invoice_total": str(proposal.invoice_total)})
    return settlement


@transaction.atomic
def final_settlement_set_internal_move(*, actor, settlement: FinalSettlement,
                                       internal_move: bool) -> FinalSettlement:
    """Staff tick (or untick) the internal move; the proposal is computed again."""
    settlement = FinalSettlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.state != FinalSettlement.State.PROPOSED:
        raise TransitionRefused(_("The settlement is already confirmed."))
    if settlement.internal_move != internal_move:
        FinalSettlement.objects.filter(pk=settlement.pk).update(internal_move=internal_move)
        audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=settlement,
                     changes={"internal_move": [settlement.internal_move, internal_move]})
    return final_settlement_propose(actor=actor, contract_id=settlement.contract_id)


def _final_lines(proposal: Proposal) -> list[services.OneOffLine]:
    return [services.OneOffLine(kind=ln["kind"] if ln["kind"] in InvoiceLine.Kind.values else "one_off",
                                description=ln["description"], amount=Decimal(ln["amount"]),
                                account=ln["account"])
            for month in proposal.missing for ln in month["lines"]]


@transaction.atomic
def final_settlement_confirm(*, actor, settlement: FinalSettlement,
                             internal_move: bool | None = None) -> FinalSettlement:
    """Confirm the settlement: computed again and applied (credits, cancellations, the final invoice or
    the accounting order). Refused, with nothing written, while an invoice is at collection."""
    if internal_move is not None:
        final_settlement_set_internal_move(actor=actor, settlement=settlement, internal_move=internal_move)
    settlement = FinalSettlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.state == FinalSettlement.State.SETTLED:
        raise TransitionRefused(_("The settlement is already confirmed."))
    contract = (RentalContract.objects.select_related("customer").prefetch_related("rent_lines")
                .get(pk=settlement.contract_id))
    facts = termination_facts(contract)
    proposal = compute_settlement(contract, internal_move=settlement.internal_move,
                                  deceased_on=facts.deceased_on)
    if proposal.problems:
        raise TransitionRefused(" ".join(proposal.problems), failed_checks=proposal.problems)
    reason = _("Final settlement: the contract ended on %(end)s.") % {"end": contract.end_date.isoformat()}
    for step in proposal.credits:
        invoice = Invoice.objects.get(pk=step["invoice"])
        if step["action"] == "cancel":
            credits.invoice_cancel(actor=actor, invoice=invoice, reason=reason)
        else:
            credits.credit_note_create(actor=actor, invoice=invoice, amount=Decimal(step["amount"]),
                                       reason=reason, allow_paid=True)
        PendingLine.objects.filter(pk__in=step.get("pending", [])).update(invoice=invoice)
    if proposal.missing:
        lines = _final_lines(proposal)
        last = periods.parse_period(proposal.missing[-1]["period"])
        if settlement.internal_move:
            settlement.accounting_order = services.accounting_order_issue(
                actor=actor, organisation_id=contract.organisation_id, contract=contract, lines=lines,
                period=last, reason=_("Internal move: the rent of the old apartment up to its end date"))
            issued = settlement.accounting_order
        else:
            settlement.final_invoice = services.invoice_issue_one_off(
                actor=actor, kind=InvoiceKind.ONE_OFF, lines=lines, organisation_id=contract.organisation_id,
                customer_id=contract.customer_id, contract=contract, period=last,
                due_date=periods.payment_due(periods.period_of(timezone.localdate()), timezone.localdate()),
                notes=_("Final invoice: the rent up to the end date %(end)s.") % {
                    "end": contract.end_date.isoformat()},
                reason=reason)
            issued = settlement.final_invoice
        PendingLine.objects.filter(pk__in=[pk for m in proposal.missing for pk in m["pending"]]).update(
            invoice=issued)
    settlement.proposal = proposal.as_json()
    settlement.credit_total = proposal.credit_total
    settlement.invoice_total = proposal.invoice_total
    settlement.deceased = facts.deceased_on is not None
    settlement.save(update_fields=["proposal", "credit_total", "invoice_total", "deceased",
                                   "final_invoice", "accounting_order"])
    settlement = apply_transition(settlement, "confirm", actor=actor, reason=reason, settled_by=_user(actor))
    events.send_settlement_done(settlement.contract_id, settlement.pk)
    return settlement


def refund_available(settlement: FinalSettlement) -> Decimal:
    """The customer's credit balance (prepaid rent) that a refund would pay out."""
    customer_id = settlement.contract.customer_id
    return credit_balance(person_id=customer_id) if customer_id else ZERO


@transaction.atomic
def final_settlement_refund(*, actor, settlement: FinalSettlement, payee_name: str,
                            payee_account: str) -> FinalSettlement:
    """Refund the customer's credit balance to the payee (the customer, or the estate's representative)
    through ``credits.refund_order_create``: within delegation a second person approves it, beyond it
    the district decides. Refused before the settlement is confirmed and when nothing is left."""
    settlement = FinalSettlement.objects.select_for_update(of=("self",)).select_related("contract").get(pk=settlement.pk)
    if settlement.state != FinalSettlement.State.SETTLED:
        raise TransitionRefused(_("Confirm the settlement before the refund."))
    if settlement.refund_order_id is not None:
        raise TransitionRefused(_("A refund has already been made for this settlement."))
    contract = settlement.contract
    order = credits.refund_order_create(
        actor=actor, person=contract.customer, payee_name=payee_name, payee_account=payee_account,
        reason=_("Refund of prepaid rent at termination (contract %(number)s)") % {
            "number": contract.number or contract.pk},
        monthly_rent=contract.monthly_rent())
    if order is None:
        raise TransitionRefused(_("There is nothing to refund: the credit balance went to open invoices."))
    FinalSettlement.objects.filter(pk=settlement.pk).update(refund_order=order)
    settlement.refund_order = order
    audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=settlement,
                 changes={"refund_order": order.pk, "amount": str(order.amount)},
                 reason=_("Refund at termination"))
    return settlement


def settlements_missing(*, since_days: int = 400):
    """Terminated customer contracts without a settlement (what an event missed)."""
    since = timezone.localdate() - dt.timedelta(days=since_days)
    return (RentalContract.objects.filter(state=RentalContract.State.TERMINATED, kind__in=CUSTOMER_KINDS,
                                          end_date__isnull=False, end_date__gte=since,
                                          final_settlement__isnull=True)
            .values_list("pk", flat=True))


__all__ = ["Proposal", "compute_settlement", "final_settlement_confirm", "final_settlement_propose",
           "final_settlement_refund", "final_settlement_set_internal_move", "mark_termination_settled",
           "refund_available", "settlements_missing", "split_end_month", "termination_facts"]
