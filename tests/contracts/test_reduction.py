"""Rent reduction for double housing: the district portal's form (scoped to the officer's own
administration, Swedish errors, nothing half-written), the staff checks, registration and rejection,
and — through the real event and invoicing's receiver — the negative lines on the next run's invoice,
the booking of the cost and the e-mail to the submitter.

Dates are fixed on 20 November 2026: the December run is not issued yet, so the next invoice is
December's.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts import reduction
from contracts.models import RentalContract, RentReduction
from hyresadmin import queues
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused
from invoicing.models import Invoice, InvoiceKind, PendingLine, RunKind
from tests.invoicing.factories import contract_with_rent, issue_rent_run, set_invoice_state

pytestmark = pytest.mark.django_db
D = Decimal
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
NOV, DEC = dt.date(2026, 11, 1), dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Europe/Stockholm")), tick=False):
        yield


@pytest.fixture
def contract(district):
    return contract_with_rent(rent=D("5400.00"), organisation=district)


def url(contract):
    return f"/forvaltning/avtal/{contract.pk}/nedsattning/ny/"


def form(**overrides):
    data = {"first_month": "2026-10", "last_month": "2026-11", "amount": "1 000", "percentage": "",
            "decision_date": "2026-11-12", "attester_name": "Anna Attestant",
            "lives_in_deciding_district": "yes", "apply_from": "", "message": "",
            "attachment": SimpleUploadedFile("beslut.pdf", PDF, content_type="application/pdf")}
    data.update(overrides)
    return data


def submit(officer, contract, **kwargs) -> RentReduction:
    defaults = {"first_month": dt.date(2026, 10, 1), "last_month": dt.date(2026, 11, 1), "amount": D("1000.00"),
                "decision_date": dt.date(2026, 11, 12), "attester_name": "Anna Attestant",
                "lives_in_deciding_district": True}
    defaults.update(kwargs)
    return reduction.rent_reduction_submit(actor=officer, contract=contract, **defaults)


# --- The portal form -----------------------------------------------------------------------------------


def test_an_officer_sends_a_reduction_for_their_own_contract(client, officer, contract):
    client.force_login(officer)
    assert client.get(url(contract)).status_code == 200
    response = client.post(url(contract), form())
    assert response.status_code == 302
    sent = RentReduction.objects.get()
    assert (sent.contract, sent.organisation, sent.submitted_by) == (contract, contract.organisation, officer)
    assert (sent.first_month, sent.last_month, sent.amount) == (dt.date(2026, 10, 1), NOV, D("1000.00"))
    assert sent.state == RentReduction.State.SUBMITTED and sent.attachment_name == "beslut.pdf"
    # Received Friday 20 Nov before noon: day 1, due on the third working day.
    assert sent.due_date == dt.date(2026, 11, 24)
    detail = client.get(f"/forvaltning/avtal/{contract.pk}/").content.decode()
    assert "2026-10 – 2026-11" in detail


def test_another_districts_contract_is_a_404_and_nothing_is_written(client, other_officer, contract):
    client.force_login(other_officer)
    assert client.get(url(contract)).status_code == 404
    assert client.post(url(contract), form()).status_code == 404
    assert not RentReduction.objects.exists()


def test_bad_input_re_renders_with_swedish_errors_and_nothing_is_written(client, officer, contract):
    client.force_login(officer)
    response = client.post(url(contract), form(
        first_month="2026-13", amount="", percentage="",
        attachment=SimpleUploadedFile("virus.pdf", EXE, content_type="application/pdf")))
    page = response.content.decode()
    assert response.status_code == 200 and 'id="error-summary"' in page
    assert "ÅÅÅÅ-MM" in page and "Ange antingen ett belopp" in page
    assert not RentReduction.objects.exists()


def test_a_percentage_of_the_rent_is_accepted(client, officer, contract):
    client.force_login(officer)
    client.post(url(contract), form(amount="", percentage="50", first_month="2026-11", last_month="2026-11"))
    sent = RentReduction.objects.get()
    assert sent.percentage == D("50") and sent.amount_for_month() == D("2700.00") and sent.total() == D("2700.00")


# --- Staff: checks, registration, the next invoice ------------------------------------------------------


def test_the_checks_show_the_customers_unpaid_and_collected_invoices(staff, officer, contract):
    issue_rent_run(period=NOV, actor=staff)
    set_invoice_state(Invoice.objects.get(contract=contract), Invoice.State.AT_COLLECTION)
    checks = {c.code: c for c in reduction.rent_reduction_checks(submit(officer, contract))}
    assert checks["attester"].passed and checks["active_contract"].passed
    assert not checks["invoices"].passed and "1" in checks["invoices"].detail


def test_a_registered_reduction_is_a_negative_line_on_the_next_runs_invoice(
        staff, officer, contract, django_capture_on_commit_callbacks):
    issue_rent_run(period=NOV, actor=staff)
    sent = submit(officer, contract)
    with django_capture_on_commit_callbacks(execute=True):
        reduction.rent_reduction_register(actor=staff, reduction=sent)
    sent = RentReduction.objects.get(pk=sent.pk)
    assert sent.state == RentReduction.State.REGISTERED and sent.applied_period == DEC
    assert list(PendingLine.objects.filter(contract=contract).values_list("period", "amount")) == [
        (DEC, D("-1000.00")), (DEC, D("-1000.00"))]
    # The customer lives in the deciding district: an accounting order books the cost to it.
    order = Invoice.objects.get(kind=InvoiceKind.ONE_OFF)
    assert order.document_type == Invoice.DocumentType.ACCOUNTING_ORDER and order.customer_id is None
    assert order.organisation == contract.organisation and order.total == D("2000.00")
    assert sent.booking == RentReduction.Booking.ACCOUNTING_ORDER and sent.booking_reference == str(order.number)
    # The submitter is told.
    assert [m.to for m in mail.outbox] == [[officer.email]] and "2026-12" in mail.outbox[0].body

    issue_rent_run(period=DEC, actor=staff)
    december = Invoice.objects.get(contract=contract, period=DEC, kind=RunKind.RENT)
    assert december.total == D("3400.00")
    assert december.lines.filter(amount=D("-1000.00")).count() == 2

    # Applied once only, whatever is sent again.
    from invoicing import reductions

    assert reductions.rent_reduction_apply(reduction_id=sent.pk) == []


def test_a_customer_in_another_district_gets_a_payment_order(staff, officer, contract,
                                                             django_capture_on_commit_callbacks):
    sent = submit(officer, contract, lives_in_deciding_district=False, apply_from=dt.date(2027, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        reduction.rent_reduction_register(actor=staff, reduction=sent)
    sent = RentReduction.objects.get(pk=sent.pk)
    assert sent.booking == RentReduction.Booking.PAYMENT_ORDER and sent.applied_period == dt.date(2027, 1, 1)
    assert not Invoice.objects.exists()


def test_a_reduction_of_an_ended_contract_is_not_registered(staff, officer, contract):
    sent = submit(officer, contract)
    RentalContract.objects.filter(pk=contract.pk).update(state=RentalContract.State.TERMINATED,
                                                         end_date=dt.date(2026, 11, 30))
    with pytest.raises(TransitionRefused) as refused:
        reduction.rent_reduction_register(actor=staff, reduction=RentReduction.objects.get(pk=sent.pk))
    assert RentReduction.objects.get(pk=sent.pk).state == RentReduction.State.SUBMITTED
    assert not PendingLine.objects.exists()
    # Staff are told why, and what to do instead: a manual credit on the last invoice.
    assert "2026-11-30" in refused.value.message and "för hand" in refused.value.message


def test_staff_register_and_reject_in_the_admin_and_the_queue_counts(client, staff, officer, contract,
                                                                     django_capture_on_commit_callbacks):
    first, second = submit(officer, contract), submit(officer, contract)
    [row] = [r for r in queues.my_work(staff) if r["queue"].key == "rent_reductions"]
    assert row["open"] == 2
    client.force_login(staff)
    page = client.get(f"/admin/contracts/rentreduction/{first.pk}/change/").content.decode()
    assert 'data-check="attester"' in page and "2\u00a0000,00" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/contracts/rentreduction/{first.pk}/register/")
        client.post(f"/admin/contracts/rentreduction/{second.pk}/reject/", {"reason": "Beslutet saknas"})
    assert RentReduction.objects.get(pk=first.pk).state == RentReduction.State.REGISTERED
    rejected = RentReduction.objects.get(pk=second.pk)
    assert rejected.state == RentReduction.State.REJECTED and rejected.rejection_reason == "Beslutet saknas"
    assert AuditEvent.objects.filter(object_id=str(rejected.pk), to_state="rejected").exists()


def test_an_officer_cannot_register(officer, contract):
    sent = submit(officer, contract)
    with pytest.raises(TransitionRefused):
        reduction.rent_reduction_submit(actor=officer, contract=contract_with_rent(), first_month=NOV,
                                        last_month=NOV, amount=D("1"), decision_date=NOV,
                                        attester_name="x", lives_in_deciding_district=True)
    assert RentReduction.objects.get(pk=sent.pk).state == RentReduction.State.SUBMITTED


def test_a_reduction_applied_after_the_final_settlement_is_credited_on_the_last_invoice(
        staff, officer, contract):
    """Registered while the contract was current, applied (the task ran late) after the final settlement
    was confirmed: no next invoice comes, so it is credited on the last one, a paid part to the
    customer's credit balance; nothing is queued for a month that never comes."""
    from invoicing import reductions
    from invoicing.models import CreditNote, FinalSettlement
    from invoicing.payments import credit_balance

    issue_rent_run(period=NOV, actor=staff)
    november = Invoice.objects.get(contract=contract, period=NOV, kind=RunKind.RENT)
    set_invoice_state(november, Invoice.State.PAID, balance=D("0.00"))
    sent = reduction.rent_reduction_register(actor=staff, reduction=submit(officer, contract))
    RentalContract.objects.filter(pk=contract.pk).update(state=RentalContract.State.TERMINATED,
                                                         end_date=dt.date(2026, 11, 30))
    FinalSettlement.objects.create(contract=contract, state=FinalSettlement.State.SETTLED,
                                   end_date=dt.date(2026, 11, 30), due_date=dt.date(2026, 12, 3))

    reductions.rent_reduction_apply(reduction_id=sent.pk)

    assert not PendingLine.objects.filter(contract=contract).exists()
    note = CreditNote.objects.get(invoice=november)
    assert note.amount == D("2000.00") and note.to_credit_balance == D("2000.00")
    assert credit_balance(person_id=contract.customer_id) == D("2000.00")
    sent = RentReduction.objects.get(pk=sent.pk)
    assert sent.applied_period == NOV and sent.booking == RentReduction.Booking.ACCOUNTING_ORDER
    assert reductions.rent_reduction_apply(reduction_id=sent.pk) == []  # once only
    assert CreditNote.objects.count() == 1
