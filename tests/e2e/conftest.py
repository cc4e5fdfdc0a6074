"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

* The browser is Debian's ``chromium`` package (``playwright install`` cannot download here); its path
  comes from ``CHROMIUM_PATH`` (default ``/usr/bin/chromium``). Without it the tests are skipped
  locally, but fail when ``CI`` is set: CI must never pass by skipping.
* One browser for all the browser tests (package scope: it closes, and its event loop stops, before
  the tests that come after them run); every test gets a fresh context (no cookies carried over).
* The live server is started with the HTTPS redirect off (see ``live_server`` below).
* ``live_server`` makes each test transactional: the database is flushed after every test. Django
  re-runs ``post_migrate`` after the flush (so ``hyresadmin.roles.sync`` re-creates the role groups),
  and the ``_roles`` fixture syncs them once more before each test, so that no test depends on the
  order in which tests ran.
* Playwright's sync API keeps an asyncio event loop running in the main thread, which Django's ORM
  refuses to be called from unless ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set. It is set only while the
  browser runs; the ORM is still only ever used from one thread at a time (a Playwright call blocks
  the test while the live server answers).
* ``assert_accessible(page)`` runs axe-core (bundled with ``axe_playwright_python``) with the
  WCAG 2.1 A and AA rules and fails with a readable report of every violation.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _chromium_executable() -> tuple[str, str | None]:
    wanted = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    return wanted, shutil.which(wanted)


@pytest.fixture(scope="package")
def browser():
    wanted, executable = _chromium_executable()
    if executable is None:
        message = f"Chromium not found at {wanted!r}: install Debian's chromium or set CHROMIUM_PATH."
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)

    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _roles(transactional_db):
    from hyresadmin import roles

    roles.sync()


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, started over plain HTTP.

    Production settings redirect to HTTPS, and ``SecurityMiddleware`` reads that setting once, when
    the server's handler is built, so it must be off while the server starts (per-test settings
    come too late for a server that lives for the whole session).
    """
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0):
        server = LiveServer(addr)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _plain_http_cookies(settings):
    """Cookies that require HTTPS would never come back from the plain-HTTP live server."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def new_page(browser, live_server):
    """Pages in browser contexts of their own: one per person, so each keeps its own session."""
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server.url, locale="sv-SE")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _report(violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s):"]
    for violation in violations:
        lines.append(f"\n[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"  - {', '.join(str(t) for t in node['target'])}")
            lines.append(f"    {node['html'].strip()[:300]}")
            summary = node.get("failureSummary")
            if summary:
                lines.extend(f"    {line}" for line in summary.splitlines())
    return "\n".join(lines)


@pytest.fixture(scope="session")
def assert_accessible():
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}

    def check(page) -> None:
        results = axe.run(page, options=options)
        violations = results.response["violations"]
        if violations:
            pytest.fail(f"{page.url}\n{_report(violations)}", pytrace=False)

    return check
