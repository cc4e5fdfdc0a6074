"""The district's side of collection: write-downs staff propose and the district decides in its portal
(``/forvaltning/avskrivningar/``), the district's collection cases (``/forvaltning/inkasso/``), the
e-mails to the district and representatives at handover, and ``/api/v1/write-down-requests/``."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from debt_collection import collection, writedowns
from debt_collection.models import CollectionCase, EnforcementApplication, WriteDown, WriteDownRequest
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused
from invoicing.models import Invoice
from tests.contracts.factories import active_contract
from tests.debt_collection.collection_factories import at, code_with_policy, invoice_due, remind
from tests.factories import PersonFactory, RepresentativeFactory

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = dt.date(2026, 11, 23)
PORTAL = "/forvaltning/avskrivningar/"
CASES = "/forvaltning/inkasso/"
API = "/api/v1/write-down-requests/"


@pytest.fixture(autouse=True)
def _today():
    with at(TODAY):
        yield


@pytest.fixture
def code(db):
    return code_with_policy("K1", to_agency=True, agency_after_days=14, to_enforcement=True,
                            notify_officer=True, notify_representatives=True)


def _reminded(staff, code, organisation, customer=None):
    kwargs = {"customer": customer} if customer else {}
    contract = active_contract(collection_code=code, organisation=organisation, **kwargs)
    return remind(invoice_due(actor=staff, due_date=dt.date(2026, 9, 30), contract=contract), actor=staff,
                  on=dt.date(2026, 10, 15))


@pytest.fixture
def invoice(staff, code, district, officer):
    officer.email = "handlaggare@sodermalm.example.invalid"
    officer.save(update_fields=["email"])
    return _reminded(staff, code, district)


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def _carry_out(staff, invoice, **overrides):
    data = {"amount": invoice.balance, "invoice_number": invoice.number, "collection_code": invoice.collection_code,
            "attested_by": staff}
    return collection.write_down_create(actor=staff, invoice=invoice, **{**data, **overrides})


# --- The services -------------------------------------------------------------------------------------


def test_a_proposal_tells_the_districts_officers_with_only_a_link(staff, invoice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = writedowns.write_down_request_create(actor=staff, invoice=invoice, reason="Dödsbo utan tillgångar")
    assert request.state == WriteDownRequest.State.PROPOSED and request.amount == D("5400.00")
    [message] = mail.outbox
    assert message.to == ["handlaggare@sodermalm.example.invalid"]
    assert "/forvaltning/avskrivningar/" in message.body
    assert invoice.customer.last_name not in message.body and str(invoice.number) not in message.body
    assert AuditEvent.objects.filter(object_id=str(request.pk), reason__icontains="nedskrivning").exists()


def test_an_invoice_is_proposed_once_and_only_by_staff(staff, officer, invoice):
    writedowns.write_down_request_create(actor=staff, invoice=invoice, reason="x")
    with pytest.raises(TransitionRefused):
        writedowns.write_down_request_create(actor=staff, invoice=invoice, reason="igen")
    with pytest.raises(TransitionRefused):
        writedowns.write_down_request_create(actor=officer, invoice=invoice, reason="x")
    assert WriteDownRequest.objects.count() == 1


def test_without_an_approved_decision_the_write_down_is_refused(staff, officer, invoice):
    with pytest.raises(TransitionRefused) as refused:
        _carry_out(staff, invoice)
    assert any("portal" in c for c in refused.value.failed_checks)
    request = writedowns.write_down_request_create(actor=staff, invoice=invoice, reason="x")
    with pytest.raises(TransitionRefused):
        _carry_out(staff, invoice)  # proposed, not decided
    writedowns.write_down_request_decide(actor=officer, request=request, approve=False, note="Kunden betalar")
    with pytest.raises(TransitionRefused):
        _carry_out(staff, invoice)  # rejected
    assert _fresh(invoice).state == Invoice.State.REMINDED and not WriteDown.objects.exists()


def test_only_the_invoices_district_decides_and_a_rejection_needs_a_note(staff, other_officer, officer, invoice):
    from django.core.exceptions import ValidationError

    request = writedowns.write_down_request_create(actor=staff, invoice=invoice, reason="x")
    with pytest.raises(TransitionRefused):
        writedowns.write_down_request_decide(actor=other_officer, request=request, approve=True)
    with pytest.raises(TransitionRefused):
        writedowns.write_down_request_decide(actor=staff, request=request, approve=True)
    with pytest.raises(ValidationError):
        writedowns.write_down_request_decide(actor=officer, request=request, approve=False, note=" ")
    assert _fresh(request).state == WriteDownRequest.State.PROPOSED


def test_the_approved_decision_is_the_write_downs_decision(staff, officer, invoice):
    request = writedowns.write_down_request_create(actor=staff, invoice=invoice, reason="Dödsbo")
    request = writedowns.write_down_request_decide(actor=officer, request=request, approve=True, note="OK")
    assert (request.decided_by, request.decision_note) == (officer, "OK") and request.due_date > TODAY
    write_down = _carry_out(staff, _fresh(invoice))
    assert write_down.request == request and write_down.decided_by_id == invoice.organisation_id
    assert write_down.decision_date == TODAY and str(request.pk) in write_down.decision_reference
    assert _fresh(invoice).state == Invoice.State.WRITTEN_OFF
    assert _fresh(request).state == WriteDownRequest.State.DONE
    states = set(AuditEvent.objects.filter(object_id=str(request.pk)).values_list("to_state", flat=True))
    assert {"approved", "done"} <= states


# --- The portal -----------------------------------------------------------------------------------------


def test_the_officer_approves_in_the_portal_and_another_district_gets_404(
        client, staff, officer, other_officer, invoice):
    request = writedowns.write_down_request_create(actor=staff, invoice=invoice, reason="Dödsbo utan tillgångar")
    client.force_login(other_officer)
    assert client.get(f"{PORTAL}{request.pk}/").status_code == 404
    assert client.post(f"{PORTAL}{request.pk}/beslut/", {"decision": "approve"}).status_code == 404
    assert f"write-down-{request.pk}" not in client.get(PORTAL).content.decode()
    client.force_login(officer)
    page = client.get(PORTAL).content.decode()
    assert f"write-down-{request.pk}" in page and "Dödsbo" not in page
    assert "Dödsbo utan tillgångar" in client.get(f"{PORTAL}{request.pk}/").content.decode()
    response = client.post(f"{PORTAL}{request.pk}/beslut/", {"decision": "approve", "note": "Beslutat"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == WriteDownRequest.State.APPROVED and request.decided_by == officer


def test_a_rejection_without_a_note_is_shown_again_with_the_error(client, staff, officer, invoice):
    request = writedowns.write_down_request_create(actor=staff, invoice=invoice, reason="x")
    client.force_login(officer)
    response = client.post(f"{PORTAL}{request.pk}/beslut/", {"decision": "reject", "note": ""})
    assert response.status_code == 200 and "Fel:" in response.content.decode()
    assert _fresh(request).state == WriteDownRequest.State.PROPOSED


def test_staff_and_citizens_are_not_let_into_the_portal_pages(client, staff, citizen):
    for user in (staff, citizen):
        client.force_login(user)
        assert client.get(PORTAL).status_code == 403 and client.get(CASES).status_code == 403


def test_the_portal_links_to_the_pages(client, officer):
    client.force_login(officer)
    page = client.get("/forvaltning/").content.decode()
    assert PORTAL in page and CASES in page


def _handed_over_case(staff, code, organisation):
    invoice = _reminded(staff, code, organisation)
    collection.collection_proposals_create(actor=staff, today=TODAY)
    case = CollectionCase.objects.get(claims__invoice=invoice)
    collection.collection_hand_over(actor=staff, cases=[case])
    collection.enforcement_apply(actor=staff, case=case, kind=EnforcementApplication.Kind.PAYMENT_ORDER,
                                 applied_on=TODAY)
    return case


def test_the_district_sees_its_collection_cases_at_a_constant_cost(client, staff, code, officer, district,
                                                                   other_district):
    mine = _handed_over_case(staff, code, district)
    theirs = _handed_over_case(staff, code, other_district)
    client.force_login(officer)
    with CaptureQueriesContext(connection) as few:
        page = client.get(CASES).content.decode()
    assert f"case-{mine.pk}" in page and f"case-{theirs.pk}" not in page
    assert "Betalningsföreläggande" in page or "betalningsföreläggande" in page
    assert TODAY.isoformat() in page  # handed over to the agency
    for _ in range(3):
        _handed_over_case(staff, code, district)
    with CaptureQueriesContext(connection) as many:
        page = client.get(CASES).content.decode()
    assert page.count('<tr id="case-') == 4
    assert len(many) == len(few)


def test_the_write_down_list_costs_the_same_however_long(client, staff, code, officer, district):
    writedowns.write_down_request_create(actor=staff, invoice=_reminded(staff, code, district), reason="x")
    client.force_login(officer)
    with CaptureQueriesContext(connection) as few:
        client.get(PORTAL)
    for _ in range(4):
        writedowns.write_down_request_create(actor=staff, invoice=_reminded(staff, code, district), reason="x")
    with CaptureQueriesContext(connection) as many:
        assert client.get(PORTAL).content.decode().count('id="write-down-') == 5
    assert len(many) == len(few)


# --- Handover e-mails -------------------------------------------------------------------------------------


def test_a_handover_tells_each_district_once_and_the_representatives(
        staff, code, district, other_district, officer, django_capture_on_commit_callbacks):
    officer.email = "handlaggare@sodermalm.example.invalid"
    officer.save(update_fields=["email"])
    customer = PersonFactory(first_name="Greta", last_name="Gäldenär")
    RepresentativeFactory(person=customer, agent=PersonFactory(email="godman@example.invalid"))
    _reminded(staff, code, district, customer=customer)
    _reminded(staff, code, district)
    _reminded(staff, code, other_district)  # no officer with an address there
    collection.collection_proposals_create(actor=staff, today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        collection.collection_hand_over(actor=staff, cases=list(CollectionCase.objects.all()))
    to_district = [m for m in mail.outbox if m.to == ["handlaggare@sodermalm.example.invalid"]]
    assert len(to_district) == 1
    assert "2 kunder" in to_district[0].body and "/forvaltning/inkasso/" in to_district[0].body
    assert "Gäldenär" not in to_district[0].body and "5 400" not in to_district[0].body
    [to_trustee] = [m for m in mail.outbox if m.to == ["godman@example.invalid"]]
    assert "Greta Gäldenär" in to_trustee.body
    assert len(mail.outbox) == 2


def test_no_handover_mail_when_the_code_does_not_say_so(staff, district, officer, django_capture_on_commit_callbacks):
    officer.email = "handlaggare@sodermalm.example.invalid"
    officer.save(update_fields=["email"])
    quiet = code_with_policy("K3", to_agency=True, agency_after_days=14, notify_officer=False,
                             notify_representatives=False)
    _reminded(staff, quiet, district)
    collection.collection_proposals_create(actor=staff, today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        collection.collection_hand_over(actor=staff, cases=list(CollectionCase.objects.all()))
    assert mail.outbox == []


# --- The API --------------------------------------------------------------------------------------------


def test_the_api_flow_staff_propose_the_officer_decides_staff_carry_out(client, staff, officer, other_officer,
                                                                          invoice):
    client.force_login(staff)
    response = client.post(API, {"invoice": invoice.pk, "reason": "Dödsbo"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["state"] == "proposed"
    pk = response.json()["id"]
    assert client.post(API, {"invoice": invoice.pk}, content_type="application/json").status_code == 400
    assert client.post(API, {"invoice": invoice.pk, "reason": "igen"},
                       content_type="application/json").status_code == 409
    carry = {"invoice_number": str(invoice.number), "amount": "5400.00", "collection_code": "K1"}
    assert client.post(f"{API}{pk}/carry-out/", carry, content_type="application/json").status_code == 409
    assert client.post(f"{API}{pk}/decide/", {"approve": True}, content_type="application/json").status_code == 403

    client.force_login(other_officer)
    assert client.get(f"{API}{pk}/").status_code == 404
    assert client.post(f"{API}{pk}/decide/", {"approve": True}, content_type="application/json").status_code == 404

    client.force_login(officer)
    assert client.post(API, {"invoice": invoice.pk, "reason": "x"}, content_type="application/json").status_code == 403
    response = client.post(f"{API}{pk}/decide/", {"approve": False}, content_type="application/json")
    assert response.status_code == 400 and "note" in response.json()
    response = client.post(f"{API}{pk}/decide/", {"approve": True, "note": "Ja"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "approved"
    assert client.post(f"{API}{pk}/decide/", {"approve": True}, content_type="application/json").status_code == 409

    client.force_login(staff)
    response = client.post(f"{API}{pk}/carry-out/", carry, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "done"
    assert _fresh(invoice).state == Invoice.State.WRITTEN_OFF


# --- The admin ----------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_staff_propose_by_invoice_number_and_carry_out_only_once_approved(staff_client, staff, officer, invoice):
    from django.contrib.messages import get_messages

    admin = "/admin/debt_collection/writedownrequest/"
    response = staff_client.post(f"{admin}add/", {"invoice_number": "99999999", "reason": "x"})
    assert response.status_code == 200 and "Det finns ingen faktura med det numret" in response.content.decode()
    response = staff_client.post(f"{admin}add/", {"invoice_number": invoice.number, "reason": "Dödsbo"})
    request = WriteDownRequest.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{request.pk}/change/")
    page = staff_client.get(f"{admin}{request.pk}/change/").content.decode()
    assert f"{request.pk}/write-down/" not in page and f"{request.pk}/withdraw/" in page
    carry = {"invoice_number": str(invoice.number), "amount": "5400.00", "collection_code": invoice.collection_code_id}
    response = staff_client.post(f"{admin}{request.pk}/write-down/", carry)
    assert any("har inte godkänt" in str(m) for m in get_messages(response.wsgi_request))
    writedowns.write_down_request_decide(actor=officer, request=request, approve=True)
    assert f"{request.pk}/write-down/" in staff_client.get(f"{admin}{request.pk}/change/").content.decode()
    assert "Nedskrivningar som förvaltningen godkänt" in staff_client.get("/admin/").content.decode()
    response = staff_client.post(f"{admin}{request.pk}/write-down/", {**carry, "amount": "1.00"})
    assert _fresh(invoice).state == Invoice.State.REMINDED
    response = staff_client.post(f"{admin}{request.pk}/write-down/", carry)
    assert response.status_code == 302 and _fresh(invoice).state == Invoice.State.WRITTEN_OFF


def test_staff_propose_on_a_collection_case(staff_client, staff, invoice):
    collection.collection_proposals_create(actor=staff, today=TODAY)
    case = CollectionCase.objects.get()
    page = staff_client.get(f"/admin/debt_collection/collectioncase/{case.pk}/change/").content.decode()
    assert "propose-write-down/" in page and f"/{case.pk}/write-down/" not in page
    response = staff_client.post(f"/admin/debt_collection/collectioncase/{case.pk}/propose-write-down/",
                                 {"invoice": invoice.pk, "reason": "Dödsbo"})
    assert response.status_code == 302
    assert WriteDownRequest.objects.get().case == case
