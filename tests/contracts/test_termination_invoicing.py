"""What the invoicing engine does with a terminated contract: a deceased customer gets no invoice for
the months after the end date, and the vacancy contract is in the next internal run."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts import termination as services
from contracts.models import NoticeGiver, RentalContract, RentLineKind, TerminationNotice
from invoicing import services as invoicing
from invoicing.models import Invoice, RunKind
from tests.invoicing.factories import contract_with_rent, issue_rent_run

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JAN = dt.date(2027, 1, 1)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Europe/Stockholm")),
                             tick=False):
        yield


@pytest.fixture
def ended_by_death(officer, staff, district, django_capture_on_commit_callbacks):
    contract = contract_with_rent(organisation=district, year=2026)
    contract.rent_lines.create(kind=RentLineKind.BASE_RENT, amount=Decimal("5400.00"), rent_year=2027)
    termination = services.notice_register(
        actor=officer, contract=contract, source=TerminationNotice.Source.DISTRICT_FORM,
        given_by=NoticeGiver.ESTATE, notice_received_on=dt.date(2026, 11, 20),
        deceased_on=dt.date(2026, 11, 10), estate_contact_name="Dödsboet",
        file=SimpleUploadedFile("brev.pdf", PDF))
    with django_capture_on_commit_callbacks(execute=True):
        services.termination_confirm(actor=staff, termination=termination)
    contract.refresh_from_db()
    assert contract.end_date == dt.date(2026, 12, 31) and contract.customer.deceased_on
    return contract


def test_a_deceased_customer_gets_no_invoice_after_the_end_date(staff, ended_by_death):
    issue_rent_run(period=JAN, actor=staff)  # before the daily job: notice given, end date passed
    assert not Invoice.objects.filter(contract=ended_by_death).exists()
    services.contracts_end_due(today=JAN)
    issue_rent_run(period=dt.date(2027, 2, 1), actor=staff)
    assert not Invoice.objects.filter(contract=ended_by_death).exists()


def test_the_next_internal_run_includes_the_vacancy(staff, ended_by_death):
    services.contracts_end_due(today=JAN)
    vacancy = RentalContract.objects.get(kind=RentalContract.Kind.VACANCY)
    assert vacancy.start_date == JAN
    assert vacancy in invoicing.eligible_contracts(period=JAN, kind=RunKind.INTERNAL)
    run = invoicing.run_prepare(run=invoicing.run_for(period=JAN, kind=RunKind.INTERNAL), actor=staff)
    item = run.items.get(contract=vacancy)
    assert item.included and item.total == ended_by_death.rental_object.rent
    assert not run.items.filter(contract=ended_by_death).exists()
