"""The contracts API (``/api/v1/objects|customers|submissions|contracts/``): the main paths through the
services, filters, field errors that write nothing, refusals with every failed check, who sees what
(anything outside the user's scope answers 404 and nothing changes), token login for an integration,
and lists that cost the same number of queries however long they are."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from contracts import services
from contracts.models import (
    HousingForm,
    ObjectQuality,
    RentalContract,
    RentalObject,
    RentLine,
    RentLineKind,
    Submission,
    SubmissionAttachment,
)
from hyresadmin.identity import MESSAGES
from hyresadmin.models import AuditEvent, Person
from tests.contracts.factories import (
    CollectionCodeFactory,
    LandlordFactory,
    ObjectQualityFactory,
    QualityTypeFactory,
    RentalContractFactory,
    RentalObjectFactory,
    SubmissionFactory,
    active_contract,
)
from tests.factories import PersonFactory, UserFactory, make_personal_number

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _post(client, url, data=None, **extra):
    return client.post(url, data or {}, content_type="application/json", **extra)


def _patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


def _state(record) -> str:
    record.refresh_from_db()
    return record.state


# --- Who may use which endpoint ------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/objects/", "/api/v1/customers/", "/api/v1/submissions/",
                                 "/api/v1/contracts/"])
def test_anonymous_requests_are_refused(client, url):
    assert client.get(url).status_code == 401


@pytest.mark.parametrize("url", ["/api/v1/objects/", "/api/v1/customers/", "/api/v1/submissions/"])
def test_a_citizen_may_use_only_the_contracts_endpoint(client, citizen, district, url):
    obj = RentalObjectFactory(owner=district)
    submission = SubmissionFactory(organisation=district, rental_object=obj)
    client.force_login(citizen)

    assert client.get(url).status_code == 403
    detail_id = {"/api/v1/objects/": obj.pk, "/api/v1/customers/": citizen.person.pk,
                 "/api/v1/submissions/": submission.pk}[url]
    assert client.get(f"{url}{detail_id}/").status_code == 403
    assert not AuditEvent.objects.exists()


def test_a_user_without_a_role_is_refused(client, district):
    client.force_login(UserFactory(organisation=district))

    assert client.get("/api/v1/contracts/").status_code == 403


# --- Rental objects ------------------------------------------------------------------------------------


def test_officer_sees_only_their_administrations_objects(client, officer, district, other_district):
    own = RentalObjectFactory(owner=district)
    foreign = RentalObjectFactory(owner=other_district)
    client.force_login(officer)

    assert _ids(client.get("/api/v1/objects/")) == {own.pk}
    assert client.get(f"/api/v1/objects/{own.pk}/").status_code == 200
    response = client.get(f"/api/v1/objects/{foreign.pk}/")
    assert response.status_code == 404
    assert foreign.object_number not in response.content.decode()


def test_object_detail_shows_landlord_owner_and_qualities(client, staff, district):
    obj = RentalObjectFactory(owner=district, object_number="SOD-0001", rent=Decimal("6100.00"))
    ObjectQualityFactory(rental_object=obj, value="Ja",
                         quality_type=QualityTypeFactory(code="balkong", name="Balkong", required=True))
    client.force_login(staff)

    data = client.get(f"/api/v1/objects/{obj.pk}/").json()

    assert data["object_number"] == "SOD-0001"
    assert data["rent"] == "6100.00"
    assert data["owner"] == district.pk and data["owner_name"] == district.name
    assert data["landlord"]["organisation_number"] == obj.landlord.organisation_number
    assert data["is_vacant"] is True
    assert data["qualities"] == [{"code": "balkong", "name": "Balkong", "required": True, "value": "Ja"}]


def test_object_filters(client, staff, district, other_district):
    landlord = LandlordFactory()
    care = RentalObjectFactory(owner=district, housing_form=HousingForm.CARE_HOME,
                               street_address="Ringvägen 10", object_number="A-100")
    fot = RentalObjectFactory(owner=district, housing_form=HousingForm.FOT, landlord=landlord,
                              street_address="Götgatan 3", object_number="A-200")
    let = RentalObjectFactory(owner=other_district, street_address="Fleminggatan 7",
                              object_number="B-300")
    active_contract(rental_object=let, organisation=other_district)
    client.force_login(staff)

    def found(**params):
        return _ids(client.get("/api/v1/objects/", params))

    assert found(housing_form="fot") == {fot.pk}
    assert found(owner=district.pk) == {care.pk, fot.pk}
    assert found(landlord=landlord.pk) == {fot.pk}
    assert found(vacant="true") == {care.pk, fot.pk}
    assert found(vacant="false") == {let.pk}
    assert found(search="götgatan") == {fot.pk}
    assert found(search="A-") == {care.pk, fot.pk}
    assert found(search="ringvägen 10") == {care.pk}
    assert found() == {care.pk, fot.pk, let.pk}
    assert client.get("/api/v1/objects/", {"housing_form": "castle"}).status_code == 400


def test_a_vacancy_contract_does_not_make_an_object_let(client, staff, district):
    obj = RentalObjectFactory(owner=district)
    active_contract(rental_object=obj, organisation=district, kind=RentalContract.Kind.VACANCY,
                    customer=None)
    client.force_login(staff)

    assert _ids(client.get("/api/v1/objects/", {"vacant": "true"})) == {obj.pk}


def _object_body(district, owner_landlord, **overrides):
    body = {
        "object_number": "SOD-0777", "street_address": "Hornsgatan 77", "postcode": "11821",
        "town": "Stockholm", "housing_form": "service_house", "landlord": owner_landlord.pk,
        "first_hand_rent": "5000.00", "first_hand_rent_negotiated": True, "rent": "5300.00",
        "rent_year": TODAY.year, "area": "31.5", "rooms": "1.0", "owner": district.pk,
    }
    body.update(overrides)
    return body


def test_staff_register_an_object_with_its_qualities(client, staff, district):
    landlord = LandlordFactory()
    QualityTypeFactory(code="kok", name="Kök", allowed_values="Kök;Kokvrå")
    client.force_login(staff)

    response = _post(client, "/api/v1/objects/",
                     _object_body(district, landlord, qualities=[{"code": "kok", "value": "Kokvrå"}]))

    assert response.status_code == 201, response.content
    obj = RentalObject.objects.get(object_number="SOD-0777")
    assert response.json()["id"] == obj.pk
    assert response.json()["qualities"][0]["value"] == "Kokvrå"
    assert obj.rent == Decimal("5300.00") and obj.owner == district
    assert AuditEvent.objects.for_object(obj).filter(event_type="create", actor=staff).exists()


def test_a_bad_object_is_refused_with_field_errors_and_nothing_is_saved(client, staff, district):
    landlord = LandlordFactory()
    RentalObjectFactory(object_number="SOD-0777")
    client.force_login(staff)

    response = _post(client, "/api/v1/objects/",
                     _object_body(district, landlord, rent="-1", housing_form="castle",
                                  landlord=999999))

    assert response.status_code == 400
    assert {"object_number", "rent", "housing_form", "landlord"} <= set(response.json())
    assert RentalObject.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_a_bad_quality_value_refuses_the_whole_object(client, staff, district):
    landlord = LandlordFactory()
    QualityTypeFactory(code="kok", allowed_values="Kök;Kokvrå")
    client.force_login(staff)

    response = _post(client, "/api/v1/objects/",
                     _object_body(district, landlord, qualities=[{"code": "kok", "value": "Slott"}]))

    assert response.status_code == 400
    assert "qualities" in response.json()
    assert not RentalObject.objects.exists()
    assert not AuditEvent.objects.exists()


def test_staff_change_an_object_and_the_change_is_in_its_history(client, staff, district):
    obj = RentalObjectFactory(owner=district, rent=Decimal("5400.00"))
    client.force_login(staff)

    response = _patch(client, f"/api/v1/objects/{obj.pk}/", {"rent": "5550.00"})

    assert response.status_code == 200, response.content
    assert response.json()["rent"] == "5550.00"
    obj.refresh_from_db()
    assert obj.rent == Decimal("5550.00")
    event = AuditEvent.objects.for_object(obj).get(event_type="update")
    assert event.changes == {"rent": ["5400.00", "5550.00"]}


def test_officers_cannot_register_or_change_objects(client, officer, district, other_district):
    own = RentalObjectFactory(owner=district, rent=Decimal("5400.00"))
    foreign = RentalObjectFactory(owner=other_district, rent=Decimal("5400.00"))
    client.force_login(officer)

    assert _post(client, "/api/v1/objects/", _object_body(district, LandlordFactory())).status_code == 403
    assert _patch(client, f"/api/v1/objects/{own.pk}/", {"rent": "1.00"}).status_code == 403
    assert _patch(client, f"/api/v1/objects/{foreign.pk}/", {"rent": "1.00"}).status_code == 404
    assert RentalObject.objects.count() == 2
    assert set(RentalObject.objects.values_list("rent", flat=True)) == {Decimal("5400.00")}
    assert not AuditEvent.objects.exists()


# --- Customers -----------------------------------------------------------------------------------------


def test_officer_sees_customers_affiliated_with_or_in_contract_with_their_administration(
    client, officer, district, other_district
):
    affiliated = PersonFactory(affiliation=district)
    tenant = PersonFactory(affiliation=other_district)
    RentalContractFactory(customer=tenant, organisation=district)
    foreign = PersonFactory(affiliation=other_district)
    client.force_login(officer)

    assert _ids(client.get("/api/v1/customers/")) == {affiliated.pk, tenant.pk}
    assert client.get(f"/api/v1/customers/{tenant.pk}/").status_code == 200
    assert client.get(f"/api/v1/customers/{foreign.pk}/").status_code == 404
    assert list(AuditEvent.objects.filter(event_type="view").values_list("object_id", flat=True)) == [
        str(tenant.pk)]


def test_customer_detail_is_recorded_as_a_view_of_personal_data(client, staff, district):
    person = PersonFactory(affiliation=district)
    client.force_login(staff)

    client.get(f"/api/v1/customers/{person.pk}/")

    event = AuditEvent.objects.get()
    assert (event.event_type, event.actor, event.object_id, event.reason) == (
        "view", staff, str(person.pk), "api")


def test_customer_search_and_affiliation_filter(client, staff, district, other_district):
    karin = PersonFactory(first_name="Karin", last_name="Lindqvist", affiliation=district,
                          personal_number=make_personal_number(dt.date(1962, 5, 17), 482))
    karl = PersonFactory(first_name="Karl", last_name="Berg", affiliation=other_district)
    client.force_login(staff)

    assert _ids(client.get("/api/v1/customers/", {"search": "karl"})) == {karl.pk}
    assert _ids(client.get("/api/v1/customers/", {"search": karin.personal_number})) == {karin.pk}
    assert _ids(client.get("/api/v1/customers/", {"affiliation": district.pk})) == {karin.pk}
    assert client.get("/api/v1/customers/", {"affiliation": "x"}).status_code == 400


def test_protected_identity_address_is_hidden_from_an_officer_only(client, officer, staff, district):
    person = PersonFactory(affiliation=district, protected_identity=True, street_address="Hemlig väg 1")

    client.force_login(officer)
    as_officer = client.get(f"/api/v1/customers/{person.pk}/")
    listing = client.get("/api/v1/customers/")
    client.force_login(staff)
    as_staff = client.get(f"/api/v1/customers/{person.pk}/")

    assert as_officer.json()["address"] is None
    assert "Hemlig" not in as_officer.content.decode() + listing.content.decode()
    assert as_staff.json()["address"]["street_address"] == "Hemlig väg 1"


def test_staff_change_a_customers_affiliation(client, staff, district, other_district):
    person = PersonFactory(affiliation=district)
    client.force_login(staff)

    response = _post(client, f"/api/v1/customers/{person.pk}/set-affiliation/",
                     {"organisation": other_district.pk})

    assert response.status_code == 200, response.content
    assert response.json()["affiliation"] == other_district.pk
    person.refresh_from_db()
    assert person.affiliation == other_district
    assert AuditEvent.objects.for_object(person).filter(event_type="update").exists()


def test_affiliation_change_is_refused_while_a_contract_with_the_previous_one_is_current(
    client, staff, district, other_district
):
    contract = active_contract(organisation=district)
    person = contract.customer
    client.force_login(staff)

    response = _post(client, f"/api/v1/customers/{person.pk}/set-affiliation/",
                     {"organisation": other_district.pk})

    assert response.status_code == 400
    assert contract.number in response.json()["organisation"][0]
    person.refresh_from_db()
    assert person.affiliation == district
    assert not AuditEvent.objects.exists()


def test_officers_cannot_change_an_affiliation(client, officer, district, other_district):
    own = PersonFactory(affiliation=district)
    foreign = PersonFactory(affiliation=other_district)
    client.force_login(officer)

    own_response = _post(client, f"/api/v1/customers/{own.pk}/set-affiliation/",
                         {"organisation": other_district.pk})
    foreign_response = _post(client, f"/api/v1/customers/{foreign.pk}/set-affiliation/",
                             {"organisation": district.pk})

    assert (own_response.status_code, foreign_response.status_code) == (403, 404)
    assert Person.objects.get(pk=own.pk).affiliation == district
    assert Person.objects.get(pk=foreign.pk).affiliation == other_district
    assert not AuditEvent.objects.exists()


# --- Submissions: create --------------------------------------------------------------------------------


def _submission_body(obj, **overrides):
    body = {
        "kind": "new_tenant",
        "personal_number": make_personal_number(dt.date(1948, 4, 2), 123),
        "first_name": "Greta", "last_name": "Holmberg", "email": "greta@example.invalid",
        "rental_object": obj.pk,
        "start_date": (TODAY + dt.timedelta(days=7)).isoformat(),
        "collection_code": CollectionCodeFactory().pk,
        "delivery_channel": "email",
        "personal_contact": True,
        "message": "Beslut fattat.",
        "rent_lines": [{"kind": "base_rent", "amount": str(obj.rent)},
                       {"kind": "deduction", "amount": "300.00", "description": "Dubbelt boende"}],
    }
    body.update(overrides)
    return body


def test_officer_submits_underlag_for_their_administration(client, officer, district):
    obj = RentalObjectFactory(owner=district)
    client.force_login(officer)

    response = _post(client, "/api/v1/submissions/", _submission_body(obj))

    assert response.status_code == 201, response.content
    submission = Submission.objects.get()
    data = response.json()
    assert data["id"] == submission.pk
    assert data["state"] == "submitted"
    assert data["organisation"] == district.pk
    assert data["submitted_by"] == "officer"
    assert data["personal_number"] == submission.formatted_personal_number
    assert [(ln["kind"], ln["amount"]) for ln in data["rent_lines"]] == [
        ("base_rent", str(obj.rent)), ("deduction", "300.00")]
    assert data["attachments"] == []
    assert submission.organisation == district and submission.submitted_by == officer
    assert submission.personal_contact is True
    assert submission.due_date > TODAY
    assert AuditEvent.objects.for_object(submission).filter(event_type="create", actor=officer).exists()


def test_a_ten_digit_personal_number_is_stored_with_its_century(client, officer, district):
    obj = RentalObjectFactory(owner=district)
    number = make_personal_number(dt.date(1948, 4, 2), 123)
    client.force_login(officer)

    response = _post(client, "/api/v1/submissions/",
                     _submission_body(obj, personal_number=f"{number[2:8]}-{number[8:]}"))

    assert response.status_code == 201, response.content
    assert Submission.objects.get().personal_number == number


def test_an_invalid_personal_number_is_a_field_error_and_nothing_is_created(client, officer, district):
    obj = RentalObjectFactory(owner=district)
    number = make_personal_number(dt.date(1948, 4, 2), 123)
    wrong_check = number[:-1] + str((int(number[-1]) + 1) % 10)
    client.force_login(officer)

    response = _post(client, "/api/v1/submissions/", _submission_body(obj, personal_number=wrong_check))

    assert response.status_code == 400
    assert response.json() == {"personal_number": [str(MESSAGES["invalid_checksum"])]}
    assert not Submission.objects.exists()
    assert not AuditEvent.objects.exists()


def test_an_object_of_another_administration_is_refused(client, officer, district, other_district):
    foreign = RentalObjectFactory(owner=other_district)
    client.force_login(officer)

    response = _post(client, "/api/v1/submissions/", _submission_body(foreign))

    assert response.status_code == 400
    assert list(response.json()) == ["rental_object"]
    assert not Submission.objects.exists()


def test_missing_and_malformed_values_are_listed_field_by_field(client, officer, district):
    obj = RentalObjectFactory(owner=district)
    body = _submission_body(obj, kind="sublet", start_date="31/12", email="not-an-address",
                            rent_lines=[{"kind": "bonus", "amount": "-5"}])
    del body["first_name"]
    client.force_login(officer)

    response = _post(client, "/api/v1/submissions/", body)

    assert response.status_code == 400
    errors = response.json()
    assert {"kind", "start_date", "email", "first_name", "rent_lines"} <= set(errors)
    assert set(errors["rent_lines"]["0"]) == {"kind", "amount"}  # by the line's index
    assert not Submission.objects.exists()


@pytest.mark.parametrize("who", ["staff", "citizen"])
def test_only_officers_submit(client, district, who, request):
    obj = RentalObjectFactory(owner=district)
    client.force_login(request.getfixturevalue(who))

    response = _post(client, "/api/v1/submissions/", _submission_body(obj))

    assert response.status_code == 403
    assert not Submission.objects.exists()


# --- Submissions: read ------------------------------------------------------------------------------------


def test_officer_sees_only_their_administrations_submissions(client, officer, district, other_district):
    own = SubmissionFactory(organisation=district)
    foreign = SubmissionFactory(organisation=other_district)
    client.force_login(officer)

    assert _ids(client.get("/api/v1/submissions/")) == {own.pk}
    assert client.get(f"/api/v1/submissions/{foreign.pk}/").status_code == 404


def test_submission_detail_has_rent_lines_and_attachment_metadata(client, staff, district):
    submission = SubmissionFactory(organisation=district)
    SubmissionAttachment.objects.create(submission=submission, file="submissions/x/beslut.pdf",
                                        original_name="beslut.pdf", content_type="application/pdf",
                                        size=1234, sha256="a" * 64)
    client.force_login(staff)

    data = client.get(f"/api/v1/submissions/{submission.pk}/").json()

    assert data["rent_lines"][0]["kind"] == "base_rent"
    assert data["attachments"][0] | {"uploaded_at": None} == {
        "id": submission.attachments.get().pk, "original_name": "beslut.pdf",
        "content_type": "application/pdf", "size": 1234, "sha256": "a" * 64, "uploaded_at": None}
    assert "file" not in data["attachments"][0]


def test_submission_filters(client, staff, district, other_district):
    fresh = SubmissionFactory(organisation=district)
    late = SubmissionFactory(organisation=district, due_date=TODAY - dt.timedelta(days=1))
    change = SubmissionFactory(organisation=other_district, kind=Submission.Kind.CHANGE)
    late_but_done = SubmissionFactory(organisation=other_district, due_date=TODAY - dt.timedelta(days=9))
    Submission.objects.filter(pk=late_but_done.pk).update(state=Submission.State.COMPLETED)
    Submission.objects.filter(pk=change.pk).update(state=Submission.State.IN_REVIEW)
    client.force_login(staff)

    def found(**params):
        return _ids(client.get("/api/v1/submissions/", params))

    assert found(state="in_review") == {change.pk}
    assert found(state="completed") == {late_but_done.pk}
    assert found(kind="change") == {change.pk}
    assert found(organisation=district.pk) == {fresh.pk, late.pk}
    assert found(overdue="true") == {late.pk}
    assert found(overdue="false") == {fresh.pk, change.pk, late_but_done.pk}
    assert found() == {fresh.pk, late.pk, change.pk, late_but_done.pk}
    assert client.get("/api/v1/submissions/", {"state": "lost"}).status_code == 400


def test_submissions_are_listed_by_due_date(client, staff, district):
    later = SubmissionFactory(organisation=district, due_date=TODAY + dt.timedelta(days=5))
    sooner = SubmissionFactory(organisation=district, due_date=TODAY + dt.timedelta(days=1))
    client.force_login(staff)

    rows = client.get("/api/v1/submissions/").json()["results"]

    assert [r["id"] for r in rows] == [sooner.pk, later.pk]
    assert rows[0]["is_overdue"] is False


# --- Submissions: transitions -----------------------------------------------------------------------------


def test_the_whole_path_through_the_api(client, officer, staff, district):
    obj = RentalObjectFactory(owner=district)

    client.force_login(officer)
    created = _post(client, "/api/v1/submissions/", _submission_body(obj))
    assert created.status_code == 201, created.content
    url = f"/api/v1/submissions/{created.json()['id']}"

    client.force_login(staff)
    review = _post(client, f"{url}/start-review/")
    assert (review.status_code, review.json()["state"], review.json()["assignee"]) == (
        200, "in_review", "staff")
    returned = _post(client, f"{url}/return/", {"reason": "Beslutet saknar underskrift."})
    assert returned.status_code == 200, returned.content
    assert returned.json()["state"] == "returned"
    assert returned.json()["return_reason"] == "Beslutet saknar underskrift."

    client.force_login(officer)
    body = _submission_body(obj, message="Nu med underskrift",
                            rent_lines=[{"kind": "base_rent", "amount": str(obj.rent)}])
    resubmitted = _post(client, f"{url}/resubmit/", body)
    assert resubmitted.status_code == 200, resubmitted.content
    assert resubmitted.json()["state"] == "submitted"
    assert resubmitted.json()["message"] == "Nu med underskrift"
    assert len(resubmitted.json()["rent_lines"]) == 1

    client.force_login(staff)
    assert _post(client, f"{url}/start-review/").status_code == 200
    accepted = _post(client, f"{url}/accept/")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "accepted"
    contract = RentalContract.objects.get(pk=accepted.json()["contract"])
    assert contract.state == RentalContract.State.DRAFT
    assert contract.number == f"{TODAY.year}-{contract.pk:06d}"
    assert contract.customer.personal_number == body["personal_number"]
    assert contract.personal_contact is True

    activated = _post(client, f"/api/v1/contracts/{contract.pk}/activate/")
    assert activated.status_code == 200, activated.content
    assert activated.json()["state"] == "active"
    assert _state(Submission.objects.get(pk=created.json()["id"])) == "completed"

    client.force_login(officer)
    assert client.get(f"{url}/").json()["state"] == "completed"
    assert client.get(f"/api/v1/contracts/{contract.pk}/").json()["state"] == "active"


def test_accept_is_refused_with_every_failed_check(client, staff, district):
    QualityTypeFactory(code="balkong", name="Balkong", required=True)
    submission = SubmissionFactory(organisation=district, collection_code=None,
                                   rent_lines=[(RentLineKind.BASE_RENT, Decimal("1.00"))])
    submission = services.submission_start_review(actor=staff, submission=submission)
    events = AuditEvent.objects.count()
    client.force_login(staff)

    response = _post(client, f"/api/v1/submissions/{submission.pk}/accept/")

    assert response.status_code == 409
    data = response.json()
    assert data["detail"]
    assert {c["code"] for c in data["failed_checks"]} == {"rent", "collection_code", "qualities"}
    assert all(c["label"] and c["detail"] for c in data["failed_checks"])
    assert _state(submission) == "in_review"
    assert not RentalContract.objects.exists()
    assert not Person.objects.filter(personal_number=submission.personal_number).exists()
    assert AuditEvent.objects.count() == events


def test_a_step_the_state_does_not_allow_is_a_conflict(client, staff, district):
    submission = SubmissionFactory(organisation=district)
    client.force_login(staff)

    response = _post(client, f"/api/v1/submissions/{submission.pk}/accept/")

    assert response.status_code == 409
    assert response.json()["failed_checks"] == []
    assert _state(submission) == "submitted"


def test_return_needs_a_reason(client, staff, district):
    submission = services.submission_start_review(actor=staff,
                                                  submission=SubmissionFactory(organisation=district))
    client.force_login(staff)

    missing = _post(client, f"/api/v1/submissions/{submission.pk}/return/", {})
    blank = _post(client, f"/api/v1/submissions/{submission.pk}/return/", {"reason": "   "})

    assert (missing.status_code, blank.status_code) == (400, 400)
    assert "reason" in missing.json() and "reason" in blank.json()
    assert _state(submission) == "in_review"


def test_only_a_returned_submission_can_be_resubmitted(client, officer, district):
    submission = SubmissionFactory(organisation=district, submitted_by=officer)
    client.force_login(officer)

    response = _post(client, f"/api/v1/submissions/{submission.pk}/resubmit/",
                     _submission_body(submission.rental_object))

    assert response.status_code == 409
    assert _state(submission) == "submitted"


def test_officer_withdraws_their_administrations_submission(client, officer, district):
    submission = SubmissionFactory(organisation=district)
    client.force_login(officer)

    response = _post(client, f"/api/v1/submissions/{submission.pk}/withdraw/",
                     {"reason": "Kunden tackade nej."})

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "withdrawn"
    event = AuditEvent.objects.for_object(submission).get(event_type="transition")
    assert (event.actor, event.reason) == (officer, "Kunden tackade nej.")


@pytest.mark.parametrize("action", ["start-review", "return", "accept"])
def test_staff_steps_are_refused_to_the_submitting_officer(client, officer, district, action):
    submission = SubmissionFactory(organisation=district)
    client.force_login(officer)

    response = _post(client, f"/api/v1/submissions/{submission.pk}/{action}/", {"reason": "x"})

    assert response.status_code == 403
    assert _state(submission) == "submitted"
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("action", ["resubmit", "withdraw"])
def test_officer_steps_are_refused_to_staff(client, staff, district, action):
    submission = SubmissionFactory(organisation=district)
    client.force_login(staff)

    response = _post(client, f"/api/v1/submissions/{submission.pk}/{action}/",
                     _submission_body(submission.rental_object))

    assert response.status_code == 403
    assert _state(submission) == "submitted"


@pytest.mark.parametrize("action", ["start-review", "return", "accept", "withdraw", "resubmit"])
def test_another_districts_officer_gets_404_and_nothing_changes(client, other_officer, district, action):
    submission = SubmissionFactory(organisation=district)
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.RETURNED)
    client.force_login(other_officer)

    detail = client.get(f"/api/v1/submissions/{submission.pk}/")
    response = _post(client, f"/api/v1/submissions/{submission.pk}/{action}/",
                     _submission_body(submission.rental_object, reason="x"))

    assert (detail.status_code, response.status_code) == (404, 404)
    assert submission.last_name not in response.content.decode()
    assert _state(submission) == "returned"
    assert not AuditEvent.objects.exists()


# --- Contracts: read --------------------------------------------------------------------------------------


def test_officer_sees_only_their_administrations_contracts(client, officer, district, other_district):
    own = RentalContractFactory(organisation=district)
    foreign = RentalContractFactory(organisation=other_district)
    client.force_login(officer)

    assert _ids(client.get("/api/v1/contracts/")) == {own.pk}
    assert client.get(f"/api/v1/contracts/{foreign.pk}/").status_code == 404


def test_a_citizen_sees_only_their_own_contracts(client, citizen, district):
    own = RentalContractFactory(organisation=district, customer=citizen.person)
    other = RentalContractFactory(organisation=district)
    client.force_login(citizen)

    assert _ids(client.get("/api/v1/contracts/")) == {own.pk}
    assert client.get(f"/api/v1/contracts/{own.pk}/").json()["number"] == own.number
    assert client.get(f"/api/v1/contracts/{other.pk}/").status_code == 404


def test_a_citizen_cannot_act_on_their_own_contract(client, citizen, district):
    contract = RentalContractFactory(organisation=district, customer=citizen.person)
    client.force_login(citizen)

    responses = [
        _post(client, f"/api/v1/contracts/{contract.pk}/activate/"),
        _post(client, f"/api/v1/contracts/{contract.pk}/make-preliminary/"),
        _patch(client, f"/api/v1/contracts/{contract.pk}/", {"notice_period_months": 1}),
        _post(client, "/api/v1/contracts/", {"kind": "vacancy"}),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    contract.refresh_from_db()
    assert (contract.state, contract.notice_period_months) == ("draft", 3)
    assert RentalContract.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_contract_detail_has_rent_lines_monthly_rent_and_documents(client, staff, district):
    contract = RentalContractFactory(
        organisation=district,
        rent_lines=[(RentLineKind.BASE_RENT, Decimal("5400.00")),
                    (RentLineKind.SUPPLEMENT, Decimal("250.00")),
                    (RentLineKind.DEDUCTION, Decimal("300.00"))],
    )
    RentLine.objects.create(contract=contract, kind=RentLineKind.BASE_RENT, amount=Decimal("5000.00"),
                            rent_year=TODAY.year - 1)
    deduction = contract.rent_lines.get(kind=RentLineKind.DEDUCTION)
    document = services.contract_store_pdf(contract=contract, kind="supplementary_agreement",
                                           pdf=b"%PDF-1.4 test", filename="tillaggsavtal.pdf",
                                           rent_line=deduction)
    client.force_login(staff)

    data = client.get(f"/api/v1/contracts/{contract.pk}/").json()

    assert data["monthly_rent"] == "5350.00"
    assert data["rent_year"] == TODAY.year
    assert len(data["rent_lines"]) == 4
    assert data["documents"] == [{
        "id": document.pk, "kind": "supplementary_agreement", "rent_line": deduction.pk,
        "content_type": "application/pdf", "sha256": document.sha256,
        "created_at": data["documents"][0]["created_at"],
    }]
    assert data["object_number"] == contract.rental_object.object_number
    assert data["customer_name"] == contract.customer.full_name


def test_contract_filters(client, staff, district, other_district):
    draft = RentalContractFactory(organisation=district)
    running = active_contract(organisation=district)
    vacancy = RentalContractFactory(organisation=other_district, kind=RentalContract.Kind.VACANCY,
                                    customer=None)
    client.force_login(staff)

    def found(**params):
        return _ids(client.get("/api/v1/contracts/", params))

    assert found(state="active") == {running.pk}
    assert found(kind="vacancy") == {vacancy.pk}
    assert found(organisation=district.pk) == {draft.pk, running.pk}
    assert found(customer=draft.customer_id) == {draft.pk}
    assert found(object=running.rental_object_id) == {running.pk}
    assert found() == {draft.pk, running.pk, vacancy.pk}
    assert client.get("/api/v1/contracts/", {"customer": "Karin"}).status_code == 400


# --- Contracts: create and change ----------------------------------------------------------------------


def _contract_body(obj, **overrides):
    body = {
        "kind": "vacancy", "rental_object": obj.pk, "organisation": obj.owner_id,
        "start_date": TODAY.replace(day=1).isoformat(), "collection_code": CollectionCodeFactory().pk,
        "rent_lines": [{"kind": "base_rent", "amount": str(obj.rent)}],
    }
    body.update(overrides)
    return body


def test_staff_register_a_vacancy_contract(client, staff, district):
    obj = RentalObjectFactory(owner=district)
    client.force_login(staff)

    response = _post(client, "/api/v1/contracts/", _contract_body(obj))

    assert response.status_code == 201, response.content
    contract = RentalContract.objects.get()
    data = response.json()
    assert data["id"] == contract.pk
    assert data["number"] == f"{TODAY.year}-{contract.pk:06d}"
    assert (data["state"], data["kind"], data["customer"]) == ("draft", "vacancy", None)
    assert data["monthly_rent"] == str(obj.rent)
    assert AuditEvent.objects.for_object(contract).filter(event_type="create", actor=staff).exists()


def test_staff_register_a_customer_contract_from_scratch(client, staff, district):
    obj = RentalObjectFactory(owner=district)
    customer = PersonFactory(affiliation=district)
    client.force_login(staff)

    response = _post(client, "/api/v1/contracts/",
                     _contract_body(obj, kind="external", customer=customer.pk))

    assert response.status_code == 201, response.content
    assert RentalContract.objects.get().customer == customer


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "external"}, "customer"),                               # a customer contract
        ({"end_date": (TODAY - dt.timedelta(days=400)).isoformat()}, "end_date"),
        ({"rental_object": 999999}, "rental_object"),
        ({"rent_lines": [{"kind": "base_rent", "amount": "abc"}]}, "rent_lines"),
    ],
)
def test_a_bad_contract_is_refused_field_by_field_and_nothing_is_created(
    client, staff, district, overrides, field
):
    obj = RentalObjectFactory(owner=district)
    client.force_login(staff)

    response = _post(client, "/api/v1/contracts/", _contract_body(obj, **overrides))

    assert response.status_code == 400
    assert field in response.json()
    assert not RentalContract.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_vacancy_has_no_customer(staff, district):
    obj = RentalObjectFactory(owner=district)

    with pytest.raises(Exception) as refused:
        services.contract_create(actor=staff, rent_lines=[], kind=RentalContract.Kind.VACANCY,
                                 customer=PersonFactory(), rental_object=obj, organisation=district,
                                 start_date=TODAY)

    assert "customer" in refused.value.message_dict
    assert not RentalContract.objects.exists()


def test_contract_create_service_numbers_the_draft_and_keeps_this_years_lines(staff, district):
    obj = RentalObjectFactory(owner=district)

    contract = services.contract_create(
        actor=staff, today=dt.date(2031, 2, 3), kind=RentalContract.Kind.INTERNAL,
        rental_object=obj, organisation=district, start_date=dt.date(2031, 3, 1),
        rent_lines=[services.RentLineData(RentLineKind.BASE_RENT, Decimal("4000.00"))],
    )

    assert contract.number == f"2031-{contract.pk:06d}"
    assert contract.state == RentalContract.State.DRAFT
    assert list(contract.rent_lines.values_list("rent_year", "amount")) == [(2031, Decimal("4000.00"))]
    assert AuditEvent.objects.for_object(contract).filter(event_type="create").exists()


def test_staff_change_a_contract_and_its_rent_lines(client, staff, district):
    contract = RentalContractFactory(organisation=district)
    client.force_login(staff)

    response = _patch(client, f"/api/v1/contracts/{contract.pk}/", {
        "notice_period_months": 1,
        "rent_lines": [{"kind": "base_rent", "amount": "5400.00"},
                       {"kind": "supplement", "amount": "120.00", "description": "Möbler"}],
    })

    assert response.status_code == 200, response.content
    assert response.json()["notice_period_months"] == 1
    assert response.json()["monthly_rent"] == "5520.00"
    contract.refresh_from_db()
    assert contract.notice_period_months == 1
    changes = [e.changes for e in AuditEvent.objects.for_object(contract).filter(event_type="update")]
    assert {"notice_period_months": [3, 1]} in changes
    assert any("rent_lines" in c for c in changes)


def test_a_bad_change_writes_nothing(client, staff, district):
    contract = RentalContractFactory(organisation=district)
    client.force_login(staff)

    response = _patch(client, f"/api/v1/contracts/{contract.pk}/", {
        "end_date": "2020-01-01",
        "rent_lines": [{"kind": "base_rent", "amount": "1.00"}],
    })

    assert response.status_code == 400
    assert "end_date" in response.json()
    contract.refresh_from_db()
    assert contract.end_date is None
    assert contract.monthly_rent() == contract.rental_object.rent
    assert not AuditEvent.objects.exists()


def test_officers_cannot_create_or_change_contracts(client, officer, district, other_district):
    own = RentalContractFactory(organisation=district)
    foreign = RentalContractFactory(organisation=other_district)
    client.force_login(officer)

    created = _post(client, "/api/v1/contracts/", _contract_body(RentalObjectFactory(owner=district)))
    changed = _patch(client, f"/api/v1/contracts/{own.pk}/", {"notice_period_months": 1})
    foreign_changed = _patch(client, f"/api/v1/contracts/{foreign.pk}/", {"notice_period_months": 1})

    assert (created.status_code, changed.status_code, foreign_changed.status_code) == (403, 403, 404)
    assert set(RentalContract.objects.values_list("notice_period_months", flat=True)) == {3}
    assert RentalContract.objects.count() == 2
    assert not AuditEvent.objects.exists()


# --- Contracts: transitions ------------------------------------------------------------------------------


def test_make_preliminary_then_activate(client, staff, district):
    contract = RentalContractFactory(organisation=district)
    client.force_login(staff)

    preliminary = _post(client, f"/api/v1/contracts/{contract.pk}/make-preliminary/",
                        {"reason": "Väntar på underskrift"})
    active = _post(client, f"/api/v1/contracts/{contract.pk}/activate/")

    assert (preliminary.status_code, preliminary.json()["state"]) == (200, "preliminary")
    assert (active.status_code, active.json()["state"]) == (200, "active")
    assert active.json()["activated_at"]


def test_activation_is_refused_with_the_list_of_failed_checks(client, staff, district):
    QualityTypeFactory(code="kok", name="Kök", required=True)
    contract = RentalContractFactory(organisation=district, collection_code=None,
                                     rental_object=RentalObjectFactory(owner=district,
                                                                       housing_form=HousingForm.FOT))
    client.force_login(staff)

    response = _post(client, f"/api/v1/contracts/{contract.pk}/activate/")

    assert response.status_code == 409
    assert {c["code"] for c in response.json()["failed_checks"]} == {
        "collection_code", "qualities", "tenure_waiver"}
    assert _state(contract) == "draft"
    assert not AuditEvent.objects.exists()


def test_fot_activation_after_the_tenure_waiver_is_recorded(client, staff, district):
    contract = RentalContractFactory(organisation=district, rental_object=RentalObjectFactory(
        owner=district, housing_form=HousingForm.FOT))
    client.force_login(staff)

    waiver = _post(client, f"/api/v1/contracts/{contract.pk}/record-tenure-waiver/",
                   {"signed_on": TODAY.isoformat(), "tribunal_approved_on": TODAY.isoformat()})
    active = _post(client, f"/api/v1/contracts/{contract.pk}/activate/")

    assert waiver.status_code == 200, waiver.content
    assert waiver.json()["tenure_waiver_signed_on"] == TODAY.isoformat()
    assert waiver.json()["tribunal_approved_on"] == TODAY.isoformat()
    assert active.json()["state"] == "active"


def test_a_tenure_waiver_needs_its_date(client, staff, district):
    contract = RentalContractFactory(organisation=district)
    client.force_login(staff)

    response = _post(client, f"/api/v1/contracts/{contract.pk}/record-tenure-waiver/", {})

    assert response.status_code == 400
    assert "signed_on" in response.json()
    contract.refresh_from_db()
    assert contract.tenure_waiver_signed_on is None


def test_dispute_opens_and_closes_with_a_reason(client, staff, district):
    contract = active_contract(organisation=district)
    client.force_login(staff)

    no_reason = _post(client, f"/api/v1/contracts/{contract.pk}/open-dispute/", {"reason": ""})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert _state(contract) == "active"

    opened = _post(client, f"/api/v1/contracts/{contract.pk}/open-dispute/",
                   {"reason": "Hyresnämnden prövar hyran."})
    closed = _post(client, f"/api/v1/contracts/{contract.pk}/close-dispute/",
                   {"reason": "Hyresnämnden har beslutat."})

    assert (opened.json()["state"], closed.json()["state"]) == ("in_dispute", "active")
    reasons = list(AuditEvent.objects.for_object(contract).filter(event_type="transition")
                   .order_by("id").values_list("reason", flat=True))
    assert reasons == ["Hyresnämnden prövar hyran.", "Hyresnämnden har beslutat."]


def test_closing_a_dispute_that_is_not_open_is_a_conflict(client, staff, district):
    contract = active_contract(organisation=district)
    client.force_login(staff)

    response = _post(client, f"/api/v1/contracts/{contract.pk}/close-dispute/", {"reason": "x"})

    assert response.status_code == 409
    assert _state(contract) == "active"


@pytest.mark.parametrize("action", ["make-preliminary", "activate", "open-dispute", "close-dispute",
                                    "record-tenure-waiver"])
def test_contract_steps_outside_scope_answer_404_and_inside_403(
    client, officer, district, other_district, action
):
    own = RentalContractFactory(organisation=district)
    foreign = RentalContractFactory(organisation=other_district)
    body = {"reason": "x", "signed_on": TODAY.isoformat()}
    client.force_login(officer)

    own_response = _post(client, f"/api/v1/contracts/{own.pk}/{action}/", body)
    foreign_response = _post(client, f"/api/v1/contracts/{foreign.pk}/{action}/", body)

    assert (own_response.status_code, foreign_response.status_code) == (403, 404)
    assert foreign.number not in foreign_response.content.decode()
    for contract in (own, foreign):
        contract.refresh_from_db()
        assert (contract.state, contract.tenure_waiver_signed_on) == ("draft", None)
    assert not AuditEvent.objects.exists()


# --- Token authentication for an integration ---------------------------------------------------------


def test_an_integration_user_works_with_a_token(client, district):
    from django.contrib.auth.models import Group

    integration = UserFactory(username="agresso-integration")
    integration.groups.add(Group.objects.get(name="service_staff"))
    token = Token.objects.create(user=integration)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    contract = RentalContractFactory(organisation=district)
    submission = SubmissionFactory(organisation=district)

    assert _ids(client.get("/api/v1/contracts/", **auth)) == {contract.pk}
    assert _ids(client.get("/api/v1/submissions/", **auth)) == {submission.pk}
    response = _post(client, f"/api/v1/submissions/{submission.pk}/start-review/", **auth)

    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == "agresso-integration"
    assert AuditEvent.objects.for_object(submission).filter(actor=integration).exists()
    assert client.get("/api/v1/contracts/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


# --- Query counts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "officer"])
def test_submission_list_runs_a_constant_number_of_queries(client, district, officer, who, request):
    obj = RentalObjectFactory(owner=district)
    code = CollectionCodeFactory()

    def add(n):
        for submission in SubmissionFactory.create_batch(n, organisation=district, submitted_by=officer,
                                                         rental_object=obj, collection_code=code):
            SubmissionAttachment.objects.create(submission=submission, file="x.pdf", original_name="x.pdf",
                                                content_type="application/pdf", size=1, sha256="0" * 64)

    add(10)
    client.force_login(request.getfixturevalue(who))
    few = _queries(client, "/api/v1/submissions/")
    add(190)
    many = _queries(client, "/api/v1/submissions/")

    assert many == few


@pytest.mark.parametrize("who", ["staff", "officer"])
def test_contract_list_runs_a_constant_number_of_queries(client, district, who, request):
    code = CollectionCodeFactory()

    def add(n):
        for contract in RentalContractFactory.create_batch(
            n, organisation=district, collection_code=code,
            rent_lines=[(RentLineKind.BASE_RENT, Decimal("5000.00")),
                        (RentLineKind.DEDUCTION, Decimal("100.00"))],
        ):
            services.contract_store_pdf(contract=contract, kind="contract", pdf=b"%PDF-1.4",
                                        filename="avtal.pdf")

    add(10)
    client.force_login(request.getfixturevalue(who))
    few = _queries(client, "/api/v1/contracts/")
    add(190)
    many = _queries(client, "/api/v1/contracts/")

    assert many == few


def test_citizen_contract_list_runs_a_constant_number_of_queries(client, citizen, district):
    from tests.factories import RepresentativeFactory

    RentalContractFactory(organisation=district, customer=citizen.person)
    client.force_login(citizen)
    few = _queries(client, "/api/v1/contracts/")

    for _ in range(5):
        represented = RepresentativeFactory(agent=citizen.person).person
        RentalContractFactory(organisation=district, customer=represented)
    many = _queries(client, "/api/v1/contracts/")

    assert many == few
    assert len(client.get("/api/v1/contracts/").json()["results"]) == 6


@pytest.mark.parametrize("url", ["/api/v1/objects/", "/api/v1/customers/"])
def test_object_and_customer_lists_run_a_constant_number_of_queries(client, staff, district, url):
    quality = QualityTypeFactory()

    def add(n):
        for obj in RentalObjectFactory.create_batch(n, owner=district):
            ObjectQuality.objects.create(rental_object=obj, quality_type=quality, value="Ja")
            PersonFactory(affiliation=district)

    add(10)
    client.force_login(staff)
    few = _queries(client, url)
    add(60)
    many = _queries(client, url)

    assert many == few
