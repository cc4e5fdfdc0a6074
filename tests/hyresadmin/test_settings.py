"""Set-up and deployment: settings under each environment, the deploy checks, the start-up guard,
migrations, the compose stack and the translation compiler."""

import gettext
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = ROOT / "hyresadmin" / "settings.py"

#: Every variable settings.py reads from the environment (``env.str("NAME"...``, ``env.db(...)``, …).
SETTINGS_VARIABLES = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", SETTINGS_FILE.read_text()))

PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "hyresadmin.example.se",
    "CSRF_TRUSTED_ORIGINS": "https://hyresadmin.example.se",
}


def run_django(args, env_overrides, *, tmp_path, code=None):
    """Run ``manage.py ARGS`` (or ``python -c CODE``) in a fresh process with a clean environment:
    none of the project's variables from this shell, a throw-away SQLite file, then the overrides
    (``None`` removes a variable)."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'settings-test.sqlite3'}"
    for name, value in env_overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    command = [sys.executable, "-c", code] if code else [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def real_secret_key():
    return secrets.token_urlsafe(64)


def test_the_settings_variables_are_found():
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"} <= SETTINGS_VARIABLES


# --- check --deploy ----------------------------------------------------------------------------------------


def test_deploy_check_passes_with_production_settings(tmp_path):
    done = run_django(["check", "--deploy", "--fail-level", "WARNING"],
                      {**PRODUCTION, "SECRET_KEY": real_secret_key()}, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_deploy_check_fails_with_the_development_secret_key(tmp_path):
    done = run_django(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path=tmp_path)
    assert done.returncode != 0
    assert "hyresadmin.E002" in done.stderr


def test_deploy_check_fails_with_the_development_login_on(tmp_path):
    done = run_django(["check", "--deploy", "--fail-level", "WARNING"],
                      {**PRODUCTION, "SECRET_KEY": real_secret_key(), "DEV_LOGIN_ENABLED": "true"},
                      tmp_path=tmp_path)
    assert done.returncode != 0
    assert "hyresadmin.E001" in done.stderr


def test_deploy_check_fails_with_debug_on(tmp_path):
    done = run_django(["check", "--deploy", "--fail-level", "WARNING"],
                      {**PRODUCTION, "SECRET_KEY": real_secret_key(), "DEBUG": "true"}, tmp_path=tmp_path)
    assert done.returncode != 0
    assert "security.W018" in done.stderr  # DEBUG on in deployment


# --- the settings module under each environment --------------------------------------------------------

SHOW_SETTINGS = (
    "import django; django.setup()\n"
    "from django.conf import settings as s\n"
    "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL,\n"
    "      s.SESSION_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.DEV_LOGIN_ENABLED)\n"
)


def show_settings(env, tmp_path):
    done = run_django([], {"DJANGO_SETTINGS_MODULE": "hyresadmin.settings", **env}, tmp_path=tmp_path,
                      code=SHOW_SETTINGS)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_default_settings_run_on_one_machine_with_nothing_installed(tmp_path):
    env = {"DATABASE_URL": None}  # unset: the SQLite default
    debug, engine, eager, broker, secure_cookie, ssl_redirect, hsts, dev_login = show_settings(env, tmp_path)
    assert engine == "django.db.backends.sqlite3"
    assert (eager, broker) == ("True", "memory://")
    # Safe by default: DEBUG off, HTTPS only, no development login.
    assert (debug, secure_cookie, ssl_redirect, dev_login) == ("False", "True", "True", "False")
    assert int(hsts) >= 31536000


def test_production_settings(tmp_path):
    env = {**PRODUCTION, "SECRET_KEY": real_secret_key(), "CELERY_BROKER_URL": "redis://redis:6379/0"}
    debug, engine, eager, broker, secure_cookie, ssl_redirect, hsts, dev_login = show_settings(env, tmp_path)
    assert (debug, eager, broker) == ("False", "False", "redis://redis:6379/0")
    assert (secure_cookie, ssl_redirect, dev_login) == ("True", "True", "False")


def test_postgres_url_selects_postgresql(tmp_path):
    env = {"DATABASE_URL": "postgres://hyresadmin:pw@db.example.invalid:5432/hyresadmin"}
    assert show_settings(env, tmp_path)[1] == "django.db.backends.postgresql"


def test_development_settings_with_debug_on(tmp_path):
    debug, _, _, _, secure_cookie, ssl_redirect, hsts, dev_login = show_settings({"DEBUG": "true"}, tmp_path)
    assert (debug, secure_cookie, ssl_redirect, hsts, dev_login) == ("True", "False", "False", "0", "True")


# --- the start-up guard ---------------------------------------------------------------------------------

START_WSGI = "import hyresadmin.wsgi\nprint('started')\n"


def test_wsgi_refuses_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    done = run_django([], PRODUCTION, tmp_path=tmp_path, code=START_WSGI)
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr
    assert "started" not in done.stdout


def test_wsgi_refuses_to_start_with_the_development_login_when_debug_is_off(tmp_path):
    done = run_django([], {**PRODUCTION, "SECRET_KEY": real_secret_key(), "DEV_LOGIN_ENABLED": "true"},
                      tmp_path=tmp_path, code=START_WSGI)
    assert done.returncode != 0
    assert "DEV_LOGIN_ENABLED must be off" in done.stderr


def test_wsgi_starts_with_production_settings(tmp_path):
    done = run_django([], {**PRODUCTION, "SECRET_KEY": real_secret_key()}, tmp_path=tmp_path, code=START_WSGI)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "started"


# --- migrations --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_models_and_migrations_agree():
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    except SystemExit as exc:  # makemigrations --check exits 1 when a migration is missing
        pytest.fail(f"makemigrations --check found model changes without a migration (exit {exc.code})")


# --- docker-compose.yml ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_services(compose):
    assert set(compose["services"]) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    assert compose["services"]["postgres"]["image"].startswith("postgres:16")
    assert compose["services"]["redis"]["image"].startswith("redis:7")


@pytest.mark.parametrize("service", ["postgres", "redis", "web", "worker"])
def test_compose_services_have_healthchecks(compose, service):
    check = compose["services"][service]["healthcheck"]
    assert check["test"][0] in {"CMD", "CMD-SHELL"}
    assert check["interval"] and check["retries"]


@pytest.mark.parametrize("service", ["web", "worker", "beat"])
def test_app_services_start_after_migrations_on_healthy_backends(compose, service):
    assert compose["services"][service]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_compose_migrate_is_a_one_shot_step(compose):
    migrate = compose["services"]["migrate"]
    assert migrate["restart"] == "no"
    assert "manage.py migrate --noinput" in " ".join(migrate["command"])
    assert "compile_translations" in " ".join(migrate["command"])
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_compose_processes(compose):
    services = compose["services"]
    assert services["web"]["command"][:2] == ["gunicorn", "hyresadmin.wsgi:application"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "hyresadmin", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "hyresadmin", "beat"]


@pytest.mark.parametrize("service", ["migrate", "web", "worker", "beat"])
def test_compose_app_environment_is_production_and_holds_no_secret(compose, service):
    env = compose["services"][service]["environment"]
    assert env["DEBUG"] == "false"
    assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    # Required from the host environment; compose refuses to start without them.
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]
    assert compose["services"][service]["env_file"] == [{"path": ".env", "required": False}]


def test_no_env_file_is_committed():
    done = subprocess.run(["git", "ls-files", ".env"], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.strip() == ""


# --- compile_translations -------------------------------------------------------------------------------

PO = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: sv\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

msgid "Invoices"
msgstr "Fakturor"

#, fuzzy
msgid "Reminder"
msgstr "Påminnelse"

#, python-format
msgid "%(count)s overdue"
msgstr "%(count)s förfallna"

msgid "Untranslated"
msgstr ""
"""


def test_compile_translations_writes_a_catalogue_gettext_reads(tmp_path, settings, capsys):
    po = tmp_path / "sv" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO, encoding="utf-8")
    settings.LOCALE_PATHS = [tmp_path]

    call_command("compile_translations")

    with open(po.with_suffix(".mo"), "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    assert catalogue.gettext("Invoices") == "Fakturor"
    assert catalogue.gettext("%(count)s overdue") % {"count": 3} == "3 förfallna"
    assert catalogue.gettext("Reminder") == "Reminder"  # fuzzy: left out, as msgfmt does
    assert catalogue.gettext("Untranslated") == "Untranslated"
    assert "2 translated, 1 fuzzy, 1 untranslated" in capsys.readouterr().out


def test_compile_translations_refuses_an_unknown_placeholder(tmp_path, settings):
    po = tmp_path / "sv" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO.replace('"%(count)s förfallna"', '"%(antal)s förfallna"'), encoding="utf-8")
    settings.LOCALE_PATHS = [tmp_path]

    with pytest.raises(CommandError, match="antal"):
        call_command("compile_translations")
    assert not po.with_suffix(".mo").exists()


def test_compile_translations_without_catalogues_says_so(tmp_path, settings, capsys):
    settings.LOCALE_PATHS = [tmp_path]
    call_command("compile_translations")
    assert "nothing to compile" in capsys.readouterr().out
