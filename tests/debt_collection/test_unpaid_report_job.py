"""The report day (the first working day on or after the 10th) and the daily job: registered in the beat
schedule, acting on the report day only, once per month, and made again on purpose by staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from debt_collection import report_tasks, unpaid_report
from debt_collection.models import UnpaidReport
from hyresadmin import jobs
from hyresadmin.calendar import is_working_day
from hyresadmin.models import JobRun
from tests.debt_collection.unpaid_report_ledger import MONTH, REPORT_DAY, at, build_ledger


@pytest.mark.parametrize(("month", "expected"), [
    (dt.date(2026, 12, 1), dt.date(2026, 12, 10)),  # a Thursday
    (dt.date(2026, 10, 1), dt.date(2026, 10, 12)),  # the 10th is a Saturday: Monday the 12th
    (dt.date(2027, 1, 1), dt.date(2027, 1, 11)),    # the 10th is a Sunday
    (dt.date(2026, 5, 1), dt.date(2026, 5, 11)),    # Sunday 10 May
    (dt.date(2029, 5, 1), dt.date(2029, 5, 11)),    # Ascension Day (Kristi himmelsfärd) on Thursday 10 May
    (dt.date(2026, 1, 1), dt.date(2026, 1, 12)),    # Saturday 10 January
])
def test_the_report_day_table(month, expected):
    assert unpaid_report.report_day(month) == expected


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 1)))
def test_the_report_day_is_the_first_working_day_on_or_after_the_10th(day):
    month = day.replace(day=1)
    report_day = unpaid_report.report_day(month)
    assert (report_day.year, report_day.month) == (month.year, month.month)
    assert report_day.day >= 10
    assert is_working_day(report_day)
    assert not any(is_working_day(month.replace(day=d)) for d in range(10, report_day.day))
    # Exactly one day of the month is the report day.
    days = [month + dt.timedelta(days=i) for i in range(31) if (month + dt.timedelta(days=i)).month == month.month]
    assert [d for d in days if unpaid_report.is_report_day(d)] == [report_day]


def test_the_job_is_in_the_beat_schedule():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values()
               if e["task"] == "debt_collection.tasks.daily_unpaid_report"]
    assert len(entries) == 1
    assert report_tasks.daily_unpaid_report.name == "debt_collection.tasks.daily_unpaid_report"
    assert report_tasks.JOB in jobs.REGISTRY


@pytest.fixture
def ledger(staff, district, other_district):
    return build_ledger(staff=staff, district=district, other_district=other_district)


def test_the_job_does_nothing_on_other_days(ledger):
    for day in (dt.date(2026, 12, 9), dt.date(2026, 12, 11), dt.date(2026, 12, 1)):
        with at(day, hour=7):
            assert report_tasks.daily_unpaid_report.delay().get() is None
    assert not UnpaidReport.objects.exists()
    assert not JobRun.objects.filter(job=report_tasks.JOB).exists()


def test_on_the_report_day_the_job_runs_once(ledger, district, officer, mailoutbox,
                                             django_capture_on_commit_callbacks):
    with at(REPORT_DAY, hour=7), django_capture_on_commit_callbacks(execute=True):
        result = report_tasks.daily_unpaid_report.delay().get()
    assert result == {"reports": 2, "invoices": 5, "total": "22400.00"}
    assert UnpaidReport.objects.count() == 2
    made = UnpaidReport.objects.get(organisation=district).made_at
    assert len(mailoutbox) == 2
    # Beat fires again the same day (a retry, a second beat): nothing happens.
    with at(REPORT_DAY, hour=8), django_capture_on_commit_callbacks(execute=True):
        assert report_tasks.daily_unpaid_report.delay().get() is None
    assert UnpaidReport.objects.count() == 2
    assert UnpaidReport.objects.get(organisation=district).made_at == made
    assert len(mailoutbox) == 2
    run = JobRun.objects.get(job=report_tasks.JOB, period="2026-12")
    assert run.state == JobRun.State.SUCCEEDED


def test_staff_run_the_month_again_from_the_job_runs(ledger, district):
    with at(REPORT_DAY, hour=7):
        report_tasks.daily_unpaid_report.delay().get()
    with at(REPORT_DAY + dt.timedelta(days=1)):
        run = jobs.rerun(job=report_tasks.JOB, period="2026-12")
    assert run.attempts == 2
    report = UnpaidReport.objects.get(organisation=district, month=MONTH)
    assert report.report_date == REPORT_DAY + dt.timedelta(days=1)
    assert UnpaidReport.objects.filter(month=MONTH).count() == 2


def test_a_notice_that_failed_is_sent_by_the_next_days_job_once(ledger, district, officer, mailoutbox,
                                                                django_capture_on_commit_callbacks):
    import smtplib
    from unittest import mock

    with mock.patch.object(unpaid_report, "send_mail", side_effect=smtplib.SMTPException("down")), \
            pytest.raises(smtplib.SMTPException), at(REPORT_DAY, hour=7), \
            django_capture_on_commit_callbacks(execute=True):
        report_tasks.daily_unpaid_report.delay().get()
    assert UnpaidReport.objects.filter(month=MONTH).count() == 2
    assert not UnpaidReport.objects.filter(notified_at__isnull=False).exists()
    assert mailoutbox == []

    with at(REPORT_DAY + dt.timedelta(days=1), hour=7), django_capture_on_commit_callbacks(execute=True):
        report_tasks.daily_unpaid_report.delay().get()

    assert len(mailoutbox) == 2
    assert officer.email in [address for message in mailoutbox for address in message.to]
    assert not UnpaidReport.objects.filter(notified_at__isnull=True).exists()
    # The day after, and a second beat: nothing is sent again.
    for day in (REPORT_DAY + dt.timedelta(days=1), REPORT_DAY + dt.timedelta(days=2)):
        with at(day, hour=9), django_capture_on_commit_callbacks(execute=True):
            report_tasks.daily_unpaid_report.delay().get()
    assert len(mailoutbox) == 2


def test_a_notice_is_not_sent_twice_when_asked_twice(ledger, district, officer, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    with at(REPORT_DAY, hour=7), django_capture_on_commit_callbacks(execute=True):
        report_tasks.daily_unpaid_report.delay().get()
    sent = len(mailoutbox)
    report = UnpaidReport.objects.get(organisation=district, month=MONTH)

    assert unpaid_report.notify_report_ready(report.pk) == 0
    assert len(mailoutbox) == sent
