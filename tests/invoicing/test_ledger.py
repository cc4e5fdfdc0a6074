"""The customer ledger (``invoicing.ledger.ledger_for``) and the citizen's account statement at
``/mina-sidor/kontoutdrag/``.

A hand-built case with the real services: two invoices of one customer (5 400 and 3 000 kr) issued by a
rent run on 2 November 2026; a BgMax file paid on 23 November, imported on 24 November, pays 2 000 kr
of the first (a part payment) and 3 500 kr to the second (an overpayment: 500 kr to the credit balance),
and the import offsets the credit balance against the first invoice.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoicing import ledger, payments
from invoicing.models import Invoice
from tests.factories import PersonFactory, RepresentativeFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run
from tests.invoicing.test_payments import pay

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEC = dt.date(2026, 12, 1)
ISSUED, PAID, IMPORTED = dt.date(2026, 11, 2), dt.date(2026, 11, 23), dt.date(2026, 11, 24)
LEDGER = reverse("invoicing_citizen:ledger")
D = Decimal


def _at(day):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 12, tzinfo=STOCKHOLM), tick=False)


TWO_RENTS = (D("5400.00"), D("3000.00"))


def issue(staff, person, rents=TWO_RENTS, period=DEC):
    contracts = [contract_with_rent(rent=rent, customer=person) for rent in rents]
    with _at(ISSUED):
        issue_rent_run(period=period, actor=staff)
    return [Invoice.objects.get(contract=c, period=period) for c in contracts]


def hand_built_case(staff, person):
    first, second = issue(staff, person)
    with _at(IMPORTED):
        payments.import_bgmax(actor=staff, name="bgmax.txt", data=pay(
            (first.ocr_reference, "2000.00"), (second.ocr_reference, "3500.00")))
    return Invoice.objects.get(pk=first.pk), Invoice.objects.get(pk=second.pk)


def test_the_ledger_has_every_event_with_a_running_balance(staff):
    person = PersonFactory()
    first, second = hand_built_case(staff, person)

    rows = ledger.ledger_for(person)

    assert [(r.date, r.kind, r.reference, r.debit, r.credit, r.balance) for r in rows] == [
        (ISSUED, "invoice", first.ocr_reference, D("5400.00"), D("0"), D("5400.00")),
        (ISSUED, "invoice", second.ocr_reference, D("3000.00"), D("0"), D("8400.00")),
        (PAID, "payment", first.ocr_reference, D("0"), D("2000.00"), D("6400.00")),
        (PAID, "payment", second.ocr_reference, D("0"), D("3000.00"), D("3400.00")),
        (PAID, "credit", second.ocr_reference, D("0"), D("500.00"), D("2900.00")),
        (IMPORTED, "credit_used", first.ocr_reference, D("500.00"), D("0"), D("3400.00")),
        (IMPORTED, "offset", first.ocr_reference, D("0"), D("500.00"), D("2900.00")),
    ]
    assert rows[0].invoice_id == first.pk and rows[6].invoice_id == first.pk
    assert str(first.number) in rows[0].text and str(first.number) in rows[6].text
    # The balance ends at what is left on the open invoices less the credit balance.
    assert (first.balance, second.balance) == (D("2900.00"), D("0.00"))
    assert first.state == Invoice.State.PARTLY_PAID and second.state == Invoice.State.PAID
    assert payments.credit_balance(person_id=person.pk) == 0
    assert ledger.ledger_balance(rows) == first.balance + second.balance


def test_another_customers_events_are_not_in_the_ledger(staff):
    person, other = PersonFactory(), PersonFactory()
    hand_built_case(staff, other)

    assert ledger.ledger_for(person) == []
    assert ledger.ledger_balance([]) == 0


def test_an_overpayment_left_on_the_credit_balance_makes_the_balance_negative(staff):
    person = PersonFactory()
    (invoice,) = issue(staff, person, rents=(D("1000.00"),))
    with _at(IMPORTED):
        payments.import_bgmax(actor=staff, name="b.txt", data=pay((invoice.ocr_reference, "1250.00")))

    rows = ledger.ledger_for(person.pk)

    assert [(r.kind, r.balance) for r in rows] == [
        ("invoice", D("1000.00")), ("payment", D("0.00")), ("credit", D("-250.00"))]


def test_the_ledger_runs_a_constant_number_of_queries(staff):
    person = PersonFactory()
    hand_built_case(staff, person)
    with CaptureQueriesContext(connection) as few:
        assert len(ledger.ledger_for(person)) == 7

    for period in (dt.date(2027, 1, 1), dt.date(2027, 2, 1)):
        invoices = issue(staff, person, period=period)
        with _at(IMPORTED):
            payments.import_bgmax(actor=staff, name=f"{period}.txt", data=pay(
                *[(i.ocr_reference, "3500.00") for i in invoices], stamp=f"{period:%Y%m%d}103000123456"))
    with CaptureQueriesContext(connection) as many:
        assert len(ledger.ledger_for(person)) > 14

    assert len(few) == len(many) == 4


# --- The citizen's account statement ------------------------------------------------------------------


def test_a_citizen_reads_their_account_statement(client, citizen, staff):
    first, _second = hand_built_case(staff, citizen.person)
    client.force_login(citizen)

    response = client.get(LEDGER)

    assert response.status_code == 200
    page = response.content.decode()
    assert "2900,00 kr kvar att betala" in page or "2900,00" in page
    assert reverse("invoicing_citizen:invoice_detail", args=[first.pk]) in page
    assert page.count("<tr data-kind=") == 7


def test_the_invoice_list_links_to_the_account_statement(client, citizen):
    client.force_login(citizen)

    assert LEDGER in client.get(reverse("invoicing_citizen:invoice_list")).content.decode()


def test_a_citizen_sees_the_statement_of_whom_they_represent_with_invoice_rights_only(client, citizen,
                                                                                      staff):
    ward = RepresentativeFactory(agent=citizen.person, may_see_invoices=True).person
    no_rights = RepresentativeFactory(agent=citizen.person, may_see_invoices=False).person
    stranger = PersonFactory()
    for person in (no_rights, stranger):
        contract_with_rent(rent=D("700.00"), customer=person)
    hand_built_case(staff, ward)
    client.force_login(citizen)

    assert client.get(LEDGER, {"person": ward.pk}).status_code == 200
    assert "2900,00" in client.get(LEDGER, {"person": ward.pk}).content.decode()
    assert ward.full_name in client.get(LEDGER).content.decode()
    for person in (no_rights, stranger):
        response = client.get(LEDGER, {"person": person.pk})
        assert response.status_code == 404
        assert "700,00" not in response.content.decode()
    assert client.get(LEDGER, {"person": "x"}).status_code == 404


@pytest.mark.parametrize("who", ["officer", "staff"])
def test_the_account_statement_is_for_citizens(client, who, request):
    client.force_login(request.getfixturevalue(who))

    assert client.get(LEDGER).status_code in (302, 403, 404)


# --- The staff ledger in the admin ----------------------------------------------------------------------


def test_staff_open_the_customer_ledger_from_an_invoice_in_the_admin(client, staff):
    person = PersonFactory()
    first, _second = hand_built_case(staff, person)
    client.force_login(staff)
    url = reverse("admin:invoicing_invoice_ledger", args=[person.pk])

    assert url in client.get(reverse("admin:invoicing_invoice_change", args=[first.pk])).content.decode()
    response = client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<tr data-kind=") == 7 and "2900,00" in page
    assert client.get(reverse("admin:invoicing_invoice_ledger", args=[999999])).status_code == 404


def test_the_admin_ledger_is_not_for_citizens(client, citizen):
    client.force_login(citizen)

    response = client.get(reverse("admin:invoicing_invoice_ledger", args=[citizen.person.pk]))

    assert response.status_code == 302
