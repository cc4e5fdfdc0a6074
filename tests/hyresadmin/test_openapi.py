"""The committed OpenAPI schema (``openapi.yaml``) is the one the code generates, without warnings,
and ``/api/v1/schema/`` serves that same schema to staff.

The schema is generated in English (``--lang en``) so that it does not depend on which translations
are compiled; ``make schema`` regenerates it.
"""

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

COMMITTED = settings.BASE_DIR / "openapi.yaml"
REGENERATE = (
    "Run `make schema` (manage.py spectacular --file openapi.yaml --validate --fail-on-warn "
    "--lang en) and commit openapi.yaml."
)


def _generate(tmp_path) -> str:
    out = tmp_path / "openapi.yaml"
    try:
        call_command("spectacular", "--file", str(out), "--validate", "--fail-on-warn", "--lang", "en")
    except CommandError as error:
        pytest.fail(f"The OpenAPI schema does not generate cleanly ({error}): fix the warnings "
                    f"printed above (e.g. with @extend_schema). {REGENERATE}")
    return out.read_text(encoding="utf-8")


def test_committed_schema_is_up_to_date(tmp_path):
    generated = _generate(tmp_path)

    assert COMMITTED.exists(), f"openapi.yaml is missing. {REGENERATE}"
    if generated != COMMITTED.read_text(encoding="utf-8"):
        pytest.fail(f"openapi.yaml differs from the schema the API generates. {REGENERATE}")


def test_schema_describes_the_kernel_endpoints():
    schema = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))

    assert {"/api/v1/me/", "/api/v1/organisations/", "/api/v1/persons/", "/api/v1/persons/{id}/"} <= set(
        schema["paths"])
    assert set(schema["components"]["securitySchemes"]) == {"cookieAuth", "tokenAuth"}
    person = schema["components"]["schemas"]["Person"]["properties"]
    assert person["address"]["nullable"] is True


@pytest.mark.django_db
def test_schema_endpoint_serves_the_committed_schema_to_staff(client, staff):
    client.force_login(staff)

    response = client.get("/api/v1/schema/", {"lang": "en"})

    assert response.status_code == 200
    assert yaml.safe_load(response.content) == yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_schema_endpoint_is_refused_to_an_officer(client, officer):
    client.force_login(officer)

    assert client.get("/api/v1/schema/").status_code == 403


def test_schema_is_the_same_on_sqlite_and_postgresql():
    """Django's integer validators carry the database's column limits (64 bits for everything on
    SQLite, 16/32/64 on PostgreSQL); the schema leaves them out and keeps real bounds."""
    from hyresadmin.api import drop_storage_integer_bounds

    text = COMMITTED.read_text(encoding="utf-8")
    for limit in ("9223372036854775807", "2147483647", "32767"):
        assert limit not in text
    schema = {"a": {"type": "integer", "minimum": 0, "maximum": 9223372036854775807, "format": "int64"},
              "b": [{"type": "integer", "minimum": -2147483648, "maximum": 2147483647}],
              "c": {"type": "integer", "minimum": 1, "maximum": 12},
              "d": {"type": "string", "maximum": 32767}}
    assert drop_storage_integer_bounds(schema, None, None, True) == {
        "a": {"type": "integer", "minimum": 0}, "b": [{"type": "integer"}],
        "c": {"type": "integer", "minimum": 1, "maximum": 12}, "d": {"type": "string", "maximum": 32767}}
