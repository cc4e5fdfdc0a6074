"""The ledger rules hold whatever staff do, in any order (hypothesis).

Random sequences of operations on a few invoices of one customer — payments matched by hand
(``payments.payment_match_to_invoice`` on unmatched payments created here), credit notes, the final
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
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hyresadmin.transitions import TransitionRefused
from invoicing import credits, ledger, payments, services
from invoicing.models import (
    Allocation,
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

amounts = st.integers(min_value=1, max_value=400_000).map(lambda cents: Decimal(cents) / 100)
invoice_index = st.integers(min_value=0, max_value=2)
operations = st.one_of(
    st.tuples(st.just("pay"), invoice_index, amounts),
    st.tuples(st.just("credit"), invoice_index, amounts),
    st.tuples(st.just("settle"), invoice_index, amounts),
    st.tuples(st.just("cancel"), invoice_index),
    st.tuples(st.just("refund"), st.one_of(st.none(), amounts)),
    st.tuples(st.just("next"), st.sampled_from(["reject", "cancel", "approve", "pay"])),
)


def _sum(qs, field="amount") -> Decimal:
    return qs.aggregate(s=Sum(field))["s"] or ZERO


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

    def run(self, op) -> None:
        kind = op[0]
        try:
            if kind == "pay":
                invoice = self.invoice(op[1])
                if not invoice.is_open or invoice.balance <= 0:
                    return
                self.line += 1
                payment = Payment.objects.create(file=self.file, status=Payment.Status.UNMATCHED, line=self.line,
                                                 payment_date=dt.date(2026, 11, 23), amount=op[2])
                payments.payment_match_to_invoice(actor=self.staff, payment=payment, invoice=invoice)
            elif kind == "credit":
                credits.credit_note_create(actor=self.staff, invoice=self.invoice(op[1]), amount=op[2], reason="x")
            elif kind == "settle":
                credits.credit_note_create(actor=self.staff, invoice=self.invoice(op[1]), amount=op[2],
                                           reason="Slutreglering", allow_paid=True)
            elif kind == "cancel":
                credits.invoice_cancel(actor=self.staff, invoice=self.invoice(op[1]), reason="x")
            elif kind == "refund":
                credits.refund_order_create(actor=self.staff, person=self.person, payee_name="A",
                                            payee_account="5050-1055", reason="x", amount=op[1])
            elif kind == "next":
                order = RefundOrder.objects.filter(person=self.person).order_by("-pk").first()
                if order is None:
                    return
                step = op[1]
                if step == "reject":
                    credits.refund_order_decide(actor=self.officer, order=order, approve=False, note="Nej")
                elif step == "cancel":
                    credits.refund_order_cancel(actor=self.staff, order=order, reason="x")
                elif step == "approve":
                    if order.state == RefundOrder.State.REFERRED:
                        order = credits.refund_order_decide(actor=self.officer, order=order, approve=True)
                    credits.refund_order_approve(actor=self.second, order=order)
                else:
                    credits.refund_order_mark_paid(actor=self.staff, order=order)
        except (TransitionRefused, payments.PaymentRefused):
            pass  # a refused step writes nothing; the rules must hold all the same

    def check(self) -> None:
        for payment in Payment.objects.filter(file=self.file).exclude(status=Payment.Status.UNMATCHED):
            used = _sum(Allocation.objects.filter(payment=payment)) + _sum(payment.credit_entries.all())
            assert used == payment.amount, payment
        for invoice in Invoice.objects.filter(customer=self.person):
            notes = invoice.credit_notes.all()
            expected = (invoice.total - _sum(invoice.allocations.all())
                        - (_sum(notes) - _sum(notes, "to_credit_balance")))
            assert invoice.balance == expected >= 0, invoice
        credit_balance = payments.credit_balance(person_id=self.person.pk)
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
@given(totals=st.lists(st.sampled_from([Decimal("1000.00"), Decimal("2500.50"), Decimal("5400.00")]),
                       min_size=2, max_size=3),
       ops=st.lists(operations, min_size=1, max_size=10))
def test_the_ledger_rules_hold_after_any_sequence(people, totals, ops):
    with transaction.atomic():
        world = World(*people, totals)
        for op in ops:
            world.run(op)
        world.check()
        transaction.set_rollback(True)
