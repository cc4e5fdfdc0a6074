"""Write-down requests: staff propose, the district decides in its portal, staff carry it out.

  WriteDownRequest  proposed → approved | rejected   (``write_down_request_decide``: an officer of the
                                                     invoice's district, in ``/forvaltning/avskrivningar/``)
                    approved → done                  (``collection.write_down_create``: the ledger checks,
                                                     attested by staff; the invoice is written off)
                    proposed | approved → withdrawn  (``write_down_request_withdraw``: staff)

A proposal (``write_down_request_create``, staff, on a collection case or an invoice) is for an open
invoice with something left to pay and no payment plan, one open request per invoice; the district's
officers get an e-mail with only the portal link. Every transition is audited. The reads the doors
share (``write_down_requests_visible_to``) are scoped: all for staff, the own district's for an officer.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from hyresadmin import audit, calendar, permissions
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused, apply_transition
from invoicing.models import Invoice

from .collection import payment_plan_exists
from .collection_models import CollectionCase, WriteDownRequest


def write_down_requests_visible_to(user) -> QuerySet[WriteDownRequest]:
    """Write-down requests the user may see: all for staff, their district's for an officer, none else."""
    qs = WriteDownRequest.objects.select_related("invoice", "invoice__customer", "organisation", "case",
                                                 "proposed_by", "decided_by")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user):
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def write_down_requests_to_carry_out(user) -> QuerySet[WriteDownRequest]:
    """The "my work" queue: requests the district approved, waiting for staff to write the invoice down."""
    return write_down_requests_visible_to(user).filter(state=WriteDownRequest.State.APPROVED)


def write_down_request_problems(invoice: Invoice) -> list[str]:
    """Why ``invoice`` may not be proposed for a write-down (empty: it may)."""
    problems = []
    if invoice.state not in Invoice.OPEN_STATES or invoice.balance <= 0:
        problems.append(_("The invoice is %(state)s: only an open invoice is written down.")
                        % {"state": invoice.get_state_display().lower()})
    if payment_plan_exists(invoice):
        problems.append(_("The invoice is in a payment plan: a payment plan exists."))
    if WriteDownRequest.objects.filter(invoice=invoice, state__in=WriteDownRequest.OPEN_STATES).exists():
        problems.append(_("A write-down of the invoice is already proposed."))
    return problems


@transaction.atomic
def write_down_request_create(*, actor, invoice: Invoice, reason: str,
                              case: CollectionCase | None = None) -> WriteDownRequest:
    """Propose to write ``invoice`` down; the district's officers are told after commit."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the invoice should be written down.")})
    if not permissions.is_service_staff(actor):
        raise TransitionRefused(_("Only the service administration proposes write-downs."))
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    problems = write_down_request_problems(invoice)
    if problems:
        raise TransitionRefused(_("The write-down cannot be proposed:") + " " + " ".join(problems),
                                failed_checks=problems)
    if case is None:
        claim = invoice.collection_claims.filter(active=True).select_related("case").first()
        case = claim.case if claim else None
    request = WriteDownRequest.objects.create(invoice=invoice, case=case, organisation_id=invoice.organisation_id,
                                              amount=invoice.balance, reason=reason.strip(), proposed_by=actor)
    audit.record(AuditEvent.Type.CREATE, actor=actor, subject=request, to_state=request.state,
                 reason=_("Write-down of invoice %(number)s proposed to the district") % {"number": invoice.number})
    organisation_id = invoice.organisation_id
    transaction.on_commit(lambda: _tell_officers(organisation_id))
    return request


def _carry_out_by():
    from django.utils import timezone

    from .collection import _review_days

    return calendar.add_working_days(timezone.localdate(), _review_days())


def _tell_officers(organisation_id: int) -> None:
    from . import notifications

    notifications.officers_write_down_requested(organisation_id)


@transaction.atomic
def write_down_request_decide(*, actor, request: WriteDownRequest, approve: bool,
                              note: str = "") -> WriteDownRequest:
    """The district's decision: an officer of the invoice's district approves or rejects (with a note)."""
    if not (permissions.is_district_officer(actor) and actor.organisation_id == request.organisation_id):
        raise TransitionRefused(_("Only an officer of the invoice's district decides the write-down."))
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("Give a reason for rejecting the write-down.")})
    if approve:
        return apply_transition(request, "approve", actor=actor, check_permission=False,
                                reason=_("The district approved the write-down") + (f": {note}" if note else ""),
                                decided_by=actor, note=note, due_date=_carry_out_by())
    return apply_transition(request, "reject", actor=actor, check_permission=False,
                            reason=_("The district rejected the write-down: %(note)s") % {"note": note},
                            decided_by=actor, note=note)


@transaction.atomic
def write_down_request_withdraw(*, actor, request: WriteDownRequest, reason: str) -> WriteDownRequest:
    """Staff withdraw a request not yet carried out."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the request is withdrawn.")})
    return apply_transition(request, "withdraw", actor=actor, reason=_("Withdrawn: %(reason)s") % {"reason": reason})
