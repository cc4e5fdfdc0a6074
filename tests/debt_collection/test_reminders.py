"""Overdue detection and reminder proposals: only after the due date, only on working days, once a day;
proposals by the collection code's rules, with the flags staff review."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from debt_collection import reminders
from debt_collection.code_models import MAX_REMINDER_FEE, CollectionPolicy
from debt_collection.reminder_models import Reminder, ReminderBatch
from hyresadmin.models import AuditEvent, JobRun, Person
from invoicing.models import Invoice
from tests.factories import PersonFactory

from .factories import DUE, policy, rent_invoice, rent_invoices

pytestmark = pytest.mark.django_db

MONDAY_AFTER = dt.date(2026, 12, 14)  # 14 days after the due date, a Monday
SATURDAY = dt.date(2026, 12, 12)


def _state(invoice) -> str:
    return Invoice.objects.get(pk=invoice.pk).state


def test_an_invoice_is_marked_overdue_only_after_its_due_date(staff, district):
    invoice = rent_invoice(actor=staff, organisation=district)

    assert reminders.overdue_mark(actor="job", today=DUE) == 0
    assert _state(invoice) == Invoice.State.ISSUED

    assert reminders.overdue_mark(actor="job", today=DUE + dt.timedelta(days=1)) == 1
    assert _state(invoice) == Invoice.State.OVERDUE
    event = AuditEvent.objects.filter(object_id=str(invoice.pk), to_state="overdue").get()
    assert event.from_state == "issued" and event.actor_label == "job"


def test_a_paid_invoice_or_an_accounting_order_is_not_marked(staff, district):
    paid, order = rent_invoices(actor=staff, specs=[{"organisation": district}] * 2)
    Invoice.objects.filter(pk=paid.pk).update(state=Invoice.State.PAID, balance=0)
    Invoice.objects.filter(pk=order.pk).update(document_type=Invoice.DocumentType.ACCOUNTING_ORDER)

    assert reminders.overdue_mark(actor="job", today=MONDAY_AFTER) == 0
    assert _state(order) == Invoice.State.ISSUED


def test_marking_overdue_takes_the_same_queries_for_many_invoices(staff, district, django_assert_max_num_queries):
    rent_invoices(actor=staff, specs=[{"organisation": district}] * 3)
    with django_assert_max_num_queries(8):
        assert reminders.overdue_mark(actor="job", today=MONDAY_AFTER) == 3


def test_the_daily_job_does_nothing_on_a_non_working_day(staff, district):
    policy()
    invoice = rent_invoice(actor=staff, organisation=district)

    assert reminders.reminders_daily(today=SATURDAY) is None
    assert _state(invoice) == Invoice.State.ISSUED
    assert not ReminderBatch.objects.exists()


def test_the_daily_job_runs_once_a_working_day(staff, district):
    policy()
    invoice = rent_invoice(actor=staff, organisation=district)

    run = reminders.reminders_daily(today=MONDAY_AFTER)
    assert run.result["overdue"] == 1 and run.result["proposed"] == 1
    assert _state(invoice) == Invoice.State.OVERDUE

    assert reminders.reminders_daily(today=MONDAY_AFTER) is None  # the same day again: nothing
    assert JobRun.objects.filter(job=reminders.JOB).count() == 1
    # The next day's run proposes nothing new: the invoice is already in a batch.
    nxt = reminders.reminders_daily(today=MONDAY_AFTER + dt.timedelta(days=1))
    assert nxt.result["proposed"] == 0
    assert Reminder.objects.count() == 1 and ReminderBatch.objects.count() == 1


def test_the_beat_task_runs_the_job(staff, district, monkeypatch):
    from debt_collection import tasks

    seen = {}
    monkeypatch.setattr(reminders, "reminders_daily", lambda: seen.setdefault("ran", True) and None)
    assert tasks.daily_overdue_and_reminders() is None
    assert seen == {"ran": True}


def test_proposals_wait_for_reminder_after_days(staff, district):
    policy(reminder_after_days=10)
    invoice = rent_invoice(actor=staff, organisation=district)
    reminders.overdue_mark(actor="job", today=DUE + dt.timedelta(days=1))

    assert reminders.reminder_batch_propose(actor="job", today=DUE + dt.timedelta(days=9)) is None
    batch = reminders.reminder_batch_propose(actor="job", today=DUE + dt.timedelta(days=10))
    assert [r.invoice_id for r in batch.reminders.all()] == [invoice.pk]
    assert batch.state == ReminderBatch.State.PROPOSED
    assert batch.due_date > batch.proposed_on  # the 3 working days of the service level


def test_a_code_that_does_not_remind_is_never_proposed(staff, district):
    policy("K9", reminds=False)
    rent_invoice(actor=staff, organisation=district, code="K9")
    reminders.overdue_mark(actor="job", today=MONDAY_AFTER)

    assert reminders.reminder_batch_propose(actor="job", today=MONDAY_AFTER) is None


def test_accounting_orders_and_excluded_invoices_are_not_proposed(staff, district, monkeypatch):
    policy()
    order, planned, normal = rent_invoices(actor=staff, specs=[{"organisation": district}] * 3)
    reminders.overdue_mark(actor="job", today=MONDAY_AFTER)
    Invoice.objects.filter(pk=order.pk).update(document_type=Invoice.DocumentType.ACCOUNTING_ORDER,
                                               state=Invoice.State.OVERDUE)
    monkeypatch.setattr(reminders, "excluded_invoice_ids", lambda today=None: {planned.pk})

    batch = reminders.reminder_batch_propose(actor="job", today=MONDAY_AFTER)
    assert [r.invoice_id for r in batch.reminders.all()] == [normal.pk]
    assert reminders.excluded_invoice_ids.__module__  # the hook exists (wired later to the plans)


def test_the_hook_for_plans_and_deferrals_is_empty_for_now():
    monkey_free = reminders.__dict__["excluded_invoice_ids"]
    assert monkey_free() == set()


def test_deceased_and_protected_customers_are_flagged_and_left_out(staff, district):
    policy()
    dead, hidden, fine = rent_invoices(actor=staff, specs=[
        {"organisation": district},
        {"organisation": district, "customer": PersonFactory(protected_identity=True, affiliation=district)},
        {"organisation": district}])
    Person.objects.filter(pk=dead.customer_id).update(deceased_on=dt.date(2026, 12, 2))  # died after the run
    reminders.overdue_mark(actor="job", today=MONDAY_AFTER)

    batch = reminders.reminder_batch_propose(actor="job", today=MONDAY_AFTER)
    items = {r.invoice_id: r for r in batch.reminders.all()}
    assert items[dead.pk].flags == [Reminder.Flag.DECEASED] and not items[dead.pk].included
    assert items[hidden.pk].flags == [Reminder.Flag.PROTECTED_IDENTITY] and not items[hidden.pk].included
    assert items[fine.pk].flags == [] and items[fine.pk].included
    assert batch.summary["items"] == 3 and batch.summary["included"] == 1 and batch.summary["flagged"] == 2


def test_no_reminder_fee_where_none_was_agreed(staff, district):
    policy(reminder_fee=Decimal("60.00"))
    invoice = rent_invoice(actor=staff, organisation=district, fee_agreed=False)
    reminders.overdue_mark(actor="job", today=MONDAY_AFTER)

    batch = reminders.reminder_batch_propose(actor="job", today=MONDAY_AFTER)
    item = batch.reminders.get()
    assert item.fee == 0
    assert item.flags == [Reminder.Flag.NO_FEE_AGREED] and item.included

    batch = reminders.reminder_batch_approve(actor=staff, batch=batch)
    reminders.reminder_batch_send(actor=staff, batch=batch, today=MONDAY_AFTER)
    item.refresh_from_db()
    assert item.outcome == Reminder.Outcome.SENT and item.fee_invoice is None and item.fee == 0
    assert not Invoice.objects.filter(kind="fee").exists()
    assert _state(invoice) == Invoice.State.REMINDED


@given(fee=st.decimals(min_value=0, max_value=500, places=2), agreed=st.booleans(),
       kind=st.sampled_from(["rent", "fee", "interest", "one_off"]))
def test_the_fee_is_never_above_the_law_nor_charged_unagreed(fee, agreed, kind):
    from contracts.models import RentalContract

    contract = RentalContract(reminder_fee_agreed=agreed)
    invoice = Invoice(kind=kind, contract=contract)
    charged = reminders.reminder_fee_for(invoice, CollectionPolicy(reminder_fee=fee))
    assert Decimal("0") <= charged <= MAX_REMINDER_FEE
    if not agreed or kind in ("fee", "interest"):
        assert charged == 0
    else:
        assert charged == min(fee, MAX_REMINDER_FEE)


def test_the_database_refuses_a_fee_above_60_kr(staff, district):
    policy()
    invoice = rent_invoice(actor=staff, organisation=district)
    batch = ReminderBatch.objects.create(proposed_on=MONDAY_AFTER, due_date=MONDAY_AFTER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(batch=batch, invoice=invoice, amount_due=invoice.balance, fee=Decimal("60.01"))


def test_an_unticked_item_is_not_sent_and_a_batch_with_nothing_ticked_is_refused(staff, district):
    from hyresadmin.transitions import TransitionRefused

    policy()
    invoice = rent_invoice(actor=staff, organisation=district)
    reminders.overdue_mark(actor="job", today=MONDAY_AFTER)
    batch = reminders.reminder_batch_propose(actor="job", today=MONDAY_AFTER)
    reminders.reminder_set_included(actor=staff, reminder=batch.reminders.get(), included=False)

    with pytest.raises(TransitionRefused):
        reminders.reminder_batch_approve(actor=staff, batch=batch)
    assert ReminderBatch.objects.get(pk=batch.pk).state == ReminderBatch.State.PROPOSED
    assert _state(invoice) == Invoice.State.OVERDUE
    assert AuditEvent.objects.filter(object_id=str(batch.pk), event_type="update").exists()
