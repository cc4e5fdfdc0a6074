"""Every write of the contracts app: one function per use case, atomic, audited.

Doors (portal views, admin actions, API, tasks, commands) call these and nothing else writes
contracts' models. Side effects (e-mails, PDFs) are queued with ``transaction.on_commit``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hyresadmin import audit
from hyresadmin import services as kernel_services
from hyresadmin.calendar import service_level_due
from hyresadmin.identity import parse_personal_number
from hyresadmin.models import AuditEvent, Organisation, Person
from hyresadmin.transitions import ChecksFailed, TransitionRefused, apply_transition  # noqa: F401 (ChecksFailed: re-exported)
from hyresadmin.uploads import validate_upload

from . import checks as contract_checks
from . import events, notifications
from .models import (
    ContractDocument,
    DeliveryChannel,
    ObjectQuality,
    RentalContract,
    RentalObject,
    RentLine,
    RentLineKind,
    Submission,
    SubmissionAttachment,
    SubmissionRentLine,
)

#: The service level for registering a second-hand rental contract (DOMAIN.md).
SUBMISSION_WORKING_DAYS = 3

SUBMISSION_FIELDS = (
    "kind", "personal_number", "first_name", "last_name", "email", "phone", "rental_object_id",
    "contract_id", "start_date", "end_date", "notice_period_months", "collection_code_id",
    "delivery_channel", "personal_contact", "rent_difference_explanation", "message",
)
CONTRACT_FIELDS = (
    "kind", "customer_id", "rental_object_id", "organisation_id", "start_date", "end_date",
    "notice_period_months", "collection_code_id", "delivery_channel", "personal_contact",
    "tenure_waiver_signed_on", "tribunal_approved_on", "reminder_fee_agreed", "payment_plan_fee_agreed",
)


@dataclass(frozen=True)
class RentLineData:
    kind: str
    amount: Decimal
    description: str = ""


# --- Customers ---------------------------------------------------------------------------------------


def affiliation_guard(person: Person, new_affiliation_id) -> str | None:
    """The kernel asks this before any change of a person's affiliation (registered in ``ready``)."""
    conflict = contract_checks.affiliation_conflict(person, Organisation(pk=new_affiliation_id))
    if conflict is None:
        return None
    return _("The affiliation cannot be changed while the customer has a current contract "
             "(%(number)s) with %(org)s.") % {"number": conflict.number, "org": conflict.organisation}


def customer_set_affiliation(*, actor, person: Person, organisation: Organisation) -> Person:
    """Change a customer's administration; refused while a contract with the previous one is current."""
    reason = affiliation_guard(person, organisation.pk)
    if reason:
        raise ValidationError(reason, code="affiliation_locked")
    return kernel_services.person_update(actor=actor, person=person, affiliation_id=organisation.pk,
                                         reason=_("Affiliation changed"))


# --- Submissions -------------------------------------------------------------------------------------


def _save_rent_lines(submission: Submission, lines: Iterable[RentLineData]) -> None:
    submission.rent_lines.all().delete()
    SubmissionRentLine.objects.bulk_create([
        SubmissionRentLine(submission=submission, kind=ln.kind, amount=ln.amount,
                           description=ln.description)
        for ln in lines
    ])


def _save_attachments(submission: Submission, files) -> None:
    for f in files or ():
        checked = validate_upload(f)
        SubmissionAttachment.objects.create(
            submission=submission, file=f, original_name=f.name[:200],
            content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
        )


@transaction.atomic
def submission_create(*, actor, organisation: Organisation, rent_lines: Iterable[RentLineData],
                      attachments=(), received_at=None, **fields) -> Submission:
    """An officer submits underlag. Due ``service_level_due(received_at, 3)``."""
    received_at = received_at or timezone.now()
    fields["personal_number"] = parse_personal_number(fields["personal_number"]).digits12
    submission = Submission(
        organisation=organisation, submitted_by=actor, received_at=received_at,
        due_date=service_level_due(received_at, SUBMISSION_WORKING_DAYS), **fields,
    )
    submission.full_clean(exclude=["contract"])
    submission.save()
    _save_rent_lines(submission, rent_lines)
    _save_attachments(submission, attachments)
    audit.record(AuditEvent.Type.CREATE, actor=actor, subject=submission,
                 to_state=submission.state,
                 changes=audit.diff(submission, {}, SUBMISSION_FIELDS))
    return submission


@transaction.atomic
def submission_resubmit(*, actor, submission: Submission, rent_lines: Iterable[RentLineData],
                        attachments=(), **fields) -> Submission:
    """The officer completes a returned submission and sends it again; a new due date runs."""
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.state != Submission.State.RETURNED:
        raise TransitionRefused(_("Only a returned submission can be completed and sent again."))
    if "personal_number" in fields:
        fields["personal_number"] = parse_personal_number(fields["personal_number"]).digits12
    before = audit.snapshot(locked, SUBMISSION_FIELDS)
    for name, value in fields.items():
        setattr(locked, name, value)
    now = timezone.now()
    locked.received_at = now
    locked.due_date = service_level_due(now, SUBMISSION_WORKING_DAYS)
    locked.full_clean(exclude=["contract"])
    locked.save()
    _save_rent_lines(locked, rent_lines)
    _save_attachments(locked, attachments)
    audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=locked,
                 changes=audit.diff(locked, before, SUBMISSION_FIELDS))
    return apply_transition(locked, "resubmit", actor=actor, check_permission=False)


def submission_assign(*, actor, submission: Submission, assignee) -> Submission:
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.state not in Submission.OPEN_STATES:
            raise TransitionRefused(_("Only an open submission can be assigned."))
        before = locked.assignee_id
        locked.assignee = assignee
        locked.save(update_fields=["assignee"])
        audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=locked,
                     changes={"assignee_id": [before, assignee.pk if assignee else None]})
    return locked


def submission_start_review(*, actor, submission: Submission) -> Submission:
    with transaction.atomic():
        reviewed = apply_transition(submission, "start_review", actor=actor)
        if reviewed.assignee_id is None:
            reviewed = submission_assign(actor=actor, submission=reviewed, assignee=actor)
    return reviewed


def submission_return(*, actor, submission: Submission, reason: str) -> Submission:
    """Send incomplete underlag back; the submitter gets an e-mail saying what is missing."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what is missing or wrong.")}, code="required")
    with transaction.atomic():
        returned = apply_transition(submission, "return_for_completion", actor=actor, reason=reason,
                                    return_reason=reason)
        transaction.on_commit(lambda: notifications.submission_returned(returned.pk))
    return returned


def submission_withdraw(*, actor, submission: Submission, reason: str = "") -> Submission:
    return apply_transition(submission, "withdraw", actor=actor, reason=reason, check_permission=False)


@transaction.atomic
def submission_accept(*, actor, submission: Submission, today: date | None = None) -> RentalContract:
    """Accept checked underlag: register or update the customer and create (or change) the contract.

    Refused with the whole list of failed checks. Nothing is typed twice: every value comes from the
    submission.
    """
    today = today or timezone.localdate()
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.state != Submission.State.IN_REVIEW:
        raise TransitionRefused(_("Only a submission in review can be accepted."))
    failed = contract_checks.failed(contract_checks.submission_checks(submission, today=today))
    if failed:
        raise ChecksFailed(_("The submission cannot be accepted: %(n)s checks failed.") % {
            "n": len(failed)}, failed_checks=failed)

    person = _register_customer(actor=actor, submission=submission)
    if submission.kind == Submission.Kind.NEW_TENANT:
        contract = RentalContract.objects.create(
            kind=RentalContract.Kind.EXTERNAL, customer=person,
            rental_object=submission.rental_object, organisation=submission.organisation,
            start_date=submission.start_date, end_date=submission.end_date,
            notice_period_months=submission.notice_period_months,
            collection_code=submission.collection_code, delivery_channel=submission.delivery_channel,
            personal_contact=submission.personal_contact,
        )
        contract.number = f"{today.year}-{contract.pk:06d}"
        contract.save(update_fields=["number"])
        audit.record(AuditEvent.Type.CREATE, actor=actor, subject=contract, to_state=contract.state,
                     reason=_("From submission %(id)s") % {"id": submission.pk},
                     changes=audit.diff(contract, {}, CONTRACT_FIELDS))
        _replace_rent_lines(actor=actor, contract=contract, year=today.year,
                            lines=list(submission.rent_lines.all()))
    else:
        contract = contract_update(
            actor=actor, contract=submission.contract,
            reason=_("From submission %(id)s") % {"id": submission.pk},
            start_date=submission.start_date, end_date=submission.end_date,
            notice_period_months=submission.notice_period_months,
            collection_code=submission.collection_code,
            delivery_channel=submission.delivery_channel,
            personal_contact=submission.personal_contact,
        )
        _replace_rent_lines(actor=actor, contract=contract, year=today.year,
                            lines=list(submission.rent_lines.all()))
    submission.contract = contract
    submission.save(update_fields=["contract"])
    accepted = apply_transition(submission, "accept", actor=actor)
    if submission.kind == Submission.Kind.CHANGE and contract.state in RentalContract.CURRENT_STATES:
        # A change of a running contract is done when it is applied.
        apply_transition(accepted, "complete", actor=actor)
        transaction.on_commit(lambda: notifications.submission_completed(submission.pk))
    transaction.on_commit(lambda: _queue_documents(contract.pk))
    return contract


def _register_customer(*, actor, submission: Submission) -> Person:
    person = Person.objects.filter(personal_number=submission.personal_number).first()
    details = {"first_name": submission.first_name, "last_name": submission.last_name}
    if submission.email:
        details["email"] = submission.email
    if submission.phone:
        details["phone"] = submission.phone
    if person is None:
        return kernel_services.person_create(
            actor=actor, personal_number=submission.personal_number,
            affiliation_id=submission.organisation_id, **details,
        )
    if person.affiliation_id != submission.organisation_id:
        person = customer_set_affiliation(actor=actor, person=person,
                                          organisation=submission.organisation)
    return kernel_services.person_update(actor=actor, person=person, **details)


def _replace_rent_lines(*, actor, contract: RentalContract, year: int, lines) -> None:
    before = [str(ln) for ln in contract.rent_lines.filter(rent_year=year)]
    contract.rent_lines.filter(rent_year=year).delete()
    created = RentLine.objects.bulk_create([
        RentLine(contract=contract, kind=ln.kind, description=ln.description, amount=ln.amount,
                 rent_year=year)
        for ln in lines
    ])
    audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=contract,
                 changes={"rent_lines": [before, [str(ln) for ln in created]]})


# --- Contracts ---------------------------------------------------------------------------------------

#: Kinds of contract that have a customer (a vacancy or an internal contract has none).
CUSTOMER_CONTRACT_KINDS = (RentalContract.Kind.EXTERNAL, RentalContract.Kind.CITY_INTERNAL)


def _check_contract_terms(contract: RentalContract) -> None:
    """Refuse, field by field, what the database constraints would refuse without a usable message."""
    errors = {}
    if contract.kind in CUSTOMER_CONTRACT_KINDS and contract.customer_id is None:
        errors["customer"] = _("A customer contract needs a customer.")
    elif contract.kind == RentalContract.Kind.VACANCY and contract.customer_id is not None:
        errors["customer"] = _("A vacancy has no customer.")
    if contract.start_date and contract.end_date and contract.end_date < contract.start_date:
        errors["end_date"] = _("The end date is before the start date.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contract_create(*, actor, rent_lines: Iterable[RentLineData], today: date | None = None,
                    **fields) -> RentalContract:
    """Staff register a contract without a submission: a vacancy or internal contract, or a customer
    contract from scratch. It starts as a draft numbered ``<year>-<id>``; its rent lines are this
    year's."""
    today = today or timezone.localdate()
    contract = RentalContract(**fields)
    _check_contract_terms(contract)
    contract.full_clean()
    contract.save()
    contract.number = f"{today.year}-{contract.pk:06d}"
    contract.save(update_fields=["number"])
    audit.record(AuditEvent.Type.CREATE, actor=actor, subject=contract, to_state=contract.state,
                 changes=audit.diff(contract, {}, CONTRACT_FIELDS))
    _replace_rent_lines(actor=actor, contract=contract, year=today.year, lines=list(rent_lines))
    if contract.customer_id is not None:
        transaction.on_commit(lambda: _queue_documents(contract.pk))
    return contract


@transaction.atomic
def contract_update(*, actor, contract: RentalContract, reason: str = "", **fields) -> RentalContract:
    """Change a contract's terms; every changed field is in its history."""
    locked = RentalContract.objects.select_for_update().get(pk=contract.pk)
    before = audit.snapshot(locked, CONTRACT_FIELDS)
    for name, value in fields.items():
        setattr(locked, name, value)
    _check_contract_terms(locked)
    locked.full_clean()
    changes = audit.diff(locked, before, CONTRACT_FIELDS)
    if changes:
        locked.save()
        audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=locked, changes=changes,
                     reason=reason)
    return locked


def contract_set_rent_lines(*, actor, contract: RentalContract, year: int,
                            lines: Iterable[RentLineData]) -> RentalContract:
    with transaction.atomic():
        locked = RentalContract.objects.select_for_update().get(pk=contract.pk)
        _replace_rent_lines(actor=actor, contract=locked, year=year, lines=list(lines))
        transaction.on_commit(lambda: _queue_documents(locked.pk))
    return locked


def contract_make_preliminary(*, actor, contract: RentalContract, reason: str = "") -> RentalContract:
    return apply_transition(contract, "make_preliminary", actor=actor, reason=reason)


def contract_activate(*, actor, contract: RentalContract, today: date | None = None) -> RentalContract:
    """Activate after every check passed; complete the submission, send the contract, tell the officer.

    Care housing: the contract goes to the customer (e-mail or the print batch) unless the district
    asked for personal contact. FOT: it is made available to the district to sign in person.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = RentalContract.objects.select_for_update().get(pk=contract.pk)
        failed = contract_checks.failed(contract_checks.activation_checks(locked, today=today))
        if failed:
            raise ChecksFailed(_("The contract cannot be activated: %(n)s checks failed.") % {
                "n": len(failed)}, failed_checks=failed)
        active = apply_transition(locked, "activate", actor=actor)
        send = (not active.is_fot and not active.personal_contact
                and active.kind != RentalContract.Kind.VACANCY and active.customer_id is not None)
        transaction.on_commit(lambda: _queue_documents(active.pk, send=send))
        events.send_contract_activated(active.pk)
        for submission in active.submissions.filter(state=Submission.State.ACCEPTED):
            apply_transition(submission, "complete", actor=actor, check_permission=False)
            transaction.on_commit(lambda pk=submission.pk: notifications.submission_completed(pk))
    return RentalContract.objects.get(pk=active.pk)


def contract_open_dispute(*, actor, contract: RentalContract, reason: str) -> RentalContract:
    return apply_transition(contract, "open_dispute", actor=actor, reason=reason)


def contract_close_dispute(*, actor, contract: RentalContract, reason: str) -> RentalContract:
    return apply_transition(contract, "close_dispute", actor=actor, reason=reason)


def contract_record_tenure_waiver(*, actor, contract: RentalContract, signed_on: date,
                                  tribunal_approved_on: date | None = None) -> RentalContract:
    """FOT: the waiver of security of tenure was signed (and the rent tribunal approved it)."""
    fields = {"tenure_waiver_signed_on": signed_on}
    if tribunal_approved_on is not None:
        fields["tribunal_approved_on"] = tribunal_approved_on
    return contract_update(actor=actor, contract=contract,
                           reason=_("Waiver of security of tenure recorded"), **fields)


@transaction.atomic
def contract_upload_document(*, actor, contract: RentalContract, file,
                             kind: str = ContractDocument.Kind.SIGNED_ORIGINAL) -> ContractDocument:
    """Keep a signed original (a scan counts) or a signed waiver."""
    checked = validate_upload(file)
    document = ContractDocument.objects.create(
        contract=contract, kind=kind, file=file, content_type=checked.content_type,
        sha256=checked.sha256, created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=contract,
                 changes={"document": [None, document.get_kind_display()]})
    return document


@transaction.atomic
def contract_store_pdf(*, contract: RentalContract, kind: str, pdf: bytes, filename: str,
                       rent_line: RentLine | None = None, actor=None) -> ContractDocument:
    """Store a generated PDF with its checksum (called by the document task)."""
    document = ContractDocument(contract=contract, kind=kind, rent_line=rent_line,
                                sha256=hashlib.sha256(pdf).hexdigest())
    document.file.save(filename, ContentFile(pdf), save=False)
    document.save()
    return document


def contract_mark_sent(*, contract: RentalContract, actor=None) -> RentalContract:
    with transaction.atomic():
        locked = RentalContract.objects.select_for_update().get(pk=contract.pk)
        locked.sent_at = timezone.now()
        locked.save(update_fields=["sent_at"])
        audit.record(AuditEvent.Type.UPDATE, actor=actor or "contracts.documents", subject=locked,
                     changes={"sent_at": [None, locked.sent_at]},
                     reason=locked.get_delivery_channel_display())
    return locked


def _queue_documents(contract_id: int, *, send: bool = False) -> None:
    from .tasks import render_contract_documents

    render_contract_documents.delay(contract_id, send=send)


# --- Rental objects ----------------------------------------------------------------------------------


@transaction.atomic
def rental_object_save(*, actor, rental_object: RentalObject) -> RentalObject:
    is_new = rental_object.pk is None
    fields = ("object_number", "street_address", "postcode", "town", "housing_form", "landlord_id",
              "first_hand_rent", "first_hand_rent_negotiated", "rent", "rent_year", "area", "rooms",
              "owner_id", "is_active")
    before = {} if is_new else audit.snapshot(RentalObject.objects.get(pk=rental_object.pk), fields)
    rental_object.full_clean()
    rental_object.save()
    changes = audit.diff(rental_object, before, fields)
    if changes:
        audit.record(AuditEvent.Type.CREATE if is_new else AuditEvent.Type.UPDATE, actor=actor,
                     subject=rental_object, changes=changes)
    return rental_object


@transaction.atomic
def rental_object_set_qualities(*, actor, rental_object: RentalObject, values: dict) -> RentalObject:
    """Set qualities of an object: ``{QualityType: value}``; an empty value removes the quality.

    Each value is checked against the quality's allowed values (``ObjectQuality.clean``); a bad value
    refuses the whole change. The change is in the object's history.
    """
    current = {q.quality_type_id: q for q in rental_object.qualities.select_related("quality_type")}
    before = {q.quality_type.code: q.value for q in current.values()}
    after = dict(before)
    for quality_type, value in values.items():
        value = (value or "").strip()
        existing = current.get(quality_type.pk)
        if not value:
            if existing is not None:
                existing.delete()
                after.pop(quality_type.code, None)
            continue
        quality = existing or ObjectQuality(rental_object=rental_object, quality_type=quality_type)
        quality.value = value
        quality.full_clean()
        quality.save()
        after[quality_type.code] = value
    if after != before:
        audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=rental_object,
                     changes={"qualities": [before, after]})
    return rental_object


@transaction.atomic
def master_data_save(*, actor, instance):
    """Save a row of a list staff keep (landlords, qualities, collection codes), audited."""
    model = type(instance)
    fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    is_new = instance.pk is None
    before = {} if is_new else audit.snapshot(model.objects.get(pk=instance.pk), fields)
    instance.full_clean()
    instance.save()
    changes = audit.diff(instance, before, fields)
    if changes:
        audit.record(AuditEvent.Type.CREATE if is_new else AuditEvent.Type.UPDATE, actor=actor,
                     subject=instance, changes=changes)
    return instance




# --- Documents ---------------------------------------------------------------------------------------


def contract_render_documents(*, contract_id: int, send: bool = False) -> dict:
    """Render the contract PDF and the supplementary agreements; send the contract when asked."""
    from . import documents

    contract = (RentalContract.objects.select_related("customer", "rental_object", "organisation",
                                                     "collection_code").get(pk=contract_id))
    pdf = documents.contract_pdf(contract)
    # A generated document is replaced by its new rendering; signed originals are never touched.
    previous = list(contract.documents.filter(kind__in=[ContractDocument.Kind.CONTRACT,
                                                        ContractDocument.Kind.SUPPLEMENTARY_AGREEMENT]))
    for document in previous:
        document.file.delete(save=False)
        document.delete()
    contract_store_pdf(contract=contract, kind=ContractDocument.Kind.CONTRACT, pdf=pdf,
                       filename=f"hyresavtal-{contract.number}.pdf")
    agreements = 0
    for line in contract.rent_lines.filter(kind=RentLineKind.DEDUCTION,
                                           rent_year=timezone.localdate().year):
        contract_store_pdf(contract=contract, kind=ContractDocument.Kind.SUPPLEMENTARY_AGREEMENT,
                           pdf=documents.supplementary_agreement_pdf(contract, line), rent_line=line,
                           filename=f"tillaggsavtal-{contract.number}-{line.pk}.pdf")
        agreements += 1
    sent = False
    if send and contract.sent_at is None:
        if contract.delivery_channel == DeliveryChannel.EMAIL:
            sent = notifications.contract_to_customer(contract, pdf)
        else:
            # Post and digital mailbox go through the print and distribution vendor's batch.
            sent = True
        if sent:
            contract_mark_sent(contract=contract)
    return {"contract": contract.pk, "agreements": agreements, "sent": sent}


# --- Retention ---------------------------------------------------------------------------------------

#: Submissions are kept for two years after they were closed (DOMAIN.md).
RETENTION_DAYS = 2 * 365


@transaction.atomic
def submissions_delete_expired(*, today: date | None = None) -> dict:
    """Delete closed submissions and their attachments after two years; audit what was deleted."""
    today = today or timezone.localdate()
    cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=RETENTION_DAYS), time.min))
    expired = list(Submission.objects.filter(
        state__in=[Submission.State.COMPLETED, Submission.State.WITHDRAWN], completed_at__lt=cutoff,
    ).prefetch_related("attachments"))
    files = []
    for submission in expired:
        files.extend(a.file for a in submission.attachments.all())
        audit.record(AuditEvent.Type.DELETE, actor="contracts.retention", subject=submission,
                     reason=_("Retention: kept two years after it was closed"),
                     changes={"attachments": len(submission.attachments.all()),
                              "completed_at": submission.completed_at})
    Submission.objects.filter(pk__in=[s.pk for s in expired]).delete()
    transaction.on_commit(lambda: [f.delete(save=False) for f in files])
    return {"deleted": len(expired)}
