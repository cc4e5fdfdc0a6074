"""Deferrals (anstånd) through the services: the delegation decides who decides (one month; a first
month's rent two months with double housing costs), staff grant after the checks, the district decides
what is beyond delegation, the overdue job is told which invoices to skip, and a deferral expires after
its new due date. Today is Monday 16 November 2026; the December invoice falls due on 30 November."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from contracts.services import ChecksFailed
from debt_collection import plans
from debt_collection.plan_models import Deferral
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused
from invoicing.models import Invoice
from tests.debt_collection.plan_factories import DEC, DEC_DUE, TODAY, rent_invoice, rent_invoices
from tests.invoicing.factories import set_invoice_state

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def invoice(staff, district):
    return rent_invoice(staff, organisation=district)


@pytest.fixture
def first_rent(staff, district):
    """The invoice of a contract's first month (December 2026)."""
    return rent_invoice(staff, organisation=district, start=DEC)


def _request(officer, invoices, new_due, **kwargs):
    return plans.deferral_request(actor=officer, organisation=officer.organisation, invoices=invoices,
                                  new_due_date=new_due, reason="Väntar på lön", **kwargs)


@pytest.mark.parametrize(("fixture", "new_due", "double_housing", "within"), [
    ("invoice", dt.date(2026, 12, 30), False, True),          # one month: at the limit
    ("invoice", dt.date(2026, 12, 31), False, False),         # one day past
    ("invoice", dt.date(2026, 12, 31), True, False),          # double housing counts only for a first rent
    ("first_rent", dt.date(2026, 12, 30), False, True),       # a first rent without double housing: one month
    ("first_rent", dt.date(2026, 12, 31), False, False),
    ("first_rent", dt.date(2027, 1, 30), True, True),         # first rent with double housing: two months
    ("first_rent", dt.date(2027, 1, 31), True, False),        # one day past
])
def test_the_delegation_decides_who_decides(request, officer, fixture, new_due, double_housing, within):
    invoice = request.getfixturevalue(fixture)
    assert invoice.due_date == DEC_DUE
    deferral = _request(officer, [invoice], new_due, double_housing=double_housing)
    assert deferral.within_delegation is within
    assert deferral.state == (Deferral.State.REQUESTED if within else Deferral.State.REFERRED)
    assert deferral.first_rent is (fixture == "first_rent")
    assert bool(deferral.delegation_reason) is (not within)


def test_a_deferral_is_due_in_one_working_day_and_audited(officer, invoice):
    deferral = _request(officer, [invoice], dt.date(2026, 12, 15))
    assert deferral.due_date == dt.date(2026, 11, 16)  # received Monday 10:00: day 1 is today
    assert AuditEvent.objects.filter(object_id=str(deferral.pk), event_type="create").exists()


def test_beyond_delegation_the_district_is_told_and_decides_then_staff_grant(
        officer, staff, invoice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deferral = _request(officer, [invoice], dt.date(2027, 1, 15))
    assert deferral.state == Deferral.State.REFERRED
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert "/forvaltning/anstand-och-avbetalning/beslut/" in mail.outbox[0].body
    with pytest.raises(ChecksFailed) as refused:  # staff cannot grant before the district decides
        plans.deferral_grant(actor=staff, deferral=Deferral.objects.get(pk=deferral.pk))
    assert [c.code for c in refused.value.failed_checks] == ["delegation"]
    deferral = plans.deferral_district_decide(actor=officer, deferral=deferral, approve=True, note="OK")
    assert deferral.state == Deferral.State.DECIDED_BY_DISTRICT and deferral.district_decided_by == officer
    deferral = plans.deferral_grant(actor=staff, deferral=deferral)
    assert deferral.state == Deferral.State.GRANTED and deferral.decided_by == staff


def test_staff_cannot_grant_a_referred_deferral_and_another_district_cannot_decide(
        officer, other_officer, staff, invoice):
    deferral = _request(officer, [invoice], dt.date(2027, 1, 15))
    with pytest.raises(TransitionRefused):
        plans.deferral_grant(actor=staff, deferral=deferral)
    with pytest.raises(TransitionRefused):
        plans.deferral_district_decide(actor=other_officer, deferral=deferral, approve=True)
    with pytest.raises(TransitionRefused):  # a rejection needs a reason
        plans.deferral_district_decide(actor=officer, deferral=deferral, approve=False, note="")
    assert Deferral.objects.get(pk=deferral.pk).state == Deferral.State.REFERRED
    deferral = plans.deferral_district_decide(actor=officer, deferral=deferral, approve=False, note="Nej")
    assert deferral.state == Deferral.State.REJECTED


def test_an_officer_cannot_grant(officer, invoice):
    deferral = _request(officer, [invoice], dt.date(2026, 12, 15))
    with pytest.raises(TransitionRefused):
        plans.deferral_grant(actor=officer, deferral=deferral)


def test_the_checks_refuse_an_invoice_at_collection(officer, staff, invoice):
    deferral = _request(officer, [invoice], dt.date(2026, 12, 15))
    set_invoice_state(invoice, Invoice.State.AT_COLLECTION)
    with pytest.raises(ChecksFailed) as refused:
        plans.deferral_grant(actor=staff, deferral=deferral)
    assert [c.code for c in refused.value.failed_checks] == ["not_at_collection"]
    assert Deferral.objects.get(pk=deferral.pk).state == Deferral.State.REQUESTED


def test_reminder_level_and_protected_identity_are_warnings_not_refusals(officer, staff, invoice):
    invoice.customer.protected_identity = True
    invoice.customer.save()
    deferral = _request(officer, [invoice], dt.date(2026, 12, 15))
    set_invoice_state(invoice, Invoice.State.REMINDED)
    from debt_collection import plan_checks

    checks = {c.code: c for c in plan_checks.request_checks(deferral)}
    assert checks["reminder_level"].is_warning and checks["protected_identity"].is_warning
    assert checks["payment_method"].passed and "autogiro" in checks["payment_method"].detail
    assert plans.deferral_grant(actor=staff, deferral=deferral).state == Deferral.State.GRANTED


def test_bad_requests_are_refused_with_field_errors_and_nothing_is_written(officer, staff, district):
    invoice, other = rent_invoices(staff, {"organisation": district}, {})  # the other: another district
    cases = [
        ([], dt.date(2026, 12, 15), "invoices"),
        ([invoice, other], dt.date(2026, 12, 15), "invoices"),
        ([invoice], dt.date(2026, 11, 20), "new_due_date"),    # not after the due date
        ([invoice], dt.date(2026, 11, 1), "new_due_date"),     # in the past
        ([invoice], None, "new_due_date"),
    ]
    for invoices, new_due, field in cases:
        with pytest.raises(ValidationError) as refused:
            _request(officer, invoices, new_due)
        assert field in refused.value.message_dict
    set_invoice_state(invoice, Invoice.State.PAID, balance=0)
    with pytest.raises(ValidationError):
        _request(officer, [invoice], dt.date(2026, 12, 15))
    assert not Deferral.objects.exists()


def test_an_invoice_cannot_be_in_two_requests(officer, invoice):
    _request(officer, [invoice], dt.date(2026, 12, 15))
    with pytest.raises(ValidationError, match=str(invoice.number)):
        _request(officer, [invoice], dt.date(2026, 12, 20))


def test_the_overdue_job_skips_deferred_invoices_until_the_new_due_date_then_the_deferral_expires(
        officer, staff, invoice):
    deferral = _request(officer, [invoice], dt.date(2026, 12, 15))
    assert plans.deferred_or_planned_invoice_ids(on=dt.date(2026, 12, 1)) == {invoice.pk}  # while decided
    plans.deferral_grant(actor=staff, deferral=deferral)
    assert Invoice.objects.get(pk=invoice.pk).due_date == DEC_DUE  # the invoice itself is never edited
    assert plans.deferred_or_planned_invoice_ids(on=dt.date(2026, 12, 15)) == {invoice.pk}
    assert plans.deferred_or_planned_invoice_ids(on=dt.date(2026, 12, 16)) == set()
    assert plans.deferrals_expire(today=dt.date(2026, 12, 15)) == 0
    assert plans.deferrals_expire(today=dt.date(2026, 12, 16)) == 1
    assert Deferral.objects.get(pk=deferral.pk).state == Deferral.State.EXPIRED
    assert plans.deferrals_expire(today=dt.date(2026, 12, 17)) == 0


def test_a_rejected_deferral_no_longer_holds_the_invoice(officer, staff, invoice):
    deferral = _request(officer, [invoice], dt.date(2026, 12, 15))
    plans.deferral_reject(actor=staff, deferral=deferral, reason="Underlag saknas")
    assert plans.deferred_or_planned_invoice_ids(on=dt.date(2026, 12, 1)) == set()
