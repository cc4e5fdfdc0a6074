"""The ledger rules hold whatever staff do, in any order (hypothesis).

Random sequences of operations on a few invoices of one customer — payments matched by hand
(``payments.payment_match_to_invoice`` on unmatched payments created here), kept as a prepayment or
refunded to the payer (``credits.payment_refund``), credit notes, the final
settlement's credit of a paid invoice, cancellations, refunds and their next steps (reject, cancel,
approve, pay out) — each through the real services, refusals allowed. After every sequence:

* each payment's allocations + its credit balance entries = its amount;
* an invoice's balance = total − Σ allocations − Σ (credit note amount − its part to the credit
  balance), and never below zero;
* the ledger's final balance = Σ open balances − the credit balance.

Each example runs in a transaction that is rolled back, so examples do not see each other.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import event as _event
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from hyresadmin.transitions import TransitionRefused
from invoicing import credits, ledger, payments, services
from invoicing.models import (
    Allocation,
    CustomerCredit,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    Payment,
    PaymentFile,
    RefundOrder,
)
from tests.factories import OrganisationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
ZERO = Decimal("0.00")

#: Öre, on every database (balances are computed in Python since the fast import: no float arithmetic in
#: SQLite's SQL any more, see ``test_an_offset_to_exactly_zero``).
STEP = 1
amounts = st.integers(min_value=1, max_value=1_200_000 // STEP).map(lambda n: Decimal(n * STEP) / 100)
small_amounts = st.integers(min_value=1, max_value=50_000 // STEP).map(lambda n: Decimal(n * STEP) / 100)
invoice_index = st.integers(min_value=0, max_value=2)
operations = st.one_of(
    st.tuples(st.just("pay"), invoice_index, amounts),
    st.tuples(st.just("prepay"), amounts),
    st.tuples(st.just("payment_refund"), amounts),
    st.tuples(st.just("credit"), invoice_index, amounts),
    st.tuples(st.just("settle"), invoice_index, amounts),
    st.tuples(st.just("cancel"), invoice_index),
    st.tuples(st.just("refund"), st.one_of(st.none(), small_amounts),
              st.sampled_from([None, "reject", "cancel", "approve", "pay"])),
    st.tuples(st.just("next"), st.sampled_from(["reject", "cancel", "approve", "pay"])),
)


def event(text: str) -> None:
    """Counted in ``--hypothesis-show-statistics``: which operations ran, and which were refused."""
    if currently_in_test_context():
        _event(text)


def _sum(qs, field="amount") -> Decimal:
    """Summed in Python: SQLite's SUM of decimals is a float."""
    return sum(qs.values_list(field, flat=True), ZERO)


class World:
    def __init__(self, staff, second, officer, totals):
        self.staff, self.second, self.officer = staff, second, officer
        self.person = PersonFactory()
        self.file = PaymentFile.objects.create(bankgiro="50501055")
        self.invoices = [
            services.invoice_issue_one_off(
                actor=staff, kind=InvoiceKind.ONE_OFF, organisation_id=officer.organisation_id,
                customer_id=self.person.pk, lines=[services.OneOffLine(InvoiceLine.Kind.ONE_OFF, "Avgift", t)])
            for t in totals]
        self.line = 0

    def invoice(self, index) -> Invoice:
        return Invoice.objects.get(pk=self.invoices[index % len(self.invoices)].pk)

    def unmatched(self, amount) -> Payment:
        self.line += 1
        return Payment.objects.create(file=self.file, status=Payment.Status.UNMATCHED, line=self.line,
                                      payment_date=dt.date(2026, 11, 23), amount=amount)

    def run(self, op) -> None:
        kind = op[0]
        try:
            if kind == "pay":
                invoice = self.invoice(op[1])
                if not invoice.is_open or invoice.balance <= 0:
                    return
                payment = self.unmatched(op[2])
                payments.payment_match_to_invoice(actor=self.staff, payment=payment, invoice=invoice)
            elif kind in ("prepay", "payment_refund"):
                payment = self.unmatched(op[1])
                if kind == "prepay":
                    payments.payment_to_credit(actor=self.staff, payment=payment, person=self.person)
                else:
                    order = credits.payment_refund(actor=self.staff, payment=payment, person=self.person,
                                                   payee_name="Betalaren", payee_account="6000 123456789",
                                                   reason="Betalade fel")
                    event("payment refund: nothing left" if order is None else f"payment refund: {order.state}")
            elif kind == "credit":
                credits.credit_note_create(actor=self.staff, invoice=self.invoice(op[1]), amount=op[2], reason="x")
            elif kind == "settle":
                credits.credit_note_create(actor=self.staff, invoice=self.invoice(op[1]), amount=op[2],
                                           reason="Slutreglering", allow_paid=True)
            elif kind == "cancel":
                credits.invoice_cancel(actor=self.staff, invoice=self.invoice(op[1]), reason="x")
            elif kind == "refund":
                order = credits.refund_order_create(actor=self.staff, person=self.person, payee_name="A",
                                                    payee_account="5050-1055", reason="x", amount=op[1],
                                                    monthly_rent=Decimal("3000.00"))
                event("refund: nothing left" if order is None else f"refund: {order.state}")
                if order is not None and op[2]:
                    self.step(order, op[2])
            elif kind == "next":
                order = RefundOrder.objects.filter(person=self.person).order_by("-pk").first()
                if order is not None:
                    self.step(order, op[1])
        except (TransitionRefused, payments.PaymentRefused):
            event(f"{kind}: refused")  # a refused step writes nothing; the rules must hold all the same
        else:
            event(f"{kind}: done")

    def step(self, order, step) -> None:
        """The next step of a refund order; a refusal is the caller's to catch."""
        if step == "reject":
            credits.refund_order_decide(actor=self.officer, order=order, approve=False, note="Nej")
        elif step == "cancel":
            credits.refund_order_cancel(actor=self.staff, order=order, reason="x")
        elif step == "approve":
            if order.state == RefundOrder.State.REFERRED:
                order = credits.refund_order_decide(actor=self.officer, order=order, approve=True)
            credits.refund_order_approve(actor=self.second, order=order)
        else:
            if order.state == RefundOrder.State.PROPOSED:
                order = credits.refund_order_approve(actor=self.second, order=order)
            credits.refund_order_mark_paid(actor=self.staff, order=order)
        event(f"refund step {step}: done")

    def check(self) -> None:
        for payment in Payment.objects.filter(file=self.file).exclude(status=Payment.Status.UNMATCHED):
            used = _sum(Allocation.objects.filter(payment=payment)) + _sum(payment.credit_entries.all())
            assert used == payment.amount, payment
        for invoice in Invoice.objects.filter(customer=self.person):
            notes = invoice.credit_notes.all()
            expected = (invoice.total - _sum(invoice.allocations.all())
                        - (_sum(notes) - _sum(notes, "to_credit_balance")))
            assert invoice.balance == expected >= 0, invoice
        credit_balance = _sum(CustomerCredit.objects.filter(person=self.person))
        assert credit_balance >= 0
        rows = ledger.ledger_for(self.person)
        open_balances = _sum(Invoice.objects.filter(customer=self.person), "balance")
        assert ledger.ledger_balance(rows) == open_balances - credit_balance
        assert ledger.ledger_credit_balance(rows) == credit_balance


@pytest.fixture
def people(staff):
    second = UserFactory(username="andra")
    second.groups.set(staff.groups.all())
    from django.contrib.auth.models import Group

    from hyresadmin import permissions

    officer = UserFactory(username="handlaggare", organisation=OrganisationFactory())
    officer.groups.add(Group.objects.get(name=permissions.DISTRICT_OFFICER))
    return staff, second, officer


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(totals=st.lists(st.sampled_from([Decimal("300.00"), Decimal("750.50"), Decimal("1200.00")]),
                       min_size=2, max_size=3),
       ops=st.lists(operations, min_size=1, max_size=10))
def test_the_ledger_rules_hold_after_any_sequence(people, totals, ops):
    with transaction.atomic():
        world = World(*people, totals)
        for op in ops:
            world.run(op)
        world.check()
        transaction.set_rollback(True)


def test_an_offset_to_exactly_zero(people):
    """Found by the test above: part payments of 0,01 and 7,59 kr and prepayments of 32,79 and
    259,61 kr settle a 300 kr invoice exactly. When balances were lowered by SQL arithmetic, SQLite
    summed them as floats and landed just below zero; they must end at exactly zero everywhere."""
    world = World(*people, [Decimal("300.00"), Decimal("300.00")])
    for op in [("pay", 0, Decimal("0.01")), ("pay", 0, Decimal("7.59")), ("prepay", Decimal("32.79")),
               ("prepay", Decimal("259.61"))]:
        world.run(op)
    world.check()
