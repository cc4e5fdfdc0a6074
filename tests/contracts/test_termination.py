"""Terminations through the services: notices in and matched into one termination, the checks, the
confirmation (letters, the district told, a death recorded), the daily end of contracts with the
vacancy contract, and the hand-over to the final settlement."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts import events, selectors
from contracts import termination as services
from contracts.models import (
    ContractDocument,
    DeliveryChannel,
    NoticeGiver,
    RentalContract,
    Termination,
    TerminationNotice,
)
from contracts.services import ChecksFailed, contract_close_dispute, contract_open_dispute
from hyresadmin import queues
from hyresadmin.calendar import service_level_due
from hyresadmin.models import AuditEvent, Representative
from hyresadmin.transitions import TransitionRefused
from tests.contracts.factories import active_contract
from tests.factories import PersonFactory, RepresentativeFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))  # a Monday morning
NOTICE_ON = dt.date(2026, 11, 20)
END = dt.date(2027, 2, 28)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _pdf(name="uppsagning.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def contract(district):
    customer = PersonFactory(affiliation=district, email="kund@example.invalid")
    return active_contract(organisation=district, customer=customer,
                           delivery_channel=DeliveryChannel.EMAIL)


def _district_notice(officer, contract, **overrides):
    fields = {"source": TerminationNotice.Source.DISTRICT_FORM, "given_by": NoticeGiver.TENANT,
              "notice_received_on": NOTICE_ON, "file": _pdf()}
    fields.update(overrides)
    return services.notice_register(actor=officer, contract=contract, **fields)


def _confirmed(officer, staff, contract, captured, **overrides):
    termination = _district_notice(officer, contract, **overrides)
    with captured(execute=True):
        return services.termination_confirm(actor=staff, termination=termination)


# --- Notices in -------------------------------------------------------------------------------------------


def test_district_form_with_the_scanned_notice_is_matched_and_due_in_three_working_days(officer, contract):
    termination = _district_notice(officer, contract)
    assert termination.state == Termination.State.DOCUMENTS_MATCHED
    assert termination.due_date == service_level_due(NOW, 3) == dt.date(2026, 11, 25)
    assert termination.end_date == termination.rule_end_date == END
    notice = termination.notices.get()
    assert notice.sha256 and notice.file and notice.submitted_by == officer
    assert AuditEvent.objects.for_object(termination).filter(to_state="documents_matched").exists()


def test_a_second_notice_joins_the_open_termination(officer, staff, contract):
    written = services.notice_register(
        actor=staff, contract=contract, source=TerminationNotice.Source.WRITTEN_NOTICE,
        given_by=NoticeGiver.RELATIVE, notice_received_on=dt.date(2026, 11, 18), file=_pdf("brev.pdf"))
    assert written.state == Termination.State.REQUESTED  # the district's underlag is missing
    failed = {c.code for c in services.termination_checks(written) if not c.passed}
    assert failed == {"documents"}

    joined = services.notice_register(
        actor=officer, contract=contract, source=TerminationNotice.Source.COORDINATOR_FORM,
        given_by=NoticeGiver.RELATIVE, notice_received_on=NOTICE_ON)
    assert joined.pk == written.pk and Termination.objects.count() == 1
    assert joined.notices.count() == 2
    assert joined.state == Termination.State.DOCUMENTS_MATCHED
    assert joined.notice_received_on == dt.date(2026, 11, 18)  # the earliest notice counts


def test_an_officer_of_another_district_cannot_give_notice_or_see_it(officer, other_officer, contract):
    with pytest.raises(ValidationError) as exc:
        _district_notice(other_officer, contract)
    assert "contract" in exc.value.message_dict
    assert not Termination.objects.exists()
    _district_notice(officer, contract)
    assert not selectors.terminations_visible_to(other_officer).exists()
    assert selectors.terminations_visible_to(officer).count() == 1


def test_bad_input_leaves_nothing(officer, contract):
    with pytest.raises(ValidationError) as exc:
        _district_notice(officer, contract, notice_received_on=dt.date(2026, 12, 1))
    assert "notice_received_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _district_notice(officer, contract, given_by=NoticeGiver.ESTATE)
    assert "deceased_on" in exc.value.message_dict
    with pytest.raises(ValidationError):
        _district_notice(officer, contract, file=SimpleUploadedFile("x.pdf", b"MZ\x90\x00"))
    assert not Termination.objects.exists() and not TerminationNotice.objects.exists()


# --- Checks and confirmation ------------------------------------------------------------------------------


def test_a_contract_in_dispute_cannot_be_confirmed_until_the_dispute_is_closed(
        officer, staff, contract, django_capture_on_commit_callbacks):
    termination = _district_notice(officer, contract)
    disputed = contract_open_dispute(actor=staff, contract=contract, reason="Hyresnämnden")
    with pytest.raises(ChecksFailed) as exc:
        services.termination_confirm(actor=staff, termination=termination)
    assert [c.code for c in exc.value.failed_checks] == ["dispute"]
    assert RentalContract.objects.get(pk=contract.pk).state == RentalContract.State.IN_DISPUTE
    assert Termination.objects.get(pk=termination.pk).state == Termination.State.DOCUMENTS_MATCHED

    contract_close_dispute(actor=staff, contract=disputed, reason="Återkallat")
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = services.termination_confirm(actor=staff, termination=termination)
    assert confirmed.state == Termination.State.CONFIRMED


def test_the_checks_list_the_other_contracts(officer, contract, other_district):
    other = active_contract(organisation=other_district, customer=contract.customer)
    termination = _district_notice(officer, contract)
    by_code = {c.code: c for c in services.termination_checks(termination)}
    assert by_code["other_contracts"].passed and other.number in by_code["other_contracts"].detail
    assert by_code["authorised"].passed


def test_confirmation_gives_notice_sends_the_letter_and_tells_the_district(
        officer, staff, contract, django_capture_on_commit_callbacks):
    officer.email = "handlaggare@sod.example.invalid"
    officer.save()
    trustee = RepresentativeFactory(person=contract.customer, kind=Representative.Kind.TRUSTEE,
                                    agent=PersonFactory(email="godman@example.invalid"))
    confirmed = _confirmed(officer, staff, contract, django_capture_on_commit_callbacks)
    assert confirmed.state == Termination.State.CONFIRMED and confirmed.confirmed_by == staff
    contract.refresh_from_db()
    assert contract.state == RentalContract.State.NOTICE_GIVEN and contract.end_date == END
    letter = contract.documents.get(kind=ContractDocument.Kind.TERMINATION_CONFIRMATION)
    assert letter.file.read().startswith(b"%PDF")
    to = {addr for m in mail.outbox for addr in m.to}
    assert {"kund@example.invalid", trustee.agent.email, officer.email} <= to
    district_mail = next(m for m in mail.outbox if officer.email in m.to)
    assert "2027-02-28" in district_mail.subject and contract.customer.personal_number not in district_mail.body


def test_the_end_date_can_be_overridden_with_a_reason(officer, staff, contract):
    termination = _district_notice(officer, contract)
    with pytest.raises(ValidationError):
        services.termination_set_end_date(actor=staff, termination=termination,
                                          end_date=dt.date(2027, 1, 31), reason=" ")
    changed = services.termination_set_end_date(actor=staff, termination=termination,
                                                end_date=dt.date(2027, 1, 31), reason="Överenskommet")
    assert changed.end_date == dt.date(2027, 1, 31) and changed.rule_end_date == END
    event = AuditEvent.objects.for_object(termination).filter(reason="Överenskommet").get()
    assert event.changes["end_date"] == ["2027-02-28", "2027-01-31"]
    # A later notice does not undo the override.
    services.notice_register(actor=staff, contract=contract, source=TerminationNotice.Source.WRITTEN_NOTICE,
                             given_by=NoticeGiver.TENANT, notice_received_on=NOTICE_ON, file=_pdf())
    assert Termination.objects.get(pk=termination.pk).end_date == dt.date(2027, 1, 31)


def test_death_marks_the_customer_deceased_and_writes_to_the_estate(
        officer, staff, contract, django_capture_on_commit_callbacks):
    confirmed = _confirmed(officer, staff, contract, django_capture_on_commit_callbacks,
                           given_by=NoticeGiver.ESTATE, deceased_on=dt.date(2026, 11, 10),
                           estate_contact_name="Anna Dödsbo", estate_contact_email="boet@example.invalid",
                           estate_contact_address="Götgatan 1, 11646 Stockholm")
    assert confirmed.end_date == dt.date(2026, 12, 31)  # the estate's one month (12:5 2 st)
    contract.customer.refresh_from_db()
    assert contract.customer.deceased_on == dt.date(2026, 11, 10)
    to = {addr for m in mail.outbox for addr in m.to}
    assert "boet@example.invalid" in to and "kund@example.invalid" not in to


def test_withdraw_before_confirmation(officer, staff, contract):
    termination = _district_notice(officer, contract)
    withdrawn = services.termination_withdraw(actor=staff, termination=termination, reason="Ångrat")
    assert withdrawn.state == Termination.State.WITHDRAWN
    # A new notice starts a new termination.
    assert _district_notice(officer, contract).pk != termination.pk


# --- The daily job, the vacancy, the settlement ------------------------------------------------------------


def test_the_daily_job_terminates_after_the_end_date_and_makes_the_vacancy(
        officer, staff, contract, django_capture_on_commit_callbacks):
    received = []
    events.contract_terminated.connect(lambda sender, contract_id, **kw: received.append(contract_id),
                                       weak=False, dispatch_uid="test-terminated")
    try:
        confirmed = _confirmed(officer, staff, contract, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.contracts_end_due(today=END) == {"terminated": 0, "vacancies": 0}
        with django_capture_on_commit_callbacks(execute=True):
            result = services.contracts_end_due(today=END + dt.timedelta(days=1))
    finally:
        events.contract_terminated.disconnect(dispatch_uid="test-terminated")
    assert result == {"terminated": 1, "vacancies": 1}
    assert received == [contract.pk]
    contract.refresh_from_db()
    assert contract.state == RentalContract.State.TERMINATED
    vacancy = RentalContract.objects.get(kind=RentalContract.Kind.VACANCY)
    assert vacancy.state == RentalContract.State.ACTIVE and vacancy.customer is None
    assert vacancy.start_date == dt.date(2027, 3, 1)
    assert vacancy.organisation == contract.rental_object.owner
    assert vacancy.rental_object == contract.rental_object
    assert Termination.objects.get(pk=confirmed.pk).vacancy_contract == vacancy
    assert AuditEvent.objects.for_object(contract.rental_object).filter(
        changes__current_contract=[contract.number, vacancy.number]).exists()


def test_the_task_runs_once_a_day_and_is_in_the_beat_schedule(settings, officer, staff, contract,
                                                               django_capture_on_commit_callbacks):
    from contracts.tasks import end_terminated_contracts

    entry = settings.CELERY_BEAT_SCHEDULE["contracts-end-terminated-contracts"]
    assert entry["task"] == "contracts.tasks.end_terminated_contracts"
    _confirmed(officer, staff, contract, django_capture_on_commit_callbacks)
    with time_machine.travel(dt.datetime(2027, 3, 1, 0, 20, tzinfo=ZoneInfo("Europe/Stockholm")),
                             tick=False):
        assert end_terminated_contracts() == {"terminated": 1, "vacancies": 1}
        assert end_terminated_contracts() is None  # already ran today


def test_settled_only_after_the_end_and_closed_after_the_terms_to_do(
        officer, staff, contract, django_capture_on_commit_callbacks):
    confirmed = _confirmed(officer, staff, contract, django_capture_on_commit_callbacks)
    with pytest.raises(TransitionRefused):
        services.termination_mark_settled(actor="invoicing.settlement", termination=confirmed,
                                          reason="Slutfaktura")
    services.contracts_end_due(today=dt.date(2027, 3, 1))
    settled = services.termination_mark_settled(actor="invoicing.settlement",
                                                termination=Termination.objects.get(pk=confirmed.pk),
                                                reason="Slutfaktura")
    assert settled.state == Termination.State.SETTLED
    assert selectors.open_terminations(staff).filter(pk=settled.pk).exists()  # the to-do is open
    with pytest.raises(TransitionRefused):
        services.termination_close(actor=staff, termination=settled)
    ticked = services.termination_tick_terms(actor=staff, termination=settled)
    assert not selectors.open_terminations(staff).filter(pk=settled.pk).exists()
    assert services.termination_close(actor=staff, termination=ticked).state == Termination.State.CLOSED


def test_the_queue_is_on_my_work(officer, staff, contract):
    _district_notice(officer, contract)
    rows = {row["queue"].key: row for row in queues.my_work(staff)}
    assert rows["terminations"]["open"] == 1 and rows["terminations"]["overdue"] == 0


def test_internal_move_is_recorded(officer, contract, district):
    from tests.contracts.factories import RentalObjectFactory

    target = RentalObjectFactory(owner=district)
    termination = _district_notice(officer, contract, internal_move=True, internal_move_object=target)
    assert termination.internal_move and termination.internal_move_object == target
    with pytest.raises(ValidationError):
        services.notice_register(actor=officer, contract=contract,
                                 source=TerminationNotice.Source.COORDINATOR_FORM,
                                 given_by=NoticeGiver.TENANT, notice_received_on=NOTICE_ON,
                                 internal_move=True, internal_move_object=contract.rental_object)



def test_a_late_document_after_confirmation_is_kept_but_changes_nothing(
        officer, staff, contract, django_capture_on_commit_callbacks):
    confirmed = _confirmed(officer, staff, contract, django_capture_on_commit_callbacks)
    late = services.notice_register(actor=staff, contract=contract,
                                    source=TerminationNotice.Source.WRITTEN_NOTICE,
                                    given_by=NoticeGiver.TENANT, notice_received_on=NOTICE_ON,
                                    requested_end_date=dt.date(2027, 8, 31), file=_pdf())
    assert late.pk == confirmed.pk and late.notices.count() == 2
    assert late.end_date == END and late.state == Termination.State.CONFIRMED
