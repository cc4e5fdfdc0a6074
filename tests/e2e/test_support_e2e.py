"""A question about an invoice in a real browser: a citizen (dev login) opens their invoice, asks about
it ("Ställ en fråga om fakturan"), staff answer it in the admin, the citizen reads the answer in
"/mina-sidor/arenden/"; an officer of another district gets 404 on the case's portal page. axe-core on
every page visited.

The invoice is issued by the real rent run, for the month after next so that it is unpaid whatever day
the test runs. Selectors use ids and hrefs, so the test does not care whether the project's
translations are compiled.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from invoicing import periods
from invoicing.models import Invoice
from support.models import Message, SupportCase
from tests.factories import PersonFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run

pytestmark = pytest.mark.e2e

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password
QUESTION = "Jag har betalat men fakturan står som obetald. Vad är mitt OCR-nummer?"
ANSWER = "Din betalning har kommit in. OCR-numret står på fakturan."


def _assert_admin_accessible(page) -> None:
    """axe-core with the project's WCAG 2.1 A/AA rules on an admin page (the breadcrumbs' links are
    underlined by static/css/admin.css, so nothing is left out)."""
    from axe_playwright_python.sync_playwright import Axe

    from tests.e2e.conftest import AXE_TAGS, _report

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    violations = Axe().run(page, options=options)
    if violations.response["violations"]:
        pytest.fail(f"{page.url}\n{_report(violations.response['violations'])}", pytrace=False)


def _log_in(page, url, username, *, submit, landing):
    page.goto(url)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator(submit).click()
    expect(page).to_have_url(re.compile(landing))


def test_citizen_asks_about_an_invoice_staff_answer_and_the_citizen_reads_it(
    page, browser, live_server, settings, staff, district, other_officer, mailoutbox, assert_accessible,
):
    settings.DEV_LOGIN_ENABLED = True
    me = PersonFactory(first_name="Karin", last_name="Berg")
    contract_with_rent(organisation=district, customer=me, rent=Decimal("6123.50"))
    period = periods.next_period(periods.next_period(periods.period_of(timezone.localdate())))
    issue_rent_run(period=period, actor=staff)
    invoice = Invoice.objects.get(customer=me)

    # The citizen logs in and opens the invoice.
    page.goto("/mina-sidor/dev-login/")
    page.locator("#id_person").select_option(str(me.pk))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/mina-sidor/$"))
    page.goto(f"/mina-sidor/fakturor/{invoice.pk}/")
    assert_accessible(page)

    # "Ställ en fråga om fakturan": the form is linked to the invoice and prefilled.
    page.locator("#invoice-ask").click()
    expect(page).to_have_url(re.compile(rf"/mina-sidor/arenden/ny/\?faktura={invoice.pk}$"))
    expect(page.locator("#case-invoice")).to_contain_text(invoice.ocr_reference)
    expect(page.locator("#id_category")).to_have_value("invoice")
    expect(page.locator("#id_subject")).to_have_value(re.compile(re.escape(str(invoice.number))))
    assert_accessible(page)

    # Sent without a message: the error summary, nothing written.
    page.locator("#submit-case").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator('#error-summary a[href="#id_body"]')).to_be_visible()
    assert SupportCase.objects.count() == 0
    assert_accessible(page)

    page.locator("#id_body").fill(QUESTION)
    page.locator("#submit-case").click()
    expect(page).to_have_url(re.compile(r"/mina-sidor/arenden/\d+/skickad/$"))
    case = SupportCase.objects.get()
    assert (case.invoice_id, case.person_id, case.organisation_id) == (invoice.pk, me.pk, district.pk)
    expect(page.locator("#case-due")).to_be_visible()
    assert_accessible(page)

    # Staff answer it in the admin.
    staff_context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    staff_context.set_default_timeout(10_000)
    try:
        admin = staff_context.new_page()
        admin.goto("/admin/")
        _log_in(admin, admin.url, "staff", submit="#login-form [type=submit]", landing=r"/admin/$")
        admin.goto(f"/admin/support/supportcase/{case.pk}/change/")
        expect(admin.locator("#invoice-facts")).to_contain_text(invoice.ocr_reference)
        expect(admin.locator("#conversation")).to_contain_text(QUESTION)
        _assert_admin_accessible(admin)
        admin.locator(f'a.button[href="/admin/support/supportcase/{case.pk}/answer/"]').click()
        expect(admin).to_have_url(re.compile(rf"/admin/support/supportcase/{case.pk}/answer/$"))
        _assert_admin_accessible(admin)
        admin.locator("#id_body").fill(ANSWER)
        admin.locator("#content-main form [type=submit]").click()
        expect(admin.locator(".messagelist .success")).to_be_visible()
        _assert_admin_accessible(admin)
    finally:
        staff_context.close()
    case.refresh_from_db()
    assert case.state == SupportCase.State.ANSWERED
    assert case.messages.filter(direction=Message.Direction.OUT, body=ANSWER).exists()
    assert len(mailoutbox) == 1 and f"/mina-sidor/arenden/{case.pk}/" in mailoutbox[0].body
    assert ANSWER not in mailoutbox[0].body  # the answer is read when logged in

    # The citizen reads the answer in "My questions", reached from the start page.
    page.goto("/mina-sidor/")
    page.locator('main a[href="/mina-sidor/arenden/"]').click()
    expect(page).to_have_url(re.compile(r"/mina-sidor/arenden/$"))
    row = page.locator(f"#case-{case.pk}")
    expect(row).to_have_attribute("data-status", "answered")
    assert_accessible(page)
    row.locator(f'a[href="/mina-sidor/arenden/{case.pk}/"]').click()
    expect(page.locator("#conversation")).to_contain_text(QUESTION)
    expect(page.locator("#conversation")).to_contain_text(ANSWER)
    assert_accessible(page)

    # An officer of another district cannot see the case.
    officer_context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    officer_context.set_default_timeout(10_000)
    try:
        officer_page = officer_context.new_page()
        _log_in(officer_page, "/forvaltning/login/", other_officer.username,
                submit="main form button[type=submit]", landing=r"/forvaltning/$")
        response = officer_page.goto(f"/forvaltning/arenden/{case.pk}/")
        assert response.status == 404
        assert_accessible(officer_page)
        officer_page.goto("/forvaltning/arenden/")
        expect(officer_page.locator(f"#case-{case.pk}")).to_have_count(0)
        expect(officer_page.locator("#no-cases")).to_be_visible()
        assert_accessible(officer_page)
    finally:
        officer_context.close()


def test_district_asks_and_answers_a_forwarded_case_in_the_portal(page, officer, staff, citizen, district,
                                                                  assert_accessible):
    from support import services

    forwarded = services.case_open(actor=citizen, channel="web", asker="citizen", category="contract",
                                   subject="Andrahandsuthyrning", body="Får jag hyra ut?",
                                   person=citizen.person, organisation=district)
    forwarded = services.case_forward_to_district(actor=staff, case=forwarded, body="Kan ni svara?")

    _log_in(page, "/forvaltning/login/", officer.username, submit="main form button[type=submit]",
            landing=r"/forvaltning/$")
    page.locator('main a[href="/forvaltning/arenden/"]').click()
    expect(page.locator(f"#case-{forwarded.pk}")).to_be_visible()
    assert_accessible(page)

    # The forwarded case: only what was sent to the district, and the answer goes back to staff.
    page.locator(f'#case-{forwarded.pk} a[href="/forvaltning/arenden/{forwarded.pk}/"]').click()
    expect(page.locator("#conversation")).to_contain_text("Kan ni svara?")
    expect(page.locator("#conversation")).not_to_contain_text("Får jag hyra ut?")
    assert_accessible(page)
    page.locator("#submit-reply").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page)
    page.locator("#id_body").fill("Nej, inte utan tillstånd.")
    page.locator("#submit-reply").click()
    expect(page.locator("#conversation")).to_contain_text("Nej, inte utan tillstånd.")
    forwarded.refresh_from_db()
    assert forwarded.state == SupportCase.State.IN_PROGRESS

    # A question of their own.
    page.goto("/forvaltning/arenden/ny/")
    assert_accessible(page)
    page.locator("#submit-case").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert SupportCase.objects.count() == 1
    assert_accessible(page)
    page.locator("#id_category").select_option("invoice_missing")
    page.locator("#id_subject").fill("Faktura saknas")
    page.locator("#id_body").fill("En hyresgäst har inte fått sin faktura.")
    page.locator("#submit-case").click()
    expect(page).to_have_url(re.compile(r"/forvaltning/arenden/\d+/$"))
    own = SupportCase.objects.get(subject="Faktura saknas")
    assert (own.asker, own.organisation_id, own.opened_by_id) == ("district", district.pk, officer.pk)
    expect(page.locator("#conversation")).to_contain_text("En hyresgäst har inte fått sin faktura.")
    assert_accessible(page)


def test_a_termination_question_shows_the_rule_at_once(page, citizen, settings, assert_accessible):
    from tests.factories import RepresentativeFactory

    settings.DEV_LOGIN_ENABLED = True
    RepresentativeFactory(agent=citizen.person, person=PersonFactory(first_name="Olle", last_name="Ek"))
    page.goto("/mina-sidor/dev-login/")
    page.locator("#id_person").select_option(str(citizen.person.pk))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/mina-sidor/$"))
    page.goto("/mina-sidor/arenden/")
    assert_accessible(page)
    page.locator("#new-case-link").click()
    expect(page.locator("#id_about")).to_be_visible()
    assert_accessible(page)
    page.locator("#id_category").select_option("termination")
    page.locator("#id_subject").fill("Uppsägning")
    page.locator("#id_body").fill("Jag vill flytta.")
    page.locator("#submit-case").click()
    expect(page).to_have_url(re.compile(r"/mina-sidor/arenden/\d+/skickad/$"))
    expect(page.locator("#prepared-answer")).to_be_visible()
    assert_accessible(page)
