"""Demo data of debt collection: the rules of the demo collection codes, the fee agreements on the
demo contracts, and arrears with everything the jobs and staff do about them.

K1 (standard): reminder after 10 days with a 60 kr fee where agreed, the collection agency after 14
more days. K2 (the district is contacted before collection): the same reminder, the officers and the
representatives are told, 30 days before the agency. K3 (no reminder fee): a reminder without a fee.
Contracts with K1 or K2 have the reminder fee agreed (K1 also the payment-plan fee); K3 contracts none.
The rules and agreements are compared on every run.

The arrears (``seed_arrears``, once per database through ``run_once``, whatever the day of a later
seed): rent invoices of the two previous months left unpaid by a dozen customers (the demo citizen's
represented person first), then, through the real services, a reminder batch sent five weeks ago
(with the clock moved back) and today's proposal, a deferral granted, a payment plan active with its
instalments, one referred to Södermalm, the collection proposals with one case handed over and its
agency file, an interest proposal and Södermalm's unpaid-rent report.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from contracts.models import CollectionCode, RentalContract
from hyresadmin import calendar, demo
from hyresadmin.jobs import run_once
from invoicing import periods
from invoicing.models import CreditNote, Invoice, RunKind

from . import collection, interest, plans, reminders, unpaid_report
from .code_models import CollectionPolicy
from .collection_models import AgencyFile, CollectionCase, InterestBatch
from .plan_models import Deferral, PaymentPlan
from .reminder_models import ReminderBatch
from .report_models import UnpaidReport

CUSTOMER_KINDS = (RentalContract.Kind.EXTERNAL, RentalContract.Kind.CITY_INTERNAL)
#: The demo's staff member and the Södermalm officer (see ``hyresadmin.demo``).
SERVICE_USER, OFFICER, DISTRICT = "service", "sodermalm", "SOD"
#: Customers with unpaid rent of two months ago, per district (besides the demo citizen's person).
ARREARS_PER_DISTRICT = {"SOD": 7, "KUN": 4}
#: Of them, the first few have last month's rent unpaid too.
NEWER_UNPAID = 6
#: The older month's reminders were sent this many days ago (past every code's agency period).
REMINDED_DAYS_AGO = 35

POLICIES = {
    "K1": {"reminds": True, "reminder_after_days": 10, "reminder_fee": Decimal("60.00"), "to_agency": True,
           "agency_after_days": 14, "to_enforcement": True, "charges_interest": True,
           "payment_plan_fee": Decimal("170.00"), "notify_officer": True, "notify_representatives": False},
    "K2": {"reminds": True, "reminder_after_days": 10, "reminder_fee": Decimal("60.00"), "to_agency": True,
           "agency_after_days": 30, "to_enforcement": False, "charges_interest": True,
           "payment_plan_fee": Decimal("170.00"), "notify_officer": True, "notify_representatives": True},
    "K3": {"reminds": True, "reminder_after_days": 10, "reminder_fee": Decimal("0.00"), "to_agency": True,
           "agency_after_days": 14, "to_enforcement": True, "charges_interest": True,
           "payment_plan_fee": Decimal("0.00"), "notify_officer": True, "notify_representatives": False},
}

#: code -> (reminder fee agreed, payment plan fee agreed) on the demo's customer contracts
AGREEMENTS = {"K1": (True, True), "K2": (True, False), "K3": (False, False)}


@demo.register_step("debt_collection.policies")
def seed_policies(ctx: demo.DemoContext) -> None:
    codes = CollectionCode.objects.in_bulk(list(POLICIES), field_name="code")
    for code, values in POLICIES.items():
        if code not in codes:
            continue
        policy = CollectionPolicy.objects.filter(code=codes[code]).first()
        # Reference data written as rows, like the demo's codes themselves (not a business event).
        if policy is None:
            CollectionPolicy(code=codes[code], **values).full_clean()
            CollectionPolicy.objects.create(code=codes[code], **values)
            ctx.count(CollectionPolicy, created=True)
            continue
        changed = [name for name, value in values.items() if getattr(policy, name) != value]
        for name in changed:
            setattr(policy, name, values[name])
        if changed:
            policy.full_clean()
            policy.save(update_fields=changed)
        ctx.count(CollectionPolicy, updated=bool(changed))


@demo.register_step("debt_collection.agreements")
def seed_agreements(ctx: demo.DemoContext) -> None:
    """Demo data, not a business event: written as rows, like the demo contracts themselves."""
    customer_kinds = (RentalContract.Kind.EXTERNAL, RentalContract.Kind.CITY_INTERNAL)
    for code, (reminder_fee, plan_fee) in AGREEMENTS.items():
        stale = (RentalContract.objects.filter(collection_code__code=code, kind__in=customer_kinds)
                 .exclude(reminder_fee_agreed=reminder_fee, payment_plan_fee_agreed=plan_fee))
        n = stale.update(reminder_fee_agreed=reminder_fee, payment_plan_fee_agreed=plan_fee)
        for _ in range(n):
            ctx.count(RentalContract, updated=True)


@demo.register_step("debt_collection.reminders")
def seed_reminders(ctx: demo.DemoContext) -> None:
    """Once per database (whatever the day of a later seed): the arrears and what the jobs and staff
    did with them, through the real services (see ``seed_arrears``)."""
    if ctx.users.get(SERVICE_USER) is None or ctx.users.get(OFFICER) is None:
        return
    run_once(job="debt_collection.demo_arrears", period="demo", func=lambda: seed_arrears(ctx))


def _arrears_contracts(ctx: demo.DemoContext, oldest_period: dt.date) -> list[RentalContract]:
    """Active customer contracts with a customer a letter reaches, running since ``oldest_period``:
    the demo citizen's represented person first, then Södermalm's and Kungsholmen's."""
    base = (RentalContract.objects.filter(
        state=RentalContract.State.ACTIVE, kind__in=CUSTOMER_KINDS, start_date__lte=oldest_period,
        end_date__isnull=True, customer__isnull=False, customer__protected_identity=False,
        customer__deceased_on__isnull=True, collection_code__code__in=["K1", "K2"])
        .select_related("customer", "collection_code").order_by("rental_object__object_number"))
    chosen: list[RentalContract] = []
    example = demo.citizen_example()
    if example is not None:
        chosen += list(base.filter(customer=example.person)[:1])
    for code, count in ARREARS_PER_DISTRICT.items():
        taken = {c.customer_id for c in chosen}
        rows = [c for c in base.filter(organisation=ctx.district(code)) if c.customer_id not in taken]
        chosen += rows[:count]
    return chosen


def seed_arrears(ctx: demo.DemoContext) -> dict:
    """Rent invoices of the last two months left unpaid by a dozen customers, and then:

    * the older month's reminded five weeks ago (a batch proposed, approved and sent then: the demo
      citizen sees "Påminnelse skickad"), the newer month's in today's reminder proposal;
    * a deferral granted on a current invoice, a payment plan active with its instalments (the demo
      citizen's), a longer plan referred to Södermalm for the officer's decision;
    * the reminded invoices proposed for collection, one case handed over with its agency file;
    * an interest proposal; this month's unpaid-rent report of Södermalm.
    """
    from invoicing.demo import issue_past_rent

    service, officer = ctx.users[SERVICE_USER], ctx.users[OFFICER]
    today = timezone.localdate()
    this_month = periods.period_of(today)
    older, newer = periods.previous_period(periods.previous_period(this_month)), periods.previous_period(this_month)
    contracts = _arrears_contracts(ctx, older)
    if len(contracts) < 6:
        return {"arrears": 0}
    reminded_on = today - dt.timedelta(days=REMINDED_DAYS_AGO)
    before = {model: model.objects.count() for model in (Invoice, CreditNote)}  # rent, fees, instalments

    # 1. The older month: overdue then, reminded five weeks ago.
    old_invoices = [inv for c in contracts if (inv := issue_past_rent(contract=c, period=older))]
    # The clock is moved back for this (time-machine is in requirements.lock): the collection proposals
    # read the day of the reminder from the audit trail, which is never written with another time.
    import time_machine

    with time_machine.travel(timezone.make_aware(dt.datetime.combine(reminded_on, dt.time(9, 30))), tick=False):
        reminders.overdue_mark(actor=reminders.JOB)
        sent = reminders.reminder_batch_propose(actor=reminders.JOB)
        if sent is not None:
            sent = reminders.reminder_batch_approve(actor=service, batch=sent)
            reminders.reminder_batch_send(actor=service, batch=sent)
            ctx.count(ReminderBatch, created=True)

    # 2. The newer month: unpaid too (the first customers' only).
    new_invoices = [inv for c in contracts[:NEWER_UNPAID]
                    if (inv := issue_past_rent(contract=c, period=newer))]
    reminders.overdue_mark(actor=reminders.JOB, today=today)

    # 3. Deferrals and payment plans, before today's proposals (they hold the invoices back).
    by_customer = {inv.customer_id: inv for inv in new_invoices}
    plan_invoice = by_customer.get(contracts[0].customer_id)
    if plan_invoice is not None:  # the demo citizen's: three instalments within the delegation
        plan = plans.payment_plan_request(
            actor=service, invoices=[plan_invoice], instalment_count=3,
            first_due_date=calendar.next_working_day_on_or_after(today + dt.timedelta(days=10)),
            reason="Demo: kunden har haft oväntade utgifter och betalar av hyran på tre månader.")
        plans.payment_plan_approve(actor=service, plan=plan, note="Inom delegationen.")
        ctx.count(PaymentPlan, created=True)
    sod_new = [inv for inv in new_invoices if inv.organisation_id == ctx.district(DISTRICT).pk
               and inv.customer_id != contracts[0].customer_id]
    if sod_new:  # six instalments: beyond the delegation, referred to Södermalm
        plans.payment_plan_request(
            actor=officer, organisation=ctx.district(DISTRICT), invoices=[sod_new[0]], instalment_count=6,
            first_due_date=calendar.next_working_day_on_or_after(today + dt.timedelta(days=10)),
            reason="Demo: kunden har fått arbete från nästa månad men behöver ett halvår för skulden.")
        ctx.count(PaymentPlan, created=True)
    current = (Invoice.objects.filter(period=this_month, kind=RunKind.RENT, state=Invoice.State.ISSUED,
                                      organisation=ctx.district(DISTRICT), customer__protected_identity=False,
                                      due_date__gte=today)
               .exclude(customer_id__in=[c.customer_id for c in contracts]).order_by("number").first())
    if current is not None:  # a week more, within the delegation: granted
        deferral = plans.deferral_request(
            actor=service, invoices=[current], new_due_date=current.due_date + dt.timedelta(days=14),
            reason="Demo: lönen kommer senare den här månaden.")
        plans.deferral_grant(actor=service, deferral=deferral, note="Inom delegationen.")
        ctx.count(Deferral, created=True)

    # 4. Today's reminder proposal, waiting for review.
    if reminders.reminder_batch_propose(actor=reminders.JOB, today=today) is not None:
        ctx.count(ReminderBatch, created=True)

    # 5. Collection: the reminded invoices proposed, one case handed over.
    counts = collection.collection_proposals_create(actor=collection_jobs_actor(), today=today)
    ctx.created[CollectionCase._meta.label_lower] += counts["cases"]
    handover = (CollectionCase.objects.filter(state=CollectionCase.State.OPEN)
                .exclude(customer_id=contracts[0].customer_id).order_by("pk").first())
    if handover is not None:
        files = collection.collection_hand_over(actor=service, cases=[handover])
        ctx.created[AgencyFile._meta.label_lower] += len(files)

    # 6. Interest up to today, to review.
    if interest.interest_proposals_create(actor=collection_jobs_actor(), until=today) is not None:
        ctx.count(InterestBatch, created=True)

    # 7. The unpaid-rent report of Södermalm (this month's once its report day has come).
    month = this_month if today >= unpaid_report.report_day(this_month) else periods.previous_period(this_month)
    made = unpaid_report.unpaid_reports_make(actor=reminders.JOB, month=month, report_date=today,
                                             organisation_ids=[ctx.district(DISTRICT).pk])
    ctx.created[UnpaidReport._meta.label_lower] += len(made)
    for model, count in before.items():
        ctx.created[model._meta.label_lower] += model.objects.count() - count
    return {"arrears": len(old_invoices) + len(new_invoices)}


def collection_jobs_actor() -> str:
    return "debt_collection.collection"
