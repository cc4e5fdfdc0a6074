"""Credit notes, cancellations and refunds (``invoicing.credits``): the ledger rules as a user meets them."""

import datetime as dt
from decimal import Decimal

import pytest

from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused
from invoicing import credits, payments
from invoicing.models import CreditNote, CustomerCredit, Invoice, RefundOrder
from tests.factories import UserFactory
from tests.invoicing.factories import issued_invoice, set_invoice_state

pytestmark = pytest.mark.django_db
D = Decimal


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def invoice(staff):
    return issued_invoice(actor=staff, rent=D("5400.00"))


@pytest.fixture
def second_staff(staff):
    other = UserFactory(username="andra")
    other.groups.set(staff.groups.all())
    return other


def test_a_partial_credit_lowers_the_balance_and_a_full_one_credits_the_invoice(staff, invoice):
    note = credits.credit_note_create(actor=staff, invoice=invoice, amount=D("400.00"), reason="Fel tillägg")
    invoice = fresh(invoice)
    assert (invoice.balance, invoice.state) == (D("5000.00"), Invoice.State.ISSUED)
    assert note.invoice == invoice and note.number and note.attested_by == staff
    credits.credit_note_create(actor=staff, invoice=invoice, amount=D("5000.00"), reason="Felaktig faktura")
    invoice = fresh(invoice)
    assert (invoice.balance, invoice.state) == (D("0.00"), Invoice.State.CREDITED)
    assert AuditEvent.objects.filter(object_id=str(invoice.pk), to_state="credited").exists()


def test_a_credit_beyond_the_balance_is_refused_and_nothing_is_written(staff, invoice):
    with pytest.raises(TransitionRefused, match="mer än"):
        credits.credit_note_create(actor=staff, invoice=invoice, amount=D("5400.01"), reason="x")
    assert not CreditNote.objects.exists() and fresh(invoice).balance == D("5400.00")


@pytest.mark.parametrize("state", [Invoice.State.AT_COLLECTION, Invoice.State.PAID, Invoice.State.CANCELLED])
def test_credit_and_cancellation_are_refused_for_an_invoice_at_collection_or_closed(staff, invoice, state):
    invoice = set_invoice_state(invoice, state)
    with pytest.raises(TransitionRefused) as refused:
        credits.credit_note_create(actor=staff, invoice=invoice, amount=D("100.00"), reason="x")
    if state == Invoice.State.AT_COLLECTION:
        assert "inkasso" in refused.value.message
    with pytest.raises(TransitionRefused):
        credits.invoice_cancel(actor=staff, invoice=invoice, reason="x")
    assert not CreditNote.objects.exists()


def test_a_cancellation_voids_an_unpaid_invoice(staff, invoice):
    note = credits.invoice_cancel(actor=staff, invoice=invoice, reason="Fel kund")
    invoice = fresh(invoice)
    assert (invoice.state, invoice.balance) == (Invoice.State.CANCELLED, D("0.00"))
    assert note.kind == CreditNote.Kind.CANCELLATION and note.amount == invoice.total


def test_an_invoice_with_a_payment_cannot_be_cancelled(staff, invoice):
    invoice = set_invoice_state(invoice, Invoice.State.PARTLY_PAID, balance=D("400.00"))
    with pytest.raises(TransitionRefused, match="obetald"):
        credits.invoice_cancel(actor=staff, invoice=invoice, reason="x")


def test_the_settlement_may_credit_a_paid_invoice_and_the_paid_part_goes_to_the_credit_balance(staff, invoice):
    invoice = set_invoice_state(invoice, Invoice.State.PAID, balance=D("0.00"))
    note = credits.credit_note_create(actor=staff, invoice=invoice, amount=D("1800.00"), reason="Slutreglering",
                                      allow_paid=True)
    assert note.to_credit_balance == D("1800.00")
    assert payments.credit_balance(person_id=invoice.customer_id) == D("1800.00")
    assert fresh(invoice).state == Invoice.State.PAID


@pytest.mark.parametrize("parts", [[D("5400.00")], [D("1800.00"), D("3600.00")]])
def test_a_paid_invoice_credited_in_full_ends_credited(staff, invoice, parts):
    invoice = set_invoice_state(invoice, Invoice.State.PAID, balance=D("0.00"))
    for amount in parts:
        credits.credit_note_create(actor=staff, invoice=invoice, amount=amount, reason="Slutreglering",
                                   allow_paid=True)
    invoice = fresh(invoice)
    assert (invoice.state, invoice.balance) == (Invoice.State.CREDITED, D("0.00"))
    assert payments.credit_balance(person_id=invoice.customer_id) == D("5400.00")
    assert AuditEvent.objects.filter(object_id=str(invoice.pk), from_state="paid", to_state="credited").exists()
    with pytest.raises(TransitionRefused):
        credits.credit_note_create(actor=staff, invoice=invoice, amount=D("1.00"), reason="x", allow_paid=True)


def _credit(person, amount):
    CustomerCredit.objects.create(person=person, kind=CustomerCredit.Kind.PREPAYMENT, amount=amount)


def test_a_refund_is_first_offset_against_open_invoices(staff, invoice):
    _credit(invoice.customer, D("6000.00"))
    order = credits.refund_order_create(actor=staff, person=invoice.customer, payee_name="Anna",
                                        payee_account="8327-9 123 456 789", reason="Utflyttning")
    assert fresh(invoice).state == Invoice.State.PAID
    assert order.amount == D("600.00") and order.state == RefundOrder.State.PROPOSED
    assert order.within_delegation and payments.credit_balance(person_id=invoice.customer_id) == 0


def test_a_refund_needs_a_second_person(staff, second_staff, invoice):
    _credit(invoice.customer, D("100.00"))
    credits.credit_note_create(actor=staff, invoice=invoice, amount=D("5400.00"), reason="x")
    order = credits.refund_order_create(actor=staff, person=invoice.customer, payee_name="Anna",
                                        payee_account="5050-1055", reason="Överbetalning")
    with pytest.raises(TransitionRefused, match="andra person"):
        credits.refund_order_approve(actor=staff, order=order)
    order = credits.refund_order_approve(actor=second_staff, order=order)
    assert order.state == RefundOrder.State.APPROVED and order.approved_by == second_staff
    assert credits.refund_order_mark_paid(actor=staff, order=order).state == RefundOrder.State.PAID


def test_a_refund_beyond_two_months_rent_goes_to_the_district(staff, second_staff, officer, invoice):
    credits.invoice_cancel(actor=staff, invoice=invoice, reason="x")
    _credit(invoice.customer, D("10800.01"))
    order = credits.refund_order_create(actor=staff, person=invoice.customer, payee_name="Dödsbo",
                                        payee_account="6000-123456789", reason="Dödsfall")
    assert order.state == RefundOrder.State.REFERRED and not order.within_delegation
    with pytest.raises(TransitionRefused):
        credits.refund_order_approve(actor=second_staff, order=order)
    order = credits.refund_order_decide(actor=officer, order=order, approve=True, note="Beviljas")
    assert order.state == RefundOrder.State.DISTRICT_APPROVED
    assert credits.refund_order_approve(actor=second_staff, order=order).state == RefundOrder.State.APPROVED


def test_a_rejected_refund_gives_the_credit_balance_back(staff, officer, invoice):
    credits.invoice_cancel(actor=staff, invoice=invoice, reason="x")
    _credit(invoice.customer, D("20000.00"))
    order = credits.refund_order_create(actor=staff, person=invoice.customer, payee_name="Dödsbo",
                                        payee_account="6000-123456789", reason="Dödsfall")
    assert payments.credit_balance(person_id=invoice.customer_id) == 0
    with pytest.raises(TransitionRefused):
        credits.refund_order_decide(actor=officer, order=order, approve=False, note="")
    credits.refund_order_decide(actor=officer, order=order, approve=False, note="Skuld finns")
    assert payments.credit_balance(person_id=invoice.customer_id) == D("20000.00")


def test_a_bad_account_is_refused(staff, invoice):
    _credit(invoice.customer, D("100.00"))
    with pytest.raises(TransitionRefused, match="konto"):
        credits.refund_order_create(actor=staff, person=invoice.customer, payee_name="A", payee_account="abc",
                                    reason="x")
    assert not RefundOrder.objects.exists()
    assert dt.date  # keep the import for later date tests
