"""A termination through the real doors, in a real browser.

The district officer gives notice on the portal's termination form (with the scanned notice); staff
find it in "Mitt arbete", open it and confirm it in the admin; the daily job after the end date
terminates the contract and the object gets its vacancy contract. axe-core runs on the portal pages
and on the admin's termination queue, its page (before and after confirmation, with the link to the
final settlement once there is one) and the written-notice form with its error summary.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts import termination as services
from contracts.models import ContractDocument, RentalContract, Termination
from contracts.termination_rules import tenant_end_date
from tests.contracts.factories import active_contract
from tests.e2e.test_support_e2e import _assert_admin_accessible
from tests.factories import PersonFactory

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password

pytestmark = pytest.mark.e2e


def _pdf_file(name: str) -> dict:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return {"name": name, "mimeType": "application/pdf", "buffer": buffer.getvalue()}




def test_district_notice_confirmed_by_staff_then_ended_with_a_vacancy(
        page, new_page, officer, staff, district, mailoutbox, assert_accessible):
    customer = PersonFactory(affiliation=district, email="kund@example.invalid")
    contract = active_contract(organisation=district, customer=customer, delivery_channel="email")
    notice_on = timezone.localdate() - dt.timedelta(days=1)
    end = tenant_end_date(notice_on).end_date

    # The officer opens the contract and gives notice from it.
    page.goto("/forvaltning/login/")
    page.locator("#id_username").fill("officer")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/forvaltning/$"))
    page.goto(f"/forvaltning/avtal/{contract.pk}/")
    page.locator("#give-notice-link").click()
    expect(page.locator("#termination-form")).to_be_visible()
    expect(page.locator("#id_contract")).to_have_value(str(contract.pk))
    assert_accessible(page)

    # Sent without the scan: the error summary names it.
    page.locator("#id_given_by_0").check()
    page.locator("#id_notice_received_on").fill(notice_on.isoformat())
    page.locator("#submit-termination").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator('#error-summary a[href="#id_attachment"]')).to_be_visible()
    assert_accessible(page)
    assert not Termination.objects.exists()

    page.locator("#id_attachment").set_input_files(_pdf_file("uppsagning.pdf"))
    page.locator("#submit-termination").click()
    expect(page).to_have_url(re.compile(rf"/forvaltning/avtal/{contract.pk}/$"))
    expect(page.locator("#termination-end-date")).to_have_text(end.isoformat())
    assert_accessible(page)
    termination = Termination.objects.get()
    assert termination.state == Termination.State.DOCUMENTS_MATCHED

    # Staff find it in "Mitt arbete" and confirm it.
    staff_page = new_page()
    staff_page.goto("/admin/")
    staff_page.locator("#id_username").fill("staff")
    staff_page.locator("#id_password").fill(PASSWORD)
    staff_page.locator("#login-form [type=submit]").click()
    staff_page.locator('#my-work a[href="/admin/contracts/termination/"]').click()
    _assert_admin_accessible(staff_page)
    change_url = f"/admin/contracts/termination/{termination.pk}/change/"
    staff_page.locator(f'a[href="{change_url}"]').first.click()
    expect(staff_page.locator("#checklist")).to_be_visible()
    _assert_admin_accessible(staff_page)

    # The written-notice form refuses an unknown contract with an error summary.
    staff_page.goto("/admin/contracts/termination/notice/")
    _assert_admin_accessible(staff_page)
    staff_page.locator("#id_contract_number").fill("X-0")
    staff_page.locator("#id_given_by").select_option("tenant")
    staff_page.locator("#id_notice_received_on").fill(notice_on.isoformat())
    staff_page.locator("#id_file").set_input_files(_pdf_file("brev.pdf"))
    staff_page.locator("#content-main form [type=submit]").click()
    expect(staff_page.locator('#error-summary a[href="#id_contract_number"]')).to_be_visible()
    _assert_admin_accessible(staff_page)
    staff_page.goto(change_url)
    staff_page.locator(f'form[action="/admin/contracts/termination/{termination.pk}/confirm/"] '
                       "button[type=submit]").click()
    expect(staff_page.locator(".messagelist .success")).to_be_visible()
    expect(staff_page.locator(".messagelist .error")).to_have_count(0)

    contract.refresh_from_db()
    assert contract.state == RentalContract.State.NOTICE_GIVEN and contract.end_date == end
    assert contract.documents.filter(kind=ContractDocument.Kind.TERMINATION_CONFIRMATION).exists()
    assert any("kund@example.invalid" in m.to for m in mailoutbox)

    # The daily job the day after the end date.
    services.contracts_end_due(today=end + dt.timedelta(days=1))
    contract.refresh_from_db()
    assert contract.state == RentalContract.State.TERMINATED
    vacancy = RentalContract.objects.get(kind=RentalContract.Kind.VACANCY,
                                         rental_object=contract.rental_object)
    assert vacancy.state == RentalContract.State.ACTIVE
    assert vacancy.start_date == end + dt.timedelta(days=1)

    # Staff see the vacancy contract on the termination.
    staff_page.goto(change_url)
    expect(staff_page.locator(".field-vacancy_contract")).to_contain_text(vacancy.number)
    expect(staff_page.locator('[data-link="final_settlement"] a')).to_be_visible()
    _assert_admin_accessible(staff_page)
