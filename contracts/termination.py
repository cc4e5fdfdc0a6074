"""Every write of a termination (*avslut*): notices in, matching, end date, checks, confirmation, the
daily end of contracts (with the vacancy contract), and the hand-over to the final settlement.

Doors (the district portal, the admin, the API, the daily task) call these; nothing else writes
``Termination`` or ``TerminationNotice``. Letters and e-mails are queued with ``on_commit``.

A notice carrying a date of death (the estate's notice, or the district's form with the date) marks the
customer deceased at once when it is registered — through any door, before staff confirm — with the
kernel's ``person_mark_deceased`` (audited; their citizen login is deactivated), so that no rent run
prepared in between invoices a month after the death.

What is left to the final settlement (the invoicing app, a higher app): the final invoice or credit,
and for an internal move within the same administration the deduction and the accounting order. This
module records the internal move on the termination; invoicing receives ``contract_terminated`` and
calls ``termination_mark_settled`` when it is done.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hyresadmin import audit, permissions
from hyresadmin import services as kernel_services
from hyresadmin.calendar import service_level_due
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused, apply_transition
from hyresadmin.uploads import validate_upload

from . import events, termination_rules
from .checks import Check, failed
from .models import ContractDocument, RentalContract, RentLineKind
from .services import ChecksFailed, RentLineData, contract_create, contract_store_pdf, contract_update
from .termination_models import NoticeGiver, Termination, TerminationNotice

#: The service level for a termination (DOMAIN.md): three working days.
TERMINATION_WORKING_DAYS = 3
#: The actor of the daily job in the audit trail.
JOB_ACTOR = "contracts.terminations"

#: Contract states in which a notice can be received.
NOTICE_STATES = (RentalContract.State.ACTIVE, RentalContract.State.IN_DISPUTE,
                 RentalContract.State.NOTICE_GIVEN)

TERMINATION_FIELDS = (
    "given_by", "notice_received_on", "deceased_on", "requested_end_date", "rule_end_date", "end_date",
    "end_date_override_reason", "estate_contact_name", "estate_contact_email",
    "estate_contact_address", "internal_move", "internal_move_object_id", "terms_checked",
    "vacancy_contract_id", "assignee_id",
)


# --- Who may submit ----------------------------------------------------------------------------------


def may_submit_for(user, contract: RentalContract) -> bool:
    """A district officer of the contract's administration, or service staff."""
    if permissions.is_service_staff(user):
        return True
    return permissions.is_district_officer(user) and user.organisation_id == contract.organisation_id


# --- Notices in ----------------------------------------------------------------------------------------


def _validate_notice(contract, *, given_by, notice_received_on, deceased_on, requested_end_date,
                     today) -> None:
    errors = {}
    if given_by not in NoticeGiver.values:
        errors["given_by"] = _("Choose who gives notice.")
    if notice_received_on and notice_received_on > today:
        errors["notice_received_on"] = _("The date the notice was received cannot be in the future.")
    if given_by == NoticeGiver.ESTATE and deceased_on is None:
        errors["deceased_on"] = _("Give the date of death when the estate gives notice.")
    if deceased_on is not None:
        if deceased_on > today:
            errors["deceased_on"] = _("The date of death cannot be in the future.")
        elif notice_received_on and deceased_on > notice_received_on:
            errors["deceased_on"] = _("The date of death is after the notice was received.")
    if requested_end_date and notice_received_on and requested_end_date < notice_received_on:
        errors["requested_end_date"] = _("The requested end date is before the notice was received.")
    if contract.customer_id is None:
        errors["contract"] = _("Only a customer contract can be terminated.")
    elif contract.state not in NOTICE_STATES:
        errors["contract"] = _("Contract %(number)s is not current (%(state)s): it cannot be given "
                               "notice.") % {"number": contract.number,
                                             "state": contract.get_state_display()}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def notice_register(*, actor, contract: RentalContract, source: str, given_by: str,
                    notice_received_on: dt.date, deceased_on: dt.date | None = None,
                    requested_end_date: dt.date | None = None, message: str = "", file=None,
                    estate_contact_name: str = "", estate_contact_email: str = "",
                    estate_contact_address: str = "", internal_move: bool = False,
                    internal_move_object=None, received_at=None, today: dt.date | None = None,
                    ) -> Termination:
    """A notice came in: join the contract's open termination or start one (due in 3 working days).

    Refused (``ValidationError`` by field) when the submitter may not act for the contract, the
    contract is not current, or the dates do not fit. The file is checked by its content.
    """
    today = today or timezone.localdate()
    received_at = received_at or timezone.now()
    contract = RentalContract.objects.select_for_update().get(pk=contract.pk)
    if not may_submit_for(actor, contract):
        raise ValidationError({"contract": _("You may give notice only for your own administration's "
                                             "contracts.")}, code="not_authorised")
    if source not in TerminationNotice.Source.values:
        raise ValidationError({"source": _("Unknown kind of document.")})
    _validate_notice(contract, given_by=given_by, notice_received_on=notice_received_on,
                     deceased_on=deceased_on, requested_end_date=requested_end_date, today=today)
    if internal_move_object is not None and (
            internal_move_object.owner_id != contract.organisation_id
            or internal_move_object.pk == contract.rental_object_id):
        raise ValidationError({"internal_move_object": _(
            "An internal move is to another object of the same administration.")})
    checked = validate_upload(file) if file else None

    termination = (Termination.objects.select_for_update()
                   .filter(contract=contract, state__in=Termination.ACTIVE_STATES).first())
    is_new = termination is None
    if is_new:
        if contract.state == RentalContract.State.NOTICE_GIVEN:
            raise ValidationError({"contract": _("The contract already has notice given.")})
        termination = Termination(
            contract=contract, given_by=given_by, notice_received_on=notice_received_on,
            received_at=received_at,
            due_date=service_level_due(received_at, TERMINATION_WORKING_DAYS),
        )
        before = {}
    else:
        before = audit.snapshot(termination, TERMINATION_FIELDS)
    if termination.state in Termination.OPEN_STATES:
        _merge_facts(termination, contract, notice_received_on=notice_received_on,
                     deceased_on=deceased_on, requested_end_date=requested_end_date,
                     estate_contact_name=estate_contact_name,
                     estate_contact_email=estate_contact_email,
                     estate_contact_address=estate_contact_address, internal_move=internal_move,
                     internal_move_object=internal_move_object)
    # Once confirmed, a late document is kept with the termination but changes none of its facts.
    termination.save()

    notice = TerminationNotice(
        termination=termination, source=source, given_by=given_by,
        notice_received_on=notice_received_on, deceased_on=deceased_on,
        requested_end_date=requested_end_date, message=message, submitted_by=actor,
        received_at=received_at,
    )
    if checked is not None:
        notice.original_name = file.name[:200]
        notice.content_type, notice.size, notice.sha256 = checked.content_type, checked.size, checked.sha256
        notice.file = file
    notice.save()

    audit.record(AuditEvent.Type.CREATE if is_new else AuditEvent.Type.UPDATE, actor=actor,
                 subject=termination, to_state=termination.state if is_new else "",
                 reason=notice.get_source_display(),
                 changes=audit.diff(termination, before, TERMINATION_FIELDS))
    if deceased_on is not None:
        # From the moment the death is known: no further invoice (the runs read the person's date).
        _mark_deceased(actor, contract, termination.deceased_on or deceased_on,
                       reason=_("Termination %(id)s: %(source)s with the date of death") % {
                           "id": termination.pk, "source": notice.get_source_display()})
    if termination.state == Termination.State.REQUESTED and documents_complete(termination):
        termination = apply_transition(termination, "match_documents", actor=actor,
                                       check_permission=False,
                                       reason=_("The district's underlag and the notice are both in."))
    return termination


def _mark_deceased(actor, contract: RentalContract, deceased_on: dt.date, *, reason: str) -> None:
    """The customer is marked deceased (and their citizen login deactivated) by the kernel's service."""
    customer = contract.customer
    if customer.deceased_on != deceased_on or (customer.user_id and customer.user.is_active):
        kernel_services.person_mark_deceased(actor=actor, person=customer, deceased_on=deceased_on,
                                             reason=reason)


def _merge_facts(termination: Termination, contract: RentalContract, *, notice_received_on,
                 deceased_on, requested_end_date, estate_contact_name, estate_contact_email,
                 estate_contact_address, internal_move, internal_move_object) -> None:
    """What a new document says, merged into the open termination; the end date by the rules."""
    # The earliest notice counts; a death or a requested date given on any document is kept.
    if notice_received_on < termination.notice_received_on:
        termination.notice_received_on = notice_received_on
    if deceased_on is not None:
        termination.deceased_on = deceased_on
        termination.given_by = NoticeGiver.ESTATE
    if requested_end_date is not None:
        termination.requested_end_date = requested_end_date
    for name, value in (("estate_contact_name", estate_contact_name),
                        ("estate_contact_email", estate_contact_email),
                        ("estate_contact_address", estate_contact_address)):
        if value:
            setattr(termination, name, value)
    if internal_move:
        termination.internal_move = True
        termination.internal_move_object = internal_move_object or termination.internal_move_object
    _apply_rules(termination, contract)
    termination.full_clean(exclude=["contract", "internal_move_object", "vacancy_contract"])


def documents_complete(termination: Termination) -> bool:
    """Both sides are in: the district's underlag (its form or the coordinator's) and the notice
    itself (a scanned written notice on any document), unless the district decided (FOT)."""
    notices = list(termination.notices.all())
    district_side = any(n.source in TerminationNotice.DISTRICT_SOURCES for n in notices)
    written = any(n.file for n in notices)
    return district_side and (written or termination.given_by == NoticeGiver.DISTRICT)


def _apply_rules(termination: Termination, contract: RentalContract) -> None:
    """The end date by the rules; an override by staff stays until they change it."""
    result = termination_rules.end_date(
        given_by=termination.given_by, notice_on=termination.notice_received_on,
        notice_period_months=contract.notice_period_months, contract_end=_fixed_end(contract),
        deceased_on=termination.deceased_on, requested_end=termination.requested_end_date,
    )
    termination.rule_end_date = result.end_date
    termination.rule = result.rule[:200]
    if not termination.end_date_override_reason:
        termination.end_date = result.end_date


def _fixed_end(contract: RentalContract) -> dt.date | None:
    """The end of a fixed-term contract (an end date set before any termination)."""
    if contract.state == RentalContract.State.NOTICE_GIVEN:
        return None
    return contract.end_date


# --- Staff steps -----------------------------------------------------------------------------------------


def _locked(termination: Termination) -> Termination:
    return Termination.objects.select_for_update().get(pk=termination.pk)


@transaction.atomic
def termination_set_end_date(*, actor, termination: Termination, end_date: dt.date,
                             reason: str) -> Termination:
    """Staff override the rules' end date, with a reason (audited). Before the contract has ended."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the end date differs from the rules.")})
    locked = _locked(termination)
    if locked.state not in (*Termination.OPEN_STATES, Termination.State.CONFIRMED):
        raise TransitionRefused(_("The end date can be changed only before the termination is settled."))
    contract = locked.contract
    if contract.state == RentalContract.State.TERMINATED:
        raise TransitionRefused(_("The contract has already ended."))
    if end_date < contract.start_date:
        raise ValidationError({"end_date": _("The end date is before the contract's start date.")})
    before = audit.snapshot(locked, TERMINATION_FIELDS)
    locked.end_date = end_date
    locked.end_date_override_reason = reason
    locked.save(update_fields=["end_date", "end_date_override_reason"])
    audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=locked, reason=reason,
                 changes=audit.diff(locked, before, TERMINATION_FIELDS))
    if locked.state == Termination.State.CONFIRMED:
        contract_update(actor=actor, contract=contract, end_date=end_date, reason=reason)
    return locked


@transaction.atomic
def termination_assign(*, actor, termination: Termination, assignee) -> Termination:
    locked = _locked(termination)
    if locked.state not in Termination.OPEN_STATES:
        raise TransitionRefused(_("Only an open termination can be assigned."))
    before = locked.assignee_id
    locked.assignee = assignee
    locked.save(update_fields=["assignee"])
    audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=locked,
                 changes={"assignee_id": [before, assignee.pk if assignee else None]})
    return locked


def termination_match_documents(*, actor, termination: Termination, reason: str) -> Termination:
    """Staff judge the documents in enough (e.g. the district's underlag came by other means)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the documents are enough.")})
    return apply_transition(termination, "match_documents", actor=actor, reason=reason)


def termination_withdraw(*, actor, termination: Termination, reason: str) -> Termination:
    return apply_transition(termination, "withdraw", actor=actor, reason=reason)


@transaction.atomic
def termination_tick_terms(*, actor, termination: Termination, note: str = "") -> Termination:
    """The to-do is done: staff checked whether the terms need updating for the next tenant."""
    locked = _locked(termination)
    if locked.terms_checked:
        return locked
    locked.terms_checked = True
    locked.save(update_fields=["terms_checked"])
    audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=locked, reason=note,
                 changes={"terms_checked": [False, True]})
    return locked


def termination_mark_settled(*, actor, termination: Termination, reason: str) -> Termination:
    """The final settlement is done (called by the invoicing app). The contract must have ended."""
    if termination.contract.state != RentalContract.State.TERMINATED:
        raise TransitionRefused(_("The contract has not ended yet: it is settled after its end date."))
    return apply_transition(termination, "mark_settled", actor=actor, reason=reason,
                            check_permission=False)


def termination_close(*, actor, termination: Termination, reason: str = "") -> Termination:
    if not termination.terms_checked:
        raise TransitionRefused(_("Check first whether the contract terms need updating for the next "
                                  "tenant."))
    return apply_transition(termination, "close", actor=actor, reason=reason)


# --- Checks and confirmation ---------------------------------------------------------------------------


def termination_checks(termination: Termination) -> list[Check]:
    """What staff see (and the service enforces) before a termination is confirmed."""
    contract = termination.contract
    checks = []
    ok = termination.state == Termination.State.DOCUMENTS_MATCHED
    checks.append(Check("documents", _("The district's underlag and the notice are matched"), ok,
                        "" if ok else _("The district's termination underlag or the written notice is "
                                        "missing: ask the district to complete it.")))
    in_dispute = contract.state == RentalContract.State.IN_DISPUTE
    checks.append(Check(
        "dispute", _("The contract is not in dispute at the rent tribunal"), not in_dispute,
        _("The contract is in dispute: have the rent tribunal case withdrawn and close the dispute "
          "before the termination is confirmed.") if in_dispute else ""))
    if not in_dispute:
        ok = contract.state == RentalContract.State.ACTIVE
        checks.append(Check("contract_active", _("The contract is active"), ok,
                            "" if ok else _("The contract is %(state)s.") % {
                                "state": contract.get_state_display()}))
    unauthorised = [n for n in termination.notices.select_related("submitted_by")
                    if not may_submit_for(n.submitted_by, contract)]
    checks.append(Check(
        "authorised", _("The underlag comes from an authorised submitter"), not unauthorised,
        _("Not authorised for the contract's administration: %(names)s. Ask the district to send "
          "it again.") % {"names": ", ".join(n.submitted_by.get_username() for n in unauthorised)}
        if unauthorised else ""))
    ok = termination.end_date is not None and termination.end_date >= termination.notice_received_on
    checks.append(Check("end_date", _("The end date is set and comes after the notice"), ok,
                        "" if ok else _("Set the end date.")))
    others = list(RentalContract.objects.current().filter(customer_id=contract.customer_id)
                  .exclude(pk=contract.pk).select_related("organisation"))
    checks.append(Check(
        "other_contracts", _("The customer's other current contracts"), True,
        _("Also current: %(list)s.") % {"list": "; ".join(
            f"{c.number} ({c.organisation})" for c in others)} if others
        else _("The customer has no other current contract.")))
    return checks


def other_current_contracts(termination: Termination):
    return (RentalContract.objects.current().filter(customer_id=termination.contract.customer_id)
            .exclude(pk=termination.contract_id))


def termination_confirm(*, actor, termination: Termination) -> Termination:
    """Confirm: the contract gets notice given and its end date; on a death the customer is marked
    deceased; the confirmation letter goes out and the district is told (after commit)."""
    with transaction.atomic():
        locked = _locked(termination)
        problems = failed(termination_checks(locked))
        if problems:
            raise ChecksFailed(_("The termination cannot be confirmed: %(n)s checks failed.")
                               % {"n": len(problems)}, failed_checks=problems)
        reason = _("Termination %(id)s: notice received %(on)s") % {
            "id": locked.pk, "on": locked.notice_received_on.isoformat()}
        contract = contract_update(actor=actor, contract=locked.contract, end_date=locked.end_date,
                                   reason=reason)
        apply_transition(contract, "give_notice", actor=actor, reason=reason, check_permission=False)
        if locked.deceased_on is not None:
            _mark_deceased(actor, contract, locked.deceased_on, reason=reason)
        by = actor if getattr(actor, "is_authenticated", False) else None
        confirmed = apply_transition(locked, "confirm", actor=actor, check_permission=False, by=by)
        transaction.on_commit(lambda: _queue_letter(confirmed.pk))
    return confirmed


def _queue_letter(termination_id: int) -> None:
    from .tasks import send_termination_confirmation

    send_termination_confirmation.delay(termination_id)


def termination_send_confirmation(*, termination_id: int) -> dict:
    """Render the confirmation letter, keep it with the contract, e-mail it and tell the district."""
    from . import documents, notifications

    termination = (Termination.objects.select_related(
        "contract__customer", "contract__rental_object", "contract__organisation").get(pk=termination_id))
    contract = termination.contract
    recipients = notifications.termination_letter_recipients(termination)
    pdf = documents.termination_confirmation_pdf(termination, recipients)
    contract_store_pdf(contract=contract, kind=ContractDocument.Kind.TERMINATION_CONFIRMATION, pdf=pdf,
                       filename=f"bekraftelse-uppsagning-{contract.number}.pdf")
    sent = notifications.termination_confirmation(termination, pdf, recipients)
    district = notifications.termination_to_district(termination)
    return {"termination": termination.pk, "emails": sent, "district": district}


# --- The daily job: contracts whose end date has passed --------------------------------------------------


def contracts_end_due(*, today: dt.date | None = None) -> dict:
    """Terminate every contract with notice given whose end date has passed; make the vacancy.

    Each contract in its own transaction (the job runs with ``atomic=False``): if the run fails half
    way, the contracts already ended stay ended and running the day again ends the rest.
    """
    today = today or timezone.localdate()
    due = list(RentalContract.objects.filter(state=RentalContract.State.NOTICE_GIVEN,
                                             end_date__lt=today).values_list("pk", flat=True))
    ended, vacancies = 0, 0
    for pk in due:
        made = contract_end(contract_id=pk, today=today)
        ended += 1
        vacancies += int(made is not None)
    return {"terminated": ended, "vacancies": vacancies}


@transaction.atomic
def contract_end(*, contract_id: int, today: dt.date, actor=JOB_ACTOR) -> RentalContract | None:
    """End one contract: terminated, ``contract_terminated`` sent, the object's vacancy contract made
    and the previous tenant's link to the object cleared. Returns the vacancy contract."""
    contract = RentalContract.objects.select_for_update().get(pk=contract_id)
    if contract.state != RentalContract.State.NOTICE_GIVEN:
        return None
    termination = contract.terminations.filter(state=Termination.State.CONFIRMED).first()
    ended = apply_transition(contract, "terminate", actor=actor, check_permission=False,
                             reason=_("The end date %(date)s has passed.") % {
                                 "date": contract.end_date.isoformat()})
    events.send_contract_terminated(ended.pk)
    vacancy = _make_vacancy(ended, actor=actor, today=today)
    if termination is not None and vacancy is not None:
        Termination.objects.filter(pk=termination.pk).update(vacancy_contract=vacancy)
        audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=termination,
                     changes={"vacancy_contract_id": [None, vacancy.pk]})
    return vacancy


def _make_vacancy(ended: RentalContract, *, actor, today: dt.date) -> RentalContract | None:
    """A vacancy contract for the object, charged to its owning administration, from the day after."""
    rental_object = ended.rental_object
    start = ended.end_date + dt.timedelta(days=1)
    taken = RentalContract.objects.current().filter(rental_object=rental_object).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start)).exists()
    if taken:
        return None
    vacancy = contract_create(
        actor=actor, today=today, rent_lines=[RentLineData(kind=RentLineKind.BASE_RENT,
                                                           amount=rental_object.rent,
                                                           description=_("Vacancy"))],
        kind=RentalContract.Kind.VACANCY, customer=None, rental_object=rental_object,
        organisation=rental_object.owner, start_date=start,
        notice_period_months=ended.notice_period_months,
    )
    # A vacancy has no customer to check or send anything to: it is active from the start.
    vacancy = apply_transition(vacancy, "activate", actor=actor, check_permission=False,
                               reason=_("Vacancy after contract %(number)s") % {"number": ended.number})
    events.send_contract_activated(vacancy.pk)
    audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=rental_object,
                 reason=_("The previous tenant's data was removed from the object: contract %(number)s "
                          "ended, vacancy contract %(vacancy)s") % {"number": ended.number,
                                                                   "vacancy": vacancy.number},
                 changes={"current_contract": [ended.number, vacancy.number]})
    return vacancy
