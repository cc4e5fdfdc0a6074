"""The support API (``/api/v1/support-cases/``): asking in each role, the steps through the services,
the messages each role may read, who sees what (anything outside the user's scope answers 404 and
nothing changes; a step of another role answers 403 and nothing changes), refusals by the state (409),
field errors that write nothing, filters, token login, and lists that cost the same number of queries
however long they are.

Today is pinned to Monday 23 November 2026, 10:00: a citizen's question is due today, a district's
tomorrow.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
import yaml
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from hyresadmin.models import AuditEvent
from invoicing.models import Invoice
from support import services
from support.models import Message, SupportCase
from tests.contracts.factories import RentalContractFactory
from tests.factories import PersonFactory, RepresentativeFactory, UserFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run, issued_invoice

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CASES = "/api/v1/support-cases/"
STAFF_STEPS = ["answer", "forward", "wait-on-customer", "note", "close", "start", "assign-to-me"]


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=STOCKHOLM), tick=False):
        yield


def _post(client, url, data=None, **extra):
    return client.post(url, data or {}, content_type="application/json", **extra)


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


def _citizen_case(citizen, **kwargs):
    kwargs.setdefault("person", citizen.person)
    return services.case_open(actor=citizen, channel="web", asker="citizen", category="invoice",
                              subject="Vad är mitt OCR-nummer?", body="Jag hittar inte OCR-numret.",
                              **kwargs)


def _phone_case(staff, person=None, **kwargs):
    """A citizen's question staff noted from a phone call (the citizen did not open it)."""
    kwargs.setdefault("category", "contract")
    return services.case_open(actor=staff, channel="phone", asker="citizen", subject="Samtal",
                              body="Ringde om avtalet.", person=person or PersonFactory(), **kwargs)


def _forwarded(staff, case):
    return services.case_forward_to_district(actor=staff, case=case, body="Kan ni svara?",
                                             proposed_solution="Kreditera december")


def _snapshot(case):
    """What a refused request must leave as it was."""
    case = SupportCase.objects.get(pk=case.pk)
    return (case.state, case.waiting_on, case.assignee_id, case.proposed_solution, case.due_date,
            case.messages.count(), AuditEvent.objects.count(), len(mail.outbox))


# --- Who may use the endpoint ---------------------------------------------------------------------------


def test_anonymous_requests_are_refused(client):
    assert client.get(CASES).status_code == 401
    assert _post(client, CASES, {"category": "invoice", "subject": "x", "body": "y"}).status_code == 401
    assert not SupportCase.objects.exists()


def test_a_user_without_a_role_is_refused(client, district):
    client.force_login(UserFactory(organisation=district))

    assert client.get(CASES).status_code == 403
    assert _post(client, CASES, {"category": "invoice", "subject": "x", "body": "y"}).status_code == 403


# --- Asking --------------------------------------------------------------------------------------------


def test_a_citizen_asks_about_their_invoice(client, citizen, staff, district):
    invoice = issued_invoice(actor=staff, customer=citizen.person, organisation=district)
    client.force_login(citizen)

    response = _post(client, CASES, {"category": "invoice", "subject": "Är den betald?",
                                     "body": "Jag betalade i fredags.", "invoice": invoice.pk,
                                     "channel": "phone"})

    assert response.status_code == 201, response.content
    data = response.json()
    case = SupportCase.objects.get()
    assert data["id"] == case.pk
    assert {k: data[k] for k in ("state", "asker", "channel", "category", "person", "invoice",
                                 "invoice_number", "contract", "organisation", "due_date",
                                 "is_overdue")} == {
        "state": "new", "asker": "citizen", "channel": "web", "category": "invoice",
        "person": citizen.person.pk, "invoice": invoice.pk, "invoice_number": invoice.number,
        "contract": invoice.contract_id, "organisation": district.pk, "due_date": "2026-11-23",
        "is_overdue": False,
    }
    assert [(m["direction"], m["body"]) for m in data["messages"]] == [("in", "Jag betalade i fredags.")]
    assert case.opened_by == citizen


def test_a_representative_asks_about_the_person_they_represent(client, citizen, staff, district):
    ward = RepresentativeFactory(agent=citizen.person, may_see_invoices=True).person
    invoice = issued_invoice(actor=staff, customer=ward, organisation=district)
    client.force_login(citizen)

    response = _post(client, CASES, {"category": "invoice_deferral", "subject": "Anstånd",
                                     "body": "Kan min mor få anstånd?", "invoice": invoice.pk})

    assert response.status_code == 201, response.content
    assert (response.json()["asker"], response.json()["person"]) == ("representative", ward.pk)
    assert client.get(f"{CASES}{response.json()['id']}/").status_code == 200


@pytest.mark.parametrize("field", ["person", "invoice", "contract"])
def test_a_citizen_cannot_ask_about_someone_elses_records(client, citizen, staff, district, field):
    stranger = PersonFactory()
    no_rights = RepresentativeFactory(agent=citizen.person, may_see_invoices=False).person
    for other in (stranger, no_rights):
        contract_with_rent(customer=other, organisation=district)
    issue_rent_run(period=dt.date(2026, 12, 1), actor=staff)
    client.force_login(citizen)
    for other in (stranger, no_rights):
        invoice = Invoice.objects.get(customer=other)
        value = {"person": other.pk, "invoice": invoice.pk, "contract": invoice.contract_id}[field]

        response = _post(client, CASES, {"category": "invoice", "subject": "x", "body": "y", field: value})

        assert response.status_code == 400
        assert list(response.json()) == [field]
    assert not SupportCase.objects.exists()


@pytest.mark.parametrize("asker", ["district", "representative"])
def test_a_citizen_asking_about_themselves_is_a_citizen(client, citizen, asker):
    client.force_login(citizen)

    response = _post(client, CASES, {"category": "contract", "subject": "x", "body": "y", "asker": asker})

    assert response.status_code == 400
    assert list(response.json()) == ["asker"]
    assert not SupportCase.objects.exists()


def test_an_invoice_of_another_person_than_the_one_named_is_refused(client, citizen, staff, district):
    ward = RepresentativeFactory(agent=citizen.person, may_see_invoices=True).person
    invoice = issued_invoice(actor=staff, customer=ward, organisation=district)
    client.force_login(citizen)

    response = _post(client, CASES, {"category": "invoice", "subject": "x", "body": "y",
                                     "invoice": invoice.pk, "person": citizen.person.pk})

    assert response.status_code == 400
    assert list(response.json()) == ["person"]
    assert not SupportCase.objects.exists()


def test_an_officer_asks_for_their_own_administration(client, officer, district, other_district):
    client.force_login(officer)

    refused = _post(client, CASES, {"category": "contract", "subject": "x", "body": "y",
                                    "organisation": other_district.pk})
    response = _post(client, CASES, {"category": "termination", "subject": "Uppsägning",
                                     "body": "Hur säger vår kund upp avtalet?", "channel": "letter"})

    assert refused.status_code == 400 and list(refused.json()) == ["organisation"]
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["asker"], data["channel"], data["organisation"], data["due_date"]) == (
        "district", "web", district.pk, "2026-11-24")
    assert SupportCase.objects.count() == 1


def test_an_officer_cannot_ask_about_another_administrations_contract(client, officer, other_district):
    contract = RentalContractFactory(organisation=other_district)
    client.force_login(officer)

    response = _post(client, CASES, {"category": "contract", "subject": "x", "body": "y",
                                     "contract": contract.pk})

    assert response.status_code == 400 and list(response.json()) == ["contract"]
    assert not SupportCase.objects.exists()


def test_staff_note_a_phone_call_with_the_contact_details(client, staff, district):
    person = PersonFactory(affiliation=district)
    client.force_login(staff)

    response = _post(client, CASES, {"category": "fee", "subject": "Avgift", "body": "Ringde om avgiften",
                                     "channel": "phone", "asker": "citizen", "person": person.pk,
                                     "contact_name": "Karin Berg", "contact_phone": "070-1234567"})

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["channel"], data["asker"], data["organisation"]) == ("phone", "citizen", district.pk)
    assert data["contact"] == {"name": "Karin Berg", "email": "", "phone": "070-1234567"}


def test_staff_must_say_how_and_who_asked(client, staff):
    client.force_login(staff)

    response = _post(client, CASES, {"category": "fee", "subject": "x", "body": "y"})
    district_without_district = _post(client, CASES, {"category": "fee", "subject": "x", "body": "y",
                                                      "channel": "email", "asker": "district"})

    assert response.status_code == 400 and set(response.json()) == {"asker", "channel"}
    assert district_without_district.status_code == 400
    assert list(district_without_district.json()) == ["organisation"]
    assert not SupportCase.objects.exists()


def test_an_empty_question_is_a_field_error(client, citizen):
    client.force_login(citizen)

    response = _post(client, CASES, {"category": "fee", "subject": "x", "body": "   "})

    assert response.status_code == 400 and list(response.json()) == ["body"]
    assert not SupportCase.objects.exists()


# --- What each role sees --------------------------------------------------------------------------------


def test_a_citizen_sees_only_their_own_cases(client, citizen, staff):
    mine = _citizen_case(citizen)
    about_me = _phone_case(staff, person=citizen.person)
    ward = RepresentativeFactory(agent=citizen.person, may_see_invoices=True).person
    about_ward = _phone_case(staff, person=ward)
    others = _phone_case(staff)
    client.force_login(citizen)

    assert _ids(client.get(CASES)) == {mine.pk, about_me.pk, about_ward.pk}
    for url in (f"{CASES}{others.pk}/", f"{CASES}{others.pk}/messages/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Ringde om avtalet" not in response.content.decode()
    assert _ids(client.get(CASES, {"asker": "citizen", "state": "new"})) == {mine.pk, about_me.pk,
                                                                             about_ward.pk}


def test_an_officer_sees_their_questions_and_what_was_forwarded_to_them(client, officer, staff, district,
                                                                       other_district):
    own_question = services.case_open(actor=officer, channel="web", asker="district", category="contract",
                                      subject="Fråga", body="Hur?", organisation=district)
    forwarded = _forwarded(staff, _phone_case(staff, organisation=district))
    not_forwarded = _phone_case(staff, organisation=district)
    elsewhere = _forwarded(staff, _phone_case(staff, organisation=other_district))
    client.force_login(officer)

    assert _ids(client.get(CASES)) == {own_question.pk, forwarded.pk}
    for case in (not_forwarded, elsewhere):
        assert client.get(f"{CASES}{case.pk}/").status_code == 404
        assert client.get(f"{CASES}{case.pk}/messages/").status_code == 404


def test_each_role_reads_only_its_messages(client, citizen, officer, staff, district):
    case = _citizen_case(citizen, organisation=district)
    services.case_note(actor=staff, case=case, body="Internt")
    case = _forwarded(staff, case)
    case = services.case_district_reply(actor=officer, case=case, body="Godkänt")
    services.case_answer(actor=staff, case=case, body="Fakturan krediteras.")

    def directions(user):
        client.force_login(user)
        detail = client.get(f"{CASES}{case.pk}/").json()
        listed = client.get(f"{CASES}{case.pk}/messages/").json()
        assert [m["id"] for m in detail["messages"]] == [m["id"] for m in listed]
        return detail, [m["direction"] for m in listed]

    staff_view, staff_sees = directions(staff)
    officer_view, officer_sees = directions(officer)
    citizen_view, citizen_sees = directions(citizen)

    assert staff_sees == ["in", "note", "to_district", "from_district", "out"]
    assert officer_sees == ["to_district", "from_district"]
    assert citizen_sees == ["in", "out"]
    assert staff_view["proposed_solution"] == officer_view["proposed_solution"] == "Kreditera december"
    assert citizen_view["proposed_solution"] == "" and citizen_view["assignee"] is None
    assert citizen_view["contact"] is None and officer_view["contact"] is None
    assert staff_view["messages"][0]["author"] == citizen.username
    assert citizen_view["messages"][1]["author"] is None


# --- The steps ------------------------------------------------------------------------------------------


def test_the_whole_path_through_the_api(client, citizen, officer, staff, district,
                                        django_capture_on_commit_callbacks):
    district.shared_mailbox_email = "sod@example.invalid"
    district.save()
    invoice = issued_invoice(actor=staff, customer=citizen.person, organisation=district)
    client.force_login(citizen)
    case_id = _post(client, CASES, {"category": "invoice_disputed", "subject": "Fel belopp",
                                    "body": "Hyran är för hög.", "invoice": invoice.pk}).json()["id"]
    url = f"{CASES}{case_id}"

    client.force_login(staff)
    started = _post(client, f"{url}/start/").json()
    noted = _post(client, f"{url}/note/", {"body": "Kolla med förvaltningen."}).json()
    with django_capture_on_commit_callbacks(execute=True):
        forwarded = _post(client, f"{url}/forward/", {"body": "Stämmer beloppet?",
                                                      "proposed_solution": "Kreditera 200 kr"}).json()
    assert (started["state"], started["assignee"]) == ("in_progress", "staff")
    assert noted["messages"][-1]["direction"] == "note"
    assert (forwarded["state"], forwarded["waiting_on"]) == ("waiting", "district")
    assert mail.outbox[-1].to == ["sod@example.invalid"]

    client.force_login(officer)
    assert _ids(client.get(CASES)) == {case_id}
    replied = _post(client, f"{url}/district-reply/", {"body": "Vi godkänner förslaget."})
    assert replied.status_code == 200, replied.content
    assert (replied.json()["state"], replied.json()["waiting_on"]) == ("in_progress", "")

    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        answered = _post(client, f"{url}/answer/", {"body": "Vi krediterar 200 kr."}).json()
    assert answered["state"] == "answered"
    assert mail.outbox[-1].to == [citizen.email] and "200 kr" not in mail.outbox[-1].body

    client.force_login(citizen)
    assert client.get(f"{url}/messages/").json()[-1]["body"] == "Vi krediterar 200 kr."
    reopened = _post(client, f"{url}/reply/", {"body": "Tack! När kommer krediten?"})
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["state"] == "in_progress"

    client.force_login(staff)
    _post(client, f"{url}/answer/", {"body": "Nästa månad."})
    closed = _post(client, f"{url}/close/", {"reason": "Besvarat"})
    assert closed.status_code == 200, closed.content
    assert closed.json()["state"] == "closed" and closed.json()["closed_at"] is not None


def test_waiting_on_the_customer_until_they_reply(client, citizen, staff):
    case = _citizen_case(citizen)
    client.force_login(staff)

    waiting = _post(client, f"{CASES}{case.pk}/wait-on-customer/", {"body": "Vilken månad gäller det?"})

    assert (waiting.json()["state"], waiting.json()["waiting_on"]) == ("waiting", "customer")
    client.force_login(citizen)
    assert client.get(f"{CASES}{case.pk}/messages/").json()[-1]["body"] == "Vilken månad gäller det?"
    replied = _post(client, f"{CASES}{case.pk}/reply/", {"body": "December."})
    assert (replied.json()["state"], replied.json()["waiting_on"]) == ("in_progress", "")


def test_assign_to_me(client, staff, citizen):
    case = _citizen_case(citizen)
    colleague = UserFactory(username="colleague")
    colleague.groups.add(Group.objects.get(name="service_staff"))
    client.force_login(colleague)

    response = _post(client, f"{CASES}{case.pk}/assign-to-me/")

    assert response.status_code == 200 and response.json()["assignee"] == "colleague"
    assert response.json()["state"] == "new"


def test_an_officer_replies_to_their_own_question(client, officer, staff, district):
    case = services.case_open(actor=officer, channel="web", asker="district", category="contract",
                              subject="Fråga", body="Hur?", organisation=district)
    services.case_answer(actor=staff, case=case, body="Så här.")
    client.force_login(officer)

    detail = client.get(f"{CASES}{case.pk}/").json()
    response = _post(client, f"{CASES}{case.pk}/reply/", {"body": "Och sedan?"})

    assert [m["direction"] for m in detail["messages"]] == ["in", "out"]
    assert response.status_code == 200 and response.json()["state"] == "in_progress"


# --- Refusals: 409 by the state, 400 by the input, nothing written --------------------------------------


def test_a_step_the_state_does_not_allow_is_a_conflict(client, staff, citizen, district):
    case = _forwarded(staff, _citizen_case(citizen, organisation=district))
    before = _snapshot(case)
    client.force_login(staff)

    responses = [_post(client, f"{CASES}{case.pk}/{step}/", {"body": "x"})
                 for step in ("close", "start", "forward", "wait-on-customer")]

    assert [r.status_code for r in responses] == [409, 409, 409, 409]
    assert all(r.json()["detail"] for r in responses)
    assert _snapshot(case) == before


def test_a_closed_case_cannot_be_answered(client, staff, citizen):
    case = services.case_close(actor=staff, case=_citizen_case(citizen))
    before = _snapshot(case)
    client.force_login(staff)

    response = _post(client, f"{CASES}{case.pk}/answer/", {"body": "Sent svar"})

    assert response.status_code == 409
    assert _snapshot(case) == before


def test_the_district_replies_only_to_a_case_waiting_on_it(client, officer, staff, citizen, district):
    case = _forwarded(staff, _citizen_case(citizen, organisation=district))
    case = services.case_district_reply(actor=officer, case=case, body="Svar")
    before = _snapshot(case)
    client.force_login(officer)

    response = _post(client, f"{CASES}{case.pk}/district-reply/", {"body": "Ett svar till"})

    assert response.status_code == 409 and response.json()["detail"]
    assert _snapshot(case) == before


@pytest.mark.parametrize("step", ["answer", "forward", "wait-on-customer", "note"])
def test_a_step_without_a_message_is_a_field_error(client, staff, citizen, district, step):
    case = _citizen_case(citizen, organisation=district)
    before = _snapshot(case)
    client.force_login(staff)

    response = _post(client, f"{CASES}{case.pk}/{step}/", {"body": "  "})

    assert response.status_code == 400 and list(response.json()) == ["body"]
    assert _snapshot(case) == before


def test_forwarding_needs_a_district(client, staff):
    person = PersonFactory(affiliation=None)
    case = _phone_case(staff, person=person)
    before = _snapshot(case)
    client.force_login(staff)

    response = _post(client, f"{CASES}{case.pk}/forward/", {"body": "Till vem?"})

    assert response.status_code == 400 and list(response.json()) == ["organisation"]
    assert _snapshot(case) == before


# --- Refusals: 403 for a role, 404 outside the scope, nothing written -----------------------------------


@pytest.mark.parametrize("step", STAFF_STEPS)
def test_staff_steps_are_refused_to_the_citizen_and_the_officer(client, citizen, officer, staff, district,
                                                                step):
    case = _forwarded(staff, _citizen_case(citizen, organisation=district))
    before = _snapshot(case)

    for user in (citizen, officer):
        client.force_login(user)
        response = _post(client, f"{CASES}{case.pk}/{step}/", {"body": "x", "reason": "x"})
        assert response.status_code == 403, (user, response.content)
    assert _snapshot(case) == before


def test_the_askers_steps_are_refused_to_others(client, citizen, officer, staff, district):
    case = _forwarded(staff, _citizen_case(citizen, organisation=district))
    before = _snapshot(case)

    client.force_login(staff)
    staff_reply = _post(client, f"{CASES}{case.pk}/reply/", {"body": "x"})
    staff_district_reply = _post(client, f"{CASES}{case.pk}/district-reply/", {"body": "x"})
    client.force_login(officer)
    officer_reply = _post(client, f"{CASES}{case.pk}/reply/", {"body": "x"})  # not the district's question
    client.force_login(citizen)
    citizen_district_reply = _post(client, f"{CASES}{case.pk}/district-reply/", {"body": "x"})

    assert [r.status_code for r in (staff_reply, staff_district_reply, officer_reply,
                                    citizen_district_reply)] == [403, 403, 403, 403]
    assert _snapshot(case) == before


@pytest.mark.parametrize("step", ["reply", "district-reply", *STAFF_STEPS])
def test_outside_the_scope_every_step_answers_404_and_nothing_changes(client, citizen, other_officer, staff,
                                                                      district, step):
    case = _forwarded(staff, _citizen_case(citizen, organisation=district))
    stranger = UserFactory(username="stranger")
    stranger.groups.add(Group.objects.get(name="citizen"))
    PersonFactory(user=stranger)
    before = _snapshot(case)

    for user in (other_officer, stranger):
        client.force_login(user)
        response = _post(client, f"{CASES}{case.pk}/{step}/", {"body": "x", "reason": "x"})
        assert response.status_code == 404, (user, response.content)
        assert "OCR" not in response.content.decode()
    assert _snapshot(case) == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_cases_are_not_changed_or_deleted_directly(client, staff, citizen, method):
    case = _citizen_case(citizen)
    before = _snapshot(case)
    client.force_login(staff)

    response = getattr(client, method)(f"{CASES}{case.pk}/", {"state": "closed"},
                                       content_type="application/json")

    assert response.status_code == 405
    assert _snapshot(case) == before


# --- Filters --------------------------------------------------------------------------------------------


def test_case_filters(client, staff, citizen, officer, district, other_district):
    late = services.case_open(actor=staff, channel="phone", asker="citizen", category="fee", subject="x",
                              body="y", person=PersonFactory(), organisation=district,
                              received_at=dt.datetime(2026, 11, 2, 9, tzinfo=STOCKHOLM))
    closed_late = services.case_close(actor=staff, case=services.case_open(
        actor=staff, channel="phone", asker="citizen", category="fee", subject="x", body="y",
        person=PersonFactory(), received_at=dt.datetime(2026, 11, 2, 9, tzinfo=STOCKHOLM)))
    mine = _citizen_case(citizen, organisation=other_district)
    district_question = services.case_open(actor=officer, channel="web", asker="district",
                                           category="termination", subject="x", body="y",
                                           organisation=district)
    client.force_login(staff)

    def found(**params):
        return _ids(client.get(CASES, params))

    assert found() == {late.pk, closed_late.pk, mine.pk, district_question.pk}
    assert found(overdue="true") == {late.pk}
    assert found(overdue="false") == {closed_late.pk, mine.pk, district_question.pk}
    assert found(state="closed") == {closed_late.pk}
    assert found(category="fee", state="new") == {late.pk}
    assert found(asker="district") == {district_question.pk}
    assert found(organisation=district.pk) == {late.pk, district_question.pk}
    assert [r["id"] for r in client.get(CASES).json()["results"]][:2] == [late.pk, closed_late.pk]


@pytest.mark.parametrize("params, field", [
    ({"state": "open"}, "state"),
    ({"category": "rent"}, "category"),
    ({"asker": "staff"}, "asker"),
    ({"organisation": "x"}, "organisation"),
    ({"overdue": "maybe"}, "overdue"),
])
def test_a_bad_filter_value_is_a_field_error(client, staff, params, field):
    client.force_login(staff)

    response = client.get(CASES, params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


# --- Token authentication for an integration ---------------------------------------------------------


def test_an_integration_user_works_with_a_token(client, citizen):
    integration = UserFactory(username="crm-integration")
    integration.groups.add(Group.objects.get(name="service_staff"))
    token = Token.objects.create(user=integration)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    case = _citizen_case(citizen)

    assert _ids(client.get(CASES, **auth)) == {case.pk}
    response = _post(client, f"{CASES}{case.pk}/start/", **auth)

    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == "crm-integration"
    assert AuditEvent.objects.for_object(case).filter(actor=integration).exists()
    assert client.get(CASES, HTTP_AUTHORIZATION="Token wrong").status_code == 401


# --- Query counts ---------------------------------------------------------------------------------------


def _cases(n, staff, district, person=None):
    contract = RentalContractFactory(organisation=district)
    for _ in range(n):
        case = services.case_open(actor=staff, channel="phone", asker="citizen", category="contract",
                                  subject="x", body="y", person=person or PersonFactory(),
                                  organisation=district, contract=contract)
        services.case_assign(actor=staff, case=case, assignee=staff)
        Message.objects.create(case=case, direction=Message.Direction.TO_DISTRICT, body="z")


@pytest.mark.parametrize("who", ["staff", "officer"])
def test_case_list_runs_a_constant_number_of_queries(client, staff, district, who, request):
    _cases(10, staff, district)
    client.force_login(request.getfixturevalue(who))
    few = _queries(client, CASES)

    _cases(190, staff, district)
    many = _queries(client, CASES)

    assert SupportCase.objects.count() == 200
    assert len(client.get(CASES).json()["results"]) == 50
    assert many == few


def test_citizen_case_list_runs_a_constant_number_of_queries(client, citizen, staff, district):
    _cases(2, staff, district, person=citizen.person)
    client.force_login(citizen)
    few = _queries(client, CASES)

    for _ in range(5):
        ward = RepresentativeFactory(agent=citizen.person, may_see_invoices=True).person
        _cases(2, staff, district, person=ward)
    many = _queries(client, CASES)

    assert len(client.get(CASES).json()["results"]) == 12
    assert many == few


def test_case_detail_runs_a_constant_number_of_queries(client, citizen, staff):
    case = _citizen_case(citizen)
    client.force_login(staff)
    few = _queries(client, f"{CASES}{case.pk}/")

    for _ in range(20):
        services.case_note(actor=staff, case=case, body="Notering")
    many = _queries(client, f"{CASES}{case.pk}/")

    assert many == few


# --- The schema ----------------------------------------------------------------------------------------


def test_the_committed_schema_describes_the_support_endpoints():
    schema = yaml.safe_load((settings.BASE_DIR / "openapi.yaml").read_text(encoding="utf-8"))

    steps = {f"/api/v1/support-cases/{{id}}/{step}/" for step in ["reply", "district-reply", *STAFF_STEPS]}
    assert {"/api/v1/support-cases/", "/api/v1/support-cases/{id}/",
            "/api/v1/support-cases/{id}/messages/"} | steps <= set(schema["paths"])
    for path in steps:
        assert {"403", "404", "409"} <= set(schema["paths"][path]["post"]["responses"])
    parameters = {p["name"] for p in schema["paths"]["/api/v1/support-cases/"]["get"]["parameters"]}
    assert {"state", "category", "asker", "organisation", "overdue"} <= parameters
    detail = schema["components"]["schemas"]["SupportCaseDetail"]["properties"]
    assert {"messages", "due_date", "is_overdue", "state", "waiting_on"} <= set(detail)
