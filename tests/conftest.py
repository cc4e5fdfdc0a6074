"""Shared fixtures: users in each role, and settings safe for tests (no HTTPS redirect, media in a
temporary folder so that no files are left behind)."""

import pytest
from django.contrib.auth.models import Group

from hyresadmin import permissions
from tests.factories import OrganisationFactory, PersonFactory, UserFactory


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    """Tasks run in process in tests, even when CELERY_BROKER_URL points at Redis (CI); the one
    test of the real broker round trip switches this off for itself."""
    from hyresadmin.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.SECURE_SSL_REDIRECT = False
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEV_LOGIN_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user_with_role(role, **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def district(db):
    return OrganisationFactory(name="Södermalms stadsdelsförvaltning", code="SOD")


@pytest.fixture
def other_district(db):
    return OrganisationFactory(name="Kungsholmens stadsdelsförvaltning", code="KUN")


@pytest.fixture
def service_org(db):
    return OrganisationFactory(name="Serviceförvaltningen", code="SF", kind="service")


@pytest.fixture
def officer(district):
    return _user_with_role(permissions.DISTRICT_OFFICER, organisation=district, username="officer")


@pytest.fixture
def other_officer(other_district):
    return _user_with_role(permissions.DISTRICT_OFFICER, organisation=other_district,
                           username="other_officer")


@pytest.fixture
def staff(service_org):
    return _user_with_role(permissions.SERVICE_STAFF, organisation=service_org, username="staff",
                           is_staff=True)


@pytest.fixture
def service_admin(service_org):
    return _user_with_role(permissions.SERVICE_ADMIN, organisation=service_org, username="admin",
                           is_staff=True)


@pytest.fixture
def citizen(db):
    person = PersonFactory()
    user = _user_with_role(permissions.CITIZEN, username=f"person-{person.pk}")
    person.user = user
    person.save()
    return user
