"""The demo's arrears and what was done with them (``debt_collection/demo.py``), the final settlement
(``invoicing/demo.py``) and the double-housing reduction (``contracts/termination_demo.py``): what each
demo user finds after ``seed_demo``, and that a second run adds nothing."""

import pytest
from django.apps import apps
from django.utils import timezone

from contracts.models import RentReduction
from debt_collection.collection_models import AgencyFile, CollectionCase, InterestBatch
from debt_collection.plan_models import Deferral, PaymentPlan
from debt_collection.reminder_models import Reminder, ReminderBatch
from debt_collection.report_models import UnpaidReport
from hyresadmin import demo
from hyresadmin.models import User
from hyresadmin.oidc import citizen_user_for
from invoicing.models import FinalSettlement, Invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "demo"


@pytest.fixture
def seeded():
    return demo.seed_demo(password="demo")


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_overdue_invoices_a_sent_reminder_batch_and_one_to_review(seeded):
    today = timezone.localdate()
    assert Invoice.objects.filter(state=Invoice.State.OVERDUE, due_date__lt=today).count() >= 3
    sent = ReminderBatch.objects.get(state=ReminderBatch.State.SENT)
    assert sent.proposed_on < today and sent.reminders.filter(outcome=Reminder.Outcome.SENT).count() >= 10
    proposed = ReminderBatch.objects.get(state=ReminderBatch.State.PROPOSED)
    assert proposed.proposed_on == today and proposed.reminders.exists()


def test_deferral_plans_collection_interest_report_settlement_and_reduction(seeded):
    assert Deferral.objects.get().state == Deferral.State.GRANTED
    active = PaymentPlan.objects.get(state=PaymentPlan.State.ACTIVE)
    assert active.instalments.filter(invoice__isnull=False).count() == active.instalment_count == 3
    referred = PaymentPlan.objects.get(state=PaymentPlan.State.REFERRED)
    assert referred.organisation.code == "SOD" and not referred.within_delegation
    assert CollectionCase.objects.filter(state=CollectionCase.State.OPEN).exists()
    handed = CollectionCase.objects.get(state=CollectionCase.State.SENT_TO_AGENCY)
    assert handed.agency_file == AgencyFile.objects.get() and handed.agency_file.rows >= 1
    assert InterestBatch.objects.get().state == InterestBatch.State.PROPOSED
    report = UnpaidReport.objects.get()
    assert report.organisation.code == "SOD"
    settlement = FinalSettlement.objects.get()
    assert settlement.state == FinalSettlement.State.PROPOSED and settlement.end_date < timezone.localdate()
    reduction = RentReduction.objects.get()
    assert reduction.state == RentReduction.State.SUBMITTED and reduction.submitted_by.username == "sodermalm"


def test_the_demo_citizen_sees_the_reminder_and_the_plans_ocr_references(client, seeded):
    example = demo.citizen_example()
    client.force_login(citizen_user_for(example.agent))
    reminded = Invoice.objects.filter(customer=example.person, state=Invoice.State.REMINDED).first()
    assert reminded is not None

    assert "Påminnelse skickad" in client.get(f"/mina-sidor/fakturor/{reminded.pk}/").content.decode()
    plan = PaymentPlan.objects.get(customer=example.person, state=PaymentPlan.State.ACTIVE)
    page = client.get("/mina-sidor/avbetalningsplaner/").content.decode()
    for instalment in plan.instalments.select_related("invoice"):
        assert instalment.invoice.ocr_reference in page


def test_the_sodermalm_officer_sees_the_referred_plan_and_the_report(client, seeded):
    client.force_login(User.objects.get(username="sodermalm"))
    referred = PaymentPlan.objects.get(state=PaymentPlan.State.REFERRED)

    decisions = client.get("/forvaltning/anstand-och-avbetalning/beslut/")
    assert decisions.status_code == 200
    assert f"/avbetalningsplan/{referred.pk}/" in decisions.content.decode()
    assert client.get(f"/forvaltning/anstand-och-avbetalning/avbetalningsplan/{referred.pk}/").status_code == 200
    report = UnpaidReport.objects.get()
    assert client.get(f"/forvaltning/obetalda-hyror/{report.pk}/").status_code == 200


def test_a_second_run_adds_nothing(seeded):
    counts = _row_counts()

    second = demo.seed_demo(password="demo")

    assert seeded["invoicing.invoice"] == Invoice.objects.count()  # the summary counts fees and instalments
    assert seeded["debt_collection.collectioncase"] == CollectionCase.objects.count()
    assert set(second.values()) == {0}
    assert _row_counts() == counts
