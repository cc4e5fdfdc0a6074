"""The three doors in a real browser, and axe-core on every page of the portal and the citizen view.

Selectors use ids, hrefs and roles rather than wording: the wording is Swedish once the
translations are compiled, English message ids before.
"""

import datetime as dt
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.factories import PersonFactory, RepresentativeFactory

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password

pytestmark = pytest.mark.e2e


def test_landing_page_is_accessible_and_leads_to_the_doors(page, assert_accessible):
    page.goto("/")

    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for url in ("/mina-sidor/", "/forvaltning/", "/admin/"):
        expect(page.locator(f'main a[href="{url}"]')).to_be_visible()
    assert_accessible(page)


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(page, assert_accessible):
    page.goto("/forvaltning/login/")

    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert_accessible(page)  # the focused skip link has enough contrast too
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#id_username")).to_be_focused()


def test_officer_logs_in_to_the_district_portal(page, officer, assert_accessible):
    page.goto("/forvaltning/")

    expect(page).to_have_url(re.compile(r"/forvaltning/login/\?next=/forvaltning/$"))
    assert_accessible(page)

    page.locator("#id_username").fill("officer")
    page.locator("#id_password").fill("wrong password")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#id_username")).to_have_value("officer")
    assert_accessible(page)  # the page with its error message
    expect(page.locator("#id_password")).to_have_attribute("aria-describedby", "login-errors")

    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/forvaltning/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Södermalms stadsdelsförvaltning")
    assert_accessible(page)

    logout = page.locator('header form[action="/logout/"] button')
    for _ in range(3):  # skip link, site name, log out
        page.keyboard.press("Tab")
    expect(logout).to_be_focused()
    assert logout.evaluate("el => el.matches(':focus-visible')")
    assert_accessible(page)  # the focused button in the header keeps its contrast
    logout.press("Enter")
    expect(page).to_have_url(re.compile(r"/forvaltning/login/$"))
    expect(page.get_by_role("status")).to_be_visible()
    assert_accessible(page)  # the login page with the "logged out" message
    page.goto("/forvaltning/")
    expect(page).to_have_url(re.compile(r"/forvaltning/login/"))


def test_citizen_login_page_without_dev_login_is_accessible(page, assert_accessible):
    page.goto("/mina-sidor/")

    expect(page).to_have_url(re.compile(r"/mina-sidor/login/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator('a[href="/mina-sidor/dev-login/"]')).to_have_count(0)
    assert_accessible(page)


def test_citizen_logs_in_with_the_dev_login(page, settings, assert_accessible):
    settings.DEV_LOGIN_ENABLED = True
    me = PersonFactory(first_name="Karin", last_name="Berg")
    PersonFactory(first_name="Lars", last_name="Lind")
    ward = PersonFactory(first_name="Olle", last_name="Ek")
    RepresentativeFactory(person=ward, agent=me, valid_from=dt.date(2020, 1, 1))

    page.goto("/mina-sidor/")
    expect(page).to_have_url(re.compile(r"/mina-sidor/login/"))
    assert_accessible(page)

    page.locator('main a[href="/mina-sidor/dev-login/"]').click()
    expect(page).to_have_url(re.compile(r"/mina-sidor/dev-login/$"))
    assert_accessible(page)

    page.locator("#id_person").select_option(str(me.pk))
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/mina-sidor/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Karin")
    expect(page.locator("main")).to_contain_text("Olle Ek")
    expect(page.locator("header")).to_contain_text("Karin Berg")
    assert_accessible(page)

    page.locator('header form[action="/logout/"] button').click()
    expect(page).to_have_url(re.compile(r"/mina-sidor/login/$"))


def test_staff_log_in_to_the_admin_and_see_their_work(page, staff):
    page.goto("/admin/")

    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.locator("#id_username").fill("staff")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()

    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    my_work = page.locator("#my-work table")
    expect(my_work).to_be_visible()
    expect(my_work.locator("caption")).to_be_visible()
    expect(my_work.locator("thead th")).to_have_count(5)


def test_a_citizen_is_turned_away_from_the_portal_and_the_admin(page, citizen, live_server, settings):
    # A citizen has no password: the session comes from the test client's login machinery.
    client = Client()
    client.force_login(citizen)
    name = settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_server.url}])

    response = page.goto("/forvaltning/")
    assert response.status == 403

    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
