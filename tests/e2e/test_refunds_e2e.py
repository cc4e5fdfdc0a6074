"""A refund beyond delegation in a real browser: staff create it in the admin for a customer's credit
balance (more than two months' rent, so it goes to the district), the district officer approves it in
the portal (``/forvaltning/aterbetalningar/``, reached from the start page), the staff member who
prepared it may not approve the payment, and a second staff member does. axe-core on the portal pages.

Selectors use ids and hrefs, so the test does not care whether the translations are compiled.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from invoicing.models import CustomerCredit, RefundOrder
from tests.factories import PersonFactory, UserFactory
from tests.invoicing.factories import contract_with_rent

pytestmark = pytest.mark.e2e

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password


def _log_in(page, url, username, *, submit, landing):
    page.goto(url)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator(submit).click()
    expect(page).to_have_url(re.compile(landing))


def _context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.set_default_timeout(10_000)
    return context


def test_staff_create_a_refund_beyond_delegation_the_district_and_a_second_person_approve_it(
    page, browser, live_server, staff, officer, district, assert_accessible,
):
    second = UserFactory(username="andra", is_staff=True)
    second.groups.set(staff.groups.all())
    customer = PersonFactory(first_name="Karin", last_name="Berg", affiliation=district)
    contract_with_rent(organisation=district, customer=customer, rent=Decimal("2000.00"),
                       year=timezone.localdate().year)
    CustomerCredit.objects.create(person=customer, kind=CustomerCredit.Kind.PREPAYMENT, amount=Decimal("4500.00"))

    # Staff create the refund in the admin: 4 500 kr is more than two months' rent (4 000 kr).
    _log_in(page, "/admin/login/?next=/admin/", "staff", submit="#login-form [type=submit]", landing=r"/admin/$")
    page.goto("/admin/invoicing/refundorder/add/")
    page.locator("#id_person").fill(customer.formatted_personal_number)
    page.locator("#id_payee_name").fill("Karin Berg")
    page.locator("#id_payee_account").fill("6000 123456789")
    page.locator("#id_reason").fill("Utflyttning, förskott kvar")
    page.locator("#content-main form [type=submit]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    order = RefundOrder.objects.get()
    expect(page).to_have_url(re.compile(rf"/admin/invoicing/refundorder/{order.pk}/change/$"))
    assert (order.state, order.amount, order.organisation_id) == (RefundOrder.State.REFERRED,
                                                                  Decimal("4500.00"), district.pk)

    # The district officer approves it in the portal.
    officer_context = _context(browser, live_server)
    try:
        portal = officer_context.new_page()
        _log_in(portal, "/forvaltning/login/", officer.username, submit="main form button[type=submit]",
                landing=r"/forvaltning/$")
        portal.locator('main a[href="/forvaltning/aterbetalningar/"]').click()
        expect(portal.locator(f"#refund-{order.pk}")).to_be_visible()
        assert_accessible(portal)
        portal.locator(f'#refund-{order.pk} a[href="/forvaltning/aterbetalningar/{order.pk}/"]').click()
        expect(portal.locator("#refund-amount")).to_contain_text("4500")
        assert_accessible(portal)
        portal.locator("#reject-refund").click()  # a rejection without a reason is refused
        expect(portal.locator("#error-summary")).to_be_visible()
        assert_accessible(portal)
        portal.locator("#id_note").fill("Beviljas enligt beslut")
        portal.locator("#approve-refund").click()
        expect(portal.locator("#decision-form")).to_have_count(0)
        expect(portal.locator("#refund-decision")).to_contain_text("Beviljas enligt beslut")
        assert_accessible(portal)
    finally:
        officer_context.close()
    order.refresh_from_db()
    assert order.state == RefundOrder.State.DISTRICT_APPROVED

    # The one who prepared it may not approve the payment.
    page.goto(f"/admin/invoicing/refundorder/{order.pk}/change/")
    page.locator(f'form[action="/admin/invoicing/refundorder/{order.pk}/approve/"] button').click()
    expect(page.locator(".messagelist .error")).to_be_visible()
    order.refresh_from_db()
    assert order.state == RefundOrder.State.DISTRICT_APPROVED

    # A second staff member approves it.
    second_context = _context(browser, live_server)
    try:
        admin = second_context.new_page()
        _log_in(admin, "/admin/login/?next=/admin/", "andra", submit="#login-form [type=submit]",
                landing=r"/admin/$")
        admin.goto("/admin/invoicing/refundorder/")
        expect(admin.locator(f'a[href="/admin/invoicing/refundorder/{order.pk}/change/"]').first).to_be_visible()
        admin.goto(f"/admin/invoicing/refundorder/{order.pk}/change/")
        admin.locator(f'form[action="/admin/invoicing/refundorder/{order.pk}/approve/"] button').click()
        expect(admin.locator(".messagelist .success")).to_be_visible()
    finally:
        second_context.close()
    order.refresh_from_db()
    assert order.state == RefundOrder.State.APPROVED and order.approved_by == second
