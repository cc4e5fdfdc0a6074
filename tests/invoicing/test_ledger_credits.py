"""Credit notes, cancellations and refunds in the customer ledger (``invoicing.ledger``): their own rows
with clear texts, the running balance that ends at Σ open balances − credit balance, a constant number
of queries, and the citizen's plain account statement."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoicing import credits, ledger, payments
from invoicing.models import Invoice
from tests.invoicing.factories import issued_invoice, set_invoice_state

pytestmark = pytest.mark.django_db
D = Decimal
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _at(day):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 12, tzinfo=STOCKHOLM), tick=False)


def _open_less_credit(person) -> Decimal:
    owed = sum((i.balance for i in Invoice.objects.filter(customer=person)), D("0.00"))
    return owed - payments.credit_balance(person_id=person.pk)


@pytest.fixture
def invoice(staff, citizen):
    return issued_invoice(actor=staff, rent=D("5400.00"), customer=citizen.person)


def test_a_credit_note_and_a_cancellation_are_credits(staff, citizen, invoice):
    with _at(dt.date(2026, 12, 3)):
        note = credits.credit_note_create(actor=staff, invoice=invoice, amount=D("400.00"), reason="Fel")
    rows = ledger.ledger_for(citizen.person)
    assert [(r.kind, r.debit, r.credit, r.balance) for r in rows] == [
        ("invoice", D("5400.00"), D("0"), D("5400.00")),
        ("credit_note", D("0"), D("400.00"), D("5000.00")),
    ]
    assert rows[1].date == dt.date(2026, 12, 3) and rows[1].invoice_id == invoice.pk
    assert f"Kreditfaktura {note.number}" in rows[1].text and str(invoice.number) in rows[1].text

    other = issued_invoice(actor=staff, period=dt.date(2027, 1, 1), rent=D("3000.00"),
                           customer=citizen.person)
    credits.invoice_cancel(actor=staff, invoice=other, reason="Fel kund")
    rows = ledger.ledger_for(citizen.person)
    cancelled = next(r for r in rows if r.kind == "cancellation")
    assert cancelled.credit == D("3000.00") and f"Makulering av faktura {other.number}" == cancelled.text
    assert ledger.ledger_balance(rows) == _open_less_credit(citizen.person)


def one_off(staff, person, amount, organisation_id):
    """An invoice outside the runs, for this person only."""
    from invoicing import services
    from invoicing.models import InvoiceKind, InvoiceLine

    return services.invoice_issue_one_off(
        actor=staff, kind=InvoiceKind.ONE_OFF, organisation_id=organisation_id, customer_id=person.pk,
        lines=[services.OneOffLine(InvoiceLine.Kind.ONE_OFF, "Slutavisering", amount)])


def test_the_paid_part_of_a_credited_invoice_goes_to_the_credit_balance_row(staff, citizen, invoice):
    invoice = set_invoice_state(invoice, Invoice.State.PAID, balance=D("0.00"))
    from invoicing.models import Allocation, Payment, PaymentFile

    file = PaymentFile.objects.create(bankgiro="50501055")
    payment = Payment.objects.create(file=file, status=Payment.Status.MATCHED, line=1, payment_date="2026-11-30",
                                     amount=D("5400.00"), invoice=invoice)
    Allocation.objects.create(payment=payment, invoice=invoice, amount=D("5400.00"))
    note = credits.credit_note_create(actor=staff, invoice=invoice, amount=D("1800.00"), reason="Slutreglering",
                                      allow_paid=True)
    rows = ledger.ledger_for(citizen.person)
    to_balance = next(r for r in rows if r.kind == "credit_note_to_balance")
    assert to_balance.credit == D("1800.00") and f"Kreditfaktura {note.number}" in to_balance.text
    assert not any(r.kind == "credit_note" for r in rows)  # nothing of it lowered the invoice's balance
    assert ledger.ledger_balance(rows) == D("-1800.00") == _open_less_credit(citizen.person)
    assert ledger.ledger_credit_balance(rows) == D("1800.00")


def test_a_refund_is_a_debit_when_reserved_and_a_credit_when_given_back(staff, citizen, invoice):
    credits.invoice_cancel(actor=staff, invoice=invoice, reason="x")
    from invoicing.models import CustomerCredit

    CustomerCredit.objects.create(person=citizen.person, kind=CustomerCredit.Kind.PREPAYMENT, amount=D("900.00"))
    with _at(dt.date(2026, 12, 10)):
        order = credits.refund_order_create(actor=staff, person=citizen.person, payee_name="Anna Andersson",
                                            payee_account="6000 123456789", reason="Utflyttning")
    rows = ledger.ledger_for(citizen.person)
    reserved = next(r for r in rows if r.kind == "refund")
    assert (reserved.date, reserved.debit, reserved.text) == (dt.date(2026, 12, 10), D("900.00"),
                                                              "Återbetalning till Anna Andersson")
    assert ledger.ledger_balance(rows) == D("0.00") == _open_less_credit(citizen.person)

    with _at(dt.date(2026, 12, 11)):
        credits.refund_order_cancel(actor=staff, order=order, reason="Fel konto")
    rows = ledger.ledger_for(citizen.person)
    back = next(r for r in rows if r.kind == "refund_returned")
    assert (back.date, back.credit) == (dt.date(2026, 12, 11), D("900.00"))
    assert "Anna Andersson" in back.text
    assert ledger.ledger_balance(rows) == D("-900.00") == _open_less_credit(citizen.person)


def test_the_ledger_stays_at_four_queries_with_credits_and_refunds(staff, citizen, invoice):
    from invoicing.models import CustomerCredit

    person = citizen.person
    credits.invoice_cancel(actor=staff, invoice=invoice, reason="x")

    def add_round():
        credited = one_off(staff, person, D("1000.00"), invoice.organisation_id)
        credits.credit_note_create(actor=staff, invoice=credited, amount=D("1000.00"), reason="x")
        CustomerCredit.objects.create(person=person, kind=CustomerCredit.Kind.PREPAYMENT, amount=D("200.00"))
        order = credits.refund_order_create(actor=staff, person=person, payee_name="A",
                                            payee_account="5050-1055", reason="x", amount=D("50.00"))
        credits.refund_order_cancel(actor=staff, order=order, reason="x")
        credits.invoice_cancel(actor=staff, invoice=one_off(staff, person, D("500.00"), invoice.organisation_id),
                               reason="x")

    add_round()
    with CaptureQueriesContext(connection) as few:
        small = ledger.ledger_for(person)
    for _ in range(3):
        add_round()
    with CaptureQueriesContext(connection) as many:
        large = ledger.ledger_for(person)
    kinds = {r.kind for r in large}
    assert {"credit_note", "cancellation", "refund", "refund_returned", "credit"} <= kinds
    assert len(large) >= len(small) + 21
    assert len(few) == len(many) == 4
    assert ledger.ledger_balance(large) == _open_less_credit(person)


def test_the_citizen_reads_credits_and_refunds_in_plain_words(client, staff, citizen, invoice):
    from invoicing.models import CustomerCredit

    credits.credit_note_create(actor=staff, invoice=invoice, amount=D("5400.00"), reason="Fel")
    CustomerCredit.objects.create(person=citizen.person, kind=CustomerCredit.Kind.PREPAYMENT, amount=D("300.00"))
    credits.refund_order_create(actor=staff, person=citizen.person, payee_name="Anna Andersson",
                                payee_account="6000 123456789", reason="x")
    client.force_login(citizen)
    content = client.get(reverse("invoicing_citizen:ledger")).content.decode()
    assert "Kreditfaktura" in content and "Återbetalning till Anna Andersson" in content
    assert "Du har inget kvar att betala" in content or "inget kvar att betala" in content
