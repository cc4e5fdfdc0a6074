"""``/api/v1/deferrals/`` and ``/api/v1/payment-plans/``: scoped (staff all, an officer their own
administration's, a citizen nothing), created by officers and staff, decided by staff and by the
district; refusals answer 409 with the reasons, bad input 400 with field errors."""

import datetime as dt

import pytest
import time_machine

from debt_collection import plans
from debt_collection.plan_models import Deferral, PaymentPlan
from invoicing.models import Invoice
from tests.debt_collection.plan_factories import TODAY, rent_invoice, rent_invoices
from tests.invoicing.factories import set_invoice_state

pytestmark = pytest.mark.django_db

DEFERRALS = "/api/v1/deferrals/"
PLANS = "/api/v1/payment-plans/"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def invoice(staff, district):
    return rent_invoice(staff, organisation=district)


def _rows(response) -> list:
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def test_an_officer_creates_requests_and_the_delegation_decides(client, officer, invoice):
    client.force_login(officer)
    response = client.post(DEFERRALS, {"invoices": [invoice.pk], "new_due_date": "2026-12-31",
                                       "reason": "Sjuk"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["state"] == "referred"
    assert response.json()["within_delegation"] is False


def test_a_plan_through_the_api_from_request_to_instalments(client, officer, staff, invoice):
    client.force_login(officer)
    response = client.post(PLANS, {"invoices": [invoice.pk], "instalment_count": 3,
                                   "first_due_date": "2026-12-15", "reason": "x"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["state"] == "requested"
    pk = response.json()["id"]
    assert client.post(f"{PLANS}{pk}/approve/", {}, content_type="application/json").status_code == 403
    client.force_login(staff)
    response = client.post(f"{PLANS}{pk}/approve/", {}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "active"
    instalments = response.json()["instalments"]
    assert [i["status"] for i in instalments] == ["unpaid"] * 3 and all(i["ocr_reference"] for i in instalments)


def test_bad_input_is_400_and_refusals_409(client, officer, staff, invoice):
    client.force_login(officer)
    response = client.post(PLANS, {"invoices": [invoice.pk], "instalment_count": 0, "reason": ""},
                           content_type="application/json")
    assert response.status_code == 400
    assert {"instalment_count", "first_due_date", "reason"} <= set(response.json())
    response = client.post(DEFERRALS, {"invoices": [invoice.pk], "new_due_date": "2026-11-20", "reason": "x"},
                           content_type="application/json")
    assert response.status_code == 400 and "new_due_date" in response.json()
    assert not Deferral.objects.exists() and not PaymentPlan.objects.exists()
    deferral = plans.deferral_request(actor=officer, organisation=officer.organisation, invoices=[invoice],
                                      new_due_date=dt.date(2026, 12, 15), reason="x")
    set_invoice_state(invoice, Invoice.State.AT_COLLECTION)
    client.force_login(staff)
    response = client.post(f"{DEFERRALS}{deferral.pk}/grant/", {}, content_type="application/json")
    assert response.status_code == 409
    assert [c["code"] for c in response.json()["failed_checks"]] == ["not_at_collection"]


def test_the_district_decides_through_the_api(client, officer, invoice):
    deferral = plans.deferral_request(actor=officer, organisation=officer.organisation, invoices=[invoice],
                                      new_due_date=dt.date(2027, 1, 15), reason="x")
    client.force_login(officer)
    response = client.post(f"{DEFERRALS}{deferral.pk}/decide/", {"approve": False, "note": ""},
                           content_type="application/json")
    assert response.status_code == 409
    response = client.post(f"{DEFERRALS}{deferral.pk}/decide/", {"approve": True},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "decided_by_district"


def test_scoping_staff_all_officer_own_citizen_nothing(client, officer, other_officer, staff, citizen, district):
    mine, theirs = rent_invoices(staff, {"organisation": district}, {})
    own = plans.deferral_request(actor=staff, invoices=[mine], new_due_date=dt.date(2026, 12, 15), reason="x")
    plans.deferral_request(actor=staff, invoices=[theirs], new_due_date=dt.date(2026, 12, 15), reason="x")
    client.force_login(staff)
    assert len(_rows(client.get(DEFERRALS))) == 2
    client.force_login(officer)
    assert [r["id"] for r in _rows(client.get(DEFERRALS))] == [own.pk]
    client.force_login(other_officer)
    assert client.get(f"{DEFERRALS}{own.pk}/").status_code == 404
    assert client.post(f"{DEFERRALS}{own.pk}/decide/", {"approve": True},
                       content_type="application/json").status_code == 404
    response = client.post(DEFERRALS, {"invoices": [mine.pk], "new_due_date": "2026-12-15", "reason": "x"},
                           content_type="application/json")
    assert response.status_code == 400 and Deferral.objects.count() == 2
    client.force_login(citizen)
    assert client.get(DEFERRALS).status_code == 403 and client.get(PLANS).status_code == 403
