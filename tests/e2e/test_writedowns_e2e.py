"""A write-down in real browsers: staff propose it on a collection case in the admin, the district's
officer approves it in the portal (``/forvaltning/avskrivningar/``), staff carry it out with the ledger
checks and the invoice is written off; axe-core on the portal pages.

Real time for the browser: the invoice fell due 60 days ago and was reminded 30 days ago (the setup
travels to those days), so it is proposed for collection today."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from debt_collection import collection
from debt_collection.models import CollectionCase, WriteDown, WriteDownRequest
from invoicing.models import Invoice
from tests.contracts.factories import active_contract
from tests.debt_collection.collection_factories import code_with_policy, invoice_due, remind

pytestmark = pytest.mark.e2e
PASSWORD = "secret-pass-123"


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server.url, locale="sv-SE")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _login_admin(page):
    page.goto("/admin/")
    page.locator("#id_username").fill("staff")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_staff_propose_the_officer_approves_and_staff_write_the_invoice_off(
        new_page, staff, officer, district, assert_accessible):
    today = timezone.localdate()
    code = code_with_policy("K1", to_agency=True, agency_after_days=14)
    contract = active_contract(collection_code=code, organisation=district)
    invoice = remind(invoice_due(actor=staff, due_date=today - dt.timedelta(days=60), contract=contract),
                     actor=staff, on=today - dt.timedelta(days=30))
    collection.collection_proposals_create(actor=staff, today=today)
    case = CollectionCase.objects.get()

    # Staff propose the write-down on the collection case.
    staff_page = new_page()
    _login_admin(staff_page)
    staff_page.goto(f"/admin/debt_collection/collectioncase/{case.pk}/change/")
    staff_page.locator(f'a[href$="/collectioncase/{case.pk}/propose-write-down/"]').click()
    staff_page.locator("#id_invoice").select_option(str(invoice.pk))
    staff_page.locator("#id_reason").fill("Kunden är avliden och dödsboet saknar tillgångar.")
    staff_page.locator(".submit-row input[type=submit]").click()
    expect(staff_page.locator(".messagelist .success")).to_be_visible()
    request = WriteDownRequest.objects.get()
    assert request.state == WriteDownRequest.State.PROPOSED

    # The officer approves it in the portal.
    officer_page = new_page()
    officer_page.goto("/forvaltning/login/")
    officer_page.locator("#id_username").fill("officer")
    officer_page.locator("#id_password").fill(PASSWORD)
    officer_page.locator("main form button[type=submit]").click()
    expect(officer_page).to_have_url(re.compile(r"/forvaltning/$"))
    officer_page.locator('main a[href="/forvaltning/avskrivningar/"]').first.click()
    assert_accessible(officer_page)
    officer_page.locator(f'#write-down-{request.pk} a').click()
    expect(officer_page.locator("#write-down-amount")).to_contain_text("5")
    assert_accessible(officer_page)
    officer_page.locator("#submit-decision").click()  # nothing chosen: the error summary
    expect(officer_page.locator("#error-summary")).to_be_visible()
    officer_page.locator('input[name="decision"][value="approve"]').check()
    officer_page.locator("#id_note").fill("Beslutat enligt delegationsordningen.")
    officer_page.locator("#submit-decision").click()
    expect(officer_page).to_have_url(re.compile(r"/forvaltning/avskrivningar/$"))
    request.refresh_from_db()
    assert request.state == WriteDownRequest.State.APPROVED and request.decided_by == officer
    officer_page.goto("/forvaltning/inkasso/")
    expect(officer_page.locator(f"#case-{case.pk}")).to_contain_text(str(invoice.number))
    assert_accessible(officer_page)

    # Staff carry it out: the decision's figures are checked against the ledger.
    staff_page.goto(f"/admin/debt_collection/writedownrequest/{request.pk}/change/")
    staff_page.locator(f'a[href$="/writedownrequest/{request.pk}/write-down/"]').click()
    staff_page.locator("#id_invoice_number").fill(str(invoice.number))
    staff_page.locator("#id_amount").fill(f"{invoice.balance:.2f}")
    staff_page.locator("#id_collection_code").select_option(str(code.pk))
    staff_page.locator(".submit-row input[type=submit]").click()
    expect(staff_page.locator(".messagelist .success")).to_be_visible()
    assert Invoice.objects.get(pk=invoice.pk).state == Invoice.State.WRITTEN_OFF
    assert WriteDown.objects.get().request_id == request.pk
    request.refresh_from_db()
    assert request.state == WriteDownRequest.State.DONE
