"""A payment plan in real browsers: a district officer fills in form SF1015 in the portal, staff approve
it in the admin (the checks listed, the instalments issued), and the customer sees the instalments
with their OCR references on My pages; axe-core on the portal form and the citizen page.

Real time: the invoice is for the month after next, so it is open whatever day the test runs, and the
plan's three instalments start on its due date (within delegation)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from debt_collection.plan_models import PaymentPlan
from invoicing import periods
from invoicing.models import Invoice
from tests.factories import PersonFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run

pytestmark = pytest.mark.e2e
PASSWORD = "secret-pass-123"




def test_officer_asks_for_a_plan_staff_approve_and_the_citizen_sees_the_instalments(
        new_page, settings, staff, officer, district, assert_accessible):
    settings.DEV_LOGIN_ENABLED = True
    me = PersonFactory(first_name="Sara", last_name="Lind")
    contract_with_rent(organisation=district, customer=me, rent=Decimal("6000.00"))
    period = periods.next_period(periods.next_period(periods.period_of(timezone.localdate())))
    issue_rent_run(period=period, actor=staff)
    invoice = Invoice.objects.get(customer=me)

    # The officer fills in SF1015 for the customer's invoice.
    officer_page = new_page()
    officer_page.goto("/forvaltning/login/")
    officer_page.locator("#id_username").fill("officer")
    officer_page.locator("#id_password").fill(PASSWORD)
    officer_page.locator("main form button[type=submit]").click()
    expect(officer_page).to_have_url(re.compile(r"/forvaltning/$"))
    officer_page.locator('main a[href="/forvaltning/anstand-och-avbetalning/ny/"]').first.click()
    expect(officer_page).to_have_url(re.compile(r"/anstand-och-avbetalning/ny/$"))
    assert_accessible(officer_page)
    officer_page.locator("#submit-sf1015").click()  # empty: the error summary
    expect(officer_page.locator("#error-summary")).to_be_visible()
    officer_page.locator(f'input[name="invoices"][value="{invoice.pk}"]').check()
    officer_page.locator('input[name="kind"][value="payment_plan"]').check()
    officer_page.locator("#id_instalment_count").fill("3")
    officer_page.locator("#id_first_due_date").fill(invoice.due_date.isoformat())
    officer_page.locator("#id_reason").fill("Kunden har blivit arbetslös och betalar i tre delar.")
    officer_page.locator("#submit-sf1015").click()
    plan = PaymentPlan.objects.get()
    expect(officer_page).to_have_url(re.compile(rf"/avbetalningsplan/{plan.pk}/$"))
    expect(officer_page.locator("#request-state")).to_have_text(str(PaymentPlan.State.REQUESTED.label))

    # Staff approve it in the admin after reading the checks.
    staff_page = new_page()
    staff_page.goto("/admin/")
    staff_page.locator("#id_username").fill("staff")
    staff_page.locator("#id_password").fill(PASSWORD)
    staff_page.locator("#login-form [type=submit]").click()
    expect(staff_page).to_have_url(re.compile(r"/admin/$"))
    staff_page.goto("/admin/debt_collection/paymentplan/")
    staff_page.locator(f'#result_list a[href$="/paymentplan/{plan.pk}/change/"]').first.click()
    expect(staff_page.locator('#checklist [data-check="not_at_collection"]')).to_have_class("passed")
    staff_page.locator(f'form[action$="/paymentplan/{plan.pk}/decide/"] button[type=submit]').click()
    expect(staff_page.locator(".messagelist .success")).to_be_visible()
    plan.refresh_from_db()
    assert plan.state == PaymentPlan.State.ACTIVE
    instalments = list(plan.instalments.select_related("invoice"))
    assert len(instalments) == 3 and all(i.invoice for i in instalments)

    # The customer sees the instalments, what to pay, by when, and to which OCR reference.
    citizen_page = new_page()
    citizen_page.goto("/mina-sidor/dev-login/")
    citizen_page.locator("#id_person").select_option(str(me.pk))
    citizen_page.locator("main form button[type=submit]").click()
    expect(citizen_page).to_have_url(re.compile(r"/mina-sidor/$"))
    citizen_page.locator('main a[href="/mina-sidor/avbetalningsplaner/"]').click()
    for instalment in instalments:
        row = citizen_page.locator(f"#instalment-{plan.pk}-{instalment.number}")
        expect(row.locator(".ocr")).to_have_text(instalment.invoice.ocr_reference)
        expect(row).to_have_attribute("data-status", "unpaid")
    expect(citizen_page.locator(f"#instalment-{plan.pk}-1")).to_contain_text("2")
    assert_accessible(citizen_page)
