"""A death is known from the moment a notice carrying the date of death is registered, through each of
the three doors (the district's portal form, the staff-registered written notice, the API): the customer
is marked deceased at once (audited, their citizen login deactivated), and the rent run invoices no
month that begins after the death — not even one prepared before the notice came in."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts import termination as services
from contracts.models import NoticeGiver, Termination, TerminationNotice
from hyresadmin.models import AuditEvent, Person
from invoicing import services as invoicing
from invoicing.models import Invoice, RunItem, RunKind
from tests.factories import PersonFactory, UserFactory
from tests.invoicing.factories import contract_with_rent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DIED = dt.date(2026, 11, 10)
DEC = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Europe/Stockholm")),
                             tick=False):
        yield


@pytest.fixture
def contract(district):
    customer = PersonFactory(affiliation=district)
    customer.user = UserFactory(username=f"person-{customer.pk}")
    customer.save()
    return contract_with_rent(organisation=district, customer=customer)


def _pdf():
    return SimpleUploadedFile("uppsagning.pdf", PDF, content_type="application/pdf")


def _assert_marked_deceased(contract):
    person = Person.objects.select_related("user").get(pk=contract.customer_id)
    assert person.deceased_on == DIED
    assert not person.user.is_active
    assert AuditEvent.objects.filter(object_id=str(person.pk), changes__has_key="deceased_on").exists()
    assert AuditEvent.objects.filter(object_id=str(person.user_id),
                                     changes__is_active=[True, False]).exists()
    termination = Termination.objects.get(contract=contract)
    assert termination.state in Termination.OPEN_STATES  # known before staff confirm anything


def test_the_districts_portal_form_with_a_date_of_death(client, officer, contract):
    client.force_login(officer)
    response = client.post("/forvaltning/avtal/uppsagning/", {
        "contract": contract.pk, "source": "district_form", "given_by": "estate",
        "notice_received_on": "2026-11-20", "deceased_on": DIED.isoformat(),
        "estate_contact_name": "Anna Dödsbo", "estate_contact_address": "Götgatan 1, 11646 Stockholm",
        "attachment": _pdf()})
    assert response.status_code == 302
    _assert_marked_deceased(contract)


def test_the_written_notice_staff_register(client, staff, contract):
    client.force_login(staff)
    response = client.post("/admin/contracts/termination/notice/", {
        "contract_number": contract.number, "given_by": "estate", "notice_received_on": "2026-11-20",
        "deceased_on": DIED.isoformat(), "estate_contact_name": "Anna Dödsbo", "file": _pdf()})
    assert response.status_code == 302
    _assert_marked_deceased(contract)


def test_the_api(client, officer, contract):
    client.force_login(officer)
    response = client.post("/api/v1/terminations/", {
        "contract": contract.pk, "source": "coordinator_form", "given_by": "estate",
        "notice_received_on": "2026-11-20", "deceased_on": DIED.isoformat(),
        "estate_contact_name": "Anna Dödsbo"}, content_type="application/json")
    assert response.status_code == 201, response.json()
    _assert_marked_deceased(contract)


def test_a_notice_without_a_death_marks_nobody(officer, contract):
    services.notice_register(actor=officer, contract=contract, source=TerminationNotice.Source.DISTRICT_FORM,
                             given_by=NoticeGiver.TENANT, notice_received_on=dt.date(2026, 11, 20),
                             file=_pdf())
    person = Person.objects.select_related("user").get(pk=contract.customer_id)
    assert person.deceased_on is None and person.user.is_active


def test_a_run_prepared_before_the_death_was_known_drops_the_month_after_it(staff, officer, contract,
                                                                            district):
    other = contract_with_rent(organisation=district)
    run = invoicing.run_prepare(run=invoicing.run_for(period=DEC, kind=RunKind.RENT), actor=staff)
    assert run.items.get(contract=contract).included

    services.notice_register(actor=officer, contract=contract, source=TerminationNotice.Source.DISTRICT_FORM,
                             given_by=NoticeGiver.ESTATE, notice_received_on=dt.date(2026, 11, 20),
                             deceased_on=DIED, estate_contact_name="Anna Dödsbo", file=_pdf())
    run = invoicing.run_issue(run=invoicing.run_approve(run=run, actor=staff), actor=staff)

    assert not Invoice.objects.filter(contract=contract).exists()
    assert Invoice.objects.filter(contract=other, period=DEC).exists()
    item = run.items.get(contract=contract)
    assert not item.included and RunItem.Flag.DECEASED in item.flags
    # A run prepared afterwards does not include the month either.
    jan = invoicing.run_prepare(run=invoicing.run_for(period=dt.date(2027, 1, 1), kind=RunKind.RENT),
                                actor=staff)
    item = jan.items.get(contract=contract)
    assert not item.included and RunItem.Flag.DECEASED in item.flags


def test_the_month_of_the_death_is_still_invoiced(staff, officer, contract):
    """The rent of the month the customer died in is due (the estate pays it); only later months go."""
    run = invoicing.run_prepare(run=invoicing.run_for(period=DEC, kind=RunKind.RENT), actor=staff)
    services.notice_register(actor=officer, contract=contract, source=TerminationNotice.Source.DISTRICT_FORM,
                             given_by=NoticeGiver.ESTATE, notice_received_on=dt.date(2026, 12, 1),
                             deceased_on=DEC, estate_contact_name="Anna Dödsbo", file=_pdf(),
                             today=dt.date(2026, 12, 2))
    run = invoicing.run_issue(run=invoicing.run_approve(run=run, actor=staff), actor=staff)
    assert Invoice.objects.filter(contract=contract, period=DEC).exists()
