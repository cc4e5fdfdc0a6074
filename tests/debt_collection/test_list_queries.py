"""Every list of this app costs the same number of queries for 2 rows as for 12: the admin changelists
(reminder batches, interest batches, deferrals, payment plans, collection-code rules, agency files,
unpaid-rent reports), the portal's unpaid-rent reports and decisions, and the citizen's payment plans."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from debt_collection.code_models import CollectionPolicy
from debt_collection.collection_models import AgencyFile, InterestBatch
from debt_collection.plan_models import Deferral, Instalment, PaymentPlan
from debt_collection.reminder_models import ReminderBatch
from debt_collection.report_models import UnpaidReport
from hyresadmin.models import Person
from tests.contracts.factories import CollectionCodeFactory
from tests.factories import OrganisationFactory, PersonFactory
from tests.querycount import assert_constant

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 20)
MONTHS = (dt.date(2020 + i // 12, 1 + i % 12, 1) for i in itertools.count())


def _request_fields(organisation, customer=None, **extra):
    return {"organisation": organisation, "customer": customer or PersonFactory(), "reason": "Sjukhusvistelse",
            "due_date": DAY, "within_delegation": True, **extra}


def make_deferral(organisation, customer=None, state=Deferral.State.REQUESTED):
    return Deferral.objects.create(new_due_date=DAY + dt.timedelta(days=20), state=state,
                                   **_request_fields(organisation, customer))


def make_plan(organisation, customer=None, state=PaymentPlan.State.REQUESTED):
    plan = PaymentPlan.objects.create(instalment_count=2, first_due_date=DAY, amount=Decimal("2000.00"),
                                      state=state, **_request_fields(organisation, customer))
    for n in (1, 2):
        Instalment.objects.create(plan=plan, number=n, due_date=DAY + dt.timedelta(days=30 * n),
                                  amount=Decimal("1000.00"))
    return plan


def admin_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", ["reminder_batch", "interest_batch", "deferral", "payment_plan", "policy",
                                   "agency_file", "unpaid_report"])
def test_an_admin_changelist_costs_the_same_for_2_and_12_rows(client, staff, district, model):
    makers = {
        "reminder_batch": (ReminderBatch, lambda: ReminderBatch.objects.create(proposed_on=DAY, due_date=DAY)),
        "interest_batch": (InterestBatch, lambda: InterestBatch.objects.create(
            until=DAY, minimum=Decimal("100"), due_date=DAY, created_by=staff, state=InterestBatch.State.ISSUED,
            issued_by=staff)),
        "deferral": (Deferral, lambda: make_deferral(district)),
        "payment_plan": (PaymentPlan, lambda: make_plan(district)),
        "policy": (CollectionPolicy, lambda: CollectionPolicy.objects.get_or_create(code=CollectionCodeFactory())),
        "agency_file": (AgencyFile, lambda: AgencyFile.objects.create(
            collection_code=CollectionCodeFactory(), file="inkasso/fil.txt", rows=1, total=Decimal("5400.00"),
            created_by=staff)),
        "unpaid_report": (UnpaidReport, lambda: UnpaidReport.objects.create(
            organisation=OrganisationFactory(), month=next(MONTHS),
            report_date=DAY, pdf="r.pdf", xlsx="r.xlsx", made_at=timezone.now(), made_by=staff)),
    }
    model_class, make = makers[model]
    client.force_login(staff)
    assert_constant(client, admin_url(model_class), make)


def test_the_portal_lists_of_unpaid_reports_cost_the_same_for_2_and_12(client, officer, district):
    def make():
        UnpaidReport.objects.create(organisation=district, month=next(MONTHS), report_date=DAY, pdf="r.pdf",
                                    xlsx="r.xlsx", made_at=timezone.now())

    client.force_login(officer)
    assert_constant(client, reverse("debt_collection_reports:report_list"), make)


def test_the_portal_decisions_list_costs_the_same_for_2_and_12(client, officer, district):
    def make():
        make_deferral(district, state=Deferral.State.REFERRED)
        make_plan(district, state=PaymentPlan.State.REFERRED)

    client.force_login(officer)
    assert_constant(client, reverse("plans:decision_list"), make)


def test_the_citizens_payment_plans_cost_the_same_for_2_and_12(client, citizen, district):
    person = Person.objects.get(user=citizen)
    client.force_login(citizen)
    assert_constant(client, reverse("plans_citizen:plan_list"),
                    lambda: make_plan(district, person, state=PaymentPlan.State.ACTIVE))
