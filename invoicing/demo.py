"""Demo data for invoicing: this month's and next month's rent runs issued, this month's accounting
orders, so that staff see runs and invoices and citizens see their invoices in /mina-sidor/.

Runs go through the real services (prepare, approve as the demo staff member ``service``, issue);
once any run exists the step does nothing, so a second seed changes nothing, whatever the date. PDFs render on first download.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from hyresadmin import demo

from . import periods, services
from .models import Invoice, InvoiceRun, RunKind

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
