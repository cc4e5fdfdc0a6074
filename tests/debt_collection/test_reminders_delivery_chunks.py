"""Delivering a sent batch is shared out: one task per chunk of reminders, so several workers render
the PDFs; a chunk that runs twice renders and e-mails nothing twice."""

from __future__ import annotations

import math
from collections import Counter
from unittest import mock

import pytest
from django.core import mail

from debt_collection import documents, reminders, tasks
from debt_collection.reminder_models import Reminder
from tests.factories import PersonFactory

from .factories import policy
from .test_reminders_send import TODAY, _proposed

pytestmark = pytest.mark.django_db


def _sent_batch(staff, district, count):
    policy(notify_officer=False)
    specs = [{"organisation": district, "delivery_channel": "email" if n % 2 else "post",
              "customer": PersonFactory(affiliation=district, email=f"kund{n}@example.invalid")}
             for n in range(count)]
    _, batch = _proposed(staff, specs)
    batch = reminders.reminder_batch_approve(actor=staff, batch=batch)
    # Sent without running the after-commit work: the delivery is run below by hand.
    return reminders.reminder_batch_send(actor=staff, batch=batch, today=TODAY)


def test_a_sent_batch_is_delivered_in_chunks_each_reminder_once_even_when_a_chunk_runs_twice(
        staff, district, settings, monkeypatch):
    settings.REMINDER_DELIVERY_CHUNK = 2
    batch = _sent_batch(staff, district, 5)
    assert Reminder.objects.filter(batch=batch, outcome=Reminder.Outcome.SENT).count() == 5
    rendered = Counter()
    render = documents.render_reminder_pdf

    def counting_render(reminder):
        rendered[reminder.pk] += 1
        return render(reminder)

    monkeypatch.setattr(documents, "render_reminder_pdf", counting_render)
    mail.outbox.clear()

    with mock.patch.object(tasks.deliver_reminders_chunk, "delay") as enqueue:
        result = tasks.deliver_reminders(batch.pk)

    assert enqueue.call_count == math.ceil(5 / 2) == result["chunks"]
    chunks = [call.args for call in enqueue.call_args_list]
    ids = [pk for _batch_id, chunk in chunks for pk in chunk]
    assert sorted(ids) == sorted(Reminder.objects.filter(batch=batch).values_list("pk", flat=True))
    assert all(len(chunk) <= 2 for _batch_id, chunk in chunks)
    for batch_id, chunk in chunks + chunks[:1]:  # the first chunk runs twice (a retried task)
        tasks.deliver_reminders_chunk(batch_id, chunk)

    assert rendered == Counter(dict.fromkeys(ids, 1))
    assert all(r.pdf_sha256 for r in Reminder.objects.filter(batch=batch))
    emailed = Reminder.objects.filter(batch=batch, delivery=Reminder.Delivery.EMAIL)
    assert all(r.delivered_at for r in emailed)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.invoice.customer.email for r in emailed)
    # Nothing is left to share out.
    with mock.patch.object(tasks.deliver_reminders_chunk, "delay") as enqueue:
        assert tasks.deliver_reminders(batch.pk)["chunks"] == 0
    assert enqueue.call_count == 0


def test_the_eager_path_still_delivers_the_whole_batch_in_one_call(staff, district, settings):
    settings.REMINDER_DELIVERY_CHUNK = 2
    batch = _sent_batch(staff, district, 3)

    counts = reminders.reminders_deliver(batch_id=batch.pk)

    assert counts["pdf"] == 3
    assert all(r.pdf_sha256 for r in Reminder.objects.filter(batch=batch))
