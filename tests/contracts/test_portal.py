"""The district portal's contract pages (``/forvaltning/``) seen through the test client.

An officer sends a new tenant, sees the administration's submissions, completes a returned one,
withdraws one, sends a change of a contract, and reads the contracts and their documents. Another
district's officer gets 404 and changes nothing; citizens and staff are turned away.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts import services
from contracts.models import (
    ContractDocument,
    RentalContract,
    RentLineKind,
    Submission,
    SubmissionAttachment,
)
from contracts.services import RentLineData
from hyresadmin.calendar import service_level_due
from hyresadmin.models import AuditEvent
from tests.contracts.factories import (
    CollectionCodeFactory,
    RentalContractFactory,
    RentalObjectFactory,
    SubmissionFactory,
    active_contract,
)
from tests.factories import make_personal_number

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
PERSONAL_NUMBER = make_personal_number(dt.date(1948, 4, 2), 123)

NEW_URL = "/forvaltning/underlag/ny/"
LIST_URL = "/forvaltning/underlag/"
CONTRACTS_URL = "/forvaltning/avtal/"


def _pdf(name="beslut.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _form_data(obj, code, **overrides):
    data = {
        "personal_number": f"{PERSONAL_NUMBER[:8]}-{PERSONAL_NUMBER[8:]}",
        "first_name": "Greta",
        "last_name": "Holmberg",
        "email": "greta@example.invalid",
        "phone": "08-123 456",
        "rental_object": obj.pk,
        "start_date": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        "end_date": "",
        "notice_period_months": "3",
        "base_rent": "5 400,00",
        "rent_difference_explanation": "",
        "collection_code": code.pk,
        "delivery_channel": "email",
        "message": "Biståndsbeslut bifogas.",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "12",
        "lines-0-kind": "supplement",
        "lines-0-description": "Möblering",
        "lines-0-amount": "250",
        "lines-1-kind": "deduction",
        "lines-1-description": "Dubbelt boende",
        "lines-1-amount": "300,50",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _submit(officer, district, **overrides):
    obj = overrides.pop("rental_object", None) or RentalObjectFactory(owner=district)
    fields = {
        "kind": "new_tenant", "personal_number": PERSONAL_NUMBER, "first_name": "Greta",
        "last_name": "Holmberg", "email": "greta@example.invalid", "rental_object": obj,
        "start_date": timezone.localdate() + dt.timedelta(days=7),
        "collection_code": CollectionCodeFactory(), "delivery_channel": "email",
    }
    fields.update(overrides)
    return services.submission_create(
        actor=officer, organisation=district,
        rent_lines=[RentLineData(RentLineKind.BASE_RENT, obj.rent)],
        attachments=[_pdf()], **fields,
    )


def _returned(officer, district, staff, reason="Beslutet saknar underskrift."):
    submission = services.submission_start_review(actor=staff, submission=_submit(officer, district))
    return services.submission_return(actor=staff, submission=submission, reason=reason)


def _store_pdf(contract, kind=ContractDocument.Kind.CONTRACT):
    return services.contract_store_pdf(contract=contract, kind=kind, pdf=PDF,
                                       filename=f"hyresavtal-{contract.number}.pdf")


def _snapshot():
    """What an officer's action could change: counts and the state of every submission."""
    return (
        Submission.objects.count(),
        SubmissionAttachment.objects.count(),
        ContractDocument.objects.count(),
        sorted(Submission.objects.values_list("pk", "state", "message", "received_at")),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


# --- New tenant -------------------------------------------------------------------------------------


def test_new_tenant_form_offers_only_the_administrations_objects_in_use(officer_client, district,
                                                                         other_district):
    mine = RentalObjectFactory(owner=district, object_number="SOD-1", housing_form="fot")
    RentalObjectFactory(owner=district, object_number="SOD-OLD", is_active=False)
    RentalObjectFactory(owner=other_district, object_number="KUN-1")
    CollectionCodeFactory(code="K1")
    CollectionCodeFactory(code="K9", name="Avslutad", is_active=False)

    response = officer_client.get(NEW_URL)

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["rental_object"].queryset) == [mine]
    assert [c.code for c in form.fields["collection_code"].queryset] == ["K1"]
    html = response.content.decode()
    assert "SOD-1" in html and "SOD-OLD" not in html and "KUN-1" not in html
    assert 'enctype="multipart/form-data"' in html
    assert 'id="submit-submission"' in html


def test_every_input_of_the_form_has_a_label_and_the_groups_have_legends(officer_client, district):
    RentalObjectFactory(owner=district)
    CollectionCodeFactory()

    html = officer_client.get(NEW_URL).content.decode()

    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html)
    assert "id_personal_number" in ids and "id_attachments" in ids and "id_lines-0-amount" in ids
    missing = [i for i in ids if f'<label for="{i}"' not in html]
    assert missing == []
    assert html.count("<fieldset") == html.count("<legend>")
    assert 'aria-describedby="id_personal_number_helptext"' in html


def test_officer_sends_a_new_tenant_with_an_attachment(officer_client, officer, district):
    obj = RentalObjectFactory(owner=district)
    code = CollectionCodeFactory()

    response = officer_client.post(NEW_URL, {**_form_data(obj, code), "attachments": [_pdf()]})

    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/forvaltning/underlag/{submission.pk}/"
    assert submission.kind == Submission.Kind.NEW_TENANT
    assert submission.state == Submission.State.SUBMITTED
    assert submission.organisation == district and submission.submitted_by == officer
    assert submission.personal_number == PERSONAL_NUMBER
    assert submission.rental_object == obj and submission.collection_code == code
    assert submission.delivery_channel == "email" and submission.personal_contact is False
    assert submission.due_date == service_level_due(submission.received_at, 3)
    assert sorted((ln.kind, ln.amount, ln.description) for ln in submission.rent_lines.all()) == [
        ("base_rent", Decimal("5400.00"), ""),
        ("deduction", Decimal("300.50"), "Dubbelt boende"),
        ("supplement", Decimal("250.00"), "Möblering"),
    ]
    attachment = submission.attachments.get()
    assert attachment.original_name == "beslut.pdf" and attachment.content_type == "application/pdf"

    page = officer_client.get(response["Location"])
    messages = [str(m) for m in page.context["messages"]]
    assert len(messages) == 1 and submission.due_date.isoformat() in messages[0]


def test_several_attachments_are_kept(officer_client, district):
    obj, code = RentalObjectFactory(owner=district), CollectionCodeFactory()

    officer_client.post(NEW_URL, {**_form_data(obj, code),
                                  "attachments": [_pdf(), SimpleUploadedFile("karta.png", PNG)]})

    assert sorted(Submission.objects.get().attachments.values_list("content_type", flat=True)) == [
        "application/pdf", "image/png"]


def _big_pdf():
    return _pdf("stor.pdf", b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024))


@pytest.mark.parametrize(("overrides", "files", "field", "code"), [
    ({"personal_number": "19480402-1235"}, [], "personal_number", "invalid_checksum"),
    ({"personal_number": "hej"}, [], "personal_number", "invalid_format"),
    ({"base_rent": ""}, [], "base_rent", "required"),
    ({"base_rent": "-5"}, [], "base_rent", "min_value"),
    ({"rental_object": ""}, [], "rental_object", "required"),
    ({"collection_code": ""}, [], "collection_code", "required"),
    ({}, [lambda: _pdf("program.pdf", EXE)], "attachments", "content_type"),
    ({}, [_big_pdf], "attachments", "too_large"),
])
def test_bad_input_rerenders_with_errors_and_creates_nothing(officer_client, district, overrides, files,
                                                           field, code):
    obj, code_obj = RentalObjectFactory(owner=district), CollectionCodeFactory()
    data = _form_data(obj, code_obj, **overrides)
    if files:
        data["attachments"] = [make() for make in files]

    response = officer_client.post(NEW_URL, data)

    assert response.status_code == 200
    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()[field]] == [code]
    assert not Submission.objects.exists()
    assert not SubmissionAttachment.objects.exists()
    html = response.content.decode()
    assert 'id="error-summary"' in html and f'href="#id_{field}"' in html
    assert 'aria-invalid="true"' in html and f'id="id_{field}_error"' in html


def test_a_refused_file_is_named_and_the_good_one_must_be_chosen_again(officer_client, district):
    obj, code = RentalObjectFactory(owner=district), CollectionCodeFactory()

    response = officer_client.post(NEW_URL, {**_form_data(obj, code), "attachments": [
        _pdf("beslut.pdf"), _pdf("program.exe.pdf", EXE)]})

    assert response.status_code == 200
    errors = response.context["form"].errors["attachments"]
    assert len(errors) == 1 and errors[0].startswith("program.exe.pdf: ")
    assert response.context["form"].files_to_choose_again == ["beslut.pdf", "program.exe.pdf"]
    assert "beslut.pdf" in response.content.decode().split('id="error-summary"')[1]
    assert not Submission.objects.exists() and not SubmissionAttachment.objects.exists()


def test_a_bad_rent_line_and_a_bad_period_are_shown_on_their_fields(officer_client, district):
    obj, code = RentalObjectFactory(owner=district), CollectionCodeFactory()
    start = timezone.localdate() + dt.timedelta(days=7)

    response = officer_client.post(NEW_URL, _form_data(
        obj, code, **{"end_date": (start - dt.timedelta(days=1)).isoformat(),
                      "lines-0-amount": "", "lines-1-description": ""}))

    assert response.status_code == 200
    form = response.context["form"]
    assert "end_date" in form.errors
    assert "amount" in form.lines[0].errors
    assert "description" in form.lines[1].errors
    assert 'href="#id_lines-0-amount"' in response.content.decode()
    assert not Submission.objects.exists()


def test_another_districts_object_cannot_be_posted(officer_client, district, other_district):
    theirs, code = RentalObjectFactory(owner=other_district), CollectionCodeFactory()

    response = officer_client.post(NEW_URL, _form_data(theirs, code))

    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["rental_object"]] == ["invalid_choice"]
    assert not Submission.objects.exists()


# --- My submissions ---------------------------------------------------------------------------------


def test_list_shows_the_administrations_submissions_and_marks_returned_ones(
        officer_client, officer, district, other_district, staff):
    colleague_submission = SubmissionFactory(organisation=district, first_name="Kollegans")
    returned = _returned(officer, district, staff)
    theirs = SubmissionFactory(organisation=other_district, first_name="Andras")

    response = officer_client.get(LIST_URL)

    assert response.status_code == 200
    shown = {s.pk for s in response.context["page"].object_list}
    assert shown == {colleague_submission.pk, returned.pk}
    html = response.content.decode()
    assert f'id="submission-{theirs.pk}"' not in html and "Andras" not in html
    row = html.split(f'id="submission-{returned.pk}"')[1].split("</tr>")[0]
    assert "tag-action" in row and returned.due_date.isoformat() in row
    other_row = html.split(f'id="submission-{colleague_submission.pk}"')[1].split("</tr>")[0]
    assert "tag-action" not in other_row
    assert response.context["returned_count"] == 1

    filtered = officer_client.get(LIST_URL, {"state": "returned"})
    assert [s.pk for s in filtered.context["page"].object_list] == [returned.pk]


def _list_queries(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_submission_list_runs_the_same_queries_for_10_and_60_rows(officer_client, officer, district):
    for _ in range(10):
        SubmissionFactory(organisation=district, submitted_by=officer)
    few, response = _list_queries(officer_client, LIST_URL)
    assert len(response.context["page"].object_list) == 10
    for _ in range(50):
        SubmissionFactory(organisation=district)
    many, response = _list_queries(officer_client, LIST_URL)
    assert len(response.context["page"].object_list) == 50
    assert few == many

    second = officer_client.get(LIST_URL, {"page": 2})
    assert len(second.context["page"].object_list) == 10


# --- Submission detail, completion, withdrawal ------------------------------------------------------


def test_detail_shows_what_was_sent_and_the_attachments(officer_client, officer, district):
    submission = _submit(officer, district, message="Se beslutet.")

    response = officer_client.get(f"/forvaltning/underlag/{submission.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert submission.due_date.isoformat() in html.split('id="submission-due"')[1]
    assert "beslut.pdf" in html and "Se beslutet." in html
    assert submission.rental_object.object_number in html
    assert response.context["can_withdraw"] and not response.context["can_complete"]
    assert 'id="withdraw-button"' in html and 'id="complete-link"' not in html

    attachment = submission.attachments.get()
    download = officer_client.get(f"/forvaltning/underlag/{submission.pk}/bilaga/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_returned_submission_shows_the_reason_and_a_complete_link(officer_client, officer, district, staff):
    submission = _returned(officer, district, staff)

    html = officer_client.get(f"/forvaltning/underlag/{submission.pk}/").content.decode()

    assert "Beslutet saknar underskrift." in html.split('id="return-reason"')[1]
    assert f'href="/forvaltning/underlag/{submission.pk}/komplettera/"' in html
    assert "tag-action" in html


def test_officer_completes_a_returned_submission(officer_client, officer, district, staff):
    submission = _returned(officer, district, staff)
    url = f"/forvaltning/underlag/{submission.pk}/komplettera/"

    page = officer_client.get(url)
    form = page.context["form"]
    assert form.initial["first_name"] == "Greta"
    assert form.initial["base_rent"] == submission.rental_object.rent
    assert "Beslutet saknar underskrift." in page.content.decode()

    data = _form_data(submission.rental_object, submission.collection_code,
                      message="Nu med underskrift.", **{"lines-1-kind": "", "lines-1-description": "",
                                                        "lines-1-amount": ""})
    response = officer_client.post(url, {**data, "attachments": [_pdf("underskrivet.pdf")]})

    assert response.status_code == 302
    assert response["Location"] == f"/forvaltning/underlag/{submission.pk}/"
    submission.refresh_from_db()
    assert submission.state == Submission.State.SUBMITTED
    assert submission.message == "Nu med underskrift."
    assert submission.due_date == service_level_due(submission.received_at, 3)
    assert sorted(submission.rent_lines.values_list("kind", flat=True)) == ["base_rent", "supplement"]
    assert sorted(submission.attachments.values_list("original_name", flat=True)) == [
        "beslut.pdf", "underskrivet.pdf"]


def test_completion_with_errors_changes_nothing(officer_client, officer, district, staff):
    submission = _returned(officer, district, staff)
    before = _snapshot()

    response = officer_client.post(
        f"/forvaltning/underlag/{submission.pk}/komplettera/",
        {**_form_data(submission.rental_object, submission.collection_code, base_rent=""),
         "attachments": [_pdf("ny.pdf")]})

    assert response.status_code == 200 and "base_rent" in response.context["form"].errors
    assert _snapshot() == before
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.RETURNED


def test_a_submission_that_is_not_returned_cannot_be_completed(officer_client, officer, district):
    submission = _submit(officer, district)
    before = _snapshot()

    response = officer_client.post(f"/forvaltning/underlag/{submission.pk}/komplettera/",
                                   _form_data(submission.rental_object, submission.collection_code))

    assert response.status_code == 302
    assert response["Location"] == f"/forvaltning/underlag/{submission.pk}/"
    assert _snapshot() == before


def test_officer_withdraws_an_open_submission(officer_client, officer, district):
    submission = _submit(officer, district)

    response = officer_client.post(f"/forvaltning/underlag/{submission.pk}/aterkalla/",
                                   {"reason": "Kunden har tackat nej."}, follow=True)

    assert response.redirect_chain == [(f"/forvaltning/underlag/{submission.pk}/", 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    submission.refresh_from_db()
    assert submission.state == Submission.State.WITHDRAWN
    event = AuditEvent.objects.for_object(submission).filter(to_state="withdrawn").get()
    assert event.actor == officer and event.reason == "Kunden har tackat nej."

    again = officer_client.post(f"/forvaltning/underlag/{submission.pk}/aterkalla/", follow=True)
    assert [m.level_tag for m in again.context["messages"]] == ["error"]
    assert 'id="withdraw-button"' not in again.content.decode()


def test_withdraw_is_post_only(officer_client, officer, district):
    submission = _submit(officer, district)

    assert officer_client.get(f"/forvaltning/underlag/{submission.pk}/aterkalla/").status_code == 405
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.SUBMITTED


def test_completed_fot_submission_says_done_and_that_the_district_hands_over(
        officer_client, officer, district, staff):
    obj = RentalObjectFactory(owner=district, housing_form="fot")
    submission = services.submission_start_review(actor=staff, submission=_submit(
        officer, district, rental_object=obj))
    contract = services.submission_accept(actor=staff, submission=submission)
    services.contract_record_tenure_waiver(actor=staff, contract=contract, signed_on=timezone.localdate())
    services.contract_activate(actor=staff, contract=contract)

    response = officer_client.get(f"/forvaltning/underlag/{submission.pk}/")

    html = response.content.decode()
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.COMPLETED
    assert response.context["delivery"] == "district"
    assert 'id="done"' in html and contract.number in html.split('id="done"')[1]
    assert f'href="/forvaltning/avtal/{contract.pk}/"' in html
    assert 'id="withdraw-button"' not in html


def test_completed_care_housing_submission_says_the_contract_was_sent(officer_client, officer, district,
                                                                      staff):
    submission = services.submission_start_review(actor=staff, submission=_submit(officer, district))
    contract = services.submission_accept(actor=staff, submission=submission)
    services.contract_activate(actor=staff, contract=contract)
    services.contract_mark_sent(contract=contract)

    response = officer_client.get(f"/forvaltning/underlag/{submission.pk}/")

    assert response.context["delivery"] == "sent"
    assert timezone.localdate().isoformat() in response.content.decode().split('id="delivery"')[1]


# --- Change of a contract ---------------------------------------------------------------------------


def test_change_form_is_prefilled_from_the_contract_and_sends_a_change(officer_client, officer, district):
    contract = active_contract(organisation=district, rent_lines=[
        (RentLineKind.BASE_RENT, Decimal("5400.00")), (RentLineKind.SUPPLEMENT, Decimal("250.00"))])
    url = f"/forvaltning/avtal/{contract.pk}/andra/"

    page = officer_client.get(url)

    assert page.status_code == 200
    form = page.context["form"]
    assert "rental_object" not in form.fields
    assert form.fields["personal_number"].disabled
    assert form.initial["personal_number"] == contract.customer.formatted_personal_number
    assert form.initial["last_name"] == contract.customer.last_name
    assert form.initial["base_rent"] == Decimal("5400.00")
    assert form.initial["collection_code"] == contract.collection_code_id
    assert [row.initial for row in form.lines.forms[:1]] == [
        {"kind": "supplement", "description": "", "amount": Decimal("250.00")}]
    assert contract.rental_object.object_number in page.content.decode().split('id="fixed-object"')[1]

    other_object = RentalObjectFactory(owner=district)
    data = _form_data(other_object, contract.collection_code, personal_number="19000101-0008",
                      base_rent="5600", email="ny@example.invalid", **{
                          "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "1",
                          "lines-0-kind": "supplement", "lines-0-description": "",
                          "lines-0-amount": "250,00", "lines-1-kind": "", "lines-1-description": "",
                          "lines-1-amount": ""})
    response = officer_client.post(url, data)

    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/forvaltning/underlag/{submission.pk}/"
    assert submission.kind == Submission.Kind.CHANGE and submission.contract == contract
    assert submission.rental_object == contract.rental_object  # fixed, whatever was posted
    assert submission.personal_number == contract.customer.personal_number  # fixed too
    assert submission.email == "ny@example.invalid"
    assert sorted((ln.kind, ln.amount) for ln in submission.rent_lines.all()) == [
        ("base_rent", Decimal("5600.00")), ("supplement", Decimal("250.00"))]


def test_a_terminated_contract_cannot_be_changed(officer_client, district):
    contract = active_contract(organisation=district)
    RentalContract.objects.filter(pk=contract.pk).update(state=RentalContract.State.TERMINATED)
    url = f"/forvaltning/avtal/{contract.pk}/andra/"

    response = officer_client.post(url, _form_data(contract.rental_object, contract.collection_code))

    assert response.status_code == 302 and response["Location"] == f"/forvaltning/avtal/{contract.pk}/"
    assert not Submission.objects.exists()


# --- Contracts ----------------------------------------------------------------------------------------


def test_contract_list_shows_the_administrations_contracts_with_rent(officer_client, district,
                                                                      other_district):
    mine = active_contract(organisation=district, rent_lines=[
        (RentLineKind.BASE_RENT, Decimal("5400.00")), (RentLineKind.DEDUCTION, Decimal("400.00"))])
    theirs = active_contract(organisation=other_district)

    response = officer_client.get(CONTRACTS_URL)

    assert response.status_code == 200
    assert [row["contract"] for row in response.context["rows"]] == [mine]
    assert response.context["rows"][0]["rent"] == Decimal("5000.00")
    html = response.content.decode()
    assert mine.number in html and theirs.number not in html
    assert mine.customer.full_name in html

    found = officer_client.get(CONTRACTS_URL, {"q": mine.rental_object.object_number})
    assert [row["contract"] for row in found.context["rows"]] == [mine]
    none = officer_client.get(CONTRACTS_URL, {"q": "finns-inte"})
    assert none.context["rows"] == []


def test_contract_list_runs_the_same_queries_for_10_and_60_rows(officer_client, district):
    for _ in range(10):
        RentalContractFactory(organisation=district)
    few, response = _list_queries(officer_client, CONTRACTS_URL)
    assert len(response.context["rows"]) == 10
    for _ in range(50):
        RentalContractFactory(organisation=district)
    many, response = _list_queries(officer_client, CONTRACTS_URL)
    assert len(response.context["rows"]) == 50
    assert few == many


def test_contract_detail_lists_documents_and_the_download_is_recorded(officer_client, officer, district):
    contract = active_contract(organisation=district)
    document = _store_pdf(contract)

    page = officer_client.get(f"/forvaltning/avtal/{contract.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    url = f"/forvaltning/avtal/{contract.pk}/dokument/{document.pk}/"
    assert f'href="{url}"' in html
    assert 'id="change-link"' in html and 'id="fot"' not in html

    download = officer_client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF
    export = AuditEvent.objects.for_object(contract).get(event_type=AuditEvent.Type.EXPORT)
    assert export.actor == officer and export.reason == "contract document"


def test_fot_contract_shows_the_waiver_and_the_tribunal_approval(officer_client, district):
    obj = RentalObjectFactory(owner=district, housing_form="fot")
    contract = RentalContractFactory(organisation=district, rental_object=obj,
                                     tenure_waiver_signed_on=dt.date(2026, 1, 10),
                                     tribunal_approved_on=None)

    response = officer_client.get(f"/forvaltning/avtal/{contract.pk}/")

    html = response.content.decode()
    assert "2026-01-10" in html.split('id="tenure-waiver"')[1].split("</dd>")[0]
    assert "2026" not in html.split('id="tribunal-approval"')[1].split("</dd>")[0]
    kinds = [value for value, _label in response.context["upload_form"].fields["kind"].choices]
    assert kinds == ["signed_original", "tenure_waiver"]


def test_officer_uploads_a_signed_original(officer_client, officer, district):
    contract = active_contract(organisation=district)

    response = officer_client.post(f"/forvaltning/avtal/{contract.pk}/dokument/ladda-upp/",
                                   {"kind": "signed_original", "file": _pdf("underskrivet.pdf")})

    assert response.status_code == 302 and response["Location"] == f"/forvaltning/avtal/{contract.pk}/"
    document = contract.documents.get()
    assert document.kind == ContractDocument.Kind.SIGNED_ORIGINAL and document.created_by == officer


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "signed_original", "file": lambda: _pdf("virus.pdf", EXE)}, "file"),
    ({"kind": "signed_original"}, "file"),
    ({"kind": "tenure_waiver", "file": _pdf}, "kind"),  # not FOT: no waiver
])
def test_a_bad_upload_is_refused_and_nothing_is_kept(officer_client, district, data, field):
    contract = active_contract(organisation=district)
    data = {k: (v() if callable(v) else v) for k, v in data.items()}

    response = officer_client.post(f"/forvaltning/avtal/{contract.pk}/dokument/ladda-upp/", data)

    assert response.status_code == 200
    assert field in response.context["upload_form"].errors
    assert 'id="error-summary"' in response.content.decode()
    assert not ContractDocument.objects.exists()


# --- Navigation ---------------------------------------------------------------------------------------


def test_portal_start_page_links_to_the_contract_pages(officer_client):
    html = officer_client.get("/forvaltning/").content.decode()

    for url in (NEW_URL, LIST_URL, CONTRACTS_URL):
        assert f'href="{url}"' in html


# --- Scoping and roles --------------------------------------------------------------------------------


def test_another_districts_officer_gets_404_and_changes_nothing(client, officer, other_officer, district,
                                                                 staff):
    open_submission = _submit(officer, district)
    returned = _returned(officer, district, staff)
    contract = active_contract(organisation=district)
    document = _store_pdf(contract)
    attachment = open_submission.attachments.get()
    client.force_login(other_officer)
    before = _snapshot()

    gets = [
        f"/forvaltning/underlag/{open_submission.pk}/",
        f"/forvaltning/underlag/{returned.pk}/komplettera/",
        f"/forvaltning/underlag/{open_submission.pk}/bilaga/{attachment.pk}/",
        f"/forvaltning/avtal/{contract.pk}/",
        f"/forvaltning/avtal/{contract.pk}/andra/",
        f"/forvaltning/avtal/{contract.pk}/dokument/{document.pk}/",
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        (f"/forvaltning/underlag/{open_submission.pk}/aterkalla/", {}),
        (f"/forvaltning/underlag/{returned.pk}/komplettera/",
         {**_form_data(returned.rental_object, returned.collection_code, message="Kapat"),
          "attachments": [_pdf()]}),
        (f"/forvaltning/avtal/{contract.pk}/andra/",
         _form_data(contract.rental_object, contract.collection_code)),
        (f"/forvaltning/avtal/{contract.pk}/dokument/ladda-upp/",
         {"kind": "signed_original", "file": _pdf()}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url

    assert _snapshot() == before
    assert Submission.objects.get(pk=open_submission.pk).state == Submission.State.SUBMITTED
    assert Submission.objects.get(pk=returned.pk).state == Submission.State.RETURNED
    assert list(client.get(LIST_URL).context["page"].object_list) == []
    assert client.get(CONTRACTS_URL).context["rows"] == []


PORTAL_PAGES = [NEW_URL, LIST_URL, CONTRACTS_URL]


@pytest.mark.parametrize("role", ["citizen", "staff"])
def test_citizens_and_staff_are_refused_the_portal_pages(client, request, role, officer, district):
    submission = _submit(officer, district)
    contract = active_contract(organisation=district)
    client.force_login(request.getfixturevalue(role))
    before = _snapshot()

    for url in [*PORTAL_PAGES, f"/forvaltning/underlag/{submission.pk}/",
                f"/forvaltning/avtal/{contract.pk}/"]:
        assert client.get(url).status_code == 403, url
    obj, code = RentalObjectFactory(owner=district), CollectionCodeFactory()
    assert client.post(NEW_URL, _form_data(obj, code)).status_code == 403
    assert client.post(f"/forvaltning/underlag/{submission.pk}/aterkalla/").status_code == 403
    assert _snapshot() == before


def test_anonymous_visitors_are_sent_to_the_portal_login(client):
    for url in PORTAL_PAGES:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/forvaltning/login/")
