"""Payment plans through the services: the delegation (at most three months), the schedule on working
days, approval (originals credited, one invoice with its own OCR reference per instalment, the plan fee
only where agreed), the checks, broken plans detected and cancelled with the district told, completed
plans. Today is Monday 16 November 2026; the December invoice (5 400 kr) falls due on 30 November."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from hypothesis import given
from hypothesis import strategies as st

from contracts.services import ChecksFailed
from debt_collection import plans
from debt_collection.code_models import CollectionPolicy
from debt_collection.plan_models import Instalment, PaymentPlan
from hyresadmin import calendar
from hyresadmin.transitions import TransitionRefused
from invoicing import delegation
from invoicing.models import CreditNote, Invoice, InvoiceKind, InvoiceLine
from tests.debt_collection.plan_factories import TODAY, rent_invoice
from tests.invoicing.factories import set_invoice_state

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def invoice(staff, district):
    return rent_invoice(staff, organisation=district)


def _plan(actor, invoices, count=3, first=dt.date(2026, 12, 15), organisation=None):
    return plans.payment_plan_request(actor=actor, organisation=organisation, invoices=invoices,
                                      instalment_count=count, first_due_date=first, reason="Arbetslös")


@pytest.mark.parametrize(("first", "count", "within"), [
    (dt.date(2026, 12, 15), 3, True),    # December, January, February: three months
    (dt.date(2026, 12, 15), 4, False),   # one month past
    (dt.date(2026, 12, 1), 3, True),
    (dt.date(2026, 12, 31), 3, True),    # nyårsafton: back to 30 December (4 January is next month)
    (dt.date(2026, 12, 15), 1, True),
])
def test_the_delegation_decides_who_decides(officer, invoice, first, count, within):
    plan = _plan(officer, [invoice], count, first, organisation=officer.organisation)
    assert plan.within_delegation is within
    assert plan.state == (PaymentPlan.State.REQUESTED if within else PaymentPlan.State.REFERRED)


def test_a_plan_is_due_in_two_working_days_with_its_schedule(officer, invoice):
    plan = _plan(officer, [invoice], organisation=officer.organisation)
    assert plan.due_date == dt.date(2026, 11, 17)
    assert [(i.number, i.due_date, i.amount) for i in plan.instalments.all()] == [
        (1, dt.date(2026, 12, 15), D("1800.00")), (2, dt.date(2027, 1, 15), D("1800.00")),
        (3, dt.date(2027, 2, 15), D("1800.00"))]
    assert plan.amount == D("5400.00") and plan.fee == 0


def test_an_instalment_on_a_holiday_moves_to_the_next_working_day(officer, invoice):
    plan = _plan(officer, [invoice], count=2, first=dt.date(2026, 12, 25), organisation=officer.organisation)
    # Juldagen (Friday 25 December) and the weekend: Monday 28 December; 25 January 2027 is a Monday.
    assert [i.due_date for i in plan.instalments.all()] == [dt.date(2026, 12, 28), dt.date(2027, 1, 25)]
    assert plans.instalment_due_dates(first_due_date=dt.date(2027, 1, 6), count=1) == [dt.date(2027, 1, 7)]


def test_an_instalment_at_a_months_end_stays_in_its_month(officer, invoice):
    # 30 January 2027 is a Saturday: the next working day is in February, so Friday 29 January.
    plan = _plan(officer, [invoice], count=3, first=dt.date(2026, 12, 30), organisation=officer.organisation)
    assert [i.due_date for i in plan.instalments.all()] == [
        dt.date(2026, 12, 30), dt.date(2027, 1, 29), dt.date(2027, 2, 26)]
    assert plan.within_delegation


@given(first=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31)),
       count=st.integers(min_value=1, max_value=12))
def test_every_instalment_falls_on_a_working_day_in_order(first, count):
    dues = plans.instalment_due_dates(first_due_date=first, count=count)
    nominal = [delegation.add_months(first, k) for k in range(count)]
    assert all(calendar.is_working_day(d) for d in dues)
    assert [(d.year, d.month) for d in dues] == [(n.year, n.month) for n in nominal]  # each in its month
    assert all(d >= n or calendar.next_working_day_on_or_after(n).month != n.month
               for d, n in zip(dues, nominal, strict=True))


@given(total=st.decimals(min_value=D("1.00"), max_value=D("99999.99"), places=2),
       count=st.integers(min_value=1, max_value=12))
def test_the_instalments_add_up_to_the_total(total, count):
    amounts = plans.instalment_amounts(total, count)
    assert sum(amounts) == total and len(amounts) == count and all(a > 0 for a in amounts)


def test_approval_credits_the_originals_and_issues_one_invoice_per_instalment(staff, invoice):
    plan = _plan(staff, [invoice])
    plan = plans.payment_plan_approve(actor=staff, plan=plan)
    assert plan.state == PaymentPlan.State.ACTIVE
    original = Invoice.objects.get(pk=invoice.pk)
    assert (original.state, original.balance) == (Invoice.State.CREDITED, D("0.00"))
    note = CreditNote.objects.get(invoice=original)
    assert note.amount == D("5400.00") and f"avbetalningsplan {plan.pk}" in note.reason.lower()
    instalments = list(plan.instalments.select_related("invoice"))
    assert [i.invoice.due_date for i in instalments] == [i.due_date for i in instalments]
    assert len({i.invoice.ocr_reference for i in instalments}) == 3
    assert all(i.invoice.kind == InvoiceKind.ONE_OFF and i.invoice.customer_id == invoice.customer_id
               and i.invoice.total == i.amount for i in instalments)
    assert sum(i.invoice.total for i in instalments) == D("5400.00")
    assert plans.deferred_or_planned_invoice_ids(on=dt.date(2026, 12, 1)) == set()


def test_the_plan_fee_is_on_the_first_instalment_only_where_agreed(staff, district):
    invoice = rent_invoice(staff, organisation=district, payment_plan_fee_agreed=True)
    CollectionPolicy.objects.create(code=invoice.contract.collection_code, payment_plan_fee=D("170.00"))
    plan = plans.payment_plan_approve(actor=staff, plan=_plan(staff, [invoice]))
    assert plan.fee == D("170.00") and plan.total == D("5570.00")
    first, second, _third = plan.instalments.select_related("invoice")
    assert first.amount == D("1970.00") and second.amount == D("1800.00")
    fee_lines = InvoiceLine.objects.filter(invoice=first.invoice, kind=InvoiceLine.Kind.FEE)
    assert [line.amount for line in fee_lines] == [D("170.00")]
    assert not InvoiceLine.objects.filter(invoice=second.invoice, kind=InvoiceLine.Kind.FEE).exists()


def test_no_fee_where_the_contract_does_not_say_it_was_agreed(staff, invoice):
    CollectionPolicy.objects.create(code=invoice.contract.collection_code, payment_plan_fee=D("170.00"))
    assert _plan(staff, [invoice]).fee == 0


def test_the_checks_refuse_an_invoice_at_collection_and_nothing_is_issued(staff, invoice):
    plan = _plan(staff, [invoice])
    set_invoice_state(invoice, Invoice.State.AT_COLLECTION)
    with pytest.raises(ChecksFailed) as refused:
        plans.payment_plan_approve(actor=staff, plan=plan)
    assert "not_at_collection" in [c.code for c in refused.value.failed_checks]
    assert PaymentPlan.objects.get(pk=plan.pk).state == PaymentPlan.State.REQUESTED
    assert not Instalment.objects.filter(invoice__isnull=False).exists() and not CreditNote.objects.exists()


def test_a_referred_plan_is_approved_by_the_district_then_by_staff(officer, staff, invoice):
    plan = _plan(officer, [invoice], count=6, organisation=officer.organisation)
    assert plan.state == PaymentPlan.State.REFERRED
    with pytest.raises(TransitionRefused):
        plans.payment_plan_approve(actor=staff, plan=plan)
    with time_machine.travel(dt.datetime(2026, 11, 19, 15, tzinfo=TODAY.tzinfo), tick=False):
        plan = plans.payment_plan_district_decide(actor=officer, plan=plan, approve=True)
    assert plan.due_date == dt.date(2026, 11, 23)  # back to staff Thursday afternoon: two working days
    plan = plans.payment_plan_approve(actor=staff, plan=plan)
    assert plan.state == PaymentPlan.State.ACTIVE and plan.instalments.filter(invoice__isnull=False).count() == 6


def _pay(instalment):
    return set_invoice_state(instalment.invoice, Invoice.State.PAID, balance=D("0.00"))


def test_a_plan_not_kept_is_found_broken_then_cancelled_and_the_district_told(
        officer, staff, invoice, settings, django_capture_on_commit_callbacks):
    plan = plans.payment_plan_approve(actor=staff, plan=_plan(staff, [invoice]))
    first = plan.instalments.select_related("invoice").first()
    # The first instalment (due 15 December) is unpaid: not broken on the 25th, broken on the 26th.
    assert plans.payment_plans_follow_up(today=dt.date(2026, 12, 25)) == {"completed": 0, "broken": 0}
    assert plans.payment_plans_follow_up(today=dt.date(2026, 12, 26)) == {"completed": 0, "broken": 1}
    plan = PaymentPlan.objects.get(pk=plan.pk)
    assert plan.state == PaymentPlan.State.BROKEN and plan.broken_on == dt.date(2026, 12, 26)
    assert list(plans.broken_payment_plans(staff)) == [plan]
    assert plans.payment_plans_follow_up(today=dt.date(2026, 12, 27)) == {"completed": 0, "broken": 0}
    with django_capture_on_commit_callbacks(execute=True):
        plan = plans.payment_plan_cancel(actor=staff, plan=plan, reason="Ej följd")
    assert plan.state == PaymentPlan.State.CANCELLED
    assert [m.to for m in mail.outbox] == [[officer.email]]
    body = mail.outbox[0].body
    assert f"/forvaltning/anstand-och-avbetalning/avbetalningsplan/{plan.pk}/" in body
    assert invoice.customer.last_name not in body and invoice.customer.personal_number not in body
    assert first.invoice.ocr_reference not in body


def test_the_broken_limit_is_a_setting(staff, invoice, settings):
    settings.PAYMENT_PLAN_BROKEN_AFTER_DAYS = 3
    plans.payment_plan_approve(actor=staff, plan=_plan(staff, [invoice]))
    assert plans.payment_plans_follow_up(today=dt.date(2026, 12, 18))["broken"] == 0
    assert plans.payment_plans_follow_up(today=dt.date(2026, 12, 19))["broken"] == 1


def test_a_plan_whose_instalments_are_all_paid_is_completed_and_a_caught_up_plan_resumes(staff, invoice):
    plan = plans.payment_plan_approve(actor=staff, plan=_plan(staff, [invoice]))
    instalments = list(plan.instalments.select_related("invoice"))
    plans.payment_plans_follow_up(today=dt.date(2026, 12, 26))
    plan = plans.payment_plan_resume(actor=staff, plan=PaymentPlan.objects.get(pk=plan.pk))
    assert plan.state == PaymentPlan.State.ACTIVE and plan.broken_on is None
    for instalment in instalments[:2]:
        _pay(instalment)
    assert plans.payment_plans_follow_up(today=dt.date(2027, 1, 20))["completed"] == 0
    _pay(instalments[2])
    assert plans.payment_plans_follow_up(today=dt.date(2027, 1, 20))["completed"] == 1
    assert PaymentPlan.objects.get(pk=plan.pk).state == PaymentPlan.State.COMPLETED


def test_too_many_instalments_for_a_small_amount_are_refused(staff, invoice):
    from django.core.exceptions import ValidationError

    set_invoice_state(invoice, Invoice.State.PARTLY_PAID, balance=D("2.00"))
    with pytest.raises(ValidationError) as refused:
        _plan(staff, [invoice], count=3)
    assert "instalment_count" in refused.value.message_dict and not PaymentPlan.objects.exists()


def test_a_rejected_plan_needs_a_reason(staff, invoice):
    plan = _plan(staff, [invoice])
    with pytest.raises(TransitionRefused):
        plans.payment_plan_reject(actor=staff, plan=plan, reason=" ")
    plan = plans.payment_plan_reject(actor=staff, plan=plan, reason="Saknar underlag")
    assert plan.state == PaymentPlan.State.REJECTED


def test_the_report_lists_the_districts_plans_and_the_monthly_job_tells_each_district(
        officer, other_officer, staff, invoice):
    plan = plans.payment_plan_approve(actor=staff, plan=_plan(staff, [invoice]))
    rows = plans.report_rows(organisation_id=officer.organisation_id, month=dt.date(2026, 11, 1))
    assert [(r["plan"], r["left"], r["count"], r["next_due"]) for r in rows] == [
        (plan, D("5400.00"), 3, dt.date(2026, 12, 15))]
    assert plans.report_rows(organisation_id=other_officer.organisation_id, month=dt.date(2026, 11, 1)) == []
    assert plans.report_month_notify(month=dt.date(2026, 11, 1)) == {"districts": 1}
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert "?month=2026-11" in mail.outbox[0].body


@pytest.mark.parametrize("kind", ["deferral", "payment_plan"])
def test_the_instalments_of_a_running_plan_cannot_go_into_a_new_deferral_or_plan(staff, invoice, kind):
    from django.core.exceptions import ValidationError

    plan = plans.payment_plan_approve(actor=staff, plan=_plan(staff, [invoice]))
    first = plan.instalments.select_related("invoice").first().invoice
    with pytest.raises(ValidationError) as refused:
        plans.sf1015_submit(actor=staff, kind=kind, invoices=[first], reason="Igen",
                            new_due_date=dt.date(2026, 12, 30), instalment_count=2,
                            first_due_date=dt.date(2027, 1, 15))
    message = " ".join(refused.value.message_dict["invoices"])
    assert "avbetalningsplan som löper" in message and str(first.number) in message
    assert PaymentPlan.objects.count() == 1 and not plans.Deferral.objects.exists()
