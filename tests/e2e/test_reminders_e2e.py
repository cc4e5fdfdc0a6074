"""Reminders in a real browser: staff open the day's proposed batch from "Mitt arbete", approve it and
send it; the citizen then sees "Påminnelse skickad" on the invoice's page, with the reminder's PDF.

The invoice is December 2026's rent (due 30 November 2026); it is marked overdue and proposed with the
services for a fixed day, so that the test does not depend on the day it runs.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from debt_collection import reminders
from debt_collection.reminder_models import ReminderBatch
from invoicing.models import Invoice
from tests.debt_collection.factories import policy, rent_invoices
from tests.factories import PersonFactory

pytestmark = pytest.mark.e2e

PASSWORD = "secret-pass-123"
DAY = dt.date(2026, 12, 14)


def test_staff_approve_and_send_reminders_and_the_citizen_sees_it(page, live_server, settings, staff,
                                                                  district, assert_accessible):
    settings.DEV_LOGIN_ENABLED = True
    policy()
    me = PersonFactory(first_name="Karin", last_name="Berg", affiliation=district)
    (invoice,) = rent_invoices(actor=staff, specs=[{"organisation": district, "customer": me}])
    reminders.overdue_mark(actor="job", today=DAY)
    batch = reminders.reminder_batch_propose(actor="job", today=DAY)

    # Staff: from "Mitt arbete" to the batch, approve, send.
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.locator("#id_username").fill("staff")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.locator('a[href="/admin/debt_collection/reminderbatch/"]').first.click()
    page.locator(f'a[href="/admin/debt_collection/reminderbatch/{batch.pk}/change/"]').click()
    expect(page.locator("#content")).to_contain_text(str(invoice.number))
    page.locator(f'form[action="/admin/debt_collection/reminderbatch/{batch.pk}/approve/"] button').click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.locator(f'form[action="/admin/debt_collection/reminderbatch/{batch.pk}/send/"] button').click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator(".messagelist .error")).to_have_count(0)
    assert ReminderBatch.objects.get(pk=batch.pk).state == ReminderBatch.State.SENT
    assert Invoice.objects.get(pk=invoice.pk).state == Invoice.State.REMINDED

    # The citizen: the invoice's page says it was reminded, and the reminder's PDF downloads.
    citizen = page.context.browser.new_context(base_url=live_server.url, locale="sv-SE")
    try:
        cpage = citizen.new_page()
        cpage.goto("/mina-sidor/dev-login/")
        cpage.locator("#id_person").select_option(str(me.pk))
        cpage.locator("main form button[type=submit]").click()
        expect(cpage).to_have_url(re.compile(r"/mina-sidor/$"))
        cpage.goto(f"/mina-sidor/fakturor/{invoice.pk}/")
        notice = cpage.locator("#invoice-reminder")
        expect(notice).to_contain_text("Påminnelse skickad")
        with cpage.expect_download() as download:
            notice.locator("a[download]").click()
        assert download.value.suggested_filename == f"paminnelse-{invoice.number}.pdf"
        assert_accessible(cpage)
    finally:
        citizen.close()
