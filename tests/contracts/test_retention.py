"""Submissions are deleted two years after they were closed, by a nightly job, with an audit event."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contracts import services, tasks
from contracts.models import Submission, SubmissionAttachment
from hyresadmin.models import AuditEvent, JobRun
from tests.contracts.factories import SubmissionFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def _closed(state, closed_on, **kwargs):
    submission = SubmissionFactory(**kwargs)
    Submission.objects.filter(pk=submission.pk).update(
        state=state, completed_at=timezone.make_aware(dt.datetime.combine(closed_on, dt.time(10))))
    return Submission.objects.get(pk=submission.pk)


def test_deletes_only_closed_submissions_older_than_two_years(settings, tmp_path,
                                                              django_capture_on_commit_callbacks):
    today = dt.date(2026, 11, 22)
    old = _closed(Submission.State.COMPLETED, today - dt.timedelta(days=2 * 365 + 1))
    attachment = SubmissionAttachment.objects.create(
        submission=old, file=SimpleUploadedFile("beslut.pdf", PDF), original_name="beslut.pdf",
        content_type="application/pdf", size=len(PDF), sha256="0" * 64)
    path = attachment.file.path
    withdrawn = _closed(Submission.State.WITHDRAWN, today - dt.timedelta(days=800))
    recent = _closed(Submission.State.COMPLETED, today - dt.timedelta(days=2 * 365 - 1))
    open_old = SubmissionFactory(received_at=timezone.now() - dt.timedelta(days=1000))

    with django_capture_on_commit_callbacks(execute=True):
        result = services.submissions_delete_expired(today=today)

    assert result == {"deleted": 2}
    remaining = set(Submission.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, open_old.pk}
    assert not SubmissionAttachment.objects.exists()
    import os

    assert not os.path.exists(path)
    events = AuditEvent.objects.filter(event_type="delete", actor_label="contracts.retention")
    assert {e.object_id for e in events} == {str(old.pk), str(withdrawn.pk)}
    assert events.get(object_id=str(old.pk)).changes["attachments"] == 1


def test_nightly_task_runs_once_a_day():
    _closed(Submission.State.COMPLETED, dt.date(2020, 1, 1))
    with time_machine.travel(dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC), tick=False):
        assert tasks.delete_expired_submissions() == {"deleted": 1}
        _closed(Submission.State.COMPLETED, dt.date(2020, 1, 1))
        assert tasks.delete_expired_submissions() is None  # already ran today
    assert JobRun.objects.get(job="contracts.retention").state == "succeeded"
