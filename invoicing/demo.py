"""Demo data for invoicing: this month's and next month's rent runs issued, this month's accounting
orders, so that staff see runs and invoices and citizens see their invoices in /mina-sidor/; one
credited invoice and one refund order waiting for a second person's approval; a final settlement
proposal waiting for staff (``invoicing.settlements``).

``issue_past_rent`` gives a contract its rent invoice of an earlier month, issued and due on that
month's schedule: the arrears the debt-collection demo reminds, plans and hands over.

Runs go through the real services (prepare, approve as the demo staff member ``service``, issue);
once any run exists the step does nothing, so a second seed changes nothing, whatever the date. PDFs render on first download.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils import timezone

from hyresadmin import audit, demo
from hyresadmin.models import AuditEvent

from . import periods, services
from .models import (
    CreditNote,
    FinalSettlement,
    Invoice,
    InvoiceRun,
    Payment,
    PaymentFile,
    RefundOrder,
    RunKind,
)

ACTOR = "seed_demo"


def _issue(ctx: demo.DemoContext, *, period, kind, approver) -> None:
    run = services.run_for(period=period, kind=kind)
    if run.state == InvoiceRun.State.ISSUED:
        return
    before = Invoice.objects.count()
    if run.state in (InvoiceRun.State.PLANNED, InvoiceRun.State.PREPARED):
        run = services.run_prepare(run=run, actor=ACTOR)
    if run.state == InvoiceRun.State.PREPARED:
        run = services.run_approve(run=run, actor=approver if kind == RunKind.RENT else ACTOR)
    services.run_issue(run=run, actor=ACTOR)
    ctx.count(InvoiceRun, created=True)
    for _ in range(Invoice.objects.count() - before):
        ctx.count(Invoice, created=True)


@demo.register_step("invoicing.runs")
def seed_runs(ctx: demo.DemoContext) -> None:
    if InvoiceRun.objects.exists():
        return  # seeded before (maybe in another month): runs are the jobs' work from then on
    approver = get_user_model().objects.get(username="service")
    this_month = periods.period_of(timezone.localdate())
    for period in (this_month, periods.next_period(this_month)):
        _issue(ctx, period=period, kind=RunKind.RENT, approver=approver)
    _issue(ctx, period=this_month, kind=RunKind.INTERNAL, approver=approver)


@demo.register_step("invoicing.credits")
def seed_credits(ctx: demo.DemoContext) -> None:
    """A credit note on one open invoice, and a customer who paid 500 kr too much: the surplus (after
    their open invoices) waits as a refund for a second person's approval. Through the real services."""
    from . import credits

    if CreditNote.objects.exists() or RefundOrder.objects.exists():
        return
    staff = get_user_model().objects.get(username="service")
    open_invoices = (Invoice.objects.filter(document_type=Invoice.DocumentType.INVOICE,
                                            state=Invoice.State.ISSUED, customer__isnull=False)
                     .order_by("period", "number"))
    to_credit = open_invoices.first()
    if to_credit is None:
        return
    credits.credit_note_create(actor=staff, invoice=to_credit, amount=Decimal("250.00"),
                               reason="Felaktigt tillägg för parkering (demo)")
    ctx.count(CreditNote, created=True)
    payer_invoice = open_invoices.exclude(customer_id=to_credit.customer_id).first()
    if payer_invoice is None:
        return
    person = payer_invoice.customer
    owed = Invoice.objects.filter(customer=person, balance__gt=0).aggregate(s=Sum("balance"))["s"] or 0
    file = PaymentFile.objects.create(bankgiro="".join(c for c in settings.BANKGIRO_NUMBER if c.isdigit()))
    payment = Payment.objects.create(
        file=file, status=Payment.Status.UNMATCHED, line=1, payment_date=timezone.localdate(),
        amount=owed + Decimal("500.00"), reference="", payer_name=person.full_name[:70])
    order = credits.payment_refund(actor=staff, payment=payment, person=person, payee_name=person.full_name,
                                   payee_account="8327-9, 123 456 7890",
                                   reason="Betalade in för mycket (demo)")
    ctx.count(Payment, created=True)
    if order is not None:
        ctx.count(RefundOrder, created=True)


def issue_past_rent(*, contract, period) -> Invoice | None:
    """The rent invoice of ``contract`` for an earlier ``period``, issued three weeks before the period's
    due date and due on it (the rent rule), as the month's run would have issued it then. Demo only:
    the services issue runs today, and arrears need an earlier date. None when it is invoiced already."""
    if Invoice.objects.filter(contract=contract, period=period, kind=RunKind.RENT).exists():
        return None
    computed = services.compute(contract, period)
    due = periods.due_date(period)
    number = services.allocate_numbers(1)[0]
    invoice = services._build_invoice(
        number, kind=RunKind.RENT, period=period, contract=contract, customer_id=contract.customer_id,
        organisation_id=contract.organisation_id, total=computed.total, notes=computed.notes,
        pro_rata=computed.pro_rata, issue_date=due - dt.timedelta(days=21))
    invoice.due_date = due
    [invoice] = services._save_invoices([invoice], [computed.lines])
    audit.record(AuditEvent.Type.CREATE, actor=ACTOR, subject=invoice, to_state=invoice.state,
                 reason="Demo: obetald hyra från en tidigare månad",
                 changes={"total": invoice.total, "period": invoice.period_label})
    return invoice


@demo.register_step("invoicing.settlements")
def seed_settlements(ctx: demo.DemoContext) -> None:
    """A final settlement proposal for a Södermalm contract terminated with its end date passed, waiting
    for staff to confirm it (through ``settlement.final_settlement_propose``)."""
    from contracts.models import RentalContract

    from . import settlement

    if FinalSettlement.objects.exists():
        return
    contract = (RentalContract.objects.filter(
        state=RentalContract.State.TERMINATED, end_date__lt=timezone.localdate(),
        kind__in=(RentalContract.Kind.EXTERNAL, RentalContract.Kind.CITY_INTERNAL),
        organisation__code="SOD", customer__isnull=False).order_by("-end_date", "pk").first())
    if contract is None:
        return
    if settlement.final_settlement_propose(actor=ACTOR, contract_id=contract.pk) is not None:
        ctx.count(FinalSettlement, created=True)
