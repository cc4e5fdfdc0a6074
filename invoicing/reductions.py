"""A registered rent reduction for double housing, as invoicing carries it out.

``rent_reduction_apply`` (from the ``rent_reduction_registered`` event): one negative queued line
(``PendingLine``) per reduced month on the contract's **next** invoice — the first month whose rent run
is not issued and that has no invoice yet, or a later month the underlag names — which the run then
picks up; and the booking of the cost: an **accounting order** to the deciding district when the
customer lives there (``services.accounting_order_issue``), otherwise a **payment order** (recorded on
the reduction as its booking; the payment itself is made in the city's ledger, outside this system).
The reduction records where it went (``contracts.reduction.rent_reduction_record_booking``), which
tells the submitter. Idempotent: a reduction already applied is left alone.

A reduction applied after the contract's final settlement was confirmed (registered while the contract
was current; registering one for an ended contract is refused, ``contracts.reduction``) would be queued
for a month that never comes: it is credited instead on the contract's last invoices
(``credits.credit_note_create(..., allow_paid=True)``, a paid part to the customer's credit balance),
and the cost is booked as usual.

Also the hook contracts' checks use: whether the customer's invoices are paid or at collection.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import reduction as contract_reduction
from contracts.models import RentalContract, RentReduction
from hyresadmin import audit
from hyresadmin.models import AuditEvent

from . import credits, periods, services
from .models import RUN_KINDS, FinalSettlement, Invoice, InvoiceLine, InvoiceRun, PendingLine, RunKind

JOB_ACTOR = "invoicing.rent_reduction"


def customer_invoice_status(person_id: int) -> tuple[int, int]:
    """(open invoices not at collection, invoices at collection) of a customer."""
    open_states = [s for s in Invoice.OPEN_STATES if s != Invoice.State.AT_COLLECTION]
    invoices = Invoice.objects.filter(customer_id=person_id)
    return (invoices.filter(state__in=open_states).count(),
            invoices.filter(state=Invoice.State.AT_COLLECTION).count())


def next_invoice_period(contract: RentalContract, *, today: date | None = None,
                        not_before: date | None = None) -> date:
    """The period of the contract's next rent invoice: not yet issued by a run nor invoiced."""
    period = periods.period_of(today or timezone.localdate())
    if not_before is not None and not_before > period:
        period = periods.period_of(not_before)
    kind = RunKind.RENT if contract.kind in services.CUSTOMER_KINDS else RunKind.INTERNAL
    issued = set(InvoiceRun.objects.filter(kind=kind, state=InvoiceRun.State.ISSUED, period__gte=period)
                 .values_list("period", flat=True))
    invoiced = set(Invoice.objects.filter(contract=contract, kind__in=RUN_KINDS, period__gte=period)
                   .values_list("period", flat=True))
    while period in issued or period in invoiced:
        period = periods.next_period(period)
    return period


def _credit_after_settlement(actor, reduction: RentReduction, contract: RentalContract,
                             per_month: Decimal) -> tuple[date, Decimal]:
    """Credit the reduction on the contract's rent invoices, the latest first (``allow_paid``: a paid
    part goes to the customer's credit balance). Returns the latest credited period and the amount
    credited; what no invoice has left is recorded on the reduction to be settled by hand."""
    to_credit = per_month * len(reduction.months())
    reason = _("Rent reduction for double housing %(first)s–%(last)s, after the final settlement") % {
        "first": f"{reduction.first_month:%Y-%m}", "last": f"{reduction.last_month:%Y-%m}"}
    credited, period = Decimal("0.00"), None
    invoices = Invoice.objects.filter(contract=contract, kind__in=RUN_KINDS).exclude(
        state__in=[Invoice.State.CREDITED, Invoice.State.CANCELLED, Invoice.State.WRITTEN_OFF,
                   Invoice.State.AT_COLLECTION]).order_by("-period")
    for invoice in invoices:
        if to_credit <= 0:
            break
        amount = min(invoice.total - credits.credited_total(invoice), to_credit)
        if amount <= 0:
            continue
        credits.credit_note_create(actor=actor, invoice=invoice, amount=amount, reason=reason,
                                   allow_paid=True)
        credited += amount
        to_credit -= amount
        period = period or invoice.period
    if to_credit > 0:
        audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=reduction,
                     reason=_("%(amount)s kr of the reduction could not be credited: no invoice of the "
                              "contract has that much left. Settle it by hand.") % {"amount": to_credit},
                     changes={"not_credited": str(to_credit)})
    return period or reduction.first_month, credited


def rent_reduction_apply(*, reduction_id: int, actor=JOB_ACTOR, today: date | None = None) -> list[PendingLine]:
    with transaction.atomic():
        reduction = (RentReduction.objects.select_for_update(of=("self",)).select_related("contract", "organisation")
                     .get(pk=reduction_id))
        if reduction.state != RentReduction.State.REGISTERED or reduction.applied_period is not None:
            return []
        contract = RentalContract.objects.prefetch_related("rent_lines").get(pk=reduction.contract_id)
        reduction.contract = contract
        per_month = reduction.amount_for_month()
        if FinalSettlement.objects.filter(contract=contract, state=FinalSettlement.State.SETTLED).exists():
            # Registered while the contract was current, applied after its final settlement: no next
            # invoice comes, so the reduction is credited on the contract's last invoices instead.
            lines = []
            period, total = _credit_after_settlement(actor, reduction, contract, per_month)
            if total <= 0:
                return []
        else:
            period = next_invoice_period(contract, today=today, not_before=reduction.apply_from)
            lines = [
                services.pending_line_add(
                    actor=actor, contract=contract, period=period, amount=-per_month,
                    description=_("Rent reduction, double housing %(month)s") % {"month": f"{month:%Y-%m}"})
                for month in reduction.months()
            ]
            total = sum((-line.amount for line in lines), Decimal("0.00"))
        if reduction.lives_in_deciding_district:
            order = services.accounting_order_issue(
                actor=actor, organisation_id=reduction.organisation_id, contract=contract, period=period,
                lines=[services.OneOffLine(
                    kind=InvoiceLine.Kind.ONE_OFF,
                    description=_("Rent reduction for double housing, contract %(number)s, %(first)s–%(last)s")
                    % {"number": contract.number or contract.pk, "first": f"{reduction.first_month:%Y-%m}",
                       "last": f"{reduction.last_month:%Y-%m}"},
                    amount=total)],
                reason=_("The cost of a rent reduction for double housing"))
            booking, reference = RentReduction.Booking.ACCOUNTING_ORDER, str(order.number)
        else:
            booking = RentReduction.Booking.PAYMENT_ORDER
            reference = _("Payment order %(amount)s kr") % {"amount": f"{total:.2f}".replace(".", ",")}
        contract_reduction.rent_reduction_record_booking(actor=actor, reduction=reduction, applied_period=period,
                                                         booking=booking, reference=reference)
        return lines
