"""The main path through the services: submission → review → return → resubmit → accept → activate."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contracts import services
from contracts.models import ContractDocument, RentalContract, RentLineKind, Submission
from contracts.services import ChecksFailed, RentLineData
from hyresadmin.models import AuditEvent, Person
from hyresadmin.transitions import TransitionRefused
from tests.contracts.factories import CollectionCodeFactory, RentalObjectFactory, active_contract
from tests.factories import make_personal_number

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _submit(officer, district, **overrides):
    obj = overrides.pop("rental_object", None) or RentalObjectFactory(owner=district)
    fields = {
        "kind": "new_tenant", "personal_number": make_personal_number(dt.date(1948, 4, 2), 123),
        "first_name": "Greta", "last_name": "Holmberg", "email": "greta@example.invalid",
        "rental_object": obj, "start_date": timezone.localdate() + dt.timedelta(days=7),
        "collection_code": CollectionCodeFactory(), "delivery_channel": "email",
    }
    fields.update(overrides)
    return services.submission_create(
        actor=officer, organisation=district,
        rent_lines=[RentLineData(RentLineKind.BASE_RENT, obj.rent),
                    RentLineData(RentLineKind.DEDUCTION, Decimal("300.00"), "Dubbelt boende")],
        attachments=[SimpleUploadedFile("beslut.pdf", PDF, content_type="application/pdf")],
        **fields,
    )


def test_whole_path(officer, district, staff, django_capture_on_commit_callbacks):
    submission = _submit(officer, district)
    assert submission.state == Submission.State.SUBMITTED
    assert submission.attachments.get().content_type == "application/pdf"

    submission = services.submission_start_review(actor=staff, submission=submission)
    assert submission.assignee == staff
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_return(actor=staff, submission=submission,
                                                reason="Beslutet saknar underskrift.")
    assert submission.state == Submission.State.RETURNED
    assert "Beslutet saknar underskrift." in mail.outbox[-1].body
    assert mail.outbox[-1].to == [officer.email]

    submission = services.submission_resubmit(
        actor=officer, submission=submission, message="Nu med underskrift",
        rent_lines=[RentLineData(RentLineKind.BASE_RENT, submission.rental_object.rent)])
    assert submission.state == Submission.State.SUBMITTED
    submission = services.submission_start_review(actor=staff, submission=submission)
    with django_capture_on_commit_callbacks(execute=True):
        contract = services.submission_accept(actor=staff, submission=submission)

    assert contract.state == RentalContract.State.DRAFT
    person = Person.objects.get(personal_number=submission.personal_number)
    assert contract.customer == person and person.affiliation == district
    assert contract.monthly_rent() == submission.rental_object.rent
    assert contract.documents.filter(kind=ContractDocument.Kind.CONTRACT).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.contract_activate(actor=staff, contract=contract)
    contract.refresh_from_db()
    assert contract.state == RentalContract.State.ACTIVE
    assert contract.sent_at is not None  # care housing, e-mail: sent to the customer
    submission.refresh_from_db()
    assert submission.state == Submission.State.COMPLETED
    subjects = [m.subject for m in mail.outbox]
    assert any("hyresavtal" in a[0] for m in mail.outbox for a in m.attachments)
    assert len(subjects) == 3
    assert AuditEvent.objects.for_object(contract).filter(event_type="transition").exists()


def test_accept_refused_lists_every_failed_check(officer, district, staff):
    obj = RentalObjectFactory(owner=district, rent_year=timezone.localdate().year - 1)
    submission = _submit(officer, district, rental_object=obj, collection_code=None)
    submission = services.submission_start_review(actor=staff, submission=submission)
    with pytest.raises(ChecksFailed) as exc:
        services.submission_accept(actor=staff, submission=submission)
    codes = {c.code for c in exc.value.failed_checks}
    assert {"collection_code", "rent_year"} <= codes
    assert not RentalContract.objects.exists()
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.IN_REVIEW


def test_object_with_current_contract_is_refused(officer, district, staff):
    existing = active_contract(organisation=district)
    submission = _submit(officer, district, rental_object=existing.rental_object)
    submission = services.submission_start_review(actor=staff, submission=submission)
    with pytest.raises(ChecksFailed) as exc:
        services.submission_accept(actor=staff, submission=submission)
    assert "object_free" in {c.code for c in exc.value.failed_checks}


def test_return_needs_a_reason(officer, district, staff):
    submission = services.submission_start_review(actor=staff, submission=_submit(officer, district))
    with pytest.raises(ValidationError):
        services.submission_return(actor=staff, submission=submission, reason="  ")
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.IN_REVIEW


def test_fot_activation_needs_the_waiver(officer, district, staff, django_capture_on_commit_callbacks):
    obj = RentalObjectFactory(owner=district, housing_form="fot")
    submission = services.submission_start_review(actor=staff, submission=_submit(
        officer, district, rental_object=obj))
    contract = services.submission_accept(actor=staff, submission=submission)
    with pytest.raises(ChecksFailed) as exc:
        services.contract_activate(actor=staff, contract=contract)
    assert [c.code for c in exc.value.failed_checks] == ["tenure_waiver"]
    services.contract_record_tenure_waiver(actor=staff, contract=contract,
                                           signed_on=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        contract = services.contract_activate(actor=staff, contract=contract)
    contract.refresh_from_db()
    assert contract.state == "active" and contract.sent_at is None  # the district hands it over


def test_affiliation_cannot_change_while_previous_contract_is_current(staff, district, other_district):
    contract = active_contract(organisation=other_district)
    with pytest.raises(Exception) as exc:
        services.customer_set_affiliation(actor=staff, person=contract.customer, organisation=district)
    assert exc.value.code == "affiliation_locked"
    assert Person.objects.get(pk=contract.customer.pk).affiliation == other_district


def test_bad_attachment_leaves_nothing(officer, district):
    with pytest.raises(ValidationError):
        services.submission_create(
            actor=officer, organisation=district,
            rent_lines=[RentLineData(RentLineKind.BASE_RENT, Decimal("1.00"))],
            attachments=[SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", content_type="application/pdf")],
            kind="new_tenant", personal_number=make_personal_number(dt.date(1950, 1, 1), 1),
            first_name="A", last_name="B", rental_object=RentalObjectFactory(owner=district),
            start_date=timezone.localdate(),
        )
    assert not Submission.objects.exists()


def test_transition_from_wrong_state_refused(officer, district, staff):
    submission = _submit(officer, district)
    with pytest.raises(TransitionRefused):
        services.submission_accept(actor=staff, submission=submission)


def test_affiliation_rule_holds_in_every_door_through_the_kernel(staff, district, other_district):
    """The person admin and API go through hyresadmin.services.person_update: the rule applies there."""
    from hyresadmin import services as kernel_services

    contract = active_contract(organisation=other_district)
    with pytest.raises(ValidationError) as exc:
        kernel_services.person_update(actor=staff, person=contract.customer, affiliation_id=district.pk)
    assert "affiliation" in exc.value.message_dict
    # Once the contract has ended, the affiliation may change.
    RentalContract.objects.filter(pk=contract.pk).update(state=RentalContract.State.TERMINATED)
    moved = kernel_services.person_update(actor=staff, person=contract.customer,
                                          affiliation_id=district.pk)
    assert moved.affiliation == district


def test_person_admin_refuses_the_affiliation_change_with_a_message(client, staff, district, other_district):
    from django.urls import reverse

    contract = active_contract(organisation=other_district)
    person = contract.customer
    client.force_login(staff)
    url = reverse("admin:hyresadmin_person_change", args=[person.pk])
    data = {
        "personal_number": person.personal_number, "first_name": person.first_name,
        "last_name": person.last_name, "affiliation": district.pk, "street_address": "",
        "care_of": "", "postcode": "", "town": "", "email": "", "phone": "",
        "representatives-TOTAL_FORMS": "0", "representatives-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert contract.number in response.content.decode()
    assert Person.objects.get(pk=person.pk).affiliation == other_district
