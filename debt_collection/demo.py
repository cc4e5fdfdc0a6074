"""Demo data for the reminders: the rules of the demo collection codes, the fee agreements on the demo
contracts, and the reminders the daily job would propose today (so that staff see a batch to review).

K1 (standard): reminder after 10 days with a 60 kr fee where agreed, the collection agency after 14
more days. K2 (the district is contacted before collection): the same reminder, the officers and the
representatives are told, 30 days before the agency. K3 (no reminder fee): a reminder without a fee.
Contracts with K1 or K2 have the reminder fee agreed (K1 also the payment-plan fee); K3 contracts none.
A second run changes nothing: the rules and agreements are compared first, and the proposal is made
once per database.
"""

from __future__ import annotations

from decimal import Decimal

from contracts.models import CollectionCode, RentalContract
from hyresadmin import demo
from hyresadmin.jobs import run_once

from . import reminders
from .code_models import CollectionPolicy
from .reminder_models import ReminderBatch

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
    """Once per database (whatever the day of a later seed): what the daily job would have done on the
    day of the first seed, in its name. From then on the daily job proposes."""

    def work() -> dict:
        marked = reminders.overdue_mark(actor=reminders.JOB)
        batch = reminders.reminder_batch_propose(actor=reminders.JOB)
        if batch is not None:
            ctx.count(ReminderBatch, created=True)
        return {"overdue": marked, "batch": batch.pk if batch else None}

    run_once(job="debt_collection.demo_reminders", period="demo", func=work)
