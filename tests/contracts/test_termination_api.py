"""The terminations API: scoped reads (staff all, an officer their administration's, a citizen
nothing), the district's notice, the staff steps with 409 on refusal and 400 on bad input."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts import termination as services
from contracts.models import NoticeGiver, RentalContract, Termination, TerminationNotice
from contracts.services import contract_open_dispute
from tests.contracts.factories import active_contract

pytestmark = pytest.mark.django_db
URL = "/api/v1/terminations/"
TODAY = dt.date.today()


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def _notice(contract, officer):
    return services.notice_register(actor=officer, contract=contract,
                                    source=TerminationNotice.Source.COORDINATOR_FORM,
                                    given_by=NoticeGiver.DISTRICT, notice_received_on=TODAY)


def test_officer_gives_notice_and_reads_only_their_own(client, officer, other_officer, district,
                                                       other_district):
    mine = active_contract(organisation=district)
    theirs = active_contract(organisation=other_district)
    _notice(theirs, other_officer)
    client.force_login(officer)
    response = _post(client, URL, {"contract": mine.pk, "source": "district_form",
                                   "given_by": "district", "notice_received_on": TODAY.isoformat()})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "documents_matched" and body["contract_number"] == mine.number
    listed = client.get(URL).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    other_id = Termination.objects.get(contract=theirs).pk
    assert client.get(f"{URL}{other_id}/").status_code == 404
    # Another administration's contract is not a choice.
    response = _post(client, URL, {"contract": theirs.pk, "source": "district_form",
                                   "given_by": "tenant", "notice_received_on": TODAY.isoformat()})
    assert response.status_code == 400 and "contract" in response.json()
    # An officer may not confirm.
    assert _post(client, f"{URL}{body['id']}/confirm/").status_code == 403


def test_bad_input_is_400_by_field(client, officer, district):
    contract = active_contract(organisation=district)
    client.force_login(officer)
    response = _post(client, URL, {"contract": contract.pk, "source": "district_form",
                                   "given_by": "estate",
                                   "notice_received_on": (TODAY + dt.timedelta(days=3)).isoformat()})
    assert response.status_code == 400
    assert {"notice_received_on", "deceased_on"} <= set(response.json())
    assert not Termination.objects.exists()


def test_citizen_sees_nothing(client, citizen):
    client.force_login(citizen)
    assert client.get(URL).status_code == 403


def test_staff_confirm_refused_in_dispute_is_409(client, staff, officer, district):
    contract = active_contract(organisation=district)
    termination = _notice(contract, officer)
    contract_open_dispute(actor=staff, contract=contract, reason="Tvist")
    client.force_login(staff)
    response = _post(client, f"{URL}{termination.pk}/confirm/")
    assert response.status_code == 409
    assert [c["code"] for c in response.json()["failed_checks"]] == ["dispute"]
    assert _post(client, f"{URL}{termination.pk}/set-end-date/", {"end_date": "2027-01-31"}).status_code == 400


def test_staff_confirm_and_list_in_constant_queries(client, staff, officer, district):
    terminations = [_notice(active_contract(organisation=district), officer) for _ in range(3)]
    client.force_login(staff)
    response = _post(client, f"{URL}{terminations[0].pk}/confirm/")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "confirmed"
    assert RentalContract.objects.get(pk=terminations[0].contract_id).state == "notice_given"
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _ in range(3):
        _notice(active_contract(organisation=district), officer)
    with CaptureQueriesContext(connection) as more:
        assert client.get(URL).json()["count"] == 6
    assert len(more) == len(few)
