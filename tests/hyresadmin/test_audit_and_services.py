"""The audit trail, the person services and the transition runner."""

import pytest
from django.core.exceptions import ValidationError
from django_fsm import TransitionNotAllowed

from hyresadmin import audit, services
from hyresadmin.models import AuditEvent, JobRun, Person
from hyresadmin.transitions import TransitionRefused, apply_transition
from tests.factories import PersonFactory, RepresentativeFactory, make_personal_number

pytestmark = pytest.mark.django_db


def test_person_create_normalises_number_and_audits(staff):
    person = services.person_create(
        actor=staff, personal_number="701063-2391", first_name="Olle", last_name="Svensson"
    )
    assert person.personal_number == "197010632391"
    assert person.is_coordination_number is True
    event = AuditEvent.objects.for_object(person).get()
    assert event.event_type == AuditEvent.Type.CREATE
    assert event.actor == staff
    assert event.changes["first_name"] == [None, "Olle"]


def test_person_create_with_bad_number_writes_nothing(staff):
    with pytest.raises(ValidationError):
        services.person_create(actor=staff, personal_number="19990230-1234",
                               first_name="X", last_name="Y")
    assert not Person.objects.exists()
    assert not AuditEvent.objects.exists()


def test_person_update_records_only_changed_fields(staff):
    person = PersonFactory(town="Stockholm")
    services.person_update(actor=staff, person=person, town="Solna", email=person.email,
                           reason="ny adress från god man")
    event = AuditEvent.objects.for_object(person).get()
    assert event.event_type == AuditEvent.Type.UPDATE
    assert event.changes == {"town": ["Stockholm", "Solna"]}
    assert event.reason == "ny adress från god man"


def test_person_update_without_change_writes_no_event(staff):
    person = PersonFactory()
    services.person_update(actor=staff, person=person, town=person.town)
    assert not AuditEvent.objects.exists()


def test_viewing_a_record_is_audited(staff):
    person = PersonFactory()
    services.person_record_viewed(actor=staff, person=person, where="admin")
    assert AuditEvent.objects.for_object(person).get().event_type == AuditEvent.Type.VIEW


def test_representative_changes_are_audited_on_the_person(staff):
    rep = RepresentativeFactory.build(person=PersonFactory(), agent=PersonFactory())
    services.representative_save(actor=staff, representative=rep)
    rep.may_see_invoices = False
    services.representative_save(actor=staff, representative=rep)
    services.representative_delete(actor=staff, representative=rep)
    types = list(AuditEvent.objects.for_object(rep.person).order_by("id")
                 .values_list("event_type", flat=True))
    assert types == ["create", "update", "delete"]


def test_representative_must_name_someone(staff):
    rep = RepresentativeFactory.build(person=PersonFactory(), agent=None, contact_name="")
    with pytest.raises(ValidationError):
        services.representative_save(actor=staff, representative=rep)


def test_audit_trail_is_append_only(staff):
    event = audit.record(AuditEvent.Type.VIEW, actor=staff, subject=PersonFactory())
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(reason="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        event.delete()
    event.reason = "changed"
    with pytest.raises(PermissionError):
        event.save()


def test_transition_is_applied_locked_and_audited(staff):
    run = JobRun.objects.create(job="demo", period="2026-11")
    done = apply_transition(run, "succeed", actor=staff, reason="klart", result={"n": 1})
    assert done.state == JobRun.State.SUCCEEDED
    assert JobRun.objects.get(pk=run.pk).result == {"n": 1}
    event = AuditEvent.objects.for_object(run).get()
    assert (event.from_state, event.to_state, event.reason, event.actor) == (
        "running", "succeeded", "klart", staff)


def test_transition_from_wrong_state_is_refused_and_changes_nothing(staff):
    run = JobRun.objects.create(job="demo", period="2026-11")
    apply_transition(run, "succeed", actor=staff)
    stale = JobRun.objects.get(pk=run.pk)
    with pytest.raises(TransitionRefused):
        apply_transition(stale, "fail", actor=staff, error="x")
    assert JobRun.objects.get(pk=run.pk).state == JobRun.State.SUCCEEDED
    assert AuditEvent.objects.for_object(run).count() == 1


def test_concurrent_change_gives_a_clear_conflict(staff):
    run = JobRun.objects.create(job="demo", period="2026-11")
    seen_by_first = JobRun.objects.get(pk=run.pk)
    apply_transition(run, "fail", actor=staff, error="x")  # someone else acted first
    with pytest.raises(TransitionRefused) as exc:
        apply_transition(seen_by_first, "succeed", actor=staff)
    assert exc.value.message
    assert JobRun.objects.get(pk=run.pk).state == JobRun.State.FAILED


def test_state_cannot_be_assigned_directly():
    run = JobRun.objects.create(job="demo", period="2026-11")
    with pytest.raises(AttributeError):
        run.state = JobRun.State.SUCCEEDED
    with pytest.raises(TransitionNotAllowed):
        JobRun.objects.get(pk=run.pk).rerun()


def test_personal_number_check_constraint():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(personal_number="1234", first_name="A", last_name="B")
    Person.objects.create(personal_number=make_personal_number(__import__("datetime").date(1980, 5, 17), 123),
                          first_name="A", last_name="B")


def test_protected_identity_prints_no_address():
    person = PersonFactory(protected_identity=True)
    assert person.postal_address_lines() == []
    assert PersonFactory().postal_address_lines()[0]
