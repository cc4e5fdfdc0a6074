"""A termination from the notice to the vacancy's first accounting order, through the real services of
both apps and the events between them (issue #7's whole path).

The district's notice → staff confirm → the end date passes → the daily job terminates the contract
(``contract_terminated``) → the final settlement's proposal → staff confirm it (the final credit pro
rata, or the final invoice) → the prepaid credit balance refunded (within delegation proposed, beyond
it referred) → the termination settled (``settlement_done``) and closed → the vacancy contract charged
to the object's owner by the next internal run. And: a deceased customer's path, and a contract in
dispute that cannot be confirmed (the API answers 409).

Dates are moved with time-machine; on-commit events run with
``django_capture_on_commit_callbacks(execute=True)``, Celery tasks run in process.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts import termination as services
from contracts import termination_rules
from contracts.models import NoticeGiver, RentalContract, Termination, TerminationNotice
from contracts.services import ChecksFailed, contract_open_dispute
from contracts.tasks import end_terminated_contracts
from hyresadmin.transitions import TransitionRefused
from invoicing import credits, periods, settlement
from invoicing import services as invoicing_services
from invoicing.models import (
    CreditNote,
    FinalSettlement,
    Invoice,
    InvoiceKind,
    InvoiceRun,
    RefundOrder,
    RunItem,
    RunKind,
)
from invoicing.payments import credit_balance, import_bgmax
from tests.factories import PersonFactory, UserFactory
from tests.invoicing.bgmax_samples import SampleFile, SamplePayment, SampleSection, build
from tests.invoicing.factories import contract_with_rent, issue_rent_run

pytestmark = pytest.mark.django_db

D = Decimal
STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOV, DEC, JAN = dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 1)
RENT = D("5400.00")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=STOCKHOLM)


@pytest.fixture
def clock():
    with time_machine.travel(at(dt.date(2026, 11, 20)), tick=False) as traveller:  # a Friday
        yield traveller


@pytest.fixture(autouse=True)
def _bankgiro(settings):
    settings.BANKGIRO_NUMBER = "991-2346"  # the bankgiro of tests.invoicing.bgmax_samples
    settings.BGMAX_ACCEPT_TEST_FILES = True  # the sample files are marked as test files


@pytest.fixture
def second_staff(staff):
    other = UserFactory(username="andra")
    other.groups.set(staff.groups.all())
    return other


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def rent_invoice(contract, period):
    return Invoice.objects.get(contract=contract, period=period, kind=InvoiceKind.RENT)


def pay(staff, *amounts_by_invoice):
    """The customer's payments, read in from a BgMax file with the real import."""
    data = build(SampleFile([SampleSection([
        SamplePayment(amount_ore=int(amount * 100), reference=invoice.ocr_reference)
        for invoice, amount in amounts_by_invoice])]))
    return import_bgmax(actor=staff, name="bgmax.txt", data=data)


def district_notice(officer, contract, **fields):
    return services.notice_register(actor=officer, contract=contract,
                                    source=TerminationNotice.Source.DISTRICT_FORM,
                                    file=SimpleUploadedFile("uppsagning.pdf", PDF,
                                                            content_type="application/pdf"),
                                    **fields)


def run_daily_job(clock, day, captured):
    """The day after the end date: the Celery task of the daily job, its events run after commit."""
    clock.move_to(at(day, 6))
    with captured(execute=True):
        return end_terminated_contracts()


def internal_run(period, *, actor):
    """The next internal run (accounting orders), prepared, approved and issued by the services."""
    run = invoicing_services.run_for(period=period, kind=RunKind.INTERNAL)
    run = invoicing_services.run_prepare(run=run, actor=actor)
    run = invoicing_services.run_approve(run=run, actor=actor)
    return invoicing_services.run_issue(run=run, actor=actor)


# --- The whole path ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("surplus", "refund_state", "within"), [
    (D("0.00"), RefundOrder.State.PROPOSED, True),
    (D("9000.00"), RefundOrder.State.REFERRED, False),
], ids=["within-delegation", "beyond-delegation"])
def test_notice_to_settlement_to_the_vacancys_internal_run(
        clock, officer, staff, second_staff, district, django_capture_on_commit_callbacks,
        surplus, refund_state, within):
    customer = PersonFactory(affiliation=district, email="kund@example.invalid")
    contract = contract_with_rent(rent=RENT, number="2025-900001", organisation=district, customer=customer)
    # November and December are invoiced by the real runs, and the customer pays both (perhaps more).
    for period in (NOV, DEC):
        issue_rent_run(period=period, actor=staff)
    pay(staff, (rent_invoice(contract, NOV), RENT), (rent_invoice(contract, DEC), RENT + surplus))
    assert credit_balance(person_id=customer.pk) == surplus

    # The district decided (FOT) that the contract ends on 15 December; its form is enough.
    end = dt.date(2026, 12, 15)
    termination = district_notice(officer, contract, given_by=NoticeGiver.DISTRICT,
                                  notice_received_on=dt.date(2026, 11, 20), requested_end_date=end)
    assert termination.state == Termination.State.DOCUMENTS_MATCHED
    assert termination.end_date == end

    with django_capture_on_commit_callbacks(execute=True):
        termination = services.termination_confirm(actor=staff, termination=termination)
    assert termination.state == Termination.State.CONFIRMED
    contract = fresh(contract)
    assert contract.state == RentalContract.State.NOTICE_GIVEN and contract.end_date == end

    # The day of the end date the job leaves the contract alone; the day after it ends it.
    assert run_daily_job(clock, end, django_capture_on_commit_callbacks) == {"terminated": 0,
                                                                              "vacancies": 0}
    assert fresh(contract).state == RentalContract.State.NOTICE_GIVEN
    assert run_daily_job(clock, end + dt.timedelta(days=1), django_capture_on_commit_callbacks) == {
        "terminated": 1, "vacancies": 1}
    contract = fresh(contract)
    assert contract.state == RentalContract.State.TERMINATED
    termination = fresh(termination)
    vacancy = termination.vacancy_contract
    assert vacancy.kind == RentalContract.Kind.VACANCY and vacancy.state == RentalContract.State.ACTIVE
    assert vacancy.start_date == dt.date(2026, 12, 16)
    assert vacancy.organisation_id == contract.rental_object.owner_id

    # The event made the proposal: December credited for the 16 days after the end date.
    proposal = FinalSettlement.objects.get(contract=contract)
    assert proposal.state == FinalSettlement.State.PROPOSED and proposal.end_date == end
    credit = RENT - periods.pro_rata(RENT, 15, DEC)  # kept: the 15 days up to the end date
    assert proposal.credit_total == credit
    assert proposal.invoice_total == 0
    assert [c["number"] for c in proposal.proposal["credits"]] == [rent_invoice(contract, DEC).number]

    with django_capture_on_commit_callbacks(execute=True):
        settled = settlement.final_settlement_confirm(actor=staff, settlement=proposal)
    assert settled.state == FinalSettlement.State.SETTLED and settled.final_invoice is None
    note = CreditNote.objects.get(invoice=rent_invoice(contract, DEC))
    assert note.amount == credit
    assert rent_invoice(contract, NOV).state == Invoice.State.PAID
    # December was paid: the credit went to the customer's credit balance, with any surplus.
    assert credit_balance(person_id=customer.pk) == credit + surplus
    # The settlement_done event marked the termination settled; it cannot be closed before the to-do.
    termination = fresh(termination)
    assert termination.state == Termination.State.SETTLED
    with pytest.raises(TransitionRefused):
        services.termination_close(actor=staff, termination=termination)

    # The refund form's service: the prepaid balance to the customer's account.
    assert settlement.refund_available(settled) == credit + surplus
    settled = settlement.final_settlement_refund(actor=staff, settlement=settled,
                                                 payee_name=customer.full_name,
                                                 payee_account="8327-9 123 456 789")
    order = settled.refund_order
    assert order.amount == credit + surplus
    assert order.within_delegation is within and order.state == refund_state
    assert credit_balance(person_id=customer.pk) == 0
    if within:
        assert credits.refund_order_approve(actor=second_staff, order=order).state == \
            RefundOrder.State.APPROVED

    services.termination_tick_terms(actor=staff, termination=termination, note="Villkoren är aktuella")
    closed = services.termination_close(actor=staff, termination=fresh(termination))
    assert closed.state == Termination.State.CLOSED

    # The next internal run charges the vacancy to the object's owner; the ended contract is not in it.
    clock.move_to(at(dt.date(2026, 12, 21)))
    run = internal_run(JAN, actor=staff)
    assert run.state == InvoiceRun.State.ISSUED
    item = RunItem.objects.get(run=run, contract=vacancy)
    assert item.included
    order_invoice = Invoice.objects.get(contract=vacancy, period=JAN, kind=InvoiceKind.INTERNAL)
    assert order_invoice.customer_id is None
    assert order_invoice.organisation_id == contract.rental_object.owner_id
    assert order_invoice.total == contract.rental_object.rent
    assert not RunItem.objects.filter(run=run, contract=contract).exists()
    assert not Invoice.objects.filter(contract=contract, period=JAN).exists()


def test_an_end_date_after_the_last_invoice_gets_a_final_invoice_for_the_days_up_to_it(
        clock, officer, staff, district, django_capture_on_commit_callbacks):
    contract = contract_with_rent(rent=RENT, number="2025-900001", organisation=district)
    issue_rent_run(period=NOV, actor=staff)
    termination = district_notice(officer, contract, given_by=NoticeGiver.DISTRICT,
                                  notice_received_on=dt.date(2026, 11, 20),
                                  requested_end_date=dt.date(2026, 12, 10))
    with django_capture_on_commit_callbacks(execute=True):
        services.termination_confirm(actor=staff, termination=termination)
    # December's rent run comes after the confirmation: the contract is in it, pro rata to the 10th.
    issue_rent_run(period=DEC, actor=staff)
    december = rent_invoice(contract, DEC)
    assert december.total == periods.pro_rata(RENT, 10, DEC)
    run_daily_job(clock, dt.date(2026, 12, 11), django_capture_on_commit_callbacks)
    proposal = FinalSettlement.objects.get(contract=contract)
    assert proposal.credit_total == 0 and proposal.invoice_total == 0
    with django_capture_on_commit_callbacks(execute=True):
        settlement.final_settlement_confirm(actor=staff, settlement=proposal)
    assert fresh(termination).state == Termination.State.SETTLED


# --- A deceased customer ---------------------------------------------------------------------------------


def test_a_deceased_customer_gets_no_further_rent_invoice_and_months_after_the_end_are_credited(
        clock, officer, staff, district, django_capture_on_commit_callbacks):
    customer = PersonFactory(affiliation=district)
    contract = contract_with_rent(rent=RENT, number="2025-900001", organisation=district, customer=customer)
    for period in (NOV, DEC):
        issue_rent_run(period=period, actor=staff)
    pay(staff, (rent_invoice(contract, NOV), RENT), (rent_invoice(contract, DEC), RENT))

    # The estate gave notice within a month of the death: the month-end first after one month.
    died, notice_on = dt.date(2026, 10, 20), dt.date(2026, 10, 28)
    termination = district_notice(officer, contract, given_by=NoticeGiver.ESTATE,
                                  notice_received_on=notice_on, deceased_on=died,
                                  estate_contact_name="Dödsboet efter kunden",
                                  estate_contact_email="dodsbo@example.invalid")
    end = termination_rules.estate_end_date(notice_on, died).end_date
    assert termination.end_date == end == dt.date(2026, 11, 30)
    with django_capture_on_commit_callbacks(execute=True):
        services.termination_confirm(actor=staff, termination=termination)
    assert fresh(customer).deceased_on == died

    # The next rent run sends the deceased customer nothing.
    issue_rent_run(period=JAN, actor=staff)
    assert not Invoice.objects.filter(contract=contract, period=JAN).exists()

    run_daily_job(clock, dt.date(2026, 12, 1), django_capture_on_commit_callbacks)
    proposal = FinalSettlement.objects.get(contract=contract)
    assert proposal.deceased and proposal.invoice_total == 0
    assert proposal.credit_total == RENT  # December (paid in advance), the month after the end date
    with django_capture_on_commit_callbacks(execute=True):
        settled = settlement.final_settlement_confirm(actor=staff, settlement=proposal)
    assert CreditNote.objects.get(invoice=rent_invoice(contract, DEC)).amount == RENT
    assert not CreditNote.objects.filter(invoice=rent_invoice(contract, NOV)).exists()
    assert settled.final_invoice is None
    assert fresh(termination).state == Termination.State.SETTLED
    assert set(Invoice.objects.filter(customer=customer).values_list("period", flat=True)) == {NOV, DEC}
    # December's prepaid rent goes back to the estate's contact, within delegation.
    refunded = settlement.final_settlement_refund(actor=staff, settlement=settled,
                                                  payee_name="Dödsboet efter kunden",
                                                  payee_account="8327-9 123 456 789")
    assert refunded.refund_order.amount == RENT
    assert refunded.refund_order.state == RefundOrder.State.PROPOSED


# --- A contract in dispute -------------------------------------------------------------------------------


def test_a_contract_in_dispute_cannot_be_confirmed_and_the_api_answers_409(
        clock, client, officer, staff, district):
    contract = contract_with_rent(rent=RENT, number="2025-900001", organisation=district)
    termination = district_notice(officer, contract, given_by=NoticeGiver.TENANT,
                                  notice_received_on=dt.date(2026, 11, 20))
    contract_open_dispute(actor=staff, contract=contract, reason="Hyresnämnden")
    with pytest.raises(ChecksFailed) as refused:
        services.termination_confirm(actor=staff, termination=termination)
    assert [c.code for c in refused.value.failed_checks] == ["dispute"]

    client.force_login(staff)
    response = client.post(f"/api/v1/terminations/{termination.pk}/confirm/", {},
                           content_type="application/json")
    assert response.status_code == 409
    assert [c["code"] for c in response.json()["failed_checks"]] == ["dispute"]
    assert fresh(termination).state == Termination.State.DOCUMENTS_MATCHED
    assert fresh(contract).state == RentalContract.State.IN_DISPUTE
    assert not FinalSettlement.objects.exists()


# --- A rent reduction during the notice period ---------------------------------------------------------


def test_a_reduction_registered_during_the_notice_period_is_credited_by_the_final_settlement(
        clock, officer, staff, district, django_capture_on_commit_callbacks):
    """The reduction goes on the *next* invoice, which never comes after the end date: the final
    settlement credits it (it was lost before: the queued lines were left after the end month)."""
    from contracts import reduction
    from invoicing.models import PendingLine

    contract = contract_with_rent(rent=RENT, number="2025-900003", organisation=district)
    for period in (NOV, DEC):
        issue_rent_run(period=period, actor=staff)
    termination = district_notice(officer, contract, given_by=NoticeGiver.DISTRICT,
                                  notice_received_on=dt.date(2026, 11, 20),
                                  requested_end_date=dt.date(2026, 12, 31))
    with django_capture_on_commit_callbacks(execute=True):
        services.termination_confirm(actor=staff, termination=termination)
    sent = reduction.rent_reduction_submit(
        actor=officer, contract=fresh(contract), first_month=NOV, last_month=DEC, amount=D("1000.00"),
        decision_date=dt.date(2026, 11, 19), attester_name="Anna Attestant", lives_in_deciding_district=False)
    with django_capture_on_commit_callbacks(execute=True):
        reduction.rent_reduction_register(actor=staff, reduction=sent)
    assert sum(p.amount for p in PendingLine.objects.filter(contract=contract)) == D("-2000.00")

    run_daily_job(clock, dt.date(2027, 1, 1), django_capture_on_commit_callbacks)
    proposal = FinalSettlement.objects.get(contract=contract)
    assert proposal.credit_total == D("2000.00") and proposal.invoice_total == 0
    with django_capture_on_commit_callbacks(execute=True):
        settlement.final_settlement_confirm(actor=staff, settlement=proposal)
    december = rent_invoice(contract, DEC)
    assert CreditNote.objects.get(invoice=december).amount == D("2000.00")
    assert fresh(december).balance == RENT - D("2000.00")
    assert not PendingLine.objects.filter(contract=contract, invoice__isnull=True).exists()
    assert fresh(termination).state == Termination.State.SETTLED


# --- An internal move --------------------------------------------------------------------------------------


def test_an_internal_move_recorded_on_the_notice_is_charged_to_the_administration(
        clock, officer, staff, district, django_capture_on_commit_callbacks):
    from tests.contracts.factories import RentalObjectFactory

    contract = contract_with_rent(rent=RENT, number="2025-900004", organisation=district)
    issue_rent_run(period=NOV, actor=staff)
    termination = district_notice(officer, contract, given_by=NoticeGiver.DISTRICT,
                                  notice_received_on=dt.date(2026, 11, 20),
                                  requested_end_date=dt.date(2026, 12, 10), internal_move=True,
                                  internal_move_object=RentalObjectFactory(owner=district))
    with django_capture_on_commit_callbacks(execute=True):
        services.termination_confirm(actor=staff, termination=termination)
    run_daily_job(clock, dt.date(2026, 12, 11), django_capture_on_commit_callbacks)
    proposal = FinalSettlement.objects.get(contract=contract)
    assert proposal.internal_move and proposal.proposal["charge_to"] == "organisation"
    with django_capture_on_commit_callbacks(execute=True):
        settled = settlement.final_settlement_confirm(actor=staff, settlement=proposal)
    order = settled.accounting_order
    assert settled.final_invoice is None and order.customer_id is None
    assert order.organisation_id == district.pk and order.total == periods.pro_rata(RENT, 10, DEC)
    assert fresh(termination).state == Termination.State.SETTLED
