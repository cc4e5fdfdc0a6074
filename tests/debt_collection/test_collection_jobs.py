"""The interest and collection jobs: in the beat schedule, acting on their days, once per period."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings

from debt_collection import collection, tasks_collection
from debt_collection.models import CollectionCase, InterestBatch
from hyresadmin.models import JobRun
from tests.debt_collection.collection_factories import at, code_with_policy, invoice_due, pay, remind

pytestmark = pytest.mark.django_db
D = Decimal


def test_the_jobs_are_in_the_beat_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"debt_collection.tasks_collection.monthly_interest_proposals",
            "debt_collection.tasks_collection.daily_collection_proposals",
            "debt_collection.tasks_collection.daily_close_settled_cases"} <= tasks


def test_collection_proposals_run_on_working_days_once(staff):
    code = code_with_policy("K1", to_agency=True, agency_after_days=14)
    remind(invoice_due(actor=staff, due_date=dt.date(2026, 9, 30), collection_code=code), actor=staff,
           on=dt.date(2026, 10, 15))
    with at(dt.date(2026, 11, 22)):  # a Sunday
        assert tasks_collection.daily_collection_proposals.delay().get() is None
    with at(dt.date(2026, 11, 23)):
        assert tasks_collection.daily_collection_proposals.delay().get() == {"cases": 1, "claims": 1}
        assert tasks_collection.daily_collection_proposals.delay().get() is None
    assert CollectionCase.objects.count() == 1


def test_interest_proposals_run_monthly_up_to_the_end_of_the_month_before(staff):
    code = code_with_policy("K1", charges_interest=True)
    invoice_due(actor=staff, due_date=dt.date(2026, 8, 31), amount=D("20000.00"), collection_code=code)
    with at(dt.date(2026, 11, 1)):  # a Sunday: the first working day is the 2nd
        assert tasks_collection.monthly_interest_proposals.delay().get() is None
    with at(dt.date(2026, 11, 2)):
        result = tasks_collection.monthly_interest_proposals.delay().get()
    batch = InterestBatch.objects.get()
    assert result["batch"] == batch.pk and batch.until == dt.date(2026, 11, 1)
    assert JobRun.objects.filter(job=tasks_collection.INTEREST_JOB, period="2026-11").exists()


def test_paid_cases_close_daily(staff):
    code = code_with_policy("K1", to_agency=True, agency_after_days=14)
    invoice = remind(invoice_due(actor=staff, due_date=dt.date(2026, 9, 30), collection_code=code), actor=staff,
                     on=dt.date(2026, 10, 15))
    collection.collection_proposals_create(actor=staff, today=dt.date(2026, 11, 2))
    collection.collection_hand_over(actor=staff, cases=list(CollectionCase.objects.all()))
    pay(type(invoice).objects.get(pk=invoice.pk), D("5400.00"), dt.date(2026, 11, 10))
    with at(dt.date(2026, 11, 12)):
        assert tasks_collection.daily_close_settled_cases.delay().get() == {"closed": 1}
    assert CollectionCase.objects.get().close_reason == CollectionCase.CloseReason.PAID
