"""The API of credits and refunds: ``/api/v1/credit-notes/``, ``POST /api/v1/invoices/{id}/cancel/`` and
``/api/v1/refund-orders/`` — who may do what, 409 with the Swedish reason for a refused step, 400 with
field errors for bad input (and nothing written), and the ledger's new row kinds."""

from decimal import Decimal

import pytest

from invoicing import credits
from invoicing.models import CreditNote, CustomerCredit, Invoice, RefundOrder
from tests.factories import UserFactory
from tests.invoicing.factories import issued_invoice, set_invoice_state

pytestmark = pytest.mark.django_db
D = Decimal
NOTES = "/api/v1/credit-notes/"
REFUNDS = "/api/v1/refund-orders/"
INVOICES = "/api/v1/invoices/"


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    return {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}


@pytest.fixture
def second_staff(staff):
    other = UserFactory(username="andra")
    other.groups.set(staff.groups.all())
    return other


@pytest.fixture
def invoice(staff, district):
    return issued_invoice(actor=staff, organisation=district)


def _with_credit(staff, invoice, amount):
    credits.invoice_cancel(actor=staff, invoice=invoice, reason="Fel")
    CustomerCredit.objects.create(person=invoice.customer, kind=CustomerCredit.Kind.PREPAYMENT, amount=amount)
    return invoice.customer


def _refund_body(person, **extra):
    return {"person": person.pk, "payee_name": "Anna", "payee_account": "6000 123456789",
            "reason": "Utflyttning", **extra}


# --- Credit notes and cancellations -----------------------------------------------------------------------


def test_staff_credit_an_invoice_and_list_the_credit_notes(client, staff, invoice):
    client.force_login(staff)
    response = client.post(NOTES, {"invoice": invoice.pk, "amount": "400.00", "reason": "Fel tillägg"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "400.00" and response.json()["attested_by"] == "staff"
    assert Invoice.objects.get(pk=invoice.pk).balance == D("5000.00")
    assert _ids(client.get(NOTES, {"invoice": invoice.pk})) == {response.json()["id"]}


def test_a_refused_credit_answers_409_with_the_reason_and_bad_input_400(client, staff, invoice):
    client.force_login(staff)
    set_invoice_state(invoice, Invoice.State.AT_COLLECTION)
    refused = client.post(NOTES, {"invoice": invoice.pk, "amount": "100.00", "reason": "x"},
                          content_type="application/json")
    assert refused.status_code == 409 and "inkasso" in refused.json()["detail"]
    bad = client.post(NOTES, {"invoice": 999999, "amount": "-1", "reason": ""}, content_type="application/json")
    assert bad.status_code == 400 and {"invoice", "amount", "reason"} <= set(bad.json())
    assert not CreditNote.objects.exists()


def test_staff_cancel_an_invoice_and_a_second_cancel_is_409(client, staff, invoice):
    client.force_login(staff)
    response = client.post(f"{INVOICES}{invoice.pk}/cancel/", {"reason": "Fel kund"},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["kind"] == "cancellation"
    again = client.post(f"{INVOICES}{invoice.pk}/cancel/", {"reason": "Igen"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["detail"]
    assert client.post(f"{INVOICES}{invoice.pk}/cancel/", {}, content_type="application/json").status_code == 400


def test_officers_and_citizens_may_not_credit_or_cancel(client, officer, citizen, invoice):
    client.force_login(officer)
    assert client.get(NOTES).status_code == 403
    assert client.post(NOTES, {"invoice": invoice.pk, "amount": "1", "reason": "x"},
                       content_type="application/json").status_code == 403
    assert client.post(f"{INVOICES}{invoice.pk}/cancel/", {"reason": "x"},
                       content_type="application/json").status_code == 403
    client.force_login(citizen)
    assert client.get(NOTES).status_code == 403
    assert not CreditNote.objects.exists() and Invoice.objects.get(pk=invoice.pk).state == Invoice.State.ISSUED


# --- Refund orders -------------------------------------------------------------------------------------------


def test_staff_create_approve_and_mark_paid_with_a_second_person(client, staff, second_staff, service_admin,
                                                                 invoice):
    person = _with_credit(staff, invoice, D("500.00"))
    client.force_login(staff)
    created = client.post(REFUNDS, _refund_body(person), content_type="application/json")
    assert created.status_code == 201, created.content
    order_id = created.json()["id"]
    assert created.json()["state"] == "proposed" and created.json()["amount"] == "500.00"

    same = client.post(f"{REFUNDS}{order_id}/approve/")
    assert same.status_code == 409 and "andra person" in same.json()["detail"]

    client.force_login(second_staff)
    assert client.post(f"{REFUNDS}{order_id}/approve/").json()["state"] == "approved"
    by_hand = client.post(f"{REFUNDS}{order_id}/mark-paid/")  # the payout file is the normal way
    assert by_hand.status_code == 403 and "utbetalningsfil" in by_hand.json()["detail"]
    client.force_login(service_admin)
    assert client.post(f"{REFUNDS}{order_id}/mark-paid/").json()["state"] == "paid"
    assert client.post(f"{REFUNDS}{order_id}/cancel/", {"reason": "x"},
                       content_type="application/json").status_code == 409


def test_bad_refund_input_answers_400_and_writes_nothing(client, staff, invoice):
    person = _with_credit(staff, invoice, D("500.00"))
    client.force_login(staff)
    bad = client.post(REFUNDS, _refund_body(person, payee_account="abc", amount="0", reason=""),
                      content_type="application/json")
    assert bad.status_code == 400 and {"payee_account", "amount", "reason"} <= set(bad.json())
    too_much = client.post(REFUNDS, _refund_body(person, amount="600.00"), content_type="application/json")
    assert too_much.status_code == 409 and "tillgodohavandet" in too_much.json()["detail"]
    assert not RefundOrder.objects.exists()


def test_the_district_officer_decides_their_own_referred_refunds_only(client, staff, officer, other_officer,
                                                                      invoice):
    person = _with_credit(staff, invoice, D("20000.00"))
    order = credits.refund_order_create(actor=staff, person=person, payee_name="Dödsbo",
                                        payee_account="6000 123456789", reason="Dödsfall")
    client.force_login(other_officer)
    assert _ids(client.get(REFUNDS)) == set()
    assert client.post(f"{REFUNDS}{order.pk}/decide/", {"approve": True},
                       content_type="application/json").status_code == 404

    client.force_login(officer)
    assert _ids(client.get(REFUNDS)) == {order.pk}
    assert client.post(f"{REFUNDS}{order.pk}/approve/").status_code == 403  # staff's step
    assert client.post(REFUNDS, _refund_body(person), content_type="application/json").status_code == 403
    no_note = client.post(f"{REFUNDS}{order.pk}/decide/", {"approve": False}, content_type="application/json")
    assert no_note.status_code == 400 and "note" in no_note.json()
    decided = client.post(f"{REFUNDS}{order.pk}/decide/", {"approve": True, "note": "Beviljas"},
                          content_type="application/json")
    assert decided.status_code == 200 and decided.json()["state"] == "district_approved"
    again = client.post(f"{REFUNDS}{order.pk}/decide/", {"approve": True}, content_type="application/json")
    assert again.status_code == 409


def test_staff_cannot_decide_for_the_district_and_citizens_see_nothing(client, staff, citizen, invoice):
    person = _with_credit(staff, invoice, D("20000.00"))
    order = credits.refund_order_create(actor=staff, person=person, payee_name="Dödsbo",
                                        payee_account="6000 123456789", reason="Dödsfall")
    client.force_login(staff)
    assert client.post(f"{REFUNDS}{order.pk}/decide/", {"approve": True},
                       content_type="application/json").status_code == 403
    assert client.post(f"{REFUNDS}{order.pk}/approve/").status_code == 409  # the district first
    client.force_login(citizen)
    assert client.get(REFUNDS).status_code == 403
    assert RefundOrder.objects.get().state == RefundOrder.State.REFERRED


def test_the_ledger_api_has_the_new_row_kinds(client, staff, invoice):
    person = _with_credit(staff, invoice, D("500.00"))
    credits.refund_order_create(actor=staff, person=person, payee_name="Anna", payee_account="5050-1055",
                                reason="x", amount=D("200.00"))
    client.force_login(staff)
    body = client.get(f"/api/v1/ledger/{person.pk}/").json()
    kinds = [row["kind"] for row in body["rows"]]
    assert "cancellation" in kinds and "refund" in kinds
    assert body["credit_balance"] == "300.00" and body["balance"] == "-300.00"
