"""A citizen's invoices in a real browser: log in (dev login), open "My invoices" from the start page,
see the invoice with its amount, due date, status and OCR reference, copy the OCR reference, open the
invoice and download its PDF; axe-core on the list and the detail.

The invoice is issued by the real rent run, for the month after next so that it is unpaid (not yet
due) whatever day the test runs. Selectors use ids and hrefs, and labels come from the models and
Django's own Swedish month names, so the test does not care whether the project's translations are
compiled.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from hyresadmin.models import AuditEvent
from invoicing import periods
from invoicing.models import Invoice
from tests.factories import PersonFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run

pytestmark = pytest.mark.e2e


def _sv(value: dt.date, fmt: str) -> str:
    with translation.override("sv"):
        return date_format(value, fmt)


def _label(state) -> str:
    with translation.override("sv"):
        return str(Invoice.State(state).label)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def test_citizen_sees_copies_opens_and_downloads_their_invoice(page, live_server, settings, staff,
                                                              district, assert_accessible):
    settings.DEV_LOGIN_ENABLED = True
    me = PersonFactory(first_name="Karin", last_name="Berg")
    contract_with_rent(organisation=district, customer=me, rent=Decimal("6123.50"))
    period = periods.next_period(periods.next_period(periods.period_of(timezone.localdate())))
    issue_rent_run(period=period, actor=staff)
    invoice = Invoice.objects.get(customer=me)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)

    # Log in and go from the start page to the invoices.
    page.goto("/mina-sidor/dev-login/")
    page.locator("#id_person").select_option(str(me.pk))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/mina-sidor/$"))
    page.locator('main a[href="/mina-sidor/fakturor/"]').click()
    expect(page).to_have_url(re.compile(r"/mina-sidor/fakturor/$"))

    row = page.locator(f"#invoice-{invoice.pk}")
    expect(row).to_contain_text(_sv(period, "F Y"))
    expect(row).to_contain_text("6123,50 kr")
    expect(row).to_contain_text(_sv(invoice.due_date, "j F Y"))
    expect(row).to_contain_text(_label(Invoice.State.ISSUED))
    expect(row).to_have_attribute("data-status", "issued")
    expect(row.locator(".ocr")).to_have_text(invoice.ocr_reference)
    copy = row.locator("button[data-copy]")
    expect(copy).to_be_visible()  # shown by the script: the browser can copy
    assert_accessible(page)

    # Copy the OCR reference: it lands on the clipboard and the change is announced.
    copy.click()
    expect(page.locator("#copy-status")).to_contain_text(invoice.ocr_reference)
    assert page.evaluate("navigator.clipboard.readText()") == invoice.ocr_reference
    assert_accessible(page)

    # The invoice itself.
    row.locator(f'a[href="/mina-sidor/fakturor/{invoice.pk}/"]').click()
    expect(page).to_have_url(re.compile(rf"/mina-sidor/fakturor/{invoice.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(_sv(period, "F Y"))
    expect(page.locator("#invoice-balance")).to_have_text("6123,50 kr")
    expect(page.locator("main")).to_contain_text(settings.BANKGIRO_NUMBER)
    expect(page.locator("main ol.steps")).to_contain_text(invoice.ocr_reference)
    assert_accessible(page)

    # The PDF, through the permission-checked download.
    with page.expect_download() as download_info:
        page.locator("#invoice-pdf").click()
    download = download_info.value
    assert download.suggested_filename == f"faktura-{invoice.number}.pdf"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    assert invoice.ocr_reference in _pdf_text(data)
    assert AuditEvent.objects.filter(event_type="export", object_id=str(invoice.pk),
                                     reason="invoice PDF (citizen)").count() == 1


def test_the_invoices_work_without_javascript(browser, live_server, settings, citizen, staff,
                                              district):
    """No script: no copy button, but the OCR reference is there to select, and the links work."""
    contract_with_rent(organisation=district, customer=citizen.person)
    period = periods.next_period(periods.next_period(periods.period_of(timezone.localdate())))
    issue_rent_run(period=period, actor=staff)
    invoice = Invoice.objects.get(customer=citizen.person)
    # A citizen has no password: the session comes from the test client's login machinery.
    client = Client()
    client.force_login(citizen)
    context = browser.new_context(base_url=live_server.url, locale="sv-SE", java_script_enabled=False)
    try:
        name = settings.SESSION_COOKIE_NAME
        context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_server.url}])
        page = context.new_page()
        page.goto("/mina-sidor/fakturor/")

        row = page.locator(f"#invoice-{invoice.pk}")
        expect(row.locator(".ocr")).to_have_text(invoice.ocr_reference)
        expect(row.locator("button[data-copy]")).to_be_hidden()
        row.locator(f'a[href="/mina-sidor/fakturor/{invoice.pk}/"]').click()
        expect(page.locator("#invoice-balance")).to_be_visible()
        expect(page.locator("main ol.steps")).to_contain_text(invoice.ocr_reference)
    finally:
        context.close()
