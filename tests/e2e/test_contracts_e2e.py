"""The whole path of a new tenant through the real doors, in a real browser.

An officer sends a submission from the district portal; staff start the review in the admin and
return it with a reason; the officer (told by e-mail) completes it and sends it again; staff accept it
(a draft contract) and activate the contract; the officer sees the submission done with the contract
number, and the contract PDF reads right. axe-core runs on every district-portal page on the way and
on the citizen's contract pages.

Two browser contexts (the officer's and staff's, a third for the citizen), so each door keeps its own
session. The test runs in the live server's process: the ORM and ``mail.outbox`` are shared with it,
and ``on_commit`` callbacks (e-mails, the PDF task, eager in tests) have run before a response comes
back. Selectors use ids and hrefs, and state labels come from the models, so the test does not care
whether the Swedish translations are compiled.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from contracts.models import ContractDocument, HousingForm, RentalContract, Submission
from tests.contracts.factories import (
    CollectionCodeFactory,
    ObjectQualityFactory,
    QualityTypeFactory,
    RentalObjectFactory,
)
from tests.factories import make_personal_number

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password

pytestmark = pytest.mark.e2e

RENT = Decimal("6789.50")
RENT_TYPED = "6 789,50"  # as an officer types it: a space for thousands, a decimal comma
ADDRESS = "Ringvägen 52"
POSTCODE = "11726"
FIRST_NAME, LAST_NAME = "Signe", "Åkesson"
CUSTOMER_EMAIL = "signe.akesson@example.invalid"
REASON = "Läkarintyget saknas. Bifoga det och ange ett telefonnummer till hyresgästen."


def _label(choice) -> str:
    """A choice's label as the live server shows it (Swedish, or the English id if not compiled)."""
    with translation.override("sv"):
        return str(choice.label)


def _small_pdf(title: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _pdf_file(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": _small_pdf(name)}


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def _amounts(text: str) -> str:
    """Swedish amounts made comparable: no thousands separators, a decimal point."""
    text = re.sub(r"(?<=\d)[\s\u00a0\u202f.](?=\d{3}\b)", "", text)
    return re.sub(r"(?<=\d),(?=\d{2}\b)", ".", text)


# --- fixtures -------------------------------------------------------------------------------------------




@pytest.fixture
def care_home(district):
    """A care-housing object of the district, this year's rent, its required quality filled."""
    balcony = QualityTypeFactory(code="balcony", name="Balkong", required=True)
    rental_object = RentalObjectFactory(
        owner=district, object_number="SOD-4711", street_address=ADDRESS, postcode=POSTCODE,
        town="Stockholm", housing_form=HousingForm.CARE_HOME, rent=RENT,
        rent_year=timezone.localdate().year,
    )
    ObjectQualityFactory(rental_object=rental_object, quality_type=balcony, value="Ja")
    return rental_object


@pytest.fixture
def collection_code(db):
    return CollectionCodeFactory(code="K1", name="Standard", is_active=True)


# --- helpers for the two doors --------------------------------------------------------------------------


def _officer_logs_in(page):
    page.goto("/forvaltning/login/")
    page.locator("#id_username").fill("officer")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/forvaltning/$"))


def _staff_log_in(page):
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.locator("#id_username").fill("staff")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def _press(page, action: str):
    """A transition button on an admin change page (a POST form), and its success message."""
    page.locator(f'form[action="{action}"] button[type=submit]').click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator(".messagelist .error")).to_have_count(0)


def _expect_state(page, state):
    expect(page.locator("#submission-state")).to_have_text(_label(state))


# --- the whole path -------------------------------------------------------------------------------------


def test_a_new_tenant_from_submission_to_active_contract(
    page, new_page, officer, staff, district, care_home, collection_code, settings, mailoutbox,
    assert_accessible,
):
    officer_page = page
    personal_number = make_personal_number(dt.date(1938, 5, 14), 123)
    formatted_number = f"{personal_number[:8]}-{personal_number[8:]}"
    start = timezone.localdate() + dt.timedelta(days=14)

    # The officer opens "New tenant" from the portal's start page.
    _officer_logs_in(officer_page)
    officer_page.locator('main a[href="/forvaltning/underlag/ny/"]').click()
    expect(officer_page).to_have_url(re.compile(r"/forvaltning/underlag/ny/$"))
    form = officer_page.locator("#submission-form")
    expect(form).to_be_visible()
    assert_accessible(officer_page)

    # Sent half-filled: the error summary, and the file to choose again.
    officer_page.locator("#id_first_name").fill(FIRST_NAME)
    officer_page.locator("#id_attachments").set_input_files(_pdf_file("beslut.pdf"))
    officer_page.locator("#submit-submission").click()
    summary = officer_page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator('a[href="#id_personal_number"]')).to_be_visible()
    expect(summary.locator('a[href="#id_rental_object"]')).to_be_visible()
    expect(summary).to_contain_text("beslut.pdf")
    expect(officer_page.locator("#id_first_name")).to_have_value(FIRST_NAME)
    assert_accessible(officer_page)
    assert not Submission.objects.exists()

    # Filled in and sent.
    officer_page.locator("#id_personal_number").fill(formatted_number)
    officer_page.locator("#id_last_name").fill(LAST_NAME)
    officer_page.locator("#id_email").fill(CUSTOMER_EMAIL)
    officer_page.locator("#id_rental_object").select_option(str(care_home.pk))
    officer_page.locator("#id_start_date").fill(start.isoformat())
    officer_page.locator("#id_base_rent").fill(RENT_TYPED)
    officer_page.locator("#id_collection_code").select_option(str(collection_code.pk))
    officer_page.locator("#id_delivery_channel").select_option("email")
    officer_page.locator("#id_attachments").set_input_files(_pdf_file("beslut.pdf"))
    officer_page.locator("#submit-submission").click()

    expect(officer_page).to_have_url(re.compile(r"/forvaltning/underlag/\d+/$"))
    submission_url = re.search(r"/forvaltning/underlag/\d+/$", officer_page.url).group(0)
    submission = Submission.objects.get()
    assert submission_url == f"/forvaltning/underlag/{submission.pk}/"
    _expect_state(officer_page, Submission.State.SUBMITTED)
    expect(officer_page.get_by_role("status")).to_be_visible()
    expect(officer_page.locator("#attachments")).to_contain_text("beslut.pdf")
    assert_accessible(officer_page)
    assert submission.base_rent == RENT
    assert submission.rental_object == care_home and submission.collection_code == collection_code

    officer_page.locator('nav.portal-nav a[href="/forvaltning/underlag/"]').click()
    expect(officer_page.locator(f"#submission-{submission.pk}")).to_be_visible()
    assert_accessible(officer_page)

    # Staff find it in the queue, start the review and return it with a reason.
    staff_page = new_page()
    _staff_log_in(staff_page)
    staff_page.locator('#my-work a[href="/admin/contracts/submission/"]').click()
    change_url = f"/admin/contracts/submission/{submission.pk}/"
    staff_page.locator(f'#result_list a[href="{change_url}change/"]').first.click()
    expect(staff_page).to_have_url(re.compile(re.escape(change_url) + "change/$"))
    _press(staff_page, f"{change_url}start-review/")

    staff_page.locator(f'a[href="{change_url}return/"]').click()
    staff_page.locator("#id_reason").fill(REASON)
    staff_page.locator("#content-main form [type=submit]").click()
    expect(staff_page).to_have_url(re.compile(re.escape(change_url) + "change/$"))
    expect(staff_page.locator(".messagelist .success")).to_be_visible()

    # The officer is told by e-mail what is missing, and sees it on the submission's page.
    returned_mail = [m for m in mailoutbox if m.to == [officer.email]]
    assert len(returned_mail) == 1
    assert str(submission.pk) in returned_mail[0].subject
    assert REASON in returned_mail[0].body
    assert submission_url in returned_mail[0].body

    officer_page.goto(submission_url)
    _expect_state(officer_page, Submission.State.RETURNED)
    expect(officer_page.locator("#return-reason")).to_contain_text(REASON)
    assert_accessible(officer_page)

    # The officer completes it and sends it again.
    officer_page.locator("#complete-link").click()
    expect(officer_page).to_have_url(re.compile(re.escape(submission_url) + "komplettera/$"))
    expect(officer_page.locator("#return-reason")).to_contain_text(REASON)
    expect(officer_page.locator("#id_personal_number")).to_have_value(formatted_number)
    expect(officer_page.locator("#id_rental_object")).to_have_value(str(care_home.pk))
    assert_accessible(officer_page)
    officer_page.locator("#id_phone").fill("070-123 45 67")
    officer_page.locator("#id_attachments").set_input_files(_pdf_file("lakarintyg.pdf"))
    officer_page.locator("#submit-submission").click()
    expect(officer_page).to_have_url(re.compile(re.escape(submission_url) + "$"))
    _expect_state(officer_page, Submission.State.SUBMITTED)
    expect(officer_page.locator("#attachments li")).to_have_count(2)
    assert_accessible(officer_page)

    # Staff review it again and accept it: a draft contract.
    staff_page.reload()
    _press(staff_page, f"{change_url}start-review/")
    _press(staff_page, f"{change_url}accept/")
    contract = RentalContract.objects.get()
    assert contract.state == RentalContract.State.DRAFT
    contract_url = f"/admin/contracts/rentalcontract/{contract.pk}/"
    staff_page.locator(f'.messagelist a[href="{contract_url}change/"]').click()
    expect(staff_page).to_have_url(re.compile(re.escape(contract_url) + "change/$"))
    _press(staff_page, f"{contract_url}activate/")

    contract.refresh_from_db()
    assert contract.state == RentalContract.State.ACTIVE
    assert contract.number == f"{timezone.localdate().year}-{contract.pk:06d}"
    customer = contract.customer
    assert (customer.personal_number, customer.first_name, customer.last_name) == (
        personal_number, FIRST_NAME, LAST_NAME)
    assert customer.phone == "070-123 45 67" and customer.affiliation == district
    assert contract.sent_at is not None  # care housing by e-mail: sent to the customer

    # The officer sees the submission done, with the contract number.
    officer_page.goto(submission_url)
    _expect_state(officer_page, Submission.State.COMPLETED)
    done = officer_page.locator("#done")
    expect(done).to_contain_text(contract.number)
    expect(officer_page.locator("#delivery")).to_be_visible()
    assert_accessible(officer_page)

    done_mail = [m for m in mailoutbox if m.to == [officer.email]]
    assert len(done_mail) == 2 and str(submission.pk) in done_mail[1].subject
    to_customer = [m for m in mailoutbox if m.to == [CUSTOMER_EMAIL]]
    assert len(to_customer) == 1
    assert to_customer[0].attachments[0][0] == f"hyresavtal-{contract.number}.pdf"

    # The contract's page, and its PDF downloaded from it.
    officer_page.locator("#contract-link").click()
    expect(officer_page).to_have_url(re.compile(rf"/forvaltning/avtal/{contract.pk}/$"))
    expect(officer_page.locator("#contract-state")).to_have_text(_label(RentalContract.State.ACTIVE))
    expect(officer_page.locator("h1")).to_contain_text(contract.number)
    assert_accessible(officer_page)

    document = (ContractDocument.objects.filter(contract=contract, kind=ContractDocument.Kind.CONTRACT)
                .order_by("-created_at", "-pk").first())
    assert document is not None and document.file
    link = officer_page.locator(
        f'#documents a[href="/forvaltning/avtal/{contract.pk}/dokument/{document.pk}/"]')
    with officer_page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    downloaded = Path(download.path()).read_bytes()
    with document.file.open("rb") as stored:
        assert downloaded == stored.read()

    assert downloaded.startswith(b"%PDF-")
    text = _pdf_text(downloaded)
    assert contract.number in text
    assert f"{FIRST_NAME} {LAST_NAME}" in text
    assert ADDRESS in text and POSTCODE in text
    assert "6789.50" in _amounts(text)
    assert formatted_number in text  # the tenant's number is on the contract

    officer_page.locator('nav.portal-nav a[href="/forvaltning/avtal/"]').click()
    expect(officer_page.locator(f"#contract-{contract.pk}")).to_contain_text(contract.number)
    assert_accessible(officer_page)

    # The customer sees the contract on My pages (the dev login stands in for e-legitimation).
    settings.DEV_LOGIN_ENABLED = True
    citizen_page = new_page()
    citizen_page.goto("/mina-sidor/dev-login/")
    citizen_page.locator("#id_person").select_option(str(customer.pk))
    citizen_page.locator("main form button[type=submit]").click()
    expect(citizen_page).to_have_url(re.compile(r"/mina-sidor/$"))
    citizen_page.goto("/mina-sidor/avtal/")
    detail_url = f"/mina-sidor/avtal/{contract.pk}/"
    expect(citizen_page.locator(f'main a[href="{detail_url}"]')).to_have_text(contract.number)
    assert_accessible(citizen_page)
    citizen_page.locator(f'main a[href="{detail_url}"]').click()
    expect(citizen_page).to_have_url(re.compile(re.escape(detail_url) + "$"))
    expect(citizen_page.locator("main")).to_contain_text(ADDRESS)
    assert_accessible(citizen_page)
    with citizen_page.expect_download() as download_info:
        citizen_page.locator(f'main a[href="{detail_url}hyresavtal.pdf"]').click()
    assert contract.number in _pdf_text(Path(download_info.value.path()).read_bytes())
