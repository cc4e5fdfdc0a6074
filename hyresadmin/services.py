"""Writes to the kernel's registry. Every change to a person's data is in the audit trail."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from . import audit
from .identity import parse_personal_number
from .models import AuditEvent, Person, Representative

PERSON_FIELDS = (
    "personal_number", "is_coordination_number", "first_name", "last_name", "street_address",
    "care_of", "postcode", "town", "email", "phone", "protected_identity", "deceased_on",
    "affiliation_id",
)
REPRESENTATIVE_FIELDS = (
    "person_id", "agent_id", "contact_name", "contact_email", "contact_phone", "kind",
    "valid_from", "valid_to", "may_see_invoices", "receives_notices",
)


#: Rules of higher apps on changing a person's affiliation: each takes (person, new organisation id)
#: and returns a Swedish reason to refuse, or None. Contracts adds "not while a contract with the
#: previous administration is current". Registered in the apps' ``ready``.
AFFILIATION_GUARDS: list = []


def register_affiliation_guard(guard) -> None:
    if guard not in AFFILIATION_GUARDS:
        AFFILIATION_GUARDS.append(guard)


def check_affiliation_change(person: Person, new_affiliation_id) -> None:
    if person.pk is None or new_affiliation_id == person.affiliation_id:
        return
    for guard in AFFILIATION_GUARDS:
        reason = guard(person, new_affiliation_id)
        if reason:
            raise ValidationError({"affiliation": reason}, code="affiliation_locked")


def _normalise_person_number(fields: dict) -> None:
    if "personal_number" in fields:
        pn = parse_personal_number(str(fields["personal_number"]))
        fields["personal_number"] = pn.digits12
        fields["is_coordination_number"] = pn.is_coordination_number


@transaction.atomic
def person_create(*, actor, **fields) -> Person:
    _normalise_person_number(fields)
    person = Person(**fields)
    person.full_clean()
    person.save()
    audit.record(
        AuditEvent.Type.CREATE, actor=actor, subject=person,
        changes={k: [None, audit._jsonable(getattr(person, k))] for k in PERSON_FIELDS
                 if getattr(person, k) not in (None, "", False)},
    )
    return person


@transaction.atomic
def person_update(*, actor, person: Person, reason: str = "", **fields) -> Person:
    _normalise_person_number(fields)
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if "affiliation_id" in fields:
        check_affiliation_change(locked, fields["affiliation_id"])
    before = audit.snapshot(locked, PERSON_FIELDS)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    changes = audit.diff(locked, before, PERSON_FIELDS)
    if changes:
        locked.save()
        audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=locked, changes=changes,
                     reason=reason)
    return locked


@transaction.atomic
def person_mark_deceased(*, actor, person: Person, deceased_on, reason: str = "") -> Person:
    """The person has died on ``deceased_on`` (audited); their citizen login, if any, is deactivated
    (audited) so that nobody logs in as them. Nothing is done when the date is already recorded."""
    person = person_update(actor=actor, person=person, deceased_on=deceased_on, reason=reason)
    if person.user_id:
        user = type(person.user).objects.select_for_update().get(pk=person.user_id)
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
            audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=user, reason=reason,
                         changes={"is_active": [True, False]})
    return person


def person_record_viewed(*, actor, person: Person, where: str) -> None:
    """Record that ``actor`` opened ``person``'s full record (admin change page, API detail)."""
    audit.record_view(actor=actor, subject=person, what=where)


@transaction.atomic
def representative_save(*, actor, representative: Representative) -> Representative:
    """Create or change a representative link, with its audit event on the represented person."""
    is_new = representative.pk is None
    before = {} if is_new else audit.snapshot(
        Representative.objects.get(pk=representative.pk), REPRESENTATIVE_FIELDS
    )
    representative.full_clean()
    representative.save()
    changes = audit.diff(representative, before, REPRESENTATIVE_FIELDS)
    audit.record(
        AuditEvent.Type.CREATE if is_new else AuditEvent.Type.UPDATE,
        actor=actor, subject=representative.person, changes={"representative": changes},
        reason=str(representative),
    )
    return representative


@transaction.atomic
def representative_delete(*, actor, representative: Representative) -> None:
    person = representative.person
    text = str(representative)
    representative.delete()
    audit.record(AuditEvent.Type.DELETE, actor=actor, subject=person, reason=text)
