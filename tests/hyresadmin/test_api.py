"""The kernel API (``/api/v1/``): who sees which organisations and persons, what a person detail
leaves in the audit trail, token login, filters, and that lists cost the same number of queries
however long they are."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from hyresadmin.models import AuditEvent
from tests.factories import PersonFactory, RepresentativeFactory, make_personal_number

pytestmark = pytest.mark.django_db


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _view_events():
    return AuditEvent.objects.filter(event_type=AuditEvent.Type.VIEW)


# --- Anonymous ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/organisations/", "/api/v1/persons/"])
def test_anonymous_requests_are_refused(client, url):
    person = PersonFactory()

    response = client.get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert client.get(f"/api/v1/persons/{person.pk}/").status_code == 401
    assert not AuditEvent.objects.exists()


# --- Me ------------------------------------------------------------------------------------------------


def test_me_tells_an_officer_their_role_and_organisation(client, officer, district):
    client.force_login(officer)

    data = client.get("/api/v1/me/").json()

    assert data["username"] == "officer"
    assert data["roles"] == ["district_officer"]
    assert data["organisation"]["code"] == district.code
    assert data["person_id"] is None


def test_me_tells_a_citizen_which_person_they_are(client, citizen):
    client.force_login(citizen)

    data = client.get("/api/v1/me/").json()

    assert data["roles"] == ["citizen"]
    assert data["organisation"] is None
    assert data["person_id"] == citizen.person.pk


# --- Organisations -------------------------------------------------------------------------------------


def test_officer_sees_only_their_own_organisation(client, officer, district, other_district):
    client.force_login(officer)

    assert _ids(client.get("/api/v1/organisations/")) == {district.pk}
    assert client.get(f"/api/v1/organisations/{district.pk}/").json()["name"] == district.name
    assert client.get(f"/api/v1/organisations/{other_district.pk}/").status_code == 404


def test_staff_see_every_organisation(client, staff, district, other_district, service_org):
    client.force_login(staff)

    assert _ids(client.get("/api/v1/organisations/")) == {district.pk, other_district.pk, service_org.pk}


def test_citizen_sees_no_organisations(client, citizen, district):
    client.force_login(citizen)

    assert _ids(client.get("/api/v1/organisations/")) == set()


# --- Persons: who sees whom ------------------------------------------------------------------------------


def test_officer_sees_only_persons_affiliated_with_their_organisation(
    client, officer, district, other_district
):
    own = PersonFactory(affiliation=district)
    foreign = PersonFactory(affiliation=other_district)
    unaffiliated = PersonFactory(affiliation=None)
    client.force_login(officer)

    assert _ids(client.get("/api/v1/persons/")) == {own.pk}
    assert client.get(f"/api/v1/persons/{own.pk}/").status_code == 200
    for hidden in (foreign, unaffiliated):
        assert client.get(f"/api/v1/persons/{hidden.pk}/").status_code == 404
    assert list(_view_events().values_list("object_id", flat=True)) == [str(own.pk)]


def test_officer_asking_for_another_districts_person_leaves_no_trace(client, officer, other_district):
    foreign = PersonFactory(affiliation=other_district)
    client.force_login(officer)

    response = client.get(f"/api/v1/persons/{foreign.pk}/")

    assert response.status_code == 404
    assert foreign.last_name not in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_citizen_sees_themselves_and_whom_they_represent_with_the_right_to_see_invoices(client, citizen):
    me = citizen.person
    today = timezone.localdate()
    represented = RepresentativeFactory(agent=me, valid_from=dt.date(2020, 1, 1)).person
    ended = RepresentativeFactory(agent=me, valid_from=dt.date(2020, 1, 1),
                                  valid_to=today - dt.timedelta(days=1)).person
    informed_only = RepresentativeFactory(agent=me, may_see_invoices=False).person
    starts_tomorrow = RepresentativeFactory(agent=me, valid_from=today + dt.timedelta(days=1)).person
    stranger = PersonFactory()
    client.force_login(citizen)

    assert _ids(client.get("/api/v1/persons/")) == {me.pk, represented.pk}
    assert client.get(f"/api/v1/persons/{represented.pk}/").status_code == 200
    for hidden in (ended, informed_only, starts_tomorrow, stranger):
        assert client.get(f"/api/v1/persons/{hidden.pk}/").status_code == 404
    assert list(_view_events().values_list("object_id", flat=True)) == [str(represented.pk)]


def test_staff_see_every_person(client, staff, district, other_district):
    persons = {PersonFactory(affiliation=district).pk, PersonFactory(affiliation=other_district).pk,
               PersonFactory(affiliation=None).pk}
    client.force_login(staff)

    assert _ids(client.get("/api/v1/persons/")) == persons


def test_a_user_without_a_role_sees_nobody(client, district):
    from tests.factories import UserFactory

    PersonFactory(affiliation=district)
    client.force_login(UserFactory(organisation=district))

    assert _ids(client.get("/api/v1/persons/")) == set()
    assert _ids(client.get("/api/v1/organisations/")) == set()


# --- Persons: what is shown ---------------------------------------------------------------------------


def test_person_detail_shows_the_formatted_number_and_the_address(client, staff, district):
    person = PersonFactory(
        personal_number=make_personal_number(dt.date(1975, 3, 14), 238), first_name="Karin",
        last_name="Berg", street_address="Hornsgatan 12", postcode="11821", town="Stockholm",
        affiliation=district,
    )
    client.force_login(staff)

    data = client.get(f"/api/v1/persons/{person.pk}/").json()

    assert data["personal_number"] == f"{person.personal_number[:8]}-{person.personal_number[8:]}"
    assert data["first_name"] == "Karin"
    assert data["address"] == {"street_address": "Hornsgatan 12", "care_of": "", "postcode": "11821",
                               "town": "Stockholm"}
    assert data["affiliation"] == district.pk


def test_protected_identity_address_is_hidden_from_an_officer(client, officer, district):
    person = PersonFactory(affiliation=district, protected_identity=True, street_address="Hemlig väg 1")
    client.force_login(officer)

    detail = client.get(f"/api/v1/persons/{person.pk}/")
    listing = client.get("/api/v1/persons/")

    assert detail.json()["address"] is None
    assert detail.json()["protected_identity"] is True
    assert listing.json()["results"][0]["address"] is None
    assert "Hemlig" not in detail.content.decode() + listing.content.decode()


def test_protected_identity_address_is_shown_to_staff(client, staff, district):
    person = PersonFactory(affiliation=district, protected_identity=True, street_address="Hemlig väg 1")
    client.force_login(staff)

    data = client.get(f"/api/v1/persons/{person.pk}/").json()

    assert data["address"]["street_address"] == "Hemlig väg 1"


def test_person_detail_records_who_viewed_it(client, officer, district):
    person = PersonFactory(affiliation=district)
    client.force_login(officer)

    client.get(f"/api/v1/persons/{person.pk}/")

    event = AuditEvent.objects.get()
    assert event.event_type == "view"
    assert event.actor == officer
    assert event.object_id == str(person.pk)
    assert event.reason == "api"
    assert list(AuditEvent.objects.for_object(person)) == [event]


def test_person_list_records_no_views(client, staff):
    PersonFactory.create_batch(3)
    client.force_login(staff)

    client.get("/api/v1/persons/")

    assert not AuditEvent.objects.exists()


# --- Token authentication -------------------------------------------------------------------------------


def test_token_authentication(client, officer, district):
    person = PersonFactory(affiliation=district)
    token = Token.objects.create(user=officer)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}

    assert client.get("/api/v1/me/", **auth).json()["username"] == "officer"
    assert _ids(client.get("/api/v1/persons/", **auth)) == {person.pk}
    client.get(f"/api/v1/persons/{person.pk}/", **auth)
    assert AuditEvent.objects.get().actor == officer


def test_a_wrong_token_is_refused(client, officer):
    Token.objects.create(user=officer)

    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token not-a-real-token")

    assert response.status_code == 401


def test_the_token_of_a_deactivated_user_is_refused(client, officer):
    token = Token.objects.create(user=officer)
    officer.is_active = False
    officer.save()

    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 401


# --- Filters --------------------------------------------------------------------------------------------


@pytest.fixture
def searchable(district, other_district):
    return {
        "karin": PersonFactory(first_name="Karin", last_name="Lindqvist", affiliation=district,
                               personal_number=make_personal_number(dt.date(1962, 5, 17), 482)),
        "karl": PersonFactory(first_name="Karl", last_name="Berg", affiliation=other_district,
                              personal_number=make_personal_number(dt.date(1988, 11, 2), 131)),
        "anna": PersonFactory(first_name="Anna", last_name="Karlsson", affiliation=district,
                              personal_number=make_personal_number(dt.date(1990, 1, 9), 22)),
        "samir": PersonFactory(first_name="Samir", last_name="Haddad", affiliation=other_district,
                               personal_number=make_personal_number(dt.date(1979, 8, 3), 345,
                                                                    coordination=True)),
    }


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("karl", {"karl", "anna"}),            # first name Karl, last name Karlsson
        ("KARIN", {"karin"}),
        ("karin lind", {"karin"}),             # every word must match
        ("anna berg", set()),
        ("{karin12}", {"karin"}),              # the full number as YYYYMMDD-NNNN ...
        ("{karin10}", {"karin"}),              # ... or YYMMDD-NNNN ...
        ("{digits}", {"karin"}),               # ... or just the digits
        ("1962-05", {"karin"}),                # part of the digits, separators ignored
        ("19790863", {"samir"}),               # part of a coordination number
        ("19620518", set()),
        ("", {"karin", "karl", "anna", "samir"}),
    ],
)
def test_staff_search_persons_by_name_or_personal_number(client, staff, searchable, search, expected):
    number = searchable["karin"].personal_number
    search = search.format_map({"karin12": f"{number[:8]}-{number[8:]}",
                                "karin10": f"{number[2:8]}-{number[8:]}", "digits": number})
    client.force_login(staff)

    found = _ids(client.get("/api/v1/persons/", {"search": search}))

    assert found == {searchable[name].pk for name in expected}


def test_search_stays_within_what_an_officer_may_see(client, officer, searchable):
    client.force_login(officer)

    assert _ids(client.get("/api/v1/persons/", {"search": "karl"})) == {searchable["anna"].pk}
    assert _ids(client.get("/api/v1/persons/", {"search": searchable["karl"].personal_number})) == set()


def test_filter_persons_by_affiliation(client, staff, searchable, district, other_district):
    client.force_login(staff)

    assert _ids(client.get("/api/v1/persons/", {"affiliation": district.pk})) == {
        searchable["karin"].pk, searchable["anna"].pk}
    assert _ids(client.get("/api/v1/persons/", {"affiliation": other_district.pk, "search": "karl"})) == {
        searchable["karl"].pk}


def test_affiliation_filter_cannot_widen_an_officers_view(client, officer, searchable, other_district):
    client.force_login(officer)

    assert _ids(client.get("/api/v1/persons/", {"affiliation": other_district.pk})) == set()


def test_a_malformed_affiliation_filter_is_a_bad_request(client, staff):
    client.force_login(staff)

    response = client.get("/api/v1/persons/", {"affiliation": "Södermalm"})

    assert response.status_code == 400
    assert "affiliation" in response.json()


# --- Query counts ---------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["staff", "officer"])
def test_person_list_runs_a_constant_number_of_queries(client, district, who, request):
    user = request.getfixturevalue(who)
    PersonFactory.create_batch(10, affiliation=district, protected_identity=False)
    PersonFactory(affiliation=district, protected_identity=True)
    client.force_login(user)
    few = _queries(client, "/api/v1/persons/")

    PersonFactory.create_batch(50, affiliation=district)
    many = _queries(client, "/api/v1/persons/")

    assert many == few


def test_citizen_person_list_runs_a_constant_number_of_queries(client, citizen):
    RepresentativeFactory(agent=citizen.person)
    client.force_login(citizen)
    few = _queries(client, "/api/v1/persons/")

    RepresentativeFactory.create_batch(10, agent=citizen.person)
    many = _queries(client, "/api/v1/persons/")

    assert many == few


def test_organisation_list_runs_a_constant_number_of_queries(client, staff):
    from tests.factories import OrganisationFactory

    OrganisationFactory.create_batch(3)
    client.force_login(staff)
    few = _queries(client, "/api/v1/organisations/")

    OrganisationFactory.create_batch(40)
    many = _queries(client, "/api/v1/organisations/")

    assert many == few
