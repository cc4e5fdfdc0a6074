"""Support cases through the services: service levels, answers, forwarding, reopening."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from support import selectors, services
from support.models import Message, SupportCase
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
STHLM = ZoneInfo("Europe/Stockholm")


def _citizen_case(citizen, **kwargs):
    return services.case_open(actor=citizen, channel="web", asker="citizen", category="invoice",
                              subject="Vad är mitt OCR-nummer?", body="Jag hittar inte OCR-numret.",
                              person=citizen.person, **kwargs)


def test_service_levels(citizen, officer, district):
    monday_morning = dt.datetime(2026, 11, 23, 9, 0, tzinfo=STHLM)
    case = _citizen_case(citizen, received_at=monday_morning)
    assert case.due_date == dt.date(2026, 11, 23)  # the next working day at the latest: same day before 12
    friday_afternoon = dt.datetime(2026, 11, 27, 15, 0, tzinfo=STHLM)
    district_case = services.case_open(actor=officer, channel="web", asker="district", category="contract",
                                       subject="Fråga", body="Hur?", organisation=district,
                                       received_at=friday_afternoon)
    assert district_case.due_date == dt.date(2026, 12, 1)  # Mon is day 1, Tue day 2


def test_answer_notifies_and_reply_reopens(citizen, staff, django_capture_on_commit_callbacks):
    case = services.case_start(actor=staff, case=_citizen_case(citizen))
    assert case.assignee == staff
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_answer(actor=staff, case=case, body="Ditt OCR-nummer är 123.")
    assert case.state == SupportCase.State.ANSWERED
    assert len(mail.outbox) == 1 and "123" not in mail.outbox[0].body  # the answer is read when logged in
    case = services.case_reply(actor=citizen, case=case, body="Tack, men är den betald?")
    assert case.state == SupportCase.State.IN_PROGRESS
    assert case.messages.filter(direction=Message.Direction.IN).count() == 2


def test_protected_identity_is_never_emailed(staff, django_capture_on_commit_callbacks):
    person = PersonFactory(protected_identity=True, email="hemlig@example.invalid")
    case = services.case_open(actor=staff, channel="phone", asker="citizen", category="invoice",
                              subject="Fråga", body="Ringde om fakturan", person=person)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_answer(actor=staff, case=case, body="Svar")
    assert mail.outbox == []


def test_forward_to_district_and_back(citizen, staff, officer, district, django_capture_on_commit_callbacks):
    district.shared_mailbox_email = "sod@example.invalid"
    district.save()
    case = _citizen_case(citizen, organisation=district)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_forward_to_district(actor=staff, case=case, body="Fakturan är omtvistad",
                                                 proposed_solution="Kreditera december")
    assert (case.state, case.waiting_on) == ("waiting", "district")
    assert mail.outbox[-1].to == ["sod@example.invalid"]
    assert case in selectors.cases_visible_to(officer)
    assert [m.direction for m in selectors.messages_for(officer, case)] == ["to_district"]
    case = services.case_district_reply(actor=officer, case=case, body="Vi godkänner förslaget")
    assert case.state == SupportCase.State.IN_PROGRESS


def test_scoping(citizen, officer, other_officer, district):
    mine = _citizen_case(citizen)
    other = services.case_open(actor=None, channel="phone", asker="citizen", category="contract",
                               subject="x", body="y", person=PersonFactory())
    assert set(selectors.cases_visible_to(citizen)) == {mine}
    assert not selectors.cases_visible_to(other_officer).exists()
    assert other not in selectors.cases_visible_to(officer)


def test_empty_message_is_refused_and_nothing_is_written(citizen):
    with pytest.raises(ValidationError):
        services.case_open(actor=citizen, channel="web", asker="citizen", category="invoice",
                           subject="x", body="   ", person=citizen.person)
    assert not SupportCase.objects.exists()


def test_prepared_termination_answer_says_in_writing():
    from django.utils.translation import override

    with override("en"):
        assert "in writing" in services.prepared_answer("termination")
    with override("sv"):
        assert "skriftlig" in services.prepared_answer("termination")
