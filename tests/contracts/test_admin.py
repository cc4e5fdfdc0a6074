"""The staff side of contracts in the admin: the submission queue, contracts, objects and lists."""

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, override, pgettext

from contracts import checks, services
from contracts.models import (
    CollectionCode,
    ContractDocument,
    HousingForm,
    ObjectQuality,
    RentalContract,
    RentalObject,
    RentLine,
    RentLineKind,
    Submission,
    SubmissionAttachment,
)
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused
from tests.contracts.factories import (
    QualityTypeFactory,
    RentalContractFactory,
    RentalObjectFactory,
    SubmissionFactory,
    active_contract,
)

pytestmark = pytest.mark.django_db

QUEUE = "/admin/contracts/submission/"
CONTRACTS = "/admin/contracts/rentalcontract/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = timezone.localdate


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _submission(district, officer, **kwargs):
    return SubmissionFactory(organisation=district, submitted_by=officer, **kwargs)


def _in_review(district, officer, staff, **kwargs):
    return services.submission_start_review(actor=staff, submission=_submission(district, officer,
                                                                                  **kwargs))


def _set_state(obj, state):
    """Put a record in a state for a test (the state field is protected)."""
    type(obj).objects.filter(pk=obj.pk).update(state=state)
    obj.refresh_from_db()
    return obj


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _ids(response) -> list[int]:
    return [obj.pk for obj in response.context["cl"].result_list]


def _form_data(response) -> dict:
    """What the browser would post back from an admin change page, unchanged."""
    data = {}

    def add(form):
        for name in form.fields:
            bound = form[name]
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, dt.date):
                data[bound.html_name] = value.isoformat()
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management[name].html_name] = str(management[name].value())
        for form in formset.initial_forms:
            add(form)
    return data


def _audit(obj, event_type=None):
    events = AuditEvent.objects.for_object(obj)
    return events.filter(event_type=event_type) if event_type else events


# --- The queue --------------------------------------------------------------------------------------


def test_queue_lists_open_submissions_oldest_due_first_and_marks_the_overdue(staff_client, district,
                                                                             officer):
    later = _submission(district, officer, due_date=TODAY() + dt.timedelta(days=5))
    overdue = _submission(district, officer, due_date=TODAY() - dt.timedelta(days=2), last_name="Sen")
    soon = _submission(district, officer, due_date=TODAY() + dt.timedelta(days=1))
    done = _set_state(_submission(district, officer, due_date=TODAY() - dt.timedelta(days=9)),
                      Submission.State.COMPLETED)

    response = staff_client.get(QUEUE)

    assert response.status_code == 200
    assert _ids(response) == [overdue.pk, soon.pk, later.pk]  # a completed one is not in the queue
    content = response.content.decode()
    marker = pgettext("due date marker", "Overdue")
    assert content.count('class="overdue"') == 1
    assert f"<strong>{marker}</strong>" in content
    row = next(line for line in content.splitlines() if 'class="overdue"' in line)
    assert (TODAY() - dt.timedelta(days=2)).isoformat() in row

    everything = staff_client.get(QUEUE, {"state": "all"})
    assert done.pk in _ids(everything)
    assert len(_ids(everything)) == 4


def test_the_overdue_marker_is_in_swedish(staff_client, district, officer):
    _submission(district, officer, due_date=TODAY() - dt.timedelta(days=1))
    with override("sv"):
        marker = pgettext("due date marker", "Overdue")
    assert marker in staff_client.get(QUEUE).content.decode()


def test_queue_filters(staff_client, staff, district, other_district, officer, other_officer):
    mine = _submission(district, officer)
    services.submission_assign(actor=staff, submission=mine, assignee=staff)
    unassigned = _submission(district, officer, kind=Submission.Kind.CHANGE)
    theirs = _submission(other_district, other_officer, due_date=TODAY() - dt.timedelta(days=1))
    returned = _set_state(_submission(district, officer), Submission.State.RETURNED)

    assert _ids(staff_client.get(QUEUE, {"assignee": "mine"})) == [mine.pk]
    assert set(_ids(staff_client.get(QUEUE, {"assignee": "none"}))) == {unassigned.pk, theirs.pk,
                                                                         returned.pk}
    assert _ids(staff_client.get(QUEUE, {"assignee": str(staff.pk)})) == [mine.pk]
    assert _ids(staff_client.get(QUEUE, {"organisation__id__exact": other_district.pk})) == [theirs.pk]
    assert _ids(staff_client.get(QUEUE, {"kind__exact": "change"})) == [unassigned.pk]
    assert _ids(staff_client.get(QUEUE, {"overdue": "yes"})) == [theirs.pk]
    assert _ids(staff_client.get(QUEUE, {"state": "returned"})) == [returned.pk]
    pn = theirs.personal_number
    assert _ids(staff_client.get(QUEUE, {"q": f"{pn[2:8]}-{pn[8:]}"})) == [theirs.pk]


def test_assign_to_me_from_the_change_page_and_as_a_bulk_action(staff_client, staff, district, officer):
    one, two, three = (_submission(district, officer) for _ in range(3))

    page = staff_client.get(f"{QUEUE}{one.pk}/change/")
    assert f"{QUEUE}{one.pk}/assign-to-me/" in page.content.decode()
    response = staff_client.post(f"{QUEUE}{one.pk}/assign-to-me/")

    assert response.status_code == 302
    one.refresh_from_db()
    assert one.assignee == staff
    assert _audit(one, AuditEvent.Type.UPDATE).get().changes == {"assignee_id": [None, staff.pk]}

    staff_client.post(QUEUE, {"action": "assign_to_me", "_selected_action": [two.pk, three.pk]})
    assert set(Submission.objects.filter(assignee=staff).values_list("pk", flat=True)) == {
        one.pk, two.pk, three.pk}


def test_start_review(staff_client, staff, district, officer):
    submission = _submission(district, officer)

    response = staff_client.post(f"{QUEUE}{submission.pk}/start-review/", follow=True)

    submission.refresh_from_db()
    assert submission.state == Submission.State.IN_REVIEW
    assert submission.assignee == staff
    assert _audit(submission, AuditEvent.Type.TRANSITION).get().to_state == "in_review"
    assert gettext("The review has started.") in _messages(response)


def test_a_transition_that_is_not_possible_shows_why_and_changes_nothing(staff_client, district, officer):
    submission = _submission(district, officer)  # submitted, not in review

    response = staff_client.post(f"{QUEUE}{submission.pk}/accept/", follow=True)

    assert gettext("Only a submission in review can be accepted.") in _messages(response)
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.SUBMITTED
    assert not RentalContract.objects.exists()


def test_return_without_a_reason_changes_nothing(staff_client, staff, district, officer,
                                                 django_capture_on_commit_callbacks):
    submission = _in_review(district, officer, staff)
    url = f"{QUEUE}{submission.pk}/return/"
    assert staff_client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {"reason": "   "})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert 'class="errornote"' in response.content.decode()
    submission.refresh_from_db()
    assert submission.state == Submission.State.IN_REVIEW and submission.return_reason == ""
    assert mail.outbox == []


def test_return_with_a_reason_emails_the_submitter(staff_client, staff, district, officer,
                                                   django_capture_on_commit_callbacks):
    submission = _in_review(district, officer, staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{QUEUE}{submission.pk}/return/",
                                     {"reason": "Beslutet saknar underskrift."})

    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.state == Submission.State.RETURNED
    assert submission.return_reason == "Beslutet saknar underskrift."
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [officer.email]
    assert "Beslutet saknar underskrift." in mail.outbox[0].body


def test_accept_creates_the_draft_contract_from_the_submission(staff_client, staff, district, officer):
    submission = _in_review(district, officer, staff, end_date=TODAY() + dt.timedelta(days=400),
                            notice_period_months=2)

    response = staff_client.post(f"{QUEUE}{submission.pk}/accept/", follow=True)

    contract = RentalContract.objects.get()
    assert contract.state == RentalContract.State.DRAFT
    assert contract.customer.personal_number == submission.personal_number
    assert contract.customer.last_name == submission.last_name
    assert (contract.rental_object, contract.organisation) == (submission.rental_object, district)
    assert (contract.start_date, contract.end_date) == (submission.start_date, submission.end_date)
    assert contract.notice_period_months == 2
    assert contract.collection_code == submission.collection_code
    assert contract.monthly_rent() == submission.rental_object.rent
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.ACCEPTED
    assert f'href="{CONTRACTS}{contract.pk}/change/"' in response.content.decode()


def test_accept_refused_lists_every_failed_check_and_creates_nothing(staff_client, staff, district,
                                                                      officer):
    obj = RentalObjectFactory(owner=district, rent_year=TODAY().year - 1)
    submission = _in_review(district, officer, staff, rental_object=obj, collection_code=None)
    failed = checks.failed(checks.submission_checks(submission))
    assert {c.code for c in failed} >= {"collection_code", "rent_year"}

    response = staff_client.post(f"{QUEUE}{submission.pk}/accept/", follow=True)

    shown = _messages(response)
    for check in failed:
        assert f"{check.label}: {check.detail}" in shown
    assert not RentalContract.objects.exists()
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.IN_REVIEW


def test_change_page_is_read_only_with_lines_attachments_checks_and_history(staff_client, staff,
                                                                            district, officer):
    submission = _in_review(district, officer, staff, collection_code=None)
    attachment = SubmissionAttachment.objects.create(
        submission=submission, file=SimpleUploadedFile("beslut.pdf", PDF), original_name="beslut.pdf",
        content_type="application/pdf", size=len(PDF), sha256="0" * 64)

    response = staff_client.get(f"{QUEUE}{submission.pk}/change/")

    content = response.content.decode()
    assert response.context["has_change_permission"] is False
    assert 'name="_save"' not in content
    assert submission.formatted_personal_number in content
    assert 'id="rent-lines"' in content
    url = f"{QUEUE}{submission.pk}/attachments/{attachment.pk}/"
    assert f'href="{url}"' in content
    assert 'data-check="collection_code"' in content
    assert content.count('class="failed"') == 1

    download = staff_client.get(url)
    assert b"".join(download.streaming_content) == PDF
    assert _audit(submission, AuditEvent.Type.VIEW).get().actor == staff
    history = staff_client.get(f"{QUEUE}{submission.pk}/history/")
    assert history.status_code == 200 and len(history.context["events"]) >= 2


def test_submissions_are_not_added_changed_or_deleted_in_the_admin(staff_client, district, officer):
    submission = _submission(district, officer)

    assert staff_client.get(f"{QUEUE}add/").status_code == 403
    assert staff_client.post(f"{QUEUE}{submission.pk}/change/", {"first_name": "X"}).status_code == 403
    assert staff_client.post(f"{QUEUE}{submission.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Submission.objects.get(pk=submission.pk).first_name == submission.first_name


# --- Contracts --------------------------------------------------------------------------------------


def test_activation_refused_lists_the_failed_check_then_succeeds(staff_client, staff, district):
    contract = RentalContractFactory(organisation=district,
                                     rental_object=RentalObjectFactory(owner=district,
                                                                       housing_form=HousingForm.FOT))
    waiver_check = next(c for c in checks.activation_checks(contract) if c.code == "tenure_waiver")

    response = staff_client.post(f"{CONTRACTS}{contract.pk}/activate/", follow=True)

    assert f"{waiver_check.label}: {waiver_check.detail}" in _messages(response)
    assert RentalContract.objects.get(pk=contract.pk).state == RentalContract.State.DRAFT

    waiver = staff_client.post(f"{CONTRACTS}{contract.pk}/tenure-waiver/",
                               {"signed_on": TODAY().isoformat()})
    assert waiver.status_code == 302
    response = staff_client.post(f"{CONTRACTS}{contract.pk}/activate/", follow=True)

    contract.refresh_from_db()
    assert contract.state == RentalContract.State.ACTIVE
    assert contract.tenure_waiver_signed_on == TODAY()
    assert gettext("The contract is active.") in _messages(response)
    assert _audit(contract, AuditEvent.Type.TRANSITION).get().actor == staff


def test_make_preliminary_button(staff_client, district):
    contract = RentalContractFactory(organisation=district)
    page = staff_client.get(f"{CONTRACTS}{contract.pk}/change/").content.decode()
    assert f"{CONTRACTS}{contract.pk}/make-preliminary/" in page
    assert 'id="checklist"' in page

    staff_client.post(f"{CONTRACTS}{contract.pk}/make-preliminary/")

    assert RentalContract.objects.get(pk=contract.pk).state == RentalContract.State.PRELIMINARY


def test_editing_terms_in_the_admin_is_in_the_history(staff_client, staff, district):
    contract = RentalContractFactory(organisation=district)
    data = _form_data(staff_client.get(f"{CONTRACTS}{contract.pk}/change/"))
    data["end_date"] = "2030-12-31"

    response = staff_client.post(f"{CONTRACTS}{contract.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    contract.refresh_from_db()
    assert contract.end_date == dt.date(2030, 12, 31)
    event = _audit(contract, AuditEvent.Type.UPDATE).get()
    assert event.actor == staff
    assert event.changes == {"end_date": [None, "2030-12-31"]}
    history = staff_client.get(f"{CONTRACTS}{contract.pk}/history/").content.decode()
    assert "end_date" in history


def test_an_end_date_before_the_start_is_refused_with_nothing_changed(staff_client, district):
    contract = RentalContractFactory(organisation=district)
    data = _form_data(staff_client.get(f"{CONTRACTS}{contract.pk}/change/"))
    data["end_date"] = "2020-01-01"

    response = staff_client.post(f"{CONTRACTS}{contract.pk}/change/", data)

    assert response.status_code == 200
    assert gettext("The end date is before the start date.") in response.content.decode()
    assert RentalContract.objects.get(pk=contract.pk).end_date is None
    assert not _audit(contract).exists()


def test_rent_lines_are_saved_through_the_service(staff_client, staff, district):
    contract = RentalContractFactory(organisation=district)
    line = contract.rent_lines.get()
    data = _form_data(staff_client.get(f"{CONTRACTS}{contract.pk}/change/"))
    prefix = "rent_lines"
    assert data[f"{prefix}-0-id"] == str(line.pk)
    data.update({f"{prefix}-TOTAL_FORMS": "2", f"{prefix}-1-rent_year": str(TODAY().year),
                 f"{prefix}-1-kind": RentLineKind.SUPPLEMENT, f"{prefix}-1-amount": "250.00",
                 f"{prefix}-1-description": "Möblering"})

    response = staff_client.post(f"{CONTRACTS}{contract.pk}/change/", data)

    assert response.status_code == 302
    assert contract.monthly_rent(TODAY().year) == line.amount + Decimal("250.00")
    assert sorted(RentLine.objects.filter(contract=contract).values_list("kind", flat=True)) == [
        "base_rent", "supplement"]
    event = _audit(contract, AuditEvent.Type.UPDATE).get()
    assert event.actor == staff and "rent_lines" in event.changes


def test_a_rent_line_deleted_in_the_admin_is_gone_and_in_the_history(staff_client, district):
    contract = RentalContractFactory(organisation=district,
                                     rent_lines=[(RentLineKind.BASE_RENT, Decimal("5400.00")),
                                                 (RentLineKind.DEDUCTION, Decimal("300.00"))])
    data = _form_data(staff_client.get(f"{CONTRACTS}{contract.pk}/change/"))
    deduction = contract.rent_lines.get(kind=RentLineKind.DEDUCTION)
    index = next(k.split("-")[1] for k, v in data.items()
                 if k.startswith("rent_lines-") and k.endswith("-id") and v == str(deduction.pk))
    data[f"rent_lines-{index}-DELETE"] = "on"

    assert staff_client.post(f"{CONTRACTS}{contract.pk}/change/", data).status_code == 302

    assert list(contract.rent_lines.values_list("kind", flat=True)) == ["base_rent"]
    change = _audit(contract, AuditEvent.Type.UPDATE).get().changes["rent_lines"]
    assert len(change[0]) == 2 and len(change[1]) == 1


def test_upload_of_a_signed_original_is_checked_by_content(staff_client, settings, district):
    contract = active_contract(organisation=district)
    url = f"{CONTRACTS}{contract.pk}/upload/"

    refused = staff_client.post(url, {"kind": "signed_original",
                                      "file": SimpleUploadedFile("avtal.pdf", b"MZ\x90\x00" * 100)})

    assert refused.status_code == 200
    assert refused.context["form"].errors["file"]
    assert not ContractDocument.objects.exists()
    contracts_dir = settings.MEDIA_ROOT / "contracts"
    assert not contracts_dir.exists() or not any(os.scandir(contracts_dir))

    accepted = staff_client.post(url, {"kind": "signed_original",
                                       "file": SimpleUploadedFile("avtal.pdf", PDF)})

    assert accepted.status_code == 302
    document = ContractDocument.objects.get()
    assert document.kind == ContractDocument.Kind.SIGNED_ORIGINAL
    assert document.content_type == "application/pdf"
    download = staff_client.get(f"{CONTRACTS}{contract.pk}/documents/{document.pk}/")
    assert b"".join(download.streaming_content) == PDF


def test_a_dispute_needs_a_reason(staff_client, district):
    contract = active_contract(organisation=district)
    url = f"{CONTRACTS}{contract.pk}/open-dispute/"

    assert staff_client.post(url, {"reason": ""}).status_code == 200
    assert RentalContract.objects.get(pk=contract.pk).state == RentalContract.State.ACTIVE

    staff_client.post(url, {"reason": "Hyresnämnden prövar hyran."})
    contract.refresh_from_db()
    assert contract.state == RentalContract.State.IN_DISPUTE
    assert _audit(contract, AuditEvent.Type.TRANSITION).get().reason == "Hyresnämnden prövar hyran."

    staff_client.post(f"{CONTRACTS}{contract.pk}/close-dispute/", {"reason": "Beslut meddelat."})
    assert RentalContract.objects.get(pk=contract.pk).state == RentalContract.State.ACTIVE


def test_contracts_are_not_added_or_deleted_in_the_admin(staff_client, district):
    contract = RentalContractFactory(organisation=district)
    assert staff_client.get(f"{CONTRACTS}add/").status_code == 403
    assert staff_client.post(f"{CONTRACTS}{contract.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RentalContract.objects.filter(pk=contract.pk).exists()


def test_contract_search_by_personal_number_with_or_without_a_dash(staff_client, district):
    wanted = RentalContractFactory(organisation=district)
    RentalContractFactory(organisation=district)
    pn = wanted.customer.personal_number

    assert _ids(staff_client.get(CONTRACTS, {"q": f"{pn[:8]}-{pn[8:]}"})) == [wanted.pk]
    assert _ids(staff_client.get(CONTRACTS, {"q": wanted.rental_object.object_number})) == [wanted.pk]


# --- The query count does not grow with the list -------------------------------------------------------


def _queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"all": ""})
    assert response.status_code == 200
    return len(queries), len(response.context["cl"].result_list)


def test_the_queue_runs_the_same_queries_for_10_rows_as_for_200(staff_client, staff, district, officer):
    obj = RentalObjectFactory(owner=district)

    def make(n):
        for i in range(n):
            submission = _submission(district, officer, rental_object=obj, rent_lines=[],
                                     due_date=TODAY() + dt.timedelta(days=i % 7 - 3))
            if i % 2:
                Submission.objects.filter(pk=submission.pk).update(assignee=staff)

    make(10)
    small, rows = _queries(staff_client, QUEUE)
    assert rows == 10
    make(190)
    large, rows = _queries(staff_client, QUEUE)
    assert rows == 200
    assert small == large


def test_the_contract_list_runs_the_same_queries_for_10_rows_as_for_200(staff_client, district):
    obj = RentalObjectFactory(owner=district)
    RentalContractFactory.create_batch(10, organisation=district, rental_object=obj)
    small, rows = _queries(staff_client, CONTRACTS)
    assert rows == 10
    RentalContractFactory.create_batch(190, organisation=district, rental_object=obj)
    large, rows = _queries(staff_client, CONTRACTS)
    assert rows == 200
    assert small == large


# --- Nobody but service staff --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "citizen"])
def test_officers_and_citizens_cannot_reach_the_admin_or_act(client, request, who, district, staff,
                                                             officer):
    client.force_login(request.getfixturevalue(who))
    submission = _in_review(district, officer, staff)
    assigned = Submission.objects.filter(pk=submission.pk).update(assignee=None)
    contract = RentalContractFactory(organisation=district)
    events_before = AuditEvent.objects.count()

    for url in (QUEUE, f"{QUEUE}{submission.pk}/change/", f"{QUEUE}{submission.pk}/return/",
                CONTRACTS, f"{CONTRACTS}{contract.pk}/change/", "/admin/contracts/rentalobject/",
                "/admin/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url

    posts = [
        (f"{QUEUE}{submission.pk}/assign-to-me/", {}),
        (f"{QUEUE}{submission.pk}/accept/", {}),
        (f"{QUEUE}{submission.pk}/return/", {"reason": "Saknas"}),
        (QUEUE, {"action": "accept_selected", "_selected_action": [submission.pk]}),
        (f"{CONTRACTS}{contract.pk}/activate/", {}),
        (f"{CONTRACTS}{contract.pk}/upload/", {"kind": "signed_original",
                                               "file": SimpleUploadedFile("a.pdf", PDF)}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url

    submission.refresh_from_db()
    assert assigned == 1 and submission.assignee is None
    assert submission.state == Submission.State.IN_REVIEW
    assert RentalContract.objects.get(pk=contract.pk).state == RentalContract.State.DRAFT
    assert RentalContract.objects.count() == 1
    assert not ContractDocument.objects.exists()
    assert AuditEvent.objects.count() == events_before
    assert mail.outbox == []


# --- "Mitt arbete" on the index -------------------------------------------------------------------------


def test_the_admin_index_shows_the_submission_queue_counts(staff_client, staff, district, officer):
    _submission(district, officer, due_date=TODAY() - dt.timedelta(days=3))
    _submission(district, officer, due_date=TODAY())
    mine = _submission(district, officer, due_date=TODAY() + dt.timedelta(days=2))
    services.submission_assign(actor=staff, submission=mine, assignee=staff)
    _set_state(_submission(district, officer, due_date=TODAY() - dt.timedelta(days=3)),
               Submission.State.WITHDRAWN)

    response = staff_client.get("/admin/")

    row = next(r for r in response.context["my_work"] if r["queue"].key == "submissions")
    assert (row["open"], row["due_today"], row["overdue"], row["mine"]) == (3, 1, 1, 1)
    assert f'<a href="{QUEUE}">' in response.content.decode()


# --- Objects and lists ----------------------------------------------------------------------------------


def _object_form(client, obj):
    return _form_data(client.get(f"/admin/contracts/rentalobject/{obj.pk}/change/"))


def test_object_qualities_are_checked_against_the_allowed_values(staff_client, staff, district):
    kitchen = QualityTypeFactory(code="kitchen", name="Kök", allowed_values="Kök; Kokvrå")
    obj = RentalObjectFactory(owner=district)
    url = f"/admin/contracts/rentalobject/{obj.pk}/change/"
    data = _object_form(staff_client, obj)
    data.update({"qualities-0-quality_type": str(kitchen.pk), "qualities-0-value": "Pentry"})

    refused = staff_client.post(url, data)

    assert refused.status_code == 200
    assert "Kokvrå" in refused.content.decode()
    assert not ObjectQuality.objects.exists()

    data["qualities-0-value"] = "Kokvrå"
    assert staff_client.post(url, data).status_code == 302
    assert obj.qualities.get().value == "Kokvrå"
    event = _audit(obj, AuditEvent.Type.UPDATE).get()
    assert event.actor == staff and event.changes == {"qualities": [{}, {"kitchen": "Kokvrå"}]}


def test_a_new_object_with_its_qualities_is_added_through_the_services(staff_client, staff, district):
    balcony = QualityTypeFactory(code="balcony", name="Balkong", allowed_values="Ja;Nej")
    landlord = RentalObjectFactory(owner=district).landlord
    data = {
        "object_number": "NY-1", "street_address": "Götgatan 1", "postcode": "11646",
        "town": "Stockholm", "housing_form": HousingForm.GROUP_HOME, "owner": district.pk,
        "is_active": "on", "landlord": landlord.pk, "first_hand_rent": "4000.00", "rent": "4200.00",
        "rent_year": str(TODAY().year), "area": "30.0", "rooms": "1.0",
        "qualities-TOTAL_FORMS": "1", "qualities-INITIAL_FORMS": "0", "qualities-MIN_NUM_FORMS": "0",
        "qualities-MAX_NUM_FORMS": "1000", "qualities-0-quality_type": str(balcony.pk),
        "qualities-0-value": "Ja",
    }

    response = staff_client.post("/admin/contracts/rentalobject/add/", data)

    assert response.status_code == 302
    obj = RentalObject.objects.get(object_number="NY-1")
    assert obj.qualities.get().value == "Ja"
    assert _audit(obj, AuditEvent.Type.CREATE).get().actor == staff
    assert _audit(obj, AuditEvent.Type.UPDATE).get().changes == {"qualities": [{}, {"balcony": "Ja"}]}


def test_changing_an_object_is_audited(staff_client, staff, district):
    obj = RentalObjectFactory(owner=district, town="Stockholm")
    data = _object_form(staff_client, obj)
    data["town"] = "Solna"

    assert staff_client.post(f"/admin/contracts/rentalobject/{obj.pk}/change/", data).status_code == 302

    assert _audit(obj, AuditEvent.Type.UPDATE).get().changes == {"town": ["Stockholm", "Solna"]}


def test_the_object_list_links_to_the_csv_import_only_when_it_exists(staff_client):
    response = staff_client.get("/admin/contracts/rentalobject/")
    assert response.status_code == 200
    try:
        url = reverse("admin:contracts_rentalobject_import")
    except NoReverseMatch:
        assert response.context["import_url"] == ""
    else:
        assert f'href="{url}"' in response.content.decode()


def test_a_collection_code_added_in_the_admin_is_audited(client, staff):
    staff.is_superuser = True  # service_admin keeps this list
    staff.save()
    client.force_login(staff)

    response = client.post("/admin/contracts/collectioncode/add/",
                           {"code": "K9", "name": "Ingen inkasso", "is_active": "on"})

    assert response.status_code == 302
    code = CollectionCode.objects.get(code="K9")
    assert _audit(code, AuditEvent.Type.CREATE).get().actor == staff


# --- Services added for the admin -----------------------------------------------------------------------


def test_a_closed_submission_cannot_be_assigned(staff, district, officer):
    submission = _set_state(_submission(district, officer), Submission.State.COMPLETED)
    with pytest.raises(TransitionRefused):
        services.submission_assign(actor=staff, submission=submission, assignee=staff)
    assert Submission.objects.get(pk=submission.pk).assignee is None


def test_set_qualities_refuses_a_value_that_is_not_allowed_and_removes_empty_ones(staff, district):
    balcony = QualityTypeFactory(code="balcony", name="Balkong", allowed_values="Ja;Nej")
    floor = QualityTypeFactory(code="floor", name="Våning")
    obj = RentalObjectFactory(owner=district)

    with pytest.raises(ValidationError):
        services.rental_object_set_qualities(actor=staff, rental_object=obj,
                                             values={floor: "3", balcony: "Kanske"})
    assert not obj.qualities.exists()  # all or nothing

    services.rental_object_set_qualities(actor=staff, rental_object=obj, values={floor: "3",
                                                                                 balcony: "Ja"})
    services.rental_object_set_qualities(actor=staff, rental_object=obj, values={balcony: ""})
    assert [(q.quality_type.code, q.value) for q in obj.qualities.all()] == [("floor", "3")]
    assert _audit(obj, AuditEvent.Type.UPDATE).count() == 2
