"""Terminations through the doors: the district portal's termination form, the staff queue in the
admin, and the citizen's contract page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts import termination as services
from contracts.models import NoticeGiver, RentalContract, Termination, TerminationNotice
from contracts.services import contract_close_dispute, contract_open_dispute
from tests.contracts.factories import active_contract

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORM = "/forvaltning/avtal/uppsagning/"
QUEUE = "/admin/contracts/termination/"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Europe/Stockholm")),
                             tick=False):
        yield


def _form(contract, **overrides):
    data = {"contract": contract.pk, "source": "district_form", "given_by": "tenant",
            "notice_received_on": "2026-11-20",
            "attachment": SimpleUploadedFile("uppsagning.pdf", PDF, content_type="application/pdf")}
    data.update(overrides)
    return data


def _notice(officer, contract, **overrides):
    fields = {"source": TerminationNotice.Source.DISTRICT_FORM, "given_by": NoticeGiver.TENANT,
              "notice_received_on": dt.date(2026, 11, 20), "file": SimpleUploadedFile("u.pdf", PDF)}
    fields.update(overrides)
    return services.notice_register(actor=officer, contract=contract, **fields)


# --- The district portal -----------------------------------------------------------------------------------


def test_officer_sends_the_termination_form(client, officer, district, other_district):
    mine = active_contract(organisation=district)
    theirs = active_contract(organisation=other_district)
    client.force_login(officer)
    page = client.get(f"{FORM}?contract={mine.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert mine.number in html and theirs.number not in html

    response = client.post(FORM, _form(mine))
    assert response.status_code == 302 and response.url == f"/forvaltning/avtal/{mine.pk}/"
    termination = Termination.objects.get()
    assert termination.state == Termination.State.DOCUMENTS_MATCHED
    detail = client.get(response.url).content.decode()
    assert 'id="termination-end-date">2027-02-28' in detail


def test_the_form_refuses_bad_input_and_another_districts_contract(client, officer, district,
                                                                   other_district):
    mine = active_contract(organisation=district)
    theirs = active_contract(organisation=other_district)
    client.force_login(officer)
    response = client.post(FORM, _form(mine, attachment=""))
    assert response.status_code == 200 and 'id="error-summary"' in response.content.decode()
    response = client.post(FORM, _form(mine, given_by="estate"))
    errors = response.context["form"].errors
    assert {"deceased_on", "estate_contact_name"} <= set(errors)
    response = client.post(FORM, _form(theirs))
    assert "contract" in response.context["form"].errors
    assert not Termination.objects.exists()


def test_citizens_and_staff_cannot_use_the_portal_form(client, citizen, staff):
    client.force_login(citizen)
    assert client.get(FORM).status_code == 403


# --- The staff queue ----------------------------------------------------------------------------------------


def test_the_queue_sorted_by_due_date_with_overdue_marked(client, staff, officer, district,
                                                          django_assert_max_num_queries):
    newer = _notice(officer, active_contract(organisation=district))
    late = _notice(officer, active_contract(organisation=district))
    Termination.objects.filter(pk=late.pk).update(due_date=dt.date(2026, 11, 18))
    for _ in range(5):
        _notice(officer, active_contract(organisation=district))
    client.force_login(staff)
    with django_assert_max_num_queries(20):
        html = client.get(QUEUE).content.decode()
    assert html.index(late.contract.number) < html.index(newer.contract.number)
    assert html.count('class="overdue"') == 1


def test_staff_confirm_in_the_admin_and_see_the_dispute_refusal(client, staff, officer, district,
                                                                 django_capture_on_commit_callbacks):
    contract = active_contract(organisation=district)
    termination = _notice(officer, contract)
    disputed = contract_open_dispute(actor=staff, contract=contract, reason="Tvist")
    client.force_login(staff)
    page = client.get(f"{QUEUE}{termination.pk}/change/").content.decode()
    assert 'data-check="dispute"' in page and 'id="checklist"' in page
    response = client.post(f"{QUEUE}{termination.pk}/confirm/", follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("tvist" in m.lower() or "dispute" in m.lower() for m in messages)
    assert Termination.objects.get(pk=termination.pk).state == Termination.State.DOCUMENTS_MATCHED

    contract_close_dispute(actor=staff, contract=disputed, reason="Återkallat")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{QUEUE}{termination.pk}/confirm/")
    assert RentalContract.objects.get(pk=contract.pk).state == RentalContract.State.NOTICE_GIVEN


def test_staff_register_a_written_notice(client, staff, district):
    contract = active_contract(organisation=district)
    client.force_login(staff)
    assert client.get(f"{QUEUE}notice/?contract={contract.number}").status_code == 200
    response = client.post(f"{QUEUE}notice/", {
        "contract_number": contract.number, "given_by": "relative", "notice_received_on": "2026-11-19",
        "file": SimpleUploadedFile("brev.pdf", PDF, content_type="application/pdf")})
    termination = Termination.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{termination.pk}/change/")
    assert termination.state == Termination.State.REQUESTED
    assert termination.notices.get().source == TerminationNotice.Source.WRITTEN_NOTICE
    response = client.post(f"{QUEUE}notice/", {"contract_number": "nope", "given_by": "tenant",
                                               "notice_received_on": "2026-11-19",
                                               "file": SimpleUploadedFile("b.pdf", PDF)})
    assert "contract_number" in response.context["form"].errors


def test_an_officer_cannot_open_the_admin_queue(client, officer):
    client.force_login(officer)
    assert client.get(QUEUE).status_code in (302, 403)


# --- The citizen -------------------------------------------------------------------------------------------


def test_the_citizen_sees_the_notice_and_the_end_date(client, citizen, staff, officer, district,
                                                      django_capture_on_commit_callbacks):
    contract = active_contract(organisation=district, customer=citizen.person)
    termination = _notice(officer, contract)
    client.force_login(citizen)
    page = client.get(f"/mina-sidor/avtal/{contract.pk}/").content.decode()
    assert 'id="termination-end-date"' not in page  # not before it is confirmed
    with django_capture_on_commit_callbacks(execute=True):
        services.termination_confirm(actor=staff, termination=termination)
    page = client.get(f"/mina-sidor/avtal/{contract.pk}/").content.decode()
    assert 'id="termination-end-date">2027-02-28' in page


def test_after_confirmation_the_page_shows_the_terms_to_do(client, staff, officer, district,
                                                           django_capture_on_commit_callbacks):
    termination = _notice(officer, active_contract(organisation=district))
    with django_capture_on_commit_callbacks(execute=True):
        services.termination_confirm(actor=staff, termination=termination)
    client.force_login(staff)
    page = client.get(f"{QUEUE}{termination.pk}/change/").content.decode()
    assert 'id="checklist"' not in page and f"{QUEUE}{termination.pk}/terms/" in page
    assert termination.contract.number in client.get(f"{QUEUE}?terms=open").content.decode()
    client.post(f"{QUEUE}{termination.pk}/terms/")
    assert Termination.objects.get(pk=termination.pk).terms_checked
    assert termination.contract.number not in client.get(QUEUE).content.decode()
