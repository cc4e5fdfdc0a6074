"""Who may see what: the one place every door asks.

Roles are groups (made by a data migration): ``district_officer``, ``service_staff``,
``service_admin`` and ``citizen``. Service staff see every organisation's data; a district officer
sees their own organisation's; a citizen sees themselves and the persons they represent with the
right to see invoices. Apps build their scoped querysets on ``organisations_visible_to`` and
``persons_visible_to`` (e.g. ``contracts_visible_to(user)`` filters on the organisation and the
customer), so that a list can never show what the user may not see.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Organisation, Person

DISTRICT_OFFICER = "district_officer"
SERVICE_STAFF = "service_staff"
SERVICE_ADMIN = "service_admin"
CITIZEN = "citizen"
ROLES = (DISTRICT_OFFICER, SERVICE_STAFF, SERVICE_ADMIN, CITIZEN)


def _groups(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_cache = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in _groups(user)


def is_service_staff(user) -> bool:
    """Service-administration staff (or admins, or a superuser): the back office."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or bool(_groups(user) & {SERVICE_STAFF, SERVICE_ADMIN})


def is_service_admin(user) -> bool:
    return getattr(user, "is_authenticated", False) and (
        user.is_superuser or SERVICE_ADMIN in _groups(user)
    )


def is_district_officer(user) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and DISTRICT_OFFICER in _groups(user)
        and user.organisation_id is not None
    )


def is_citizen(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active and (
        CITIZEN in _groups(user) and hasattr(user, "person")
    )


def organisations_visible_to(user) -> QuerySet[Organisation]:
    """The organisations whose data the user may see."""
    if is_service_staff(user):
        return Organisation.objects.all()
    if is_district_officer(user):
        return Organisation.objects.filter(pk=user.organisation_id)
    return Organisation.objects.none()


def organisation_q(user, field: str = "organisation") -> Q:
    """A filter on ``field`` (an FK to Organisation) limiting rows to what the user may see.

    Returns ``Q(pk__in=[])`` (matches nothing) for a user with no organisation rights.
    """
    if is_service_staff(user):
        return Q()
    if is_district_officer(user):
        return Q(**{f"{field}_id": user.organisation_id})
    return Q(pk__in=[])


def citizen_person_ids(user, *, for_invoices: bool = True) -> list[int]:
    """The ids of the persons a citizen may see: themselves and whom they represent today."""
    if not is_citizen(user):
        return []
    cache = user.__dict__.setdefault("_citizen_person_ids", {})
    if for_invoices in cache:
        return cache[for_invoices]
    me = user.person
    today = timezone.localdate()
    reps = me.represents.valid_on(today)
    if for_invoices:
        reps = reps.filter(may_see_invoices=True)
    ids = [me.pk, *reps.values_list("person_id", flat=True)]
    cache[for_invoices] = ids
    return ids


def persons_visible_to(user) -> QuerySet[Person]:
    """Persons the user may see: all for staff, their administration's customers for an officer,
    themselves and those they represent for a citizen."""
    if is_service_staff(user):
        return Person.objects.all()
    if is_district_officer(user):
        return Person.objects.filter(affiliation_id=user.organisation_id)
    if is_citizen(user):
        return Person.objects.filter(pk__in=citizen_person_ids(user))
    return Person.objects.none()


def can_see_address(user, person: Person) -> bool:
    """A protected identity's address is shown only to service staff (who must send mail via
    the tax agency) — never to officers, representatives, or on exports."""
    if not person.protected_identity:
        return True
    return is_service_staff(user)


def officer_emails(organisation_id: int | None) -> list[str]:
    """The e-mail addresses of the active district officers of an organisation (for notices to "the
    district"), in one query."""
    from .models import User

    if organisation_id is None:
        return []
    return sorted(set(
        User.objects.filter(organisation_id=organisation_id, is_active=True, groups__name=DISTRICT_OFFICER)
        .exclude(email="").values_list("email", flat=True)))
