"""A rent reduction for double housing through the real doors, in a real browser: an officer sends it
from the contract's page in the district portal (axe-core on the form, with and without errors); staff
see the checks in the admin and register it; the reduction is queued as negative lines on the
customer's next invoice, and the officer is told by e-mail and sees it on the contract's page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts.models import RentReduction
from invoicing.models import PendingLine
from tests.invoicing.factories import contract_with_rent

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.e2e




def test_an_officer_sends_a_reduction_and_staff_register_it(page, new_page, officer, staff, district,
                                                            mailoutbox, assert_accessible):
    contract = contract_with_rent(rent=Decimal("5400.00"), organisation=district,
                                  year=timezone.localdate().year)
    # The officer, in the district portal.
    page.goto("/forvaltning/login/")
    page.locator("#id_username").fill("officer")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/forvaltning/$"))
    page.goto(f"/forvaltning/avtal/{contract.pk}/")
    page.locator("#reduction-link").click()
    expect(page.locator("#reduction-form")).to_be_visible()
    assert_accessible(page)

    # Sent without the reduction: the error summary names what is missing, nothing is saved.
    page.locator("#id_first_month").fill("2026-10")
    page.locator("#id_last_month").fill("2026-11")
    page.locator("#id_decision_date").fill(timezone.localdate().isoformat())
    page.locator("#id_attester_name").fill("Anna Attestant")
    page.locator("#id_lives_in_deciding_district_0").check()
    page.locator("#id_attachment").set_input_files(
        {"name": "beslut.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.locator("#reduction-form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page)
    assert not RentReduction.objects.exists()

    page.locator("#id_amount").fill("1 000")
    page.locator("#id_attachment").set_input_files(
        {"name": "beslut.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.locator("#reduction-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/forvaltning/avtal/{contract.pk}/$"))
    expect(page.locator("#reduction-list")).to_contain_text("2026-10 – 2026-11")
    reduction = RentReduction.objects.get()
    assert reduction.state == RentReduction.State.SUBMITTED and reduction.amount == Decimal("1000.00")

    # Staff, in the admin: the checks, then "Register".
    staff_page = new_page()
    staff_page.goto("/admin/")
    staff_page.locator("#id_username").fill("staff")
    staff_page.locator("#id_password").fill(PASSWORD)
    staff_page.locator("#login-form [type=submit]").click()
    expect(staff_page).to_have_url(re.compile(r"/admin/$"))
    staff_page.goto("/admin/contracts/rentreduction/")
    staff_page.locator(f'a[href$="/admin/contracts/rentreduction/{reduction.pk}/change/"]').first.click()
    expect(staff_page.locator('[data-check="attester"].passed')).to_be_visible()
    expect(staff_page.locator('[data-check="active_contract"].passed')).to_be_visible()
    action = f"/admin/contracts/rentreduction/{reduction.pk}/register/"
    staff_page.locator(f'form[action="{action}"] button[type=submit]').click()
    expect(staff_page.locator(".messagelist .success")).to_be_visible()

    reduction.refresh_from_db()
    assert reduction.state == RentReduction.State.REGISTERED and reduction.applied_period is not None
    lines = PendingLine.objects.filter(contract=contract, period=reduction.applied_period)
    assert sorted(lines.values_list("amount", flat=True)) == [Decimal("-1000.00")] * 2
    assert [m.to for m in mailoutbox] == [[officer.email]]

    page.reload()
    expect(page.locator("#reduction-list")).to_contain_text(f"{reduction.applied_period:%Y-%m}")
