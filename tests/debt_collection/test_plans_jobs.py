"""The jobs of deferrals and payment plans: the daily one (expiry, broken and completed plans) runs once
a day; the monthly one tells the districts their report is ready on the first working day, once."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from debt_collection import plans, tasks_plans
from debt_collection.plan_models import Deferral, PaymentPlan
from hyresadmin.models import JobRun
from tests.debt_collection.plan_factories import TODAY, rent_invoice

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _at(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 6, tzinfo=STOCKHOLM), tick=False)


def test_the_jobs_are_in_the_beat_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"debt_collection.tasks_plans.daily_deferrals_and_plans",
            "debt_collection.tasks_plans.monthly_plan_report"} <= tasks


def test_the_daily_job_expires_breaks_and_runs_once_a_day(staff, officer, district):
    with time_machine.travel(TODAY, tick=False):
        one = rent_invoice(staff, organisation=district)
        deferral = plans.deferral_grant(actor=staff, deferral=plans.deferral_request(
            actor=staff, invoices=[one], new_due_date=dt.date(2026, 12, 15), reason="x"))
    with _at(dt.date(2026, 12, 16)):
        assert tasks_plans.daily_deferrals_and_plans.delay().get()["expired"] == 1
        assert tasks_plans.daily_deferrals_and_plans.delay().get() == {}
    assert Deferral.objects.get(pk=deferral.pk).state == Deferral.State.EXPIRED
    assert JobRun.objects.filter(job=tasks_plans.DAILY_JOB, period="2026-12-16").count() == 1


def test_the_monthly_job_tells_the_district_on_the_first_working_day_once(staff, officer, district):
    with time_machine.travel(TODAY, tick=False):
        invoice = rent_invoice(staff, organisation=district)
        plan = plans.payment_plan_approve(actor=staff, plan=plans.payment_plan_request(
            actor=staff, invoices=[invoice], instalment_count=2, first_due_date=dt.date(2026, 12, 15), reason="x"))
    assert plan.state == PaymentPlan.State.ACTIVE
    with _at(dt.date(2026, 11, 30)):  # October's report (a day missed is caught up): no plans then
        assert tasks_plans.monthly_plan_report.delay().get() == {"districts": 0}
    with _at(dt.date(2026, 12, 1)):
        assert tasks_plans.monthly_plan_report.delay().get() == {"districts": 1}
        assert tasks_plans.monthly_plan_report.delay().get() == {}
    assert [m.to for m in mail.outbox] == [[officer.email]] and "month=2026-11" in mail.outbox[0].body
