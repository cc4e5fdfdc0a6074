"""A registered rent reduction for double housing, as invoicing carries it out.

``rent_reduction_apply`` (from the ``rent_reduction_registered`` event): one negative queued line
(``PendingLine``) per reduced month on the contract's **next** invoice — the first month whose rent run
is not issued and that has no invoice yet, or a later month the underlag names — which the run then
picks up; and the booking of the cost: an **accounting order** to the deciding district when the
customer lives there (``services.accounting_order_issue``), otherwise a **payment order** (recorded on
the reduction as its booking; the payment itself is made in the city's ledger, outside this system).
The reduction records where it went (``contracts.reduction.rent_reduction_record_booking``), which
tells the submitter. Idempotent: a reduction already applied is left alone.

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

from . import periods, services
from .models import RUN_KINDS, Invoice, InvoiceLine, InvoiceRun, PendingLine, RunKind

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


def rent_reduction_apply(*, reduction_id: int, actor=JOB_ACTOR, today: date | None = None) -> list[PendingLine]:
    with transaction.atomic():
        reduction = (RentReduction.objects.select_for_update(of=("self",)).select_related("contract", "organisation")
                     .get(pk=reduction_id))
        if reduction.state != RentReduction.State.REGISTERED or reduction.applied_period is not None:
            return []
        contract = RentalContract.objects.prefetch_related("rent_lines").get(pk=reduction.contract_id)
        reduction.contract = contract
        period = next_invoice_period(contract, today=today, not_before=reduction.apply_from)
        per_month = reduction.amount_for_month()
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
