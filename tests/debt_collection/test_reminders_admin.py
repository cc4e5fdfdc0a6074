"""The staff side: the reminder batches' queue, reviewing a batch (ticking items out), approving and
sending it with the buttons, the reminder on the invoice's page, and "Mitt arbete"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from debt_collection import reminders
from debt_collection.reminder_models import Reminder, ReminderBatch
from hyresadmin import queues
from invoicing.models import Invoice

from .factories import policy, rent_invoices

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 14)
BATCHES = "/admin/debt_collection/reminderbatch/"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _batch(staff, district, n=2):
    policy()
    rent_invoices(actor=staff, specs=[{"organisation": district}] * n)
    reminders.overdue_mark(actor="job", today=TODAY)
    return reminders.reminder_batch_propose(actor="job", today=TODAY)


def _list_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(BATCHES)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.context["cl"].result_list)


def test_the_batch_list_runs_the_same_queries_for_2_batches_as_for_12(staff_client, staff):
    for i in range(2):
        ReminderBatch.objects.create(proposed_on=TODAY - dt.timedelta(days=i), due_date=TODAY, approved_by=None)
    small, rows = _list_queries(staff_client)
    assert rows == 2
    for i in range(2, 12):
        ReminderBatch.objects.create(proposed_on=TODAY - dt.timedelta(days=i), due_date=TODAY)
    large, rows = _list_queries(staff_client)
    assert rows == 12 and small == large


def test_the_queue_is_sorted_by_due_date_and_marks_the_overdue(staff_client, staff):
    late = ReminderBatch.objects.create(proposed_on=dt.date(2026, 1, 5), due_date=dt.date(2026, 1, 8))
    soon = ReminderBatch.objects.create(proposed_on=dt.date(2099, 1, 5), due_date=dt.date(2099, 1, 8))
    response = staff_client.get(BATCHES)
    assert [b.pk for b in response.context["cl"].result_list] == [late.pk, soon.pk]
    assert "⚠" in response.content.decode()


def test_my_work_counts_open_batches(staff, district):
    batch = _batch(staff, district)
    row = next(r for r in queues.my_work(staff) if r["queue"].key == "reminder_batches")
    assert row["open"] == 1 and row["url"] == BATCHES
    reminders.reminder_batch_discard(actor=staff, batch=batch, reason="test")
    row = next(r for r in queues.my_work(staff) if r["queue"].key == "reminder_batches")
    assert row["open"] == 0


def test_staff_untick_an_item_approve_and_send_from_the_batch_page(staff_client, staff, district,
                                                                  django_capture_on_commit_callbacks):
    batch = _batch(staff, district)
    items = list(batch.reminders.order_by("invoice__due_date", "id"))
    page = staff_client.get(f"{BATCHES}{batch.pk}/change/")
    assert page.status_code == 200
    assert [b["url"] for b in page.context["transition_buttons"]][0].endswith("/approve/")

    formset = page.context["inline_admin_formsets"][0].formset
    data = {"_save": "1"}
    for key, value in formset.management_form.initial.items():
        data[f"{formset.prefix}-{key}"] = value
    for i, item in enumerate(items):
        data[f"{formset.prefix}-{i}-id"] = item.pk
        data[f"{formset.prefix}-{i}-batch"] = batch.pk
        if i == 0:
            data[f"{formset.prefix}-{i}-included"] = "on"
    response = staff_client.post(f"{BATCHES}{batch.pk}/change/", data)
    assert response.status_code == 302, getattr(response, "context", None) and response.context.get("errors")
    assert [r.included for r in Reminder.objects.filter(pk__in=[i.pk for i in items]).order_by("pk")] == \
        [True, False]

    staff_client.post(f"{BATCHES}{batch.pk}/approve/")
    assert ReminderBatch.objects.get(pk=batch.pk).state == ReminderBatch.State.APPROVED
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"{BATCHES}{batch.pk}/send/")
    assert ReminderBatch.objects.get(pk=batch.pk).state == ReminderBatch.State.SENT
    assert Invoice.objects.get(pk=items[0].invoice_id).state == Invoice.State.REMINDED
    assert Invoice.objects.get(pk=items[1].invoice_id).state == Invoice.State.OVERDUE
    assert Reminder.objects.get(pk=items[1].pk).outcome == Reminder.Outcome.LEFT_OUT

    # The invoice's page shows its reminder, and the reminder's PDF opens.
    invoice_page = staff_client.get(f"/admin/invoicing/invoice/{items[0].invoice_id}/change/")
    assert f"/admin/debt_collection/reminderbatch/{batch.pk}/pdf/{items[0].pk}/" in invoice_page.content.decode()
    pdf = staff_client.get(f"{BATCHES}{batch.pk}/pdf/{items[0].pk}/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_a_refused_step_is_shown_and_changes_nothing(staff_client, staff, district):
    batch = _batch(staff, district)
    response = staff_client.post(f"{BATCHES}{batch.pk}/send/", follow=True)
    assert any("Det går inte" in str(m) for m in response.context["messages"])
    assert ReminderBatch.objects.get(pk=batch.pk).state == ReminderBatch.State.PROPOSED


def test_a_district_officer_cannot_open_the_admin(client, officer, staff, district):
    batch = _batch(staff, district)
    client.force_login(officer)
    assert client.get(f"{BATCHES}{batch.pk}/change/").status_code == 302


def test_the_batch_page_runs_the_same_queries_for_2_items_as_for_8(staff_client, staff, district):
    small_batch = _batch(staff, district, n=2)
    with CaptureQueriesContext(connection) as small:
        assert staff_client.get(f"{BATCHES}{small_batch.pk}/change/").status_code == 200
    ReminderBatch.objects.all().delete()
    Reminder.objects.all().delete()
    # Eight more invoices of another month, proposed in a new batch.
    from tests.invoicing.factories import contract_with_rent, issue_rent_run

    for _ in range(8):
        contract_with_rent(organisation=district)
    issue_rent_run(period=dt.date(2027, 1, 1), actor=staff)
    reminders.overdue_mark(actor="job", today=dt.date(2027, 1, 20))
    large_batch = reminders.reminder_batch_propose(actor="job", today=dt.date(2027, 1, 20))
    assert large_batch.reminders.count() == 12  # December's 2 again, and January's 10
    with CaptureQueriesContext(connection) as large:
        assert staff_client.get(f"{BATCHES}{large_batch.pk}/change/").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
