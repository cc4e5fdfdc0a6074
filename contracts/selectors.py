"""Read queries of the contracts app, scoped by what the user may see.

A service-staff user sees everything; a district officer their own administration's submissions,
contracts, objects and customers; a citizen only the contracts where they are (or represent) the
customer. Every door lists through these.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from hyresadmin import permissions
from hyresadmin.models import Person

from .models import RentalContract, RentalObject, Submission, Termination


def submissions_visible_to(user) -> QuerySet[Submission]:
    qs = Submission.objects.select_related("organisation", "submitted_by", "assignee",
                                           "rental_object", "contract", "collection_code")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user):
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def open_submissions(user) -> QuerySet[Submission]:
    return submissions_visible_to(user).filter(state__in=Submission.OPEN_STATES)


def contracts_visible_to(user) -> QuerySet[RentalContract]:
    qs = RentalContract.objects.select_related("customer", "rental_object", "organisation",
                                               "collection_code")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user):
        return qs.filter(organisation_id=user.organisation_id)
    if permissions.is_citizen(user):
        return qs.filter(customer_id__in=permissions.citizen_person_ids(user, for_invoices=False))
    return qs.none()


def objects_visible_to(user) -> QuerySet[RentalObject]:
    qs = RentalObject.objects.select_related("landlord", "owner")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user):
        return qs.filter(owner_id=user.organisation_id)
    return qs.none()


def customers_visible_to(user) -> QuerySet[Person]:
    """Persons who are (or may become) customers: for an officer, their administration's."""
    qs = Person.objects.select_related("affiliation")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user):
        return qs.filter(Q(affiliation_id=user.organisation_id)
                         | Q(contracts__organisation_id=user.organisation_id)).distinct()
    if permissions.is_citizen(user):
        return qs.filter(pk__in=permissions.citizen_person_ids(user, for_invoices=False))
    return qs.none()


def current_contracts_of(person: Person) -> QuerySet[RentalContract]:
    return RentalContract.objects.current().filter(customer=person)


def terminations_visible_to(user) -> QuerySet[Termination]:
    """Terminations: all for staff, the own administration's contracts' for an officer, none for a
    citizen (the citizen sees the notice and the end date on the contract page)."""
    qs = Termination.objects.select_related("contract__customer", "contract__rental_object",
                                            "contract__organisation", "assignee")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user):
        return qs.filter(contract__organisation_id=user.organisation_id)
    return qs.none()


def open_terminations(user) -> QuerySet[Termination]:
    """The staff queue: waiting to be confirmed, or with the to-do about the next tenant's terms."""
    return terminations_visible_to(user).filter(
        Q(state__in=Termination.OPEN_STATES)
        | Q(state__in=[Termination.State.CONFIRMED, Termination.State.SETTLED], terms_checked=False))
def open_rent_reductions(user):
    """The "my work" queue of rent reductions waiting for staff, by due date."""
    from .reduction_models import RentReduction

    if not permissions.is_service_staff(user):
        return RentReduction.objects.none()
    return RentReduction.objects.filter(state__in=RentReduction.OPEN_STATES)
