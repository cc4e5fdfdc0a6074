"""The staff admin: the "my work" index, the person admin's audit trail and export, job re-runs."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone, translation

from hyresadmin import jobs, queues
from hyresadmin.models import AuditEvent, JobRun, Person
from hyresadmin.queues import Queue
from tests.factories import PersonFactory, RepresentativeFactory, make_personal_number

pytestmark = pytest.mark.django_db


def _change_url(person):
    return f"/admin/hyresadmin/person/{person.pk}/change/"


def _form_data(response) -> dict:
    """What the browser would post back from an admin change page, unchanged."""
    data = {}

    def add(form):
        for name in form.fields:
            bound = form[name]
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, dt.date):
                data[bound.html_name] = value.isoformat()
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management[name].html_name] = str(management[name].value())
        for form in formset.initial_forms:
            add(form)
    return data


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _events(person, event_type):
    return AuditEvent.objects.for_object(person).filter(event_type=event_type)


# --- "Mitt arbete" on the index ------------------------------------------------------------------------


def test_index_shows_the_my_work_table_even_without_queues(staff_client):
    response = staff_client.get("/admin/")

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="my-work"' in content
    assert "<caption>" in content


@pytest.fixture
def person_queue():
    queue = Queue(
        key="test-persons",
        label="Testkö personer",
        open_items=lambda user: Person.objects.filter(deceased_on__isnull=False),
        due_field="deceased_on",  # a stand-in date field
        admin_url="admin:hyresadmin_person_changelist",
    )
    queues.register(queue)
    yield queue
    queues.unregister(queue.key)


def test_index_counts_open_due_today_and_overdue_items_of_each_queue(staff_client, person_queue):
    today = timezone.localdate()
    for days in (-30, -1, 0, 0, 1, 10):
        PersonFactory(deceased_on=today + dt.timedelta(days=days))
    PersonFactory(deceased_on=None)  # not in the queue

    response = staff_client.get("/admin/")

    rows = [row for row in response.context["my_work"] if row["queue"].key == "test-persons"]
    assert len(rows) == 1
    assert (rows[0]["open"], rows[0]["due_today"], rows[0]["overdue"]) == (6, 2, 2)
    content = response.content.decode()
    assert '<a href="/admin/hyresadmin/person/">Testkö personer</a>' in content
    assert '<strong class="overdue">2</strong>' in content
    assert "<td>–</td>" in content  # the queue has no assignee: nothing is "mine"


# --- The person admin ---------------------------------------------------------------------------------


def test_opening_a_persons_record_is_audited_as_a_view(staff_client, staff):
    person = PersonFactory()

    response = staff_client.get(_change_url(person))

    assert response.status_code == 200
    event = _events(person, AuditEvent.Type.VIEW).get()
    assert event.actor == staff
    assert event.reason == "admin"


def test_saving_a_change_through_the_admin_is_audited_with_the_changed_field(staff_client, staff):
    person = PersonFactory(town="Stockholm")
    data = _form_data(staff_client.get(_change_url(person)))
    data["town"] = "Solna"

    response = staff_client.post(_change_url(person), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert person.town == "Solna"
    event = _events(person, AuditEvent.Type.UPDATE).get()
    assert event.actor == staff
    assert event.changes == {"town": ["Stockholm", "Solna"]}


def test_saving_the_form_unchanged_writes_no_update_event(staff_client):
    person = PersonFactory()
    data = _form_data(staff_client.get(_change_url(person)))

    response = staff_client.post(_change_url(person), data)

    assert response.status_code == 302
    assert not _events(person, AuditEvent.Type.UPDATE).exists()


def test_a_personal_number_in_another_form_is_stored_in_the_12_digit_form(staff_client):
    person = PersonFactory(personal_number=make_personal_number(dt.date(1970, 10, 3), 239))
    data = _form_data(staff_client.get(_change_url(person)))
    data["personal_number"] = "701063-2391"  # Skatteverket's coordination-number example

    response = staff_client.post(_change_url(person), data)

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.personal_number == "197010632391"
    assert person.is_coordination_number


def test_an_invalid_personal_number_shows_an_error_and_changes_nothing(staff_client):
    person = PersonFactory(town="Stockholm")
    number = person.personal_number
    data = _form_data(staff_client.get(_change_url(person)))
    data["personal_number"] = number[:-1] + str((int(number[-1]) + 1) % 10)  # wrong check digit
    data["town"] = "Solna"

    response = staff_client.post(_change_url(person), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert [e.code for e in form.errors.as_data()["personal_number"]] == ["invalid_checksum"]
    assert b"errorlist" in response.content
    person.refresh_from_db()
    assert (person.personal_number, person.town) == (number, "Stockholm")
    assert not _events(person, AuditEvent.Type.UPDATE).exists()


def test_a_personal_number_already_in_the_registry_is_refused(staff_client):
    person, other = PersonFactory(), PersonFactory()
    data = _form_data(staff_client.get(_change_url(person)))
    data["personal_number"] = other.personal_number

    response = staff_client.post(_change_url(person), data)

    assert response.status_code == 200
    assert "personal_number" in response.context["adminform"].form.errors
    person.refresh_from_db()
    assert person.personal_number != other.personal_number


def test_adding_a_person_through_the_admin_is_audited(staff_client, staff):
    response = staff_client.get("/admin/hyresadmin/person/add/")
    data = _form_data(response)
    data.update(personal_number="19121212-1212", first_name="Tolvan", last_name="Tolvansson")

    response = staff_client.post("/admin/hyresadmin/person/add/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    person = Person.objects.get(personal_number="191212121212")
    event = _events(person, AuditEvent.Type.CREATE).get()
    assert event.actor == staff
    assert event.changes["first_name"] == [None, "Tolvan"]


def _export(client, persons):
    return client.post("/admin/hyresadmin/person/", {
        "action": "export_csv",
        "_selected_action": [p.pk for p in persons],
    })


def test_csv_export_is_audited_and_never_carries_a_protected_address(staff_client, staff):
    open_person = PersonFactory(street_address="Hornsgatan 1", postcode="11821", town="Stockholm")
    hidden = PersonFactory(street_address="Hemliga vägen 7", postcode="99999", town="Hemby",
                           protected_identity=True)

    response = _export(staff_client, [open_person, hidden])

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 3  # header + two persons
    assert "Hornsgatan 1" in text
    for secret in ("Hemliga vägen 7", "99999", "Hemby"):
        assert secret not in text
    hidden_row = next(row for row in rows if row[0] == hidden.formatted_personal_number)
    assert hidden.full_name in hidden_row
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.EXPORT)
    assert event.actor == staff
    assert event.changes == {"rows": 2}


def test_history_page_shows_the_persons_audit_events(staff_client, staff):
    person = PersonFactory(town="Stockholm")
    data = _form_data(staff_client.get(_change_url(person)))
    data["town"] = "Solna"
    staff_client.post(_change_url(person), data)
    other = PersonFactory()
    staff_client.get(_change_url(other))  # another person's event must not show

    response = staff_client.get(f"/admin/hyresadmin/person/{person.pk}/history/")

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="audit-history"' in content
    with translation.override("sv"):
        for event_type in (AuditEvent.Type.VIEW, AuditEvent.Type.UPDATE):
            assert f"<td>{event_type.label}</td>" in content
    assert "town" in content and "Solna" in content
    assert staff.username in content
    assert list(response.context["events"]) == list(AuditEvent.objects.for_object(person))
    assert not any(e.object_id == str(other.pk) for e in response.context["events"])


def test_representatives_added_inline_are_audited_on_the_person(staff_client):
    person = PersonFactory()
    agent = PersonFactory()
    data = _form_data(staff_client.get(_change_url(person)))
    data.update({
        "representatives-TOTAL_FORMS": "1",
        "representatives-0-kind": "trustee",
        "representatives-0-agent": str(agent.pk),
        "representatives-0-valid_from": "2024-01-01",
        "representatives-0-may_see_invoices": "on",
        "representatives-0-person": str(person.pk),
    })

    response = staff_client.post(_change_url(person), data)

    assert response.status_code == 302
    assert person.representatives.get().agent == agent
    assert _events(person, AuditEvent.Type.CREATE).exists()


def test_existing_representatives_survive_an_unchanged_save(staff_client):
    rep = RepresentativeFactory()
    data = _form_data(staff_client.get(_change_url(rep.person)))

    response = staff_client.post(_change_url(rep.person), data)

    assert response.status_code == 302
    assert rep.person.representatives.count() == 1


# --- Job runs -----------------------------------------------------------------------------------------


def test_rerun_action_runs_a_registered_job_again_for_its_period(staff_client, monkeypatch):
    calls = []

    def flaky(period):
        calls.append(period)
        if len(calls) == 1:
            raise RuntimeError("the bank file was late")
        return {"done": period}

    monkeypatch.setitem(jobs.REGISTRY, "test-flaky", flaky)
    with pytest.raises(RuntimeError):
        jobs.rerun(job="test-flaky", period="2026-03")
    run = JobRun.objects.get(job="test-flaky", period="2026-03")
    assert run.state == JobRun.State.FAILED

    response = staff_client.post(
        "/admin/hyresadmin/jobrun/",
        {"action": "rerun_selected", "_selected_action": [run.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert calls == ["2026-03", "2026-03"]
    run.refresh_from_db()
    assert run.state == JobRun.State.SUCCEEDED
    assert run.attempts == 2
    assert run.result == {"done": "2026-03"}
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_rerun_action_refuses_a_job_that_is_not_registered(staff_client):
    run = JobRun.objects.create(job="test-unknown", period="2026-03")

    response = staff_client.post(
        "/admin/hyresadmin/jobrun/",
        {"action": "rerun_selected", "_selected_action": [run.pk]},
        follow=True,
    )

    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    run.refresh_from_db()
    assert run.attempts == 1
