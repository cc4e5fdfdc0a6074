"""The collection API (``/api/v1/collection-cases/``): scoped by role (staff all, a district officer
their own administration's, a citizen none), anything outside the scope answers 404, the staff's
actions answer 409 when refused and 400 on bad input, and the list costs the same however long."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from debt_collection import collection
from debt_collection.models import CollectionCase, EnforcementApplication, WriteDown
from invoicing.models import Invoice
from tests.contracts.factories import active_contract
from tests.debt_collection.collection_factories import (
    approved_write_down,
    at,
    code_with_policy,
    invoice_due,
    remind,
)

pytestmark = pytest.mark.django_db
D = Decimal
URL = "/api/v1/collection-cases/"
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _today():
    with at(TODAY):
        yield


@pytest.fixture
def code(db):
    return code_with_policy("K1", to_agency=True, agency_after_days=14, to_enforcement=True)


def _case(staff, code, organisation):
    contract = active_contract(collection_code=code, organisation=organisation)
    invoice = remind(invoice_due(actor=staff, due_date=dt.date(2026, 9, 30), contract=contract), actor=staff,
                     on=dt.date(2026, 10, 15))
    collection.collection_proposals_create(actor=staff, today=TODAY)
    return CollectionCase.objects.get(claims__invoice=invoice), invoice


@pytest.fixture
def own(staff, code, district):
    return _case(staff, code, district)


@pytest.fixture
def foreign(staff, code, other_district):
    return _case(staff, code, other_district)


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_each_role_sees_its_scope(client, staff, officer, citizen, own, foreign):
    client.force_login(staff)
    assert _ids(client.get(URL)) == {own[0].pk, foreign[0].pk}
    client.force_login(officer)
    assert _ids(client.get(URL)) == {own[0].pk}
    assert client.get(f"{URL}{own[0].pk}/").json()["claims"][0]["invoice_number"] == own[1].number
    client.force_login(citizen)
    assert client.get(URL).status_code == 403


def test_an_officer_of_another_district_gets_404(client, other_officer, own):
    client.force_login(other_officer)
    assert client.get(f"{URL}{own[0].pk}/").status_code == 404
    assert client.post(f"{URL}{own[0].pk}/withdraw/", {"reason": "x"}).status_code == 404
    assert CollectionCase.objects.get(pk=own[0].pk).state == CollectionCase.State.OPEN


def test_an_officer_may_not_act_and_nothing_happens(client, officer, own):
    client.force_login(officer)
    assert client.post(f"{URL}{own[0].pk}/hand-over/").status_code == 403
    assert CollectionCase.objects.get(pk=own[0].pk).state == CollectionCase.State.OPEN


def test_staff_hand_over_apply_and_record_the_decision(client, staff, own):
    case, invoice = own
    client.force_login(staff)
    response = client.post(f"{URL}{case.pk}/hand-over/")
    assert response.status_code == 200 and response.json()["state"] == "sent_to_agency"
    assert client.post(f"{URL}{case.pk}/hand-over/").status_code == 409
    response = client.post(f"{URL}{case.pk}/apply-enforcement/", {"kind": "enforcement", "applied_on": "2026-11-20"},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    [application] = response.json()["enforcement_applications"]
    assert application["fee"] == "600.00" and response.json()["state"] == "at_enforcement"
    response = client.post(f"{URL}{case.pk}/record-decision/", {"application": application["id"],
                           "decision": "granted", "decided_on": "2026-11-19"}, content_type="application/json")
    assert response.status_code == 400 and "decided_on" in response.json()
    assert EnforcementApplication.objects.get().decision == ""


def test_a_bad_write_down_answers_409_with_the_checks_and_400_on_missing_fields(client, staff, own):
    case, invoice = own
    client.force_login(staff)
    response = client.post(f"{URL}{case.pk}/write-down/", {
        "invoice": invoice.pk, "invoice_number": str(invoice.number), "amount": "100.00",
        "collection_code": "K1"}, content_type="application/json")
    assert response.status_code == 409
    assert len(response.json()["failed_checks"]) == 2  # no approved decision, amount
    approved_write_down(staff, invoice)
    response = client.post(f"{URL}{case.pk}/write-down/", {"invoice": invoice.pk}, content_type="application/json")
    assert response.status_code == 400 and "amount" in response.json()
    assert not WriteDown.objects.exists() and Invoice.objects.get(pk=invoice.pk).state == Invoice.State.REMINDED
    response = client.post(f"{URL}{case.pk}/write-down/", {
        "invoice": invoice.pk, "invoice_number": str(invoice.number), "amount": "5400.00",
        "collection_code": "K1"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["close_reason"] == "written_off"


def test_the_list_costs_the_same_however_long(client, staff, code, district):
    _case(staff, code, district)
    client.force_login(staff)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for _ in range(4):
        _case(staff, code_with_policy(f"K{_ + 2}", to_agency=True, agency_after_days=14), district)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(URL).json()["results"]) == 5
    assert len(many) == len(few)
