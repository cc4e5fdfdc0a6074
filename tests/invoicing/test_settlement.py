"""The final settlement of a terminated contract (``invoicing.settlement``), as staff and customers meet it:
what is credited after the end date, the final invoice for days never invoiced, the refund of prepaid
rent within and beyond delegation, a deceased customer, an internal move, and idempotency.

Dates are fixed with time-machine on 20 November 2026 (a Friday): the rent runs for November and
December 2026 and January 2027 are issued by the real services before the contract ends.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import events as contract_events
from contracts.models import RentalContract
from hyresadmin.transitions import TransitionRefused
from invoicing import periods, services, settlement, tasks
from invoicing.models import (
    CreditNote,
    CustomerCredit,
    FinalSettlement,
    Invoice,
    InvoiceKind,
    PendingLine,
    RefundOrder,
    RunKind,
)
from invoicing.payments import credit_balance
from tests.factories import UserFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run, set_invoice_state

pytestmark = pytest.mark.django_db
D = Decimal
STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOV, DEC, JAN = dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=STOCKHOLM), tick=False):
        yield


def terminate(contract, end_date, *, deceased_on=None) -> RentalContract:
    """End the contract as the termination's daily job does (the state field is protected)."""
    RentalContract.objects.filter(pk=contract.pk).update(state=RentalContract.State.TERMINATED, end_date=end_date)
    if deceased_on:
        type(contract.customer).objects.filter(pk=contract.customer_id).update(deceased_on=deceased_on)
    return RentalContract.objects.get(pk=contract.pk)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def invoice_of(contract, period):
    return Invoice.objects.get(contract=contract, period=period, kind=RunKind.RENT)


@pytest.fixture
def contract(staff, district):
    contract = contract_with_rent(rent=D("5400.00"), organisation=district)
    for period in (NOV, DEC):
        issue_rent_run(period=period, actor=staff)
    return contract


@pytest.fixture
def second_staff(staff):
    other = UserFactory(username="andra")
    other.groups.set(staff.groups.all())
    return other


def test_the_end_month_is_credited_pro_rata_and_a_later_unpaid_month_is_cancelled(staff, contract):
    contract = terminate(contract, dt.date(2026, 11, 15))
    proposal = settlement.final_settlement_propose(actor=staff, contract_id=contract.pk)
    assert proposal.state == FinalSettlement.State.PROPOSED
    # November has 30 days: 15 after the end date are credited; December is wholly after it.
    assert proposal.credit_total == D("2700.00") + D("5400.00")
    assert proposal.invoice_total == D("0.00")
    assert [c["action"] for c in proposal.proposal["credits"]] == ["credit", "cancel"]
    # Due three working days after the day after the end date (received Mon 16 Nov 00:00 → Wed 18 Nov).
    assert proposal.due_date == dt.date(2026, 11, 18) and proposal.is_overdue

    settled = settlement.final_settlement_confirm(actor=staff, settlement=proposal)
    assert settled.state == FinalSettlement.State.SETTLED and settled.settled_by == staff
    nov, dec = invoice_of(contract, NOV), invoice_of(contract, DEC)
    assert (nov.balance, nov.state) == (D("2700.00"), Invoice.State.ISSUED)
    assert dec.state == Invoice.State.CANCELLED
    assert settled.final_invoice is None


def test_a_final_invoice_charges_the_days_up_to_an_end_date_after_the_last_invoice(staff, district):
    contract = contract_with_rent(rent=D("5400.00"), organisation=district)
    issue_rent_run(period=NOV, actor=staff)
    contract = terminate(contract, dt.date(2027, 1, 10))
    PendingLine.objects.create(contract=contract, period=DEC, description="Rättelse", amount=D("-100.00"))
    proposal = settlement.final_settlement_propose(actor=staff, contract_id=contract.pk)
    # December in full (less the queued correction) and 10 of January's 31 days.
    january = periods.pro_rata(D("5400.00"), 10, JAN)
    assert proposal.credit_total == 0
    assert proposal.invoice_total == D("5400.00") - D("100.00") + january

    settled = settlement.final_settlement_confirm(actor=staff, settlement=proposal)
    final = settled.final_invoice
    assert final.kind == InvoiceKind.ONE_OFF and final.customer_id == contract.customer_id
    assert final.document_type == Invoice.DocumentType.INVOICE
    assert final.total == proposal.invoice_total and final.lines.count() == 3
    assert final.due_date > dt.date(2026, 11, 20)
    assert PendingLine.objects.get(contract=contract).invoice == final


def test_the_settlement_is_idempotent(staff, contract):
    contract = terminate(contract, dt.date(2026, 11, 15))
    first = settlement.final_settlement_propose(actor=staff, contract_id=contract.pk)
    again = settlement.final_settlement_propose(actor=staff, contract_id=contract.pk)
    assert first.pk == again.pk and FinalSettlement.objects.count() == 1
    settlement.final_settlement_confirm(actor=staff, settlement=first)
    notes = CreditNote.objects.count()
    with pytest.raises(TransitionRefused):
        settlement.final_settlement_confirm(actor=staff, settlement=first)
    assert tasks.catch_up_final_settlements() == 0
    assert settlement.final_settlement_propose(actor=staff, contract_id=contract.pk).state == "settled"
    assert CreditNote.objects.count() == notes and FinalSettlement.objects.count() == 1


def test_an_invoice_at_collection_stops_the_settlement_and_nothing_is_written(staff, contract):
    contract = terminate(contract, dt.date(2026, 11, 15))
    dec = set_invoice_state(invoice_of(contract, DEC), Invoice.State.AT_COLLECTION)
    proposal = settlement.final_settlement_propose(actor=staff, contract_id=contract.pk)
    assert proposal.proposal["problems"]
    with pytest.raises(TransitionRefused, match=str(dec.number)):
        settlement.final_settlement_confirm(actor=staff, settlement=proposal)
    assert not CreditNote.objects.exists() and fresh(proposal).state == FinalSettlement.State.PROPOSED


def _pay(invoice):
    return set_invoice_state(invoice, Invoice.State.PAID, balance=D("0.00"))


def test_prepaid_rent_is_refunded_within_delegation_and_a_second_person_approves(staff, second_staff, contract):
    for period in (NOV, DEC):
        _pay(invoice_of(contract, period))
    contract = terminate(contract, dt.date(2026, 11, 15))
    proposal = settlement.final_settlement_propose(actor=staff, contract_id=contract.pk)
    settled = settlement.final_settlement_confirm(actor=staff, settlement=proposal)
    # Both invoices were paid: the credits went to the customer's credit balance.
    assert settlement.refund_available(settled) == D("8100.00")
    settled = settlement.final_settlement_refund(actor=staff, settlement=settled, payee_name="Karin Berg",
                                                 payee_account="8327-9 123 456 789")
    order = settled.refund_order
    assert order.amount == D("8100.00") and order.within_delegation
    assert order.state == RefundOrder.State.PROPOSED
    assert credit_balance(person_id=contract.customer_id) == 0
    with pytest.raises(TransitionRefused):
        settlement.final_settlement_refund(actor=staff, settlement=settled, payee_name="x",
                                           payee_account="8327-9 123 456 789")
    from invoicing import credits

    assert credits.refund_order_approve(actor=second_staff, order=order).state == RefundOrder.State.APPROVED


def test_a_refund_beyond_two_months_rent_is_referred_to_the_district(staff, contract):
    issue_rent_run(period=JAN, actor=staff)
    for period in (NOV, DEC, JAN):
        _pay(invoice_of(contract, period))
    contract = terminate(contract, dt.date(2026, 10, 31))
    settled = settlement.final_settlement_confirm(
        actor=staff, settlement=settlement.final_settlement_propose(actor=staff, contract_id=contract.pk))
    settled = settlement.final_settlement_refund(actor=staff, settlement=settled, payee_name="Karin Berg",
                                                 payee_account="8327-9 123 456 789")
    assert settled.refund_order.amount == D("16200.00")
    assert not settled.refund_order.within_delegation
    assert settled.refund_order.state == RefundOrder.State.REFERRED


def test_a_deceased_customers_months_after_the_end_date_are_credited(staff, contract):
    _pay(invoice_of(contract, NOV))
    contract = terminate(contract, dt.date(2026, 11, 30), deceased_on=dt.date(2026, 11, 5))
    settled = settlement.final_settlement_confirm(
        actor=staff, settlement=settlement.final_settlement_propose(actor=staff, contract_id=contract.pk))
    assert settled.deceased
    assert invoice_of(contract, DEC).state == Invoice.State.CANCELLED
    assert invoice_of(contract, NOV).state == Invoice.State.PAID  # the rent up to the end date is kept


def test_a_deceased_customer_gets_no_final_invoice(staff, district):
    contract = contract_with_rent(rent=D("5400.00"), organisation=district)
    issue_rent_run(period=NOV, actor=staff)
    contract = terminate(contract, dt.date(2027, 1, 31), deceased_on=dt.date(2026, 11, 10))
    settled = settlement.final_settlement_confirm(
        actor=staff, settlement=settlement.final_settlement_propose(actor=staff, contract_id=contract.pk))
    assert settled.final_invoice is None and settled.invoice_total == 0
    assert not Invoice.objects.filter(kind=InvoiceKind.ONE_OFF).exists()
    assert len(settled.proposal["notes"]) == 2


def test_an_internal_move_is_charged_to_the_administration_by_an_accounting_order(staff, district):
    contract = contract_with_rent(rent=D("5400.00"), organisation=district)
    issue_rent_run(period=NOV, actor=staff)
    contract = terminate(contract, dt.date(2026, 12, 31))
    proposal = settlement.final_settlement_propose(actor=staff, contract_id=contract.pk)
    settled = settlement.final_settlement_confirm(actor=staff, settlement=proposal, internal_move=True)
    order = settled.accounting_order
    assert settled.internal_move and settled.final_invoice is None
    assert order.document_type == Invoice.DocumentType.ACCOUNTING_ORDER
    assert order.customer_id is None and order.organisation == district and order.total == D("5400.00")
    assert not Invoice.objects.filter(kind=InvoiceKind.ONE_OFF, customer=contract.customer).exists()


def test_the_termination_event_creates_the_proposal_and_the_daily_job_catches_a_missed_one(
        staff, contract, django_capture_on_commit_callbacks):
    contract = terminate(contract, dt.date(2026, 11, 15))
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            contract_events.send_contract_terminated(contract.pk)
    assert FinalSettlement.objects.get(contract=contract).credit_total == D("8100.00")

    other = terminate(contract_with_rent(organisation=contract.organisation), dt.date(2026, 11, 30))
    assert tasks.catch_up_final_settlements() == 1
    assert FinalSettlement.objects.filter(contract=other).exists()


def test_an_active_or_vacancy_contract_gets_no_settlement(staff, contract):
    assert settlement.final_settlement_propose(actor=staff, contract_id=contract.pk) is None
    assert not FinalSettlement.objects.exists()


def test_the_beat_schedule_runs_the_catch_up_daily():
    from django.conf import settings as django_settings

    entry = django_settings.CELERY_BEAT_SCHEDULE["invoicing-catch-up-final-settlements"]
    assert entry["task"] == "invoicing.tasks.catch_up_final_settlements"


# --- The pro-rata rule, for any rent and any end date --------------------------------------------------


@given(invoiced=st.decimals(min_value=0, max_value=50000, places=2),
       should_be=st.decimals(min_value=-1000, max_value=60000, places=2))
def test_kept_and_credited_add_up_to_what_was_invoiced(invoiced, should_be):
    kept, credited = settlement.split_end_month(invoiced, should_be)
    assert kept + credited == invoiced and kept >= 0 and credited >= 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rent=st.decimals(min_value=1, max_value=20000, places=2),
       month=st.integers(min_value=1, max_value=12),
       day=st.integers(min_value=1, max_value=31))
def test_the_final_credit_of_the_end_month_is_pro_rata_by_calendar_days(district, rent, month, day):
    period = dt.date(2026, month, 1)
    end = min(dt.date(2026, month, min(day, periods.days_in(period))), periods.period_end(period))
    contract = contract_with_rent(rent=rent, organisation=district)
    computed = services.compute(contract, period)
    [invoice] = services._save_invoices([services._build_invoice(
        services.allocate_numbers(1)[0], kind=RunKind.RENT, period=period, contract=contract,
        customer_id=contract.customer_id, organisation_id=district.pk, total=computed.total, notes=[],
        pro_rata=False)], [computed.lines])
    contract = terminate(contract, end)
    proposal = settlement.compute_settlement(contract)
    credited = sum((D(c["amount"]) for c in proposal.credits), D("0.00"))
    kept = periods.pro_rata(rent, end.day, period)
    assert credited + kept == invoice.total
    assert credited >= 0 and kept >= 0
    assert not proposal.missing


def test_rent_paid_for_after_the_end_date_first_pays_the_customers_open_invoice(staff, contract):
    """The ledger rule: a credit balance is offset against open invoices before anything is refunded."""
    _pay(invoice_of(contract, DEC))
    contract = terminate(contract, dt.date(2026, 11, 30))
    settlement.final_settlement_confirm(
        actor=staff, settlement=settlement.final_settlement_propose(actor=staff, contract_id=contract.pk))
    assert credit_balance(person_id=contract.customer_id) == 0
    assert invoice_of(contract, NOV).state == Invoice.State.PAID
    assert CustomerCredit.objects.filter(person_id=contract.customer_id).count() == 2


def test_a_prepared_run_that_still_includes_the_contract_stops_the_final_invoice(staff, district):
    from invoicing.models import RunItem

    contract = contract_with_rent(rent=D("5400.00"), organisation=district)
    issue_rent_run(period=NOV, actor=staff)
    run = services.run_prepare(run=services.run_for(period=DEC, kind=RunKind.RENT), actor=staff)
    assert RunItem.objects.filter(run=run, contract=contract, included=True).exists()
    contract = terminate(contract, dt.date(2026, 12, 31))
    proposal = settlement.final_settlement_propose(actor=staff, contract_id=contract.pk)
    assert "2026-12" in proposal.proposal["problems"][0] and proposal.invoice_total == 0
    with pytest.raises(TransitionRefused):
        settlement.final_settlement_confirm(actor=staff, settlement=proposal)
    # Prepared again, the run leaves the terminated contract out, and the final invoice charges December.
    services.run_prepare(run=run, actor=staff)
    settled = settlement.final_settlement_confirm(actor=staff, settlement=proposal)
    assert settled.final_invoice.total == D("5400.00")
