"""The BgMax drop folder: a daily job that, on working days, imports each file of ``BGMAX_DROP_DIR``
in name order, moves it to ``processed/`` or (refused) to ``failed/`` with the reason beside it, and
tells the service administration's shared mailbox about the refused files."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from hyresadmin.models import JobRun
from invoicing import tasks
from invoicing.models import Invoice, Payment, PaymentFile
from tests.invoicing.factories import issued_invoice
from tests.invoicing.test_payments import bgmax, pay

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY = dt.datetime(2026, 11, 23, 7, 10, tzinfo=STOCKHOLM)
SATURDAY = dt.datetime(2026, 11, 28, 7, 10, tzinfo=STOCKHOLM)


@pytest.fixture
def inbox(settings, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    settings.BGMAX_DROP_DIR = folder
    return folder


@pytest.fixture
def invoice(staff):
    return issued_invoice(actor=staff)


def test_the_job_imports_the_files_and_files_them_away(inbox, invoice, service_org):
    (inbox / "b_second.txt").write_bytes(pay(("12345", "100.00")))
    (inbox / "a_first.bgm").write_bytes(pay((invoice.ocr_reference, invoice.total)))
    (inbox / "c_refused").write_bytes(bgmax([("12345", "100.00", {})], bankgiro="0001234567"))

    with time_machine.travel(MONDAY, tick=False):
        result = tasks.import_bgmax_drop_folder.delay().get()

    assert result["imported"] == 2 and result["refused"] == 1
    assert result["files"] == ["a_first.bgm", "b_second.txt"]
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["a_first.bgm", "b_second.txt"]
    assert sorted(p.name for p in (inbox / "failed").iterdir()) == ["c_refused", "c_refused.error.txt"]
    assert "bankgiro" in (inbox / "failed" / "c_refused.error.txt").read_text(encoding="utf-8")
    assert not [p for p in inbox.iterdir() if p.is_file()]
    assert PaymentFile.objects.count() == 2
    assert Invoice.objects.get(pk=invoice.pk).state == Invoice.State.PAID
    assert Payment.objects.filter(status=Payment.Status.UNMATCHED).count() == 1
    # Imported in name order: the first file's payment has the lower id.
    first = PaymentFile.objects.get(payment_rows__invoice=invoice)
    assert first.pk == PaymentFile.objects.order_by("pk").first().pk
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [service_org.shared_mailbox_email]
    assert "c_refused" in mail.outbox[0].body
    run = JobRun.objects.get(job="invoicing.bgmax_drop")
    assert run.period == "2026-11-23" and run.state == JobRun.State.SUCCEEDED


def test_the_job_runs_once_a_day(inbox, invoice):
    with time_machine.travel(MONDAY, tick=False):
        tasks.import_bgmax_drop_folder()
        (inbox / "late.txt").write_bytes(pay((invoice.ocr_reference, invoice.total)))
        assert tasks.import_bgmax_drop_folder() is None
    assert (inbox / "late.txt").exists() and not PaymentFile.objects.exists()
    with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):
        assert tasks.import_bgmax_drop_folder()["imported"] == 1
    assert PaymentFile.objects.count() == 1


def test_the_job_does_nothing_on_a_day_off(inbox, invoice):
    (inbox / "file.txt").write_bytes(pay((invoice.ocr_reference, invoice.total)))
    with time_machine.travel(SATURDAY, tick=False):
        assert tasks.import_bgmax_drop_folder() is None
    assert (inbox / "file.txt").exists()
    assert not PaymentFile.objects.exists() and not JobRun.objects.filter(job="invoicing.bgmax_drop").exists()


def test_a_file_imported_before_is_refused_and_filed_as_failed(inbox, invoice, service_org):
    data = pay((invoice.ocr_reference, invoice.total))
    (inbox / "one.txt").write_bytes(data)
    (inbox / "two.txt").write_bytes(data)
    with time_machine.travel(MONDAY, tick=False):
        result = tasks.import_bgmax_drop_folder()
    assert (result["imported"], result["refused"]) == (1, 1)
    assert (inbox / "failed" / "two.txt.error.txt").exists()
    assert PaymentFile.objects.count() == 1 and len(mail.outbox) == 1


def test_an_empty_or_missing_folder_is_fine(settings, tmp_path):
    settings.BGMAX_DROP_DIR = tmp_path / "nowhere"
    with time_machine.travel(MONDAY, tick=False):
        assert tasks.import_bgmax_drop_folder() == {"imported": 0, "refused": 0}
    assert not mail.outbox


def test_the_beat_entry():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["invoicing-bgmax-drop-folder"]
    assert entry["task"] == "invoicing.tasks.import_bgmax_drop_folder"
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {10}
