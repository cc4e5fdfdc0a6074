"""Every write of support cases: open, take up, answer, forward to the district, reply, reopen, close.

Due dates come from the service levels (DOMAIN.md): a citizen or representative gets an answer or
feedback by the next working day (``service_level_due(received_at, 1)``), a district's question is
answered within 2 working days. A new message from the person who asked reopens an answered or
closed case with a new due date. E-mails say only that an answer is waiting; the answer is read in
``/mina-sidor/`` or ``/forvaltning/``. A protected identity is never e-mailed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from hyresadmin import audit
from hyresadmin.calendar import service_level_due
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import apply_transition
from hyresadmin.uploads import validate_upload

from .models import Message, MessageAttachment, SupportCase

WORKING_DAYS = {SupportCase.Asker.CITIZEN: 1, SupportCase.Asker.REPRESENTATIVE: 1,
                SupportCase.Asker.DISTRICT: 2}


def prepared_answer(category: str) -> str:
    """A prepared answer staff can start from (the termination answer is the rule itself)."""
    if category == SupportCase.Category.TERMINATION:
        return _("Notice of termination must be given in writing. Write to the service administration, "
                 "rent administration, with your name, your personal identity number, the address of the "
                 "apartment and the date you want to move out, and sign the letter. A relative or your "
                 "trustee (god man) may send the notice for you. You can also use the back of your "
                 "contract. The notice period is normally three months, counted from the turn of the "
                 "month after we received your notice.")
    return ""


def _require(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a message.")}, code="required")
    return body


def _add_message(case, *, direction, author, body, attachments=()) -> Message:
    message = Message.objects.create(case=case, direction=direction,
                                     author=author if getattr(author, "is_authenticated", False) else None,
                                     body=body)
    for f in attachments or ():
        checked = validate_upload(f)
        MessageAttachment.objects.create(message=message, file=f, original_name=f.name[:200],
                                         content_type=checked.content_type, size=checked.size,
                                         sha256=checked.sha256)
    return message


@transaction.atomic
def case_open(*, actor, channel: str, asker: str, category: str, subject: str, body: str,
              person=None, organisation=None, contract=None, invoice=None, contact_name: str = "",
              contact_email: str = "", contact_phone: str = "", attachments=(),
              received_at=None) -> SupportCase:
    """Register a question (from the citizen view, the district portal, or staff noting a call)."""
    body = _require(body)
    received_at = received_at or timezone.now()
    if invoice is not None:
        person = person or invoice.customer
        contract = contract or invoice.contract
    if contract is not None:
        person = person or contract.customer
        organisation = organisation or contract.organisation
    if person is not None and organisation is None:
        organisation = person.affiliation
    case = SupportCase(
        channel=channel, asker=asker, category=category, subject=(subject or "").strip()[:200],
        person=person, organisation=organisation, contract=contract, invoice=invoice,
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
        contact_name=contact_name, contact_email=contact_email, contact_phone=contact_phone,
        received_at=received_at, due_date=service_level_due(received_at, WORKING_DAYS[asker]),
    )
    case.full_clean()
    case.save()
    _add_message(case, direction=Message.Direction.IN, author=actor, body=body, attachments=attachments)
    audit.record(AuditEvent.Type.CREATE, actor=actor, subject=case, to_state=case.state,
                 changes={"category": category, "channel": channel})
    return case


def case_assign(*, actor, case: SupportCase, assignee) -> SupportCase:
    with transaction.atomic():
        locked = SupportCase.objects.select_for_update().get(pk=case.pk)
        before = locked.assignee_id
        locked.assignee = assignee
        locked.save(update_fields=["assignee"])
        audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=locked,
                     changes={"assignee_id": [before, assignee.pk if assignee else None]})
    return locked


def case_start(*, actor, case: SupportCase) -> SupportCase:
    with transaction.atomic():
        case = apply_transition(case, "start", actor=actor)
        if case.assignee_id is None and getattr(actor, "is_authenticated", False):
            case = case_assign(actor=actor, case=case, assignee=actor)
    return case


def case_note(*, actor, case: SupportCase, body: str) -> Message:
    return _add_message(case, direction=Message.Direction.NOTE, author=actor, body=_require(body))


def case_answer(*, actor, case: SupportCase, body: str, attachments=()) -> SupportCase:
    """Answer the person who asked; they are told by e-mail that an answer is waiting."""
    body = _require(body)
    with transaction.atomic():
        _add_message(case, direction=Message.Direction.OUT, author=actor, body=body,
                     attachments=attachments)
        answered = apply_transition(case, "answer", actor=actor)
        transaction.on_commit(lambda: notify_answer_waiting(answered.pk))
    return answered


def case_forward_to_district(*, actor, case: SupportCase, body: str,
                             proposed_solution: str = "") -> SupportCase:
    """Forward a question the service administration cannot answer (or a disputed invoice, with a
    proposed solution) to the district; it shows in their portal and comes back answered."""
    body = _require(body)
    with transaction.atomic():
        if case.organisation_id is None:
            raise ValidationError({"organisation": _("Choose the district to forward the case to.")})
        locked = SupportCase.objects.select_for_update().get(pk=case.pk)
        if proposed_solution:
            locked.proposed_solution = proposed_solution
            locked.save(update_fields=["proposed_solution"])
        _add_message(locked, direction=Message.Direction.TO_DISTRICT, author=actor, body=body)
        forwarded = apply_transition(locked, "wait", actor=actor, reason=_("Forwarded to the district"),
                                     waiting_on=SupportCase.WaitingOn.DISTRICT)
        transaction.on_commit(lambda: notify_district(forwarded.pk))
    return forwarded


def case_wait_on_customer(*, actor, case: SupportCase, body: str) -> SupportCase:
    """Ask the person who asked for more (an answer to them that keeps the case open)."""
    body = _require(body)
    with transaction.atomic():
        _add_message(case, direction=Message.Direction.OUT, author=actor, body=body)
        waiting = apply_transition(case, "wait", actor=actor, waiting_on=SupportCase.WaitingOn.CUSTOMER)
        transaction.on_commit(lambda: notify_answer_waiting(waiting.pk))
    return waiting


def case_district_reply(*, actor, case: SupportCase, body: str) -> SupportCase:
    """The district answers a forwarded case; it goes back to staff."""
    body = _require(body)
    with transaction.atomic():
        locked = SupportCase.objects.select_for_update().get(pk=case.pk)
        _add_message(locked, direction=Message.Direction.FROM_DISTRICT, author=actor, body=body)
        if locked.state == SupportCase.State.WAITING:
            locked = apply_transition(locked, "resume", actor=actor, check_permission=False)
    return locked


def case_reply(*, actor, case: SupportCase, body: str, attachments=()) -> SupportCase:
    """The person who asked writes again: waiting → in progress; answered or closed → reopened, with
    a new due date by the service level."""
    body = _require(body)
    with transaction.atomic():
        locked = SupportCase.objects.select_for_update().get(pk=case.pk)
        _add_message(locked, direction=Message.Direction.IN, author=actor, body=body,
                     attachments=attachments)
        if locked.state in (SupportCase.State.ANSWERED, SupportCase.State.CLOSED):
            now = timezone.now()
            locked.received_at = now
            locked.due_date = service_level_due(now, WORKING_DAYS[locked.asker])
            locked.save(update_fields=["received_at", "due_date"])
            locked = apply_transition(locked, "reopen", actor=actor, check_permission=False,
                                      reason=_("The person wrote again"))
        elif locked.state == SupportCase.State.WAITING and locked.waiting_on == SupportCase.WaitingOn.CUSTOMER:
            locked = apply_transition(locked, "resume", actor=actor, check_permission=False)
    return locked


def case_close(*, actor, case: SupportCase, reason: str = "") -> SupportCase:
    return apply_transition(case, "close", actor=actor, reason=reason)


# --- Notifications (after commit) --------------------------------------------------------------------


def _asker_address(case: SupportCase) -> str:
    """Where to tell the asker that an answer is waiting; never a protected identity's address."""
    if case.person is not None and case.person.protected_identity:
        return ""
    if case.asker == SupportCase.Asker.DISTRICT and case.opened_by is not None:
        return case.opened_by.email
    if case.opened_by is not None and case.opened_by.email:
        return case.opened_by.email
    if case.person is not None and case.person.email:
        return case.person.email
    return case.contact_email


def notify_answer_waiting(case_id: int) -> bool:
    case = SupportCase.objects.select_related("person", "opened_by").get(pk=case_id)
    address = _asker_address(case)
    if not address:
        return False
    where = "/forvaltning/arenden/" if case.asker == SupportCase.Asker.DISTRICT else "/mina-sidor/arenden/"
    with override("sv"):
        send_mail(
            _("An answer to your question is waiting"),
            _("Hello,\n\nThere is an answer to your question “%(subject)s”. Log in to read it:\n%(url)s\n\n"
              "Service administration, City of Stockholm") % {
                "subject": case.subject, "url": settings.SITE_URL.rstrip("/") + where + f"{case.pk}/"},
            settings.DEFAULT_FROM_EMAIL, [address],
        )
    return True


def notify_district(case_id: int) -> bool:
    case = SupportCase.objects.select_related("organisation").get(pk=case_id)
    address = case.organisation.shared_mailbox_email if case.organisation else ""
    if not address:
        return False
    with override("sv"):
        send_mail(
            _("A question for your administration: case %(id)s") % {"id": case.pk},
            _("The service administration has forwarded a question to you. Read and answer it in the "
              "district portal:\n%(url)s") % {
                "url": settings.SITE_URL.rstrip("/") + f"/forvaltning/arenden/{case.pk}/"},
            settings.DEFAULT_FROM_EMAIL, [address],
        )
    return True
