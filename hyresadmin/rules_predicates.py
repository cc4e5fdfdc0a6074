"""django-rules predicates and permissions for the kernel's objects (object-level checks).

Registered as permissions, so ``user.has_perm("hyresadmin.view_person", person)`` works in every
door. Lists use the querysets in ``permissions`` instead; these answer for one object.
"""

import rules

from . import permissions


@rules.predicate
def is_service_staff(user):
    return permissions.is_service_staff(user)


@rules.predicate
def is_service_admin(user):
    return permissions.is_service_admin(user)


@rules.predicate
def is_district_officer(user):
    return permissions.is_district_officer(user)


@rules.predicate
def is_citizen(user):
    return permissions.is_citizen(user)


@rules.predicate
def person_in_own_organisation(user, person):
    return person is not None and person.affiliation_id == user.organisation_id


@rules.predicate
def person_is_self_or_represented(user, person):
    return person is not None and person.pk in permissions.citizen_person_ids(user)


can_view_person = is_service_staff | (is_district_officer & person_in_own_organisation) | (
    is_citizen & person_is_self_or_represented
)

rules.add_perm("hyresadmin.view_person_record", can_view_person)
rules.add_perm("hyresadmin.change_person_record", is_service_staff)
rules.add_perm("hyresadmin.use_staff_api", is_service_staff)
