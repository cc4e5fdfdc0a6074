"""Who may see what: the scoping every door relies on."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from hyresadmin import permissions
from tests.factories import PersonFactory, RepresentativeFactory

pytestmark = pytest.mark.django_db


def test_staff_see_every_organisation(staff, district, other_district):
    assert set(permissions.organisations_visible_to(staff)) >= {district, other_district}


def test_officer_sees_only_own_organisation(officer, district, other_district):
    assert list(permissions.organisations_visible_to(officer)) == [district]


def test_citizen_and_anonymous_see_no_organisation(citizen):
    assert not permissions.organisations_visible_to(citizen).exists()
    assert not permissions.organisations_visible_to(AnonymousUser()).exists()


def test_officer_sees_only_persons_affiliated_with_own_organisation(officer, district, other_district):
    mine = PersonFactory(affiliation=district)
    PersonFactory(affiliation=other_district)
    PersonFactory(affiliation=None)
    assert list(permissions.persons_visible_to(officer)) == [mine]


def test_citizen_sees_self_and_represented_with_invoice_right_only(citizen):
    me = citizen.person
    represented = RepresentativeFactory(agent=me, may_see_invoices=True).person
    RepresentativeFactory(agent=me, may_see_invoices=False)
    ended = RepresentativeFactory(agent=me, may_see_invoices=True,
                                  valid_to=dt.date(2021, 1, 1)).person
    future = RepresentativeFactory(agent=me, may_see_invoices=True,
                                   valid_from=dt.date.today() + dt.timedelta(days=3)).person
    PersonFactory()
    visible = set(permissions.persons_visible_to(citizen))
    assert visible == {me, represented}
    assert ended not in visible and future not in visible


def test_inactive_staff_sees_nothing(staff, district):
    staff.is_active = False
    staff.save()
    staff = type(staff).objects.get(pk=staff.pk)
    assert not permissions.organisations_visible_to(staff).exists()


def test_officer_without_organisation_sees_nothing(officer):
    officer.organisation = None
    officer.save()
    officer = type(officer).objects.get(pk=officer.pk)
    assert not permissions.is_district_officer(officer)
    assert not permissions.persons_visible_to(officer).exists()


def test_protected_address_only_for_staff(staff, officer, district):
    person = PersonFactory(protected_identity=True, affiliation=district)
    assert permissions.can_see_address(staff, person)
    assert not permissions.can_see_address(officer, person)
    assert permissions.can_see_address(officer, PersonFactory(affiliation=district))


def test_rules_object_permission_matches_querysets(staff, officer, other_officer, citizen, district):
    person = PersonFactory(affiliation=district)
    assert staff.has_perm("hyresadmin.view_person_record", person)
    assert officer.has_perm("hyresadmin.view_person_record", person)
    assert not other_officer.has_perm("hyresadmin.view_person_record", person)
    assert not citizen.has_perm("hyresadmin.view_person_record", person)
    assert citizen.has_perm("hyresadmin.view_person_record", citizen.person)


def test_organisation_q_filters_rows(officer, staff, district, other_district):
    from hyresadmin.models import Person

    PersonFactory(affiliation=district)
    PersonFactory(affiliation=other_district)
    assert Person.objects.filter(permissions.organisation_q(officer, "affiliation")).count() == 1
    assert Person.objects.filter(permissions.organisation_q(staff, "affiliation")).count() == 2
    assert Person.objects.filter(permissions.organisation_q(AnonymousUser(), "affiliation")).count() == 0


def test_citizen_scopes_do_not_leak_between_invoice_and_contract_questions(citizen):
    """Asked first for contracts (all representations), then for invoices (only those with the right
    to see invoices): each question gets its own answer on the same user object."""
    me = citizen.person
    informed_only = RepresentativeFactory(agent=me, may_see_invoices=False).person
    all_ids = permissions.citizen_person_ids(citizen, for_invoices=False)
    invoice_ids = permissions.citizen_person_ids(citizen, for_invoices=True)
    assert informed_only.pk in all_ids
    assert informed_only.pk not in invoice_ids
