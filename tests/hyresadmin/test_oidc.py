"""Citizen login through OpenID Connect: the personal-identity-number claim is mapped to a ``Person``.

The broker is never called: the backend's claims handling is driven directly, and
``get_userinfo`` is patched where the whole ``get_or_create_user`` path is exercised.
"""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import override_settings

from hyresadmin import permissions
from hyresadmin.models import AuditEvent, User
from hyresadmin.oidc import PersonOIDCBackend, personal_number_from_claims
from tests.factories import PersonFactory, make_personal_number

CLAIM = "https://id.oidc.se/claim/personalIdentityNumber"

OIDC_SETTINGS = {
    "OIDC_RP_CLIENT_ID": "hyresadmin-test",
    "OIDC_RP_CLIENT_SECRET": "not-a-secret",
    "OIDC_RP_SIGN_ALGO": "RS256",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example.invalid/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example.invalid/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example.invalid/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example.invalid/jwks",
    "OIDC_PERSONAL_NUMBER_CLAIM": CLAIM,
}

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_oidc_settings")]


@pytest.fixture
def _oidc_settings():
    with override_settings(**OIDC_SETTINGS):
        yield


@pytest.fixture
def backend():
    return PersonOIDCBackend()


@pytest.fixture
def person():
    return PersonFactory(personal_number=make_personal_number(dt.date(1985, 4, 12), 123),
                         first_name="Sara", last_name="Lind")


def _ten_digit_with_dash(person) -> str:
    return f"{person.personal_number[2:8]}-{person.personal_number[8:]}"


def _login(backend, claims):
    with mock.patch.object(PersonOIDCBackend, "get_userinfo", return_value=claims) as userinfo:
        user = backend.get_or_create_user("access-token", "id-token", {"sub": "abc"})
    userinfo.assert_called_once()
    return user


@pytest.mark.parametrize("form", ["twelve", "twelve_dash", "ten_dash"])
def test_a_known_personal_number_gives_a_citizen_linked_to_the_person(backend, person, form):
    number = {
        "twelve": person.personal_number,
        "twelve_dash": person.formatted_personal_number,
        "ten_dash": _ten_digit_with_dash(person),
    }[form]
    claims = {CLAIM: number, "sub": "abc"}

    assert backend.verify_claims(claims)
    assert not backend.filter_users_by_claims(claims).exists()
    user = backend.create_user(claims)

    assert user is not None
    person.refresh_from_db()
    assert person.user == user
    assert user.groups.filter(name=permissions.CITIZEN).exists()
    assert permissions.is_citizen(User.objects.get(pk=user.pk))
    assert not user.has_usable_password()
    assert list(backend.filter_users_by_claims(claims)) == [user]


def test_a_number_not_in_the_registry_gives_no_user(backend, person):
    claims = {CLAIM: make_personal_number(dt.date(1990, 1, 1), 456)}

    assert backend.verify_claims(claims)
    assert not backend.filter_users_by_claims(claims).exists()
    assert backend.create_user(claims) is None
    assert not User.objects.exists()


@pytest.mark.parametrize("claims", [
    {},
    {"sub": "abc", "email": "someone@example.invalid"},
    {CLAIM: ""},
    {CLAIM: None},
    {CLAIM: "not a number"},
    {CLAIM: "19850412-1235"},  # wrong check digit
    {CLAIM: "19850230-1234"},  # no such date
    {"personalIdentityNumber": "198504121234"},  # the claim under another name
])
def test_a_missing_or_invalid_claim_is_not_verified(backend, claims):
    assert backend.verify_claims(claims) is False
    assert not backend.filter_users_by_claims(claims).exists()


def test_the_claim_name_comes_from_the_settings(person):
    with override_settings(OIDC_PERSONAL_NUMBER_CLAIM="pnr"):
        backend = PersonOIDCBackend()
        assert backend.verify_claims({"pnr": person.personal_number})
        assert not backend.verify_claims({CLAIM: person.personal_number})


def test_personal_number_from_claims_normalises_to_12_digits(person):
    assert personal_number_from_claims({CLAIM: _ten_digit_with_dash(person)}, CLAIM) == (
        person.personal_number
    )


def test_first_login_creates_the_citizen_and_records_it(backend, person):
    user = _login(backend, {CLAIM: person.personal_number, "sub": "abc"})

    assert user.person == person
    assert user.groups.filter(name=permissions.CITIZEN).exists()
    event = AuditEvent.objects.for_object(person).get(event_type=AuditEvent.Type.LOGIN)
    assert event.actor == user
    assert event.reason == "oidc"


def test_a_second_login_finds_the_same_user(backend, person):
    first = _login(backend, {CLAIM: person.personal_number})
    second = _login(backend, {CLAIM: _ten_digit_with_dash(person)})

    assert first == second
    assert User.objects.count() == 1
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.LOGIN).count() == 2


def test_a_person_logged_in_through_the_dev_login_before_keeps_their_user(backend, person):
    from hyresadmin.oidc import citizen_user_for

    existing = citizen_user_for(person)

    assert _login(backend, {CLAIM: person.personal_number}) == existing


def test_login_with_an_unknown_number_gives_no_user(backend, person):
    assert _login(backend, {CLAIM: make_personal_number(dt.date(1990, 1, 1), 456)}) is None
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_login_without_the_claim_is_refused(backend, person):
    with pytest.raises(SuspiciousOperation):
        _login(backend, {"sub": "abc", "email": "sara@example.invalid"})
    assert not User.objects.exists()


def test_a_deactivated_citizen_cannot_log_in_again(backend, person):
    user = _login(backend, {CLAIM: person.personal_number})
    user.is_active = False
    user.save()

    assert _login(backend, {CLAIM: person.personal_number}) is None
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.LOGIN).count() == 1
