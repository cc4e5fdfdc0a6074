"""The three web doors seen through the test client: who gets in where, and who is turned away.

The district portal (``/forvaltning/``), the citizen view (``/mina-sidor/``), the staff admin
(``/admin/``) and the API's schema and docs (``/api/v1/schema/``, ``/api/v1/docs/``).
"""

import datetime as dt

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group

from hyresadmin import permissions
from hyresadmin.models import AuditEvent, Person, User
from tests.factories import PersonFactory, RepresentativeFactory

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password

pytestmark = pytest.mark.django_db


def _logged_in(client) -> bool:
    return SESSION_KEY in client.session


def _form_error_codes(response) -> list[str]:
    return [error.code for error in response.context["form"].non_field_errors().as_data()]


# --- District portal --------------------------------------------------------------------------------


def test_portal_sends_an_anonymous_visitor_to_its_login(client):
    response = client.get("/forvaltning/")

    assert response.status_code == 302
    assert response["Location"].startswith("/forvaltning/login/")
    assert "next=/forvaltning/" in response["Location"]


def test_portal_login_page_has_a_labelled_username_and_password(client):
    response = client.get("/forvaltning/login/")

    assert response.status_code == 200
    assert b'<label for="id_username">' in response.content
    assert b'<label for="id_password">' in response.content
    assert b'<html lang="sv">' in response.content


def test_officer_logs_in_and_sees_the_start_page_naming_their_organisation(client, officer):
    response = client.post(
        "/forvaltning/login/", {"username": "officer", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/forvaltning/"
    assert response.status_code == 200
    assert _logged_in(client)
    assert "Södermalms stadsdelsförvaltning" in response.content.decode()


def test_officer_login_follows_next_to_the_page_asked_for(client, officer):
    response = client.post(
        "/forvaltning/login/?next=/forvaltning/",
        {"username": "officer", "password": PASSWORD, "next": "/forvaltning/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/forvaltning/"


def test_officer_login_never_sends_one_to_another_site(client, officer):
    response = client.post(
        "/forvaltning/login/",
        {"username": "officer", "password": PASSWORD, "next": "https://evil.example/forvaltning/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/forvaltning/"


def test_officer_login_with_a_wrong_password_is_refused(client, officer):
    response = client.post("/forvaltning/login/", {"username": "officer", "password": "wrong"})

    assert response.status_code == 200
    assert _form_error_codes(response) == ["invalid_login"]
    assert b'role="alert"' in response.content
    assert not _logged_in(client)


def test_officer_login_with_empty_fields_names_each_missing_field(client, db):
    response = client.post("/forvaltning/login/", {"username": "", "password": ""})

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"username", "password"}
    content = response.content.decode()
    assert 'href="#id_username"' in content and 'href="#id_password"' in content
    assert content.count('aria-invalid="true"') == 2
    assert not _logged_in(client)


@pytest.mark.parametrize("who", ["staff", "citizen"])
def test_officer_login_refuses_anyone_who_is_not_a_district_officer(client, who, request):
    user = request.getfixturevalue(who)

    response = client.post(
        "/forvaltning/login/", {"username": user.username, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert _form_error_codes(response) == ["not_officer"]
    assert b'role="alert"' in response.content
    assert not _logged_in(client)
    assert client.get("/forvaltning/").status_code == 302


def test_officer_without_an_organisation_is_refused(client, db):
    user = User.objects.create_user("lonely", password=PASSWORD)
    user.groups.add(Group.objects.get(name=permissions.DISTRICT_OFFICER))

    response = client.post("/forvaltning/login/", {"username": "lonely", "password": PASSWORD})

    assert _form_error_codes(response) == ["not_officer"]
    assert not _logged_in(client)


def test_officer_logs_out_with_a_post(client, officer):
    client.force_login(officer)

    assert client.get("/logout/").status_code == 405  # a link or a prefetch cannot log one out
    assert _logged_in(client)

    response = client.post("/logout/", {"door": "portal"})

    assert response.status_code == 302
    assert response["Location"] == "/forvaltning/login/"
    assert not _logged_in(client)
    assert client.get("/forvaltning/").status_code == 302


def test_portal_start_page_offers_a_logout_button(client, officer):
    client.force_login(officer)

    content = client.get("/forvaltning/").content.decode()

    assert 'action="/logout/"' in content
    assert 'name="door" value="portal"' in content


@pytest.mark.parametrize("who", ["staff", "citizen"])
def test_portal_start_page_is_forbidden_to_other_roles(client, who, request):
    client.force_login(request.getfixturevalue(who))

    assert client.get("/forvaltning/").status_code == 403


# --- Citizen view ------------------------------------------------------------------------------------


def test_citizen_view_sends_an_anonymous_visitor_to_its_login(client):
    response = client.get("/mina-sidor/")

    assert response.status_code == 302
    assert response["Location"].startswith("/mina-sidor/login/")


def test_citizen_login_page_hides_the_dev_login_when_it_is_off(client):
    response = client.get("/mina-sidor/login/")

    assert response.status_code == 200
    assert b"/mina-sidor/dev-login/" not in response.content


def test_dev_login_does_not_exist_when_it_is_off(client, db):
    person = PersonFactory()

    assert client.get("/mina-sidor/dev-login/").status_code == 404
    assert client.post("/mina-sidor/dev-login/", {"person": person.pk}).status_code == 404
    assert not _logged_in(client)
    assert not User.objects.filter(person=person).exists()


def test_dev_login_lists_persons_and_logs_in_as_the_one_chosen(client, settings):
    settings.DEV_LOGIN_ENABLED = True
    me = PersonFactory(first_name="Karin", last_name="Berg")
    ward = PersonFactory(first_name="Olle", last_name="Ek")
    RepresentativeFactory(person=ward, agent=me, valid_from=dt.date(2020, 1, 1))

    assert b"/mina-sidor/dev-login/" in client.get("/mina-sidor/login/").content
    page = client.get("/mina-sidor/dev-login/")
    assert page.status_code == 200
    assert b'<label for="id_person">' in page.content
    assert f'value="{me.pk}"'.encode() in page.content

    response = client.post("/mina-sidor/dev-login/", {"person": me.pk}, follow=True)

    assert response.redirect_chain[-1][0] == "/mina-sidor/"
    assert response.status_code == 200
    me.refresh_from_db()
    assert me.user is not None
    assert me.user.groups.filter(name=permissions.CITIZEN).exists()
    assert not me.user.has_usable_password()
    assert int(client.session[SESSION_KEY]) == me.user.pk
    content = response.content.decode()
    assert "Karin" in content
    assert "Olle Ek" in content  # the person she represents
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.LOGIN, actor=me.user).exists()


def test_dev_login_twice_reuses_the_same_citizen_login(client, settings):
    settings.DEV_LOGIN_ENABLED = True
    person = PersonFactory()

    client.post("/mina-sidor/dev-login/", {"person": person.pk})
    client.post("/logout/", {"door": "citizen"})
    client.post("/mina-sidor/dev-login/", {"person": person.pk})

    assert User.objects.filter(person=person).count() == 1
    assert User.objects.filter(username=f"person-{person.pk}").count() == 1


@pytest.mark.parametrize("value", ["999999", "abc", "", "1 OR 1=1"])
def test_dev_login_of_an_unknown_person_is_404(client, settings, db, value):
    settings.DEV_LOGIN_ENABLED = True

    assert client.post("/mina-sidor/dev-login/", {"person": value}).status_code == 404
    assert client.post("/mina-sidor/dev-login/", {}).status_code == 404
    assert not _logged_in(client)


def test_dev_login_does_not_offer_or_accept_a_deceased_person(client, settings):
    settings.DEV_LOGIN_ENABLED = True
    deceased = PersonFactory(deceased_on=dt.date(2024, 5, 1))

    assert f'value="{deceased.pk}"'.encode() not in client.get("/mina-sidor/dev-login/").content
    assert client.post("/mina-sidor/dev-login/", {"person": deceased.pk}).status_code == 404
    assert not _logged_in(client)


def test_citizen_logs_out_back_to_the_citizen_login(client, citizen):
    client.force_login(citizen)

    response = client.post("/logout/", {"door": "citizen"})

    assert response["Location"] == "/mina-sidor/login/"
    assert not _logged_in(client)


def test_citizen_home_does_not_list_people_represented_in_the_past(client, citizen):
    me = Person.objects.get(user=citizen)
    former = PersonFactory(first_name="Gustav", last_name="Förr")
    RepresentativeFactory(person=former, agent=me, valid_from=dt.date(2015, 1, 1),
                          valid_to=dt.date(2016, 1, 1))
    client.force_login(citizen)

    response = client.get("/mina-sidor/")

    assert response.status_code == 200
    assert "Gustav Förr" not in response.content.decode()


@pytest.mark.parametrize("who", ["officer", "staff"])
def test_citizen_view_is_forbidden_to_other_roles(client, who, request):
    client.force_login(request.getfixturevalue(who))

    assert client.get("/mina-sidor/").status_code == 403


def test_citizen_cannot_open_the_district_portal(client, citizen):
    client.force_login(citizen)

    assert client.get("/forvaltning/").status_code == 403


# --- Staff admin --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["citizen", "officer"])
def test_admin_sends_citizens_and_officers_to_the_admin_login(client, who, request):
    client.force_login(request.getfixturevalue(who))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    persons = client.get("/admin/hyresadmin/person/")
    assert persons.status_code == 302
    assert persons["Location"].startswith("/admin/login/")


def test_admin_is_in_swedish(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert "Logga in" in response.content.decode()  # Django's own Swedish translation


def test_staff_open_the_admin(client, staff):
    client.force_login(staff)

    assert client.get("/admin/").status_code == 200


def test_staff_flag_alone_does_not_open_the_admin(client, officer):
    officer.is_staff = True
    officer.save()
    client.force_login(officer)

    assert client.get("/admin/").status_code == 302


# --- API schema and docs -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/schema/", "/api/v1/docs/"])
@pytest.mark.parametrize("who", ["officer", "citizen"])
def test_api_schema_and_docs_are_refused_to_officers_and_citizens(client, url, who, request):
    client.force_login(request.getfixturevalue(who))

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/api/v1/schema/", "/api/v1/docs/"])
def test_api_schema_and_docs_are_refused_to_anonymous_visitors(client, url, db):
    assert client.get(url).status_code in (401, 403)


@pytest.mark.parametrize("url", ["/api/v1/schema/", "/api/v1/docs/"])
def test_api_schema_and_docs_open_for_staff(client, url, staff):
    client.force_login(staff)

    assert client.get(url).status_code == 200


# --- Landing page -------------------------------------------------------------------------------------


def test_landing_page_links_to_the_three_doors(client, db):
    response = client.get("/")

    assert response.status_code == 200
    content = response.content.decode()
    for url in ("/mina-sidor/", "/forvaltning/", "/admin/"):
        assert f'href="{url}"' in content
