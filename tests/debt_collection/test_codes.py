"""Collection codes as data staff maintain: the rules' admin with the legal maxima in Swedish, the
contract's fee agreements in the contract admin, every invoice carrying its contract's code, the demo."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from contracts.models import RentalContract
from debt_collection.code_models import CollectionPolicy
from hyresadmin.models import AuditEvent
from invoicing.models import RunItem
from tests.contracts.factories import CollectionCodeFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run

from .factories import PERIOD

pytestmark = pytest.mark.django_db

POLICIES = "/admin/debt_collection/collectionpolicy/"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _form(code, **overrides):
    data = {"code": code.pk, "reminds": "on", "reminder_after_days": "10", "reminder_fee": "60.00",
            "to_agency": "on", "agency_after_days": "14", "to_enforcement": "on", "charges_interest": "on",
            "payment_plan_fee": "170.00", "notify_officer": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_staff_add_a_codes_rules_and_see_them_listed(staff_client):
    code = CollectionCodeFactory(code="K7", name="Sju")
    response = staff_client.post(f"{POLICIES}add/", _form(code, reminder_fee="45.00"))
    assert response.status_code == 302
    policy = CollectionPolicy.objects.get(code=code)
    assert policy.reminder_fee == Decimal("45.00") and not policy.notify_representatives
    assert AuditEvent.objects.filter(object_id=str(policy.pk), event_type="create").exists()
    listing = staff_client.get(POLICIES).content.decode()
    assert "K7" in listing and "45,00 kr" in listing


@pytest.mark.parametrize(("field", "value", "message"), [
    ("reminder_fee", "60.01", "Påminnelseavgiften får vara högst 60 kr (inkassokostnadslagen 4 §)."),
    ("payment_plan_fee", "171", "Avgiften för avbetalningsplan får vara högst 170 kr (inkassokostnadslagen 4 §)."),
    ("reminder_fee", "-1", "En avgift kan inte vara negativ."),
])
def test_a_fee_above_the_law_is_refused_in_swedish(staff_client, field, value, message):
    code = CollectionCodeFactory(code="K8")
    response = staff_client.post(f"{POLICIES}add/", _form(code, **{field: value}))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert not CollectionPolicy.objects.exists()


def test_a_change_is_in_the_codes_history(staff_client):
    code = CollectionCodeFactory(code="K1")
    policy = CollectionPolicy.objects.create(code=code)
    response = staff_client.post(f"{POLICIES}{policy.pk}/change/", _form(code, reminder_after_days="20"))
    assert response.status_code == 302
    event = AuditEvent.objects.get(object_id=str(policy.pk), event_type="update")
    assert event.changes == {"reminder_after_days": [10, 20]}


def test_the_contract_admin_shows_and_changes_the_fee_agreements(staff_client, staff, district):
    from contracts.admin import RentalContractAdmin

    contract = contract_with_rent(organisation=district)
    page = staff_client.get(f"/admin/contracts/rentalcontract/{contract.pk}/change/")
    form = page.context["adminform"].form
    assert "reminder_fee_agreed" in form.fields and "payment_plan_fee_agreed" in form.fields
    assert 'name="reminder_fee_agreed"' in page.content.decode()

    # Saved as the admin saves: the changed fields through contracts.services, audited.
    form_class = RentalContractAdmin.form
    data = {"start_date": contract.start_date.isoformat(), "notice_period_months": 3,
            "collection_code": contract.collection_code_id, "delivery_channel": "post",
            "reminder_fee_agreed": "on"}
    bound = form_class(data, instance=contract)
    assert bound.is_valid(), bound.errors
    request = page.wsgi_request
    request.user = staff
    admin_obj = RentalContractAdmin(RentalContract, None)
    admin_obj.save_model(request, contract, bound, True)
    contract.refresh_from_db()
    assert contract.reminder_fee_agreed and not contract.payment_plan_fee_agreed
    event = AuditEvent.objects.filter(object_id=str(contract.pk), event_type="update").latest("pk")
    assert event.changes["reminder_fee_agreed"] == [False, True]


def test_an_invoice_carries_its_contracts_collection_code(staff, district):
    code = CollectionCodeFactory(code="K2")
    contract = contract_with_rent(organisation=district, collection_code=code)
    issue_rent_run(period=PERIOD, actor=staff)
    invoice = contract.invoices.get(period=PERIOD)
    assert invoice.collection_code_id == code.pk


def test_a_contract_without_a_code_is_flagged_in_the_run(staff, district):
    from invoicing import services
    from invoicing.models import RunKind

    contract = contract_with_rent(organisation=district, collection_code=None)
    run = services.run_prepare(run=services.run_for(period=PERIOD, kind=RunKind.RENT), actor=staff)
    item = RunItem.objects.get(run=run, contract=contract)
    assert RunItem.Flag.NO_COLLECTION_CODE in item.flags


def test_the_demo_seeds_the_codes_rules_and_the_fee_agreements(settings):
    from hyresadmin import demo

    settings.DEBUG = True
    demo.seed_demo(password="demo")
    rules = {p.code.code: p for p in CollectionPolicy.objects.select_related("code")}
    assert set(rules) == {"K1", "K2", "K3"}
    assert rules["K3"].reminder_fee == 0 and rules["K2"].notify_representatives
    customers = RentalContract.objects.filter(kind__in=["external", "city_internal"])
    assert not customers.filter(collection_code__code="K3", reminder_fee_agreed=True).exists()
    assert customers.filter(collection_code__code="K1", reminder_fee_agreed=True).exists()
    assert set(demo.seed_demo(password="demo").values()) == {0}
    assert dt.date  # the demo's reminders depend on today's date; the rules above do not
