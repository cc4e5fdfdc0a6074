"""The final settlement's doors: the staff queue in the admin (overdue marked, the computed credits shown
before "Bekräfta slutreglering", the refund form) and the read API ``/api/v1/final-settlements/``
(staff all, an officer their own administration's, a citizen nothing)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from contracts.models import RentalContract
from hyresadmin import queues
from invoicing import settlement
from invoicing.models import CreditNote, FinalSettlement, Invoice, RefundOrder, RunKind
from tests.invoicing.factories import contract_with_rent, issue_rent_run, set_invoice_state

pytestmark = pytest.mark.django_db
D = Decimal
NOV, DEC = dt.date(2026, 11, 1), dt.date(2026, 12, 1)
URL = "/admin/invoicing/finalsettlement/"
API = "/api/v1/final-settlements/"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Europe/Stockholm")), tick=False):
        yield


def _proposal(staff, organisation, *, paid=False):
    contract = contract_with_rent(rent=D("5400.00"), organisation=organisation)
    for period in (NOV, DEC):
        if not Invoice.objects.filter(period=period, kind=RunKind.RENT, run__isnull=False).exists():
            issue_rent_run(period=period, actor=staff)
    from invoicing.services import invoice_first_for_contract

    invoice_first_for_contract(contract_id=contract.pk)
    if paid:
        for invoice in Invoice.objects.filter(contract=contract):
            set_invoice_state(invoice, Invoice.State.PAID, balance=D("0.00"))
    RentalContract.objects.filter(pk=contract.pk).update(state=RentalContract.State.TERMINATED,
                                                         end_date=dt.date(2026, 11, 15))
    return settlement.final_settlement_propose(actor=staff, contract_id=contract.pk)


def test_the_queue_lists_due_settlements_with_overdue_marked_and_counts_on_my_work(client, staff, district):
    _proposal(staff, district)
    client.force_login(staff)
    page = client.get(URL)
    assert page.status_code == 200
    assert "⚠" in page.content.decode()
    [row] = [r for r in queues.my_work(staff) if r["queue"].key == "final_settlements"]
    assert row["open"] == 1 and row["overdue"] == 1


def test_staff_see_the_computed_credits_and_confirm_them(client, staff, district):
    proposal = _proposal(staff, district)
    client.force_login(staff)
    page = client.get(f"{URL}{proposal.pk}/change/").content.decode()
    assert "2\u00a0700,00 kr" in page or "2 700,00 kr" in page
    assert f"{URL}{proposal.pk}/confirm/" in page
    response = client.post(f"{URL}{proposal.pk}/confirm/", {})
    assert response.status_code == 302
    assert FinalSettlement.objects.get(pk=proposal.pk).state == FinalSettlement.State.SETTLED
    assert CreditNote.objects.count() == 2


def test_the_refund_form_makes_a_refund_order_to_the_payee(client, staff, district):
    proposal = _proposal(staff, district, paid=True)
    settlement.final_settlement_confirm(actor=staff, settlement=proposal)
    client.force_login(staff)
    bad = client.post(f"{URL}{proposal.pk}/refund/", {"payee_name": "Karin", "payee_account": "x"})
    assert bad.status_code == 302 and not RefundOrder.objects.exists()
    client.post(f"{URL}{proposal.pk}/refund/", {"payee_name": "Karin Berg", "payee_account": "8327-9 123 456 789"})
    order = RefundOrder.objects.get()
    assert order.amount == D("8100.00") and order.payee_name == "Karin Berg"
    assert FinalSettlement.objects.get(pk=proposal.pk).refund_order == order


def test_an_officer_cannot_reach_the_admin_queue(client, officer, staff, district):
    proposal = _proposal(staff, district)
    client.force_login(officer)
    assert client.post(f"{URL}{proposal.pk}/confirm/", {}).status_code in (302, 403, 404)
    assert FinalSettlement.objects.get(pk=proposal.pk).state == FinalSettlement.State.PROPOSED


def test_the_api_is_scoped_by_administration(client, staff, officer, other_officer, citizen, district,
                                             django_assert_max_num_queries):
    proposal = _proposal(staff, district)
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        data = client.get(API).json()
    [row] = data["results"] if isinstance(data, dict) else data
    assert row["id"] == proposal.pk and row["credit_total"] == "8100.00"
    assert [c["action"] for c in row["credits"]] == ["credit", "cancel"]
    client.force_login(officer)
    assert client.get(f"{API}{proposal.pk}/").status_code == 200
    client.force_login(other_officer)
    assert client.get(f"{API}{proposal.pk}/").status_code == 404
    client.force_login(citizen)
    assert client.get(API).status_code == 403
