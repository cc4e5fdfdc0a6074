"""The Swedish catalogue (``locale/sv/LC_MESSAGES/django.po``): complete, placeholders intact, and in use.

The code's message ids are English; everything a user reads comes from this catalogue. The tests compile
it themselves (``compile_translations``) when the ``.mo`` is missing or older than the ``.po``.
"""

import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import trans_real

from hyresadmin.identity import parse_personal_number

PO_PATH = Path(settings.BASE_DIR) / "locale" / "sv" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

_PERCENT = re.compile(r"%\(\w+\)[sd]|%[sd]")
_BRACE = re.compile(r"(?<!\{)\{\w*\}(?!\})")


def _placeholders(text: str, flags: list[str]) -> Counter:
    found = Counter(_PERCENT.findall(text.replace("%%", "")))
    if "python-brace-format" in flags:
        found.update(_BRACE.findall(text))
    return found


def _translations(entry: polib.POEntry) -> list[tuple[str, str]]:
    """(message id, translation) pairs: plural form 0 goes with the singular id, the others with the
    plural id."""
    if entry.msgid_plural:
        return [(entry.msgid if n == 0 else entry.msgid_plural, text)
                for n, text in sorted(entry.msgstr_plural.items())]
    return [(entry.msgid, entry.msgstr)]


def _name(entry: polib.POEntry) -> str:
    return f"line {entry.linenum}: {entry.msgid!r}"


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(PO_PATH), encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogue():
    """Compile the catalogue if needed, then make Django read it afresh: translations are cached per
    process, so one loaded before the compilation would hide it."""
    if not MO_PATH.exists() or MO_PATH.stat().st_mtime < PO_PATH.stat().st_mtime:
        call_command("compile_translations", locale=["sv"], verbosity=0)
    trans_real._translations = {}
    trans_real._default = None
    translation.deactivate()
    yield
    trans_real._translations = {}
    trans_real._default = None


# --- The catalogue is complete ----------------------------------------------------------------------------


def test_the_catalogue_is_swedish_with_two_plural_forms(po):
    assert po.metadata["Language"] == "sv"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=2;plural=(n!=1);"
    assert not po.metadata_is_fuzzy
    assert len(po) > 0


def test_no_message_is_left_untranslated_or_fuzzy(po):
    assert [_name(e) for e in po.untranslated_entries()] == []
    assert [_name(e) for e in po.fuzzy_entries()] == []
    assert [_name(e) for e in po if e.obsolete] == []


def test_every_translation_keeps_the_placeholders_of_its_message_id(po):
    wrong = [
        f"{_name(entry)} -> {text!r}"
        for entry in po
        for msgid, text in _translations(entry)
        if _placeholders(text, entry.flags) != _placeholders(msgid, entry.flags)
    ]
    assert wrong == []


def test_every_translation_keeps_the_leading_and_trailing_newlines_of_its_message_id(po):
    wrong = [
        f"{_name(entry)} -> {text!r}"
        for entry in po
        for msgid, text in _translations(entry)
        if (text.startswith("\n"), text.endswith("\n")) != (msgid.startswith("\n"), msgid.endswith("\n"))
    ]
    assert wrong == []


def test_plural_messages_have_both_forms(po):
    wrong = [_name(e) for e in po if e.msgid_plural and sorted(e.msgstr_plural) != [0, 1]]
    assert wrong == []


# --- The catalogue is in use ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_district_portal_login_is_in_swedish(client):
    response = client.get("/forvaltning/login/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Logga in" in content
    assert "Logga in på Förvaltningsportalen" in content  # only in this project's catalogue
    assert "Användarnamn" in content and "Lösenord" in content
    assert "Log in to the district portal" not in content


@pytest.mark.django_db
def test_the_citizen_login_is_in_swedish(client):
    response = client.get("/mina-sidor/login/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Logga in" in content
    assert "Logga in på Mina sidor" in content
    assert "Log in to My pages" not in content


def test_a_personal_identity_number_error_is_in_swedish(po):
    english = "The personal identity number does not contain a valid date."
    swedish = po.find(english).msgstr

    with pytest.raises(ValidationError) as raised, translation.override("sv"):
        parse_personal_number("19990230-1234")  # 30 February

    with translation.override("sv"):
        messages = raised.value.messages
    assert messages == [swedish]
    assert swedish == "Personnumret innehåller inget giltigt datum."
