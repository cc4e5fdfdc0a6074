"""Every write of a rent reduction for double housing, and the checks staff see before registering.

Doors: the district portal's form (``reduction_views``) submits; the admin registers or rejects.
Registering sends ``rent_reduction_registered``; invoicing (a higher app) puts the reduction on the
next invoice as negative queued lines, books the cost (an accounting order when the customer lives in
the deciding district, else a payment order) and records it here with
``rent_reduction_record_booking``, which tells the submitter by e-mail.

Whether the customer's invoices are paid or at collection is invoicing's knowledge; contracts may not
import invoicing, so invoicing fills the hook ``register_invoice_status`` from its ``AppConfig.ready``
(without it the check says it could not be made).

A reduction for a contract that has ended is refused (the ``active_contract`` check): no invoice comes
after the end date, and the final settlement has settled (or will settle, from its proposal) what was
queued before. The refusal says so and that the reduction then needs a manual credit on the contract's
last invoice ("Kreditera"). A reduction registered while the contract was current goes on the next
invoice; if that month comes after the end date the final settlement credits it
(``invoicing.settlement``), and if it is applied only after the settlement was confirmed, invoicing
credits it on the contract's last invoice (``invoicing.reductions``).

The attester: the system has no attester register. The signer's name is recorded as given; the check
is that the submitting user is a district officer of the contract's administration (an authorised
submitter), which the portal enforces.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hyresadmin import audit, permissions
from hyresadmin.calendar import service_level_due
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused, apply_transition
from hyresadmin.uploads import validate_upload

from . import events
from .checks import Check, failed
from .models import RentalContract
from .reduction_models import RentReduction

#: The service level of a rent reduction: the documents give none; three working days, like a
#: registration or a termination.
REDUCTION_WORKING_DAYS = 3

#: ``func(person_id) -> (unpaid_open_invoices, at_collection)``, filled by invoicing.
_invoice_status: Callable[[int], tuple[int, int]] | None = None


def register_invoice_status(func: Callable[[int], tuple[int, int]]) -> None:
    global _invoice_status
    _invoice_status = func


@transaction.atomic
def rent_reduction_submit(*, actor, contract: RentalContract, first_month: date, last_month: date,
                          decision_date: date, attester_name: str, lives_in_deciding_district: bool,
                          amount: Decimal | None = None, percentage: Decimal | None = None,
                          apply_from: date | None = None, message: str = "", attachment=None,
                          received_at=None) -> RentReduction:
    """A district officer's underlag for a reduction of ``contract``'s rent (their own administration's)."""
    if not (permissions.is_district_officer(actor) and actor.organisation_id == contract.organisation_id):
        raise TransitionRefused(_("Only an officer of the contract's administration may submit a reduction."))
    errors = {}
    if (amount is None) == (percentage is None):
        errors["amount"] = _("Give either an amount per month or a percentage of the rent.")
    if last_month < first_month:
        errors["last_month"] = _("The last month is before the first month.")
    if decision_date > timezone.localdate():
        errors["decision_date"] = _("The date of the decision cannot be in the future.")
    if not attester_name.strip():
        errors["attester_name"] = _("Give the name of the attester who signed the decision.")
    if errors:
        raise ValidationError(errors)
    received_at = received_at or timezone.now()
    reduction = RentReduction(
        contract=contract, organisation_id=contract.organisation_id, submitted_by=actor,
        received_at=received_at, due_date=service_level_due(received_at, REDUCTION_WORKING_DAYS),
        first_month=first_month.replace(day=1), last_month=last_month.replace(day=1), amount=amount,
        percentage=percentage, decision_date=decision_date, attester_name=attester_name.strip(),
        lives_in_deciding_district=lives_in_deciding_district,
        apply_from=apply_from.replace(day=1) if apply_from else None, message=message)
    if attachment is not None:
        checked = validate_upload(attachment)
        reduction.attachment_sha256 = checked.sha256
        reduction.attachment_name = attachment.name[:200]
        reduction.attachment.save(attachment.name, attachment, save=False)
    reduction.save()
    audit.record(AuditEvent.Type.CREATE, actor=actor, subject=reduction, to_state=reduction.state,
                 changes={"contract": contract.pk, "months": [f"{first_month:%Y-%m}", f"{last_month:%Y-%m}"]})
    return reduction


def rent_reduction_checks(reduction: RentReduction) -> list[Check]:
    """What staff see (and the service enforces, but for the invoice status) before registering."""
    contract = reduction.contract
    submitter = reduction.submitted_by
    authorised = (permissions.is_district_officer(submitter)
                  and submitter.organisation_id == contract.organisation_id)
    checks = [
        Check("attester", _("The underlag comes from an authorised officer of the contract's administration"),
              authorised, _("Signed by %(name)s.") % {"name": reduction.attester_name}),
        Check("active_contract", _("The customer has an active contract"),
              contract.state in RentalContract.CURRENT_STATES, _active_contract_detail(contract)),
    ]
    if _invoice_status is None or contract.customer_id is None:
        checks.append(Check("invoices", _("The customer's invoices are paid and none is at collection"),
                            False, _("The invoices could not be checked.")))
    else:
        unpaid, at_collection = _invoice_status(contract.customer_id)
        checks.append(Check(
            "invoices", _("The customer's invoices are paid and none is at collection"),
            unpaid == 0 and at_collection == 0,
            _("%(unpaid)s unpaid, %(collection)s at collection (shown for the record; it does not stop "
              "the registration).") % {"unpaid": unpaid, "collection": at_collection}))
    return checks


def _active_contract_detail(contract: RentalContract) -> str:
    if contract.state in RentalContract.CURRENT_STATES:
        return ""
    if contract.state == RentalContract.State.TERMINATED:
        # No invoice comes after the end: the final settlement (or its confirmation) has passed.
        return _("The contract ended on %(date)s and no further invoice comes: the reduction cannot be "
                 "registered. Credit it by hand on the contract's last invoice (Credit on the invoice "
                 "in the admin), after the final settlement.") % {
                     "date": contract.end_date.isoformat() if contract.end_date else "–"}
    return _("The contract is %(state)s.") % {"state": contract.get_state_display().lower()}


#: The checks that stop a registration; the invoice status is for the record.
BLOCKING = ("attester", "active_contract")


@transaction.atomic
def rent_reduction_register(*, actor, reduction: RentReduction) -> RentReduction:
    """Register the reduction: invoicing puts it on the next invoice (after commit)."""
    problems = [c for c in failed(rent_reduction_checks(reduction)) if c.code in BLOCKING]
    if problems:
        raise TransitionRefused(" ".join(f"{c.label}: {c.detail}" if c.detail else str(c.label)
                                         for c in problems), failed_checks=problems)
    user = actor if getattr(actor, "is_authenticated", False) else None
    reduction = apply_transition(reduction, "register", actor=actor, reason=_("Registered"), registered_by=user)
    events.send_rent_reduction_registered(reduction.pk)
    return reduction


@transaction.atomic
def rent_reduction_reject(*, actor, reduction: RentReduction, reason: str) -> RentReduction:
    if not reason.strip():
        raise TransitionRefused(_("Give the reason the reduction is rejected."))
    reduction = apply_transition(reduction, "reject", actor=actor, reason=reason, rejection_reason=reason)
    from . import notifications

    notifications.rent_reduction_handled(reduction.pk)
    return reduction


@transaction.atomic
def rent_reduction_record_booking(*, actor, reduction: RentReduction, applied_period: date, booking: str,
                                  reference: str) -> RentReduction:
    """Invoicing records where the reduction went (the invoice period) and how its cost was booked; the
    submitter is told by e-mail (after commit)."""
    locked = RentReduction.objects.select_for_update().get(pk=reduction.pk)
    RentReduction.objects.filter(pk=locked.pk).update(applied_period=applied_period, booking=booking,
                                                      booking_reference=reference[:100])
    audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=locked,
                 changes={"applied_period": f"{applied_period:%Y-%m}", "booking": booking,
                          "booking_reference": reference})
    from . import notifications

    notifications.rent_reduction_handled(locked.pk)
    return RentReduction.objects.get(pk=locked.pk)
