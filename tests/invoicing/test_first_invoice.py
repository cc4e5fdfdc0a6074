"""The first invoice of a new customer, through the real door: ``contracts.services.contract_activate``
sends ``contract_activated`` after commit, invoicing's receiver issues what the issued runs missed.

Dates are fixed with time-machine: the Nov 2026 rent run is issued on 2 October, the Dec 2026 run on
3 November (the 2nd working day of the month before).
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from contracts import services as contract_services
from contracts.models import RentalContract, RentLineKind
from invoicing import services, tasks
from invoicing.models import Invoice, InvoiceRun, RunKind
from invoicing.ocr import is_valid_ocr
from tests.contracts.factories import RentalContractFactory
from tests.invoicing.factories import contract_with_rent

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OCT, NOV, DEC = dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=STOCKHOLM), tick=False)


def issue_run(period, staff) -> InvoiceRun:
    run = services.run_for(period=period, kind=RunKind.RENT)
    run = services.run_prepare(run=run, actor=staff)
    run = services.run_approve(run=run, actor=staff)
    return services.run_issue(run=run, actor=staff)


def draft_contract(district, start) -> RentalContract:
    """A draft that passes every activation check: living customer of the district, active collection
    code, free object, no required qualities, base rent for this year (5 400 + 600 kr a month)."""
    return RentalContractFactory(organisation=district, start_date=start, rent_lines=[
        (RentLineKind.BASE_RENT, Decimal("5400.00")), (RentLineKind.SUPPLEMENT, Decimal("600.00"))])


def invoices_of(contract):
    return [(i.period, i.total, i.is_pro_rata, i.run_id)
            for i in Invoice.objects.filter(contract=contract).order_by("period")]


def test_activated_after_both_runs_the_rest_of_the_month_and_the_next_are_invoiced(
        staff, district, django_capture_on_commit_callbacks):
    contract_with_rent(organisation=district)  # an existing customer, invoiced by the runs
    with at(dt.date(2026, 10, 2)):
        issue_run(NOV, staff)
    with at(dt.date(2026, 11, 3)):
        issue_run(DEC, staff)

    with at(dt.date(2026, 11, 20)):
        contract = draft_contract(district, start=dt.date(2026, 11, 20))
        with django_capture_on_commit_callbacks(execute=True):
            contract = contract_services.contract_activate(actor=staff, contract=contract)

    assert contract.state == RentalContract.State.ACTIVE
    # 20–30 November is 11 of 30 calendar days: 5400 × 11/30 = 1980 and 600 × 11/30 = 220.
    assert invoices_of(contract) == [
        (NOV, Decimal("2200.00"), True, None),
        (DEC, Decimal("6000.00"), False, None),
    ]
    november = Invoice.objects.get(contract=contract, period=NOV)
    assert sorted(line.amount for line in november.lines.all()) == [Decimal("220.00"), Decimal("1980.00")]
    for invoice in Invoice.objects.filter(contract=contract):
        assert invoice.kind == RunKind.RENT and invoice.customer == contract.customer
        assert invoice.issue_date == dt.date(2026, 11, 20)
        assert invoice.total == sum(line.amount for line in invoice.lines.all())
        assert is_valid_ocr(invoice.ocr_reference)
    assert Invoice.objects.values("number").distinct().count() == Invoice.objects.count() == 4

    # A lost-event catch-up afterwards finds nothing more to do.
    with at(dt.date(2026, 11, 21)):
        assert tasks.catch_up_first_invoices.apply().get() == 0
    assert Invoice.objects.filter(contract=contract).count() == 2


def test_only_the_months_whose_run_was_issued_are_invoiced_at_activation(
        staff, district, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 10, 2)):
        issue_run(NOV, staff)

    with at(dt.date(2026, 10, 20)):  # the December run is issued on 3 November
        contract = draft_contract(district, start=dt.date(2026, 11, 16))
        with django_capture_on_commit_callbacks(execute=True):
            contract_services.contract_activate(actor=staff, contract=contract)
    assert invoices_of(contract) == [(NOV, Decimal("3000.00"), True, None)]  # 15 of 30 days

    with at(dt.date(2026, 11, 3)):
        december = issue_run(DEC, staff)
    assert invoices_of(contract) == [(NOV, Decimal("3000.00"), True, None),
                                     (DEC, Decimal("6000.00"), False, december.pk)]


def test_activated_before_the_run_nothing_is_issued_and_the_run_includes_it(
        staff, district, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 9, 2)):
        issue_run(OCT, staff)

    with at(dt.date(2026, 9, 21)):  # the November run is prepared on 25 September, issued 2 October
        contract = draft_contract(district, start=dt.date(2026, 11, 10))
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            contract_services.contract_activate(actor=staff, contract=contract)
    assert callbacks  # the event was sent: it found no issued run to complete
    assert invoices_of(contract) == []

    with at(dt.date(2026, 10, 2)):
        november = issue_run(NOV, staff)
    # 10–30 November is 21 of 30 days: 6000 × 21/30 = 4200.
    assert invoices_of(contract) == [(NOV, Decimal("4200.00"), True, november.pk)]
    with at(dt.date(2026, 10, 3)):
        assert tasks.catch_up_first_invoices.apply().get() == 0


def test_activated_between_prepare_and_issue_the_catch_up_invoices_it(
        staff, district, django_capture_on_commit_callbacks):
    """The run was prepared while the contract was a draft, so it is not among the run's items; the
    daily catch-up invoices it once the run has been issued."""
    with at(dt.date(2026, 9, 25)):
        run = services.run_prepare(run=services.run_for(period=NOV, kind=RunKind.RENT), actor="job")
    with at(dt.date(2026, 9, 28)):
        contract = draft_contract(district, start=dt.date(2026, 11, 10))
        with django_capture_on_commit_callbacks(execute=True):
            contract_services.contract_activate(actor=staff, contract=contract)
    with at(dt.date(2026, 10, 2)):
        services.run_issue(run=services.run_approve(run=run, actor=staff), actor=staff)
    assert invoices_of(contract) == []

    with at(dt.date(2026, 10, 3), hour=5):
        assert tasks.catch_up_first_invoices.apply().get() == 1
    assert invoices_of(contract) == [(NOV, Decimal("4200.00"), True, None)]


def test_the_catch_up_finds_a_contract_whose_event_was_lost(
        staff, district, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 10, 2)):
        issue_run(NOV, staff)
    with at(dt.date(2026, 11, 3)):
        issue_run(DEC, staff)

    with at(dt.date(2026, 11, 20)):
        contract = draft_contract(district, start=dt.date(2026, 11, 16))
        with django_capture_on_commit_callbacks(execute=False):  # the event is lost
            contract_services.contract_activate(actor=staff, contract=contract)
    assert RentalContract.objects.get(pk=contract.pk).state == RentalContract.State.ACTIVE
    assert invoices_of(contract) == []

    with at(dt.date(2026, 11, 21), hour=5):
        assert tasks.catch_up_first_invoices.apply().get() == 2
        assert tasks.catch_up_first_invoices.apply().get() == 0
    with at(dt.date(2026, 11, 22), hour=5):
        assert tasks.catch_up_first_invoices.apply().get() == 0
    assert invoices_of(contract) == [(NOV, Decimal("3000.00"), True, None),
                                     (DEC, Decimal("6000.00"), False, None)]
