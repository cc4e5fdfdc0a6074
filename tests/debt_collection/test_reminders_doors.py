"""The reminders through the API (staff all, an officer their administration's, a citizen none; batches
approved and sent by staff, 409 on refusal) and on the citizen's invoice page ("Påminnelse skickad")."""

from __future__ import annotations

import datetime as dt

import pytest

from debt_collection import reminders
from debt_collection.reminder_models import Reminder, ReminderBatch
from hyresadmin.models import AuditEvent
from invoicing.models import Invoice
from tests.factories import OrganisationFactory, PersonFactory

from .factories import policy, rent_invoices

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 14)
REMINDERS = "/api/v1/reminders/"
BATCHES = "/api/v1/reminder-batches/"


def _sent(staff, specs, django_capture_on_commit_callbacks):
    policy()
    invoices = rent_invoices(actor=staff, specs=specs)
    reminders.overdue_mark(actor="job", today=TODAY)
    batch = reminders.reminder_batch_propose(actor="job", today=TODAY)
    batch = reminders.reminder_batch_approve(actor=staff, batch=batch)
    with django_capture_on_commit_callbacks(execute=True):
        batch = reminders.reminder_batch_send(actor=staff, batch=batch, today=TODAY)
    return invoices, batch


def test_reminders_are_scoped_by_role(client, staff, officer, citizen, district,
                                      django_capture_on_commit_callbacks):
    other = OrganisationFactory(code="NOR")
    (mine, theirs), _batch = _sent(staff, [{"organisation": district}, {"organisation": other}],
                                   django_capture_on_commit_callbacks)

    client.force_login(staff)
    assert {r["invoice"] for r in client.get(REMINDERS).json()["results"]} == {mine.pk, theirs.pk}
    client.force_login(officer)
    rows = client.get(REMINDERS).json()["results"]
    assert [r["invoice"] for r in rows] == [mine.pk]
    assert rows[0]["outcome"] == "sent" and rows[0]["fee"] == "60.00"
    theirs_id = Reminder.objects.get(invoice=theirs).pk
    assert client.get(f"{REMINDERS}{theirs_id}/").status_code == 404
    assert client.get(BATCHES).status_code == 403
    client.force_login(citizen)
    assert client.get(REMINDERS).status_code == 403


def test_staff_approve_and_send_a_batch_and_a_refusal_answers_409(client, staff, district,
                                                                  django_capture_on_commit_callbacks):
    policy()
    (invoice,) = rent_invoices(actor=staff, specs=[{"organisation": district}])
    reminders.overdue_mark(actor="job", today=TODAY)
    batch = reminders.reminder_batch_propose(actor="job", today=TODAY)
    client.force_login(staff)

    refused = client.post(f"{BATCHES}{batch.pk}/send/")
    assert refused.status_code == 409 and refused.json()["detail"]
    assert client.post(f"{BATCHES}{batch.pk}/approve/").json()["state"] == "approved"
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"{BATCHES}{batch.pk}/send/")
    assert sent.status_code == 200 and sent.json()["summary"]["sent"] == 1
    assert Invoice.objects.get(pk=invoice.pk).state == Invoice.State.REMINDED
    assert client.post(f"{BATCHES}{batch.pk}/approve/").status_code == 409
    assert client.post(f"{BATCHES}{batch.pk}/discard/", {}).status_code in (400, 409)


def test_discarding_needs_a_reason(client, staff, district):
    policy()
    rent_invoices(actor=staff, specs=[{"organisation": district}])
    reminders.overdue_mark(actor="job", today=TODAY)
    batch = reminders.reminder_batch_propose(actor="job", today=TODAY)
    client.force_login(staff)
    assert client.post(f"{BATCHES}{batch.pk}/discard/", {}).status_code == 400
    response = client.post(f"{BATCHES}{batch.pk}/discard/", {"reason": "Fel dag"})
    assert response.status_code == 200 and response.json()["state"] == ReminderBatch.State.DISCARDED
    # A discarded proposal's invoices are proposed again.
    again = reminders.reminder_batch_propose(actor="job", today=TODAY + dt.timedelta(days=1))
    assert again is not None and again.pk != batch.pk


def test_the_citizen_sees_the_reminder_on_the_invoice_and_downloads_it(client, citizen, staff, district,
                                                                       django_capture_on_commit_callbacks):
    (invoice, other), _batch = _sent(staff, [{"organisation": district, "customer": citizen.person},
                                             {"organisation": district, "customer": PersonFactory()}],
                                     django_capture_on_commit_callbacks)
    client.force_login(citizen)

    page = client.get(f"/mina-sidor/fakturor/{invoice.pk}/").content.decode()
    assert "Påminnelse skickad" in page
    reminder = Reminder.objects.get(invoice=invoice)
    link = f"/mina-sidor/paminnelser/{reminder.pk}/paminnelse.pdf"
    assert link in page
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(event_type="export", object_id=str(invoice.pk)).exists()

    # Another person's reminder answers 404, and nothing is recorded.
    exports = AuditEvent.objects.filter(event_type="export").count()
    theirs = Reminder.objects.get(invoice=other)
    assert client.get(f"/mina-sidor/paminnelser/{theirs.pk}/paminnelse.pdf").status_code == 404
    assert AuditEvent.objects.filter(event_type="export").count() == exports


def test_an_invoice_not_reminded_shows_no_reminder(client, citizen, staff, district):
    (invoice,) = rent_invoices(actor=staff, specs=[{"organisation": district, "customer": citizen.person}])
    client.force_login(citizen)
    assert "Påminnelse skickad" not in client.get(f"/mina-sidor/fakturor/{invoice.pk}/").content.decode()
