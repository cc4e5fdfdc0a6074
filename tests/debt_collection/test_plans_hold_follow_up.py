"""Deferrals and payment plans hold the rest of the follow-up: an invoice being decided or deferred is
not reminded, a running plan's instalments are followed up as a plan (not by reminders), and an
invoice in a payment plan is neither handed over to the collection agency nor written down."""

import datetime as dt

import pytest
import time_machine

from debt_collection import collection, plans, reminders
from debt_collection.plan_models import PaymentPlan
from invoicing.models import Invoice
from tests.debt_collection.plan_factories import STOCKHOLM, TODAY, rent_invoice
from tests.invoicing.factories import set_invoice_state

pytestmark = pytest.mark.django_db
REMIND_DAY = dt.date(2026, 12, 15)  # 15 days after the December invoice fell due (30 November)


@pytest.fixture
def invoice(staff, district):
    with time_machine.travel(TODAY, tick=False):
        return rent_invoice(staff, organisation=district)


def _candidates(day=REMIND_DAY):
    return [inv.pk for inv, _fee, _flags in reminders.reminder_candidates(today=day)]


def test_an_invoice_in_a_deferral_being_decided_or_granted_is_not_reminded(officer, staff, invoice):
    invoice = set_invoice_state(invoice, Invoice.State.OVERDUE)
    assert invoice.pk in _candidates()
    with time_machine.travel(TODAY, tick=False):
        deferral = plans.deferral_request(actor=officer, invoices=[invoice], new_due_date=dt.date(2026, 12, 30),
                                          reason="Väntar på lön", organisation=officer.organisation)
    assert invoice.pk not in _candidates()
    plans.deferral_grant(actor=staff, deferral=deferral)
    assert invoice.pk not in _candidates(dt.date(2026, 12, 30))
    assert invoice.pk in _candidates(dt.date(2026, 12, 31))  # the deferral ran out


def test_a_running_plans_instalments_are_not_reminded_and_its_invoices_not_handed_over(officer, staff, invoice):
    with time_machine.travel(TODAY, tick=False):
        plan = plans.payment_plan_request(actor=officer, organisation=officer.organisation, invoices=[invoice],
                                          instalment_count=2, first_due_date=dt.date(2026, 12, 15),
                                          reason="Arbetslös")
        assert collection.payment_plan_exists(invoice)
        plan = plans.payment_plan_approve(actor=staff, plan=plan)
    assert plan.state == PaymentPlan.State.ACTIVE
    first = plan.instalments.order_by("number").first().invoice
    set_invoice_state(first, Invoice.State.OVERDUE)
    assert first.pk not in _candidates(dt.date(2027, 1, 10))
    assert collection.payment_plan_exists(first)
    assert collection.invoices_in_payment_plans([first.pk, invoice.pk]) == {first.pk, invoice.pk}
    with time_machine.travel(dt.datetime(2027, 1, 10, 12, tzinfo=STOCKHOLM), tick=False):
        PaymentPlan.objects.filter(pk=plan.pk).update(state=PaymentPlan.State.CANCELLED)
    assert not collection.payment_plan_exists(first)
    assert first.pk in _candidates(dt.date(2027, 1, 10))  # a cancelled plan's instalments go the usual way
