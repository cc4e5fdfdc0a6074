"""The daily jobs write in bulk: sending a reminder batch, the collection proposals and the plans' daily
job cost the same number of queries for 2 invoices as for 6 (figures for 50 000 in
benchmarks/debt_collection_daily.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from debt_collection import collection, plans, reminders
from debt_collection.collection_models import CollectionCase, CollectionClaim
from debt_collection.plan_models import Deferral, PaymentPlan
from debt_collection.reminder_models import Reminder
from hyresadmin.models import AuditEvent
from invoicing.models import Invoice
from tests.contracts.factories import active_contract
from tests.debt_collection.collection_factories import code_with_policy, invoice_due, remind
from tests.debt_collection.test_list_queries import make_deferral, make_plan
from tests.factories import PersonFactory

from .factories import policy, rent_invoices

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 14)  # a Monday, 14 days after the rent invoices' due date


def _send(staff, batch, day: dt.date) -> tuple[int, object]:
    batch = reminders.reminder_batch_approve(actor=staff, batch=batch)
    with CaptureQueriesContext(connection) as captured:
        batch = reminders.reminder_batch_send(actor=staff, batch=batch, today=day)
    return len(captured), batch


def test_sending_a_batch_costs_the_same_for_2_reminders_as_for_6(staff, district):
    policy(reminder_fee=Decimal("60.00"), notify_officer=False)
    rent_invoices(actor=staff, specs=[{"organisation": district, "customer": PersonFactory(affiliation=district)}
                                      for _ in range(8)])
    reminders.overdue_mark(actor="job", today=TODAY)
    first = reminders.reminder_batch_propose(actor="job", today=TODAY)
    Reminder.objects.filter(pk__in=list(first.reminders.order_by("pk").values_list("pk", flat=True)[2:])).delete()
    few, small = _send(staff, first, TODAY)
    tomorrow = TODAY + dt.timedelta(days=1)  # the 6 taken out are proposed again the next day
    many, large = _send(staff, reminders.reminder_batch_propose(actor="job", today=tomorrow), tomorrow)
    assert (small.summary["sent"], large.summary["sent"], large.summary["sent_fees"]) == (2, 6, 6)
    assert few == many
    sent = Reminder.objects.filter(batch__in=[small, large])
    assert {r.invoice.state for r in sent} == {Invoice.State.REMINDED}
    assert all(r.fee_invoice.total == Decimal("60.00") and r.fee_invoice.ocr_reference for r in sent)
    assert AuditEvent.objects.filter(to_state=Invoice.State.REMINDED).count() == 8


def test_the_collection_proposals_cost_the_same_for_2_invoices_as_for_6(staff):
    code = code_with_policy("K1", to_agency=True, agency_after_days=14)
    ContentType.objects.get_for_model(CollectionCase)  # cached for the process: not the job's cost
    counts = []
    for n, day in ((2, dt.date(2026, 9, 15)), (6, dt.date(2026, 9, 16))):
        for _ in range(n):
            remind(invoice_due(actor=staff, due_date=dt.date(2026, 8, 31), contract=active_contract(
                collection_code=code)), actor=staff, on=day)
        with CaptureQueriesContext(connection) as captured:
            result = collection.collection_proposals_create(actor=staff, today=day + dt.timedelta(days=14))
        assert result == {"cases": n, "claims": n}
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert all(case.total == case.claims.get().amount for case in CollectionCase.objects.all())
    assert CollectionClaim.objects.count() == 8


def test_the_plans_daily_job_costs_the_same_for_2_requests_as_for_6(district):
    ContentType.objects.get_for_model(Deferral)  # cached for the process: not the job's cost
    counts = []
    for n in (2, 6):
        for _ in range(n):
            make_deferral(district, state=Deferral.State.GRANTED)
            make_plan(district, state=PaymentPlan.State.ACTIVE)
        with CaptureQueriesContext(connection) as captured:
            assert plans.deferrals_expire(today=dt.date(2027, 1, 1)) == n
            plans.payment_plans_follow_up(today=dt.date(2027, 1, 1))
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert Deferral.objects.filter(state=Deferral.State.EXPIRED, expired_at__isnull=False).count() == 8
