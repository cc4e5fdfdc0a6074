"""The support-case doors: the citizen's questions at ``/mina-sidor/arenden/`` and the district's at
``/forvaltning/arenden/``.

Scoping (another person's or another district's case is a 404, and a POST to it changes nothing), the
question about an invoice opened from the invoice's page (only an invoice the citizen may see), the
termination rule on the confirmation page, the conversation each party may read, replies through the
services, Swedish error messages with nothing half-written, and a constant number of queries on the
lists. Today is pinned to Sunday 22 November 2026, so a citizen's question is due Monday 23 November
and a district's Tuesday 24 November.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from hyresadmin import navigation, permissions
from support import services
from support.models import Message, MessageAttachment, SupportCase
from tests.conftest import _user_with_role
from tests.factories import PersonFactory, RepresentativeFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEC = dt.date(2026, 12, 1)

C_LIST = reverse("support_citizen:case_list")
C_NEW = reverse("support_citizen:case_new")
P_LIST = reverse("support_portal:case_list")
P_NEW = reverse("support_portal:case_new")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 22, 12, tzinfo=STOCKHOLM), tick=False):
        yield


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def _c_detail(case) -> str:
    return reverse("support_citizen:case_detail", args=[case.pk])


def _p_detail(case) -> str:
    return reverse("support_portal:case_detail", args=[case.pk])


def _invoice_for(person, *, staff, district):
    """The December rent invoice of ``person``, issued by the real run at the start of November."""
    from invoicing.models import Invoice

    contract = contract_with_rent(organisation=district, customer=person)
    with time_machine.travel(dt.datetime(2026, 11, 2, 12, tzinfo=STOCKHOLM), tick=False):
        issue_rent_run(period=DEC, actor=staff)
    return Invoice.objects.get(contract=contract, period=DEC)


def _citizen_case(user, person=None, **kwargs):
    kwargs.setdefault("category", "contract")
    kwargs.setdefault("subject", "Fråga om avtalet")
    return services.case_open(actor=user, channel="web", asker="citizen", body="Hur gör jag?",
                              person=person or user.person, **kwargs)


def _district_case(officer, **kwargs):
    kwargs.setdefault("subject", "Fråga från förvaltningen")
    return services.case_open(actor=officer, channel="web", asker="district", category="contract",
                              body="Hur ska vi göra?", organisation=officer.organisation, **kwargs)


def _forwarded_case(citizen, staff, district, **kwargs):
    case = _citizen_case(citizen, organisation=district, subject="Vidarebefordrad fråga", **kwargs)
    return services.case_forward_to_district(actor=staff, case=case, body="Kan ni svara på detta?",
                                             proposed_solution="Kreditera fakturan")


def _snapshot():
    return (SupportCase.objects.count(), Message.objects.count(), MessageAttachment.objects.count(),
            list(SupportCase.objects.order_by("pk").values_list("state", "due_date", "received_at")))


def _sv(text) -> str:
    with translation.override("sv"):
        return str(text)


# --- The citizen: asking -------------------------------------------------------------------------------


def test_citizen_asks_a_question(citizen_client, citizen):
    response = citizen_client.get(C_NEW)
    assert response.status_code == 200
    assert 'name="category"' in response.text and 'name="attachments"' in response.text
    response = citizen_client.post(C_NEW, {"category": "contract", "subject": "Parkering",
                                           "body": "Ingår parkering i hyran?"})
    case = SupportCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("support_citizen:case_sent", args=[case.pk])
    assert (case.channel, case.asker, case.person, case.opened_by) == ("web", "citizen", citizen.person,
                                                                       citizen)
    assert case.due_date == dt.date(2026, 11, 23)
    assert case.messages.get().body == "Ingår parkering i hyran?"
    page = citizen_client.get(response["Location"]).text
    assert "23 november 2026" in page
    assert 'id="prepared-answer"' not in page  # the termination rule only after a termination question


def test_termination_question_shows_the_rule_at_once(citizen_client):
    response = citizen_client.post(C_NEW, {"category": "termination", "subject": "Uppsägning",
                                           "body": "Jag vill säga upp min lägenhet."}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("/skickad/")
    assert 'id="prepared-answer"' in response.text
    with translation.override("sv"):
        rule = services.prepared_answer("termination")
    assert rule and rule[:40] in response.text


def test_question_about_an_invoice_is_linked_and_prefilled(citizen_client, citizen, staff, district):
    invoice = _invoice_for(citizen.person, staff=staff, district=district)
    detail = citizen_client.get(reverse("invoicing_citizen:invoice_detail", args=[invoice.pk])).text
    ask = f'href="{C_NEW}?faktura={invoice.pk}"'
    assert ask in detail
    url = f"{C_NEW}?faktura={invoice.pk}"
    page = citizen_client.get(url).text
    assert invoice.ocr_reference in page
    assert re.search(r'<option value="invoice" selected>', page)
    assert str(invoice.number) in re.search(r'name="subject"[^>]*>', page).group(0)
    response = citizen_client.post(url, {"category": "invoice", "subject": f"Faktura {invoice.number}",
                                         "body": "Är den betald?"})
    assert response.status_code == 302
    case = SupportCase.objects.get()
    assert (case.invoice, case.contract, case.person, case.organisation, case.asker) == (
        invoice, invoice.contract, citizen.person, district, "citizen")


def test_representative_asks_about_the_invoice_of_the_person_they_represent(citizen_client, citizen, staff,
                                                                            district):
    ward = RepresentativeFactory(agent=citizen.person, person=PersonFactory(first_name="Olle")).person
    invoice = _invoice_for(ward, staff=staff, district=district)
    response = citizen_client.post(f"{C_NEW}?faktura={invoice.pk}",
                                   {"category": "invoice_deferral", "subject": "Anstånd", "body": "Går det?"})
    assert response.status_code == 302
    case = SupportCase.objects.get()
    assert (case.person, case.asker, case.opened_by) == (ward, "representative", citizen)
    assert "Anstånd" in citizen_client.get(C_LIST).text


def test_representative_chooses_whom_the_question_is_about(citizen_client, citizen):
    ward = RepresentativeFactory(agent=citizen.person, person=PersonFactory(first_name="Olle",
                                                                            last_name="Ek")).person
    stranger = PersonFactory(first_name="Främling")
    page = citizen_client.get(C_NEW).text
    assert 'name="about"' in page and "Olle Ek" in page and "Främling" not in page
    before = _snapshot()
    response = citizen_client.post(C_NEW, {"about": stranger.pk, "category": "contract", "subject": "X",
                                           "body": "Y"})
    assert response.status_code == 200 and "about" in response.context["form"].errors
    assert _snapshot() == before
    citizen_client.post(C_NEW, {"about": ward.pk, "category": "fee", "subject": "Avgift", "body": "Hur?"})
    case = SupportCase.objects.get()
    assert (case.person, case.asker, case.opened_by) == (ward, "representative", citizen)


def test_without_representation_there_is_no_menu(citizen_client):
    assert 'name="about"' not in citizen_client.get(C_NEW).text


def test_another_persons_invoice_is_404_and_nothing_is_written(citizen_client, staff, district):
    stranger_invoice = _invoice_for(PersonFactory(), staff=staff, district=district)
    url = f"{C_NEW}?faktura={stranger_invoice.pk}"
    assert citizen_client.get(url).status_code == 404
    before = _snapshot()
    response = citizen_client.post(url, {"category": "invoice", "subject": "X", "body": "Y"})
    assert response.status_code == 404
    assert _snapshot() == before
    assert citizen_client.get(f"{C_NEW}?faktura=abc").status_code == 404
    assert citizen_client.get(f"{C_NEW}?faktura=999999").status_code == 404


def test_bad_input_gets_the_error_summary_and_writes_nothing(citizen_client):
    before = _snapshot()
    response = citizen_client.post(C_NEW, {"category": "nonsense", "subject": "  ", "body": " "})
    assert response.status_code == 200
    assert _snapshot() == before
    form = response.context["form"]
    assert set(form.errors) == {"category", "subject", "body"}
    assert 'id="error-summary"' in response.text
    assert 'href="#id_body"' in response.text


def test_a_refused_file_is_named_and_nothing_is_written(citizen_client, settings):
    before = _snapshot()
    fake = SimpleUploadedFile("faktura.pdf", b"MZ not a pdf at all", content_type="application/pdf")
    response = citizen_client.post(C_NEW, {"category": "invoice", "subject": "Bilaga", "body": "Se bilaga",
                                           "attachments": [fake]})
    assert response.status_code == 200
    assert _snapshot() == before
    assert "faktura.pdf" in str(response.context["form"].errors["attachments"])
    assert "faktura.pdf" in response.text  # choose it again
    settings.MAX_UPLOAD_SIZE = 10
    big = SimpleUploadedFile("stor.pdf", PDF, content_type="application/pdf")
    response = citizen_client.post(C_NEW, {"category": "invoice", "subject": "Bilaga", "body": "Se bilaga",
                                           "attachments": [big]})
    assert response.status_code == 200 and _snapshot() == before
    assert "stor.pdf" in str(response.context["form"].errors["attachments"])


def test_attachments_are_kept_and_downloaded_only_through_the_case(citizen_client, citizen, client):
    scan = SimpleUploadedFile("kvitto.pdf", PDF, content_type="application/pdf")
    citizen_client.post(C_NEW, {"category": "invoice", "subject": "Kvitto", "body": "Jag har betalat",
                                "attachments": [scan]})
    attachment = MessageAttachment.objects.get()
    assert attachment.content_type == "application/pdf"
    case = attachment.message.case
    url = reverse("support_citizen:case_attachment", args=[case.pk, attachment.pk])
    assert url in citizen_client.get(_c_detail(case)).text
    response = citizen_client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF

    other = PersonFactory()
    other_user = _user_with_role(permissions.CITIZEN, username="other-citizen")
    other.user = other_user
    other.save()
    client.force_login(other_user)
    assert client.get(url).status_code == 404


# --- The citizen: reading and replying -----------------------------------------------------------------


def test_citizen_sees_own_and_represented_cases_only(citizen_client, citizen, officer, staff):
    ward = RepresentativeFactory(agent=citizen.person, person=PersonFactory(first_name="Olle",
                                                                            last_name="Ek")).person
    mine = _citizen_case(citizen, subject="Min fråga")
    about_ward = services.case_open(actor=staff, channel="phone", asker="representative",
                                    category="invoice", subject="Olles faktura", body="Ringde",
                                    person=ward)
    stranger = _citizen_case(citizen, person=PersonFactory(), subject="Någon annans")
    stranger.opened_by = None
    stranger.save(update_fields=["opened_by"])
    district_question = _district_case(officer, subject="Förvaltningens fråga")

    page = citizen_client.get(C_LIST).text
    assert f'id="case-{mine.pk}"' in page and f'id="case-{about_ward.pk}"' in page
    assert "Olle Ek" in page
    assert f'id="case-{stranger.pk}"' not in page and "Någon annans" not in page
    assert "Förvaltningens fråga" not in page
    assert "23 november 2026" in page  # "Du får svar senast …"
    for case in (stranger, district_question):
        assert citizen_client.get(_c_detail(case)).status_code == 404
        before = _snapshot()
        assert citizen_client.post(_c_detail(case), {"body": "Hej"}).status_code == 404
        assert citizen_client.get(reverse("support_citizen:case_sent", args=[case.pk])).status_code == 404
        assert _snapshot() == before


def test_citizen_reads_the_answer_but_not_notes_or_the_district_exchange(citizen_client, citizen, staff,
                                                                        district):
    case = _citizen_case(citizen, organisation=district)
    services.case_note(actor=staff, case=case, body="INTERN ANTECKNING")
    case = services.case_forward_to_district(actor=staff, case=case, body="TILL FÖRVALTNINGEN")
    case = services.case_answer(actor=staff, case=case, body="Här är vårt svar.")
    response = citizen_client.get(_c_detail(case))
    page = response.text
    assert "Här är vårt svar." in page and "Hur gör jag?" in page
    assert "INTERN ANTECKNING" not in page and "TILL FÖRVALTNINGEN" not in page
    assert response.context["status"]["code"] == "answered"
    row = re.search(rf'id="case-{case.pk}" data-status="(\w+)"', citizen_client.get(C_LIST).text)
    assert row.group(1) == "answered"


def test_citizen_reply_reopens_an_answered_case(citizen_client, citizen, staff):
    case = services.case_answer(actor=staff, case=_citizen_case(citizen), body="Svar")
    response = citizen_client.post(_c_detail(case), {"body": "Tack, en fråga till"})
    assert response.status_code == 302 and response["Location"] == _c_detail(case)
    case.refresh_from_db()
    assert case.state == SupportCase.State.IN_PROGRESS
    assert case.messages.filter(direction="in").count() == 2
    before = _snapshot()
    response = citizen_client.post(_c_detail(case), {"body": "   "})
    assert response.status_code == 200 and "body" in response.context["form"].errors
    assert _snapshot() == before


def test_waiting_on_the_customer_reads_as_waiting_for_you(citizen_client, citizen, staff):
    case = services.case_wait_on_customer(actor=staff, case=_citizen_case(citizen), body="Vilken månad?")
    assert citizen_client.get(_c_detail(case)).context["status"]["code"] == "waiting_on_you"
    citizen_client.post(_c_detail(case), {"body": "December"})
    case.refresh_from_db()
    assert case.state == SupportCase.State.IN_PROGRESS


# --- The district portal -------------------------------------------------------------------------------


def test_officer_asks_a_question(officer_client, officer, district):
    assert officer_client.get(P_NEW).status_code == 200
    response = officer_client.post(P_NEW, {"category": "contract", "subject": "Andrahandsuthyrning",
                                           "body": "Får kunden hyra ut i andra hand?"})
    case = SupportCase.objects.get()
    assert response.status_code == 302 and response["Location"] == _p_detail(case)
    assert (case.asker, case.organisation, case.opened_by, case.due_date) == (
        "district", district, officer, dt.date(2026, 11, 24))
    before = _snapshot()
    response = officer_client.post(P_NEW, {"category": "", "subject": "", "body": ""})
    assert response.status_code == 200 and set(response.context["form"].errors) == {
        "category", "subject", "body"}
    assert _snapshot() == before


def test_officer_sees_own_and_forwarded_cases_of_their_administration(officer_client, officer, other_officer,
                                                                     citizen, staff, district):
    own = _district_case(officer, subject="Vår fråga")
    forwarded = _forwarded_case(citizen, staff, district)
    not_forwarded = _citizen_case(citizen, organisation=district, subject="Ej vidarebefordrad")
    other = _district_case(other_officer, subject="Kungsholmens fråga")
    page = officer_client.get(P_LIST).text
    assert f'id="case-{own.pk}"' in page and f'id="case-{forwarded.pk}"' in page
    assert "Ej vidarebefordrad" not in page and "Kungsholmens fråga" not in page
    for case in (not_forwarded, other):
        assert officer_client.get(_p_detail(case)).status_code == 404


def test_forwarded_case_shows_only_the_district_exchange_and_the_reply_goes_back(officer_client, officer,
                                                                                citizen, staff, district):
    case = _forwarded_case(citizen, staff, district)
    services.case_note(actor=staff, case=case, body="INTERN ANTECKNING")
    response = officer_client.get(_p_detail(case))
    page = response.text
    assert "Kan ni svara på detta?" in page and "Kreditera fakturan" in page
    assert "INTERN ANTECKNING" not in page and "Hur gör jag?" not in page  # the citizen's own words stay
    assert 'name="attachments"' not in page
    response = officer_client.post(_p_detail(case), {"body": "Vi krediterar fakturan."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == SupportCase.State.IN_PROGRESS
    assert case.messages.filter(direction=Message.Direction.FROM_DISTRICT).get().author == officer


def test_reply_to_own_question_reopens_it(officer_client, officer, staff):
    case = services.case_answer(actor=staff, case=_district_case(officer), body="Svar till förvaltningen")
    page = officer_client.get(_p_detail(case)).text
    assert "Svar till förvaltningen" in page
    officer_client.post(_p_detail(case), {"body": "Följdfråga"})
    case.refresh_from_db()
    assert case.state == SupportCase.State.IN_PROGRESS
    assert case.messages.filter(direction=Message.Direction.IN).count() == 2


def test_another_districts_case_is_404_and_a_post_changes_nothing(client, other_officer, officer, citizen,
                                                                  staff, district):
    own = _district_case(officer)
    forwarded = _forwarded_case(citizen, staff, district)
    client.force_login(other_officer)
    assert "Fråga från förvaltningen" not in client.get(P_LIST).text
    for case in (own, forwarded):
        before = _snapshot()
        assert client.get(_p_detail(case)).status_code == 404
        assert client.post(_p_detail(case), {"body": "Intrång"}).status_code == 404
        assert _snapshot() == before


@pytest.mark.parametrize("role", ["citizen", "staff"])
def test_the_portal_is_for_officers_and_mina_sidor_for_citizens(client, request, role, officer):
    client.force_login(request.getfixturevalue(role))
    case = _district_case(officer)
    if role == "citizen":
        urls = [P_LIST, P_NEW, _p_detail(case)]
    else:
        urls = [P_LIST, P_NEW, _p_detail(case), C_LIST, C_NEW]
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_log_in(client):
    assert client.get(C_LIST)["Location"].startswith(reverse("citizen:login"))
    assert client.get(P_LIST)["Location"].startswith(reverse("portal:login"))


def test_start_pages_link_to_the_questions():
    assert "support_citizen:case_list" in [link.url_name for link in navigation.links(navigation.CITIZEN)]
    assert "support_portal:case_list" in [link.url_name for link in navigation.links(navigation.PORTAL)]


# --- Constant queries ----------------------------------------------------------------------------------


def _list_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_citizen_list_runs_the_same_queries_for_10_and_50_cases(citizen_client, citizen, staff):
    ward = RepresentativeFactory(agent=citizen.person).person
    for n in range(10):
        _citizen_case(citizen, person=ward if n % 2 else None)
    few, response = _list_queries(citizen_client, C_LIST)
    assert len(response.context["rows"]) == 10
    for n in range(40):
        case = _citizen_case(citizen, person=ward if n % 2 else None)
        if n % 3 == 0:
            services.case_answer(actor=staff, case=case, body="Svar")
    many, response = _list_queries(citizen_client, C_LIST)
    assert response.context["page"].paginator.count == 50
    assert few == many


def test_portal_list_runs_the_same_queries_for_10_and_50_cases(officer_client, officer, citizen, staff,
                                                               district):
    for n in range(10):
        _district_case(officer) if n % 2 else _forwarded_case(citizen, staff, district)
    few, response = _list_queries(officer_client, P_LIST)
    assert len(response.context["rows"]) == 10
    for n in range(40):
        _district_case(officer) if n % 2 else _forwarded_case(citizen, staff, district)
    many, response = _list_queries(officer_client, P_LIST)
    assert len(response.context["rows"]) == 50
    assert few == many


def test_district_attachment_only_for_its_own_administration(officer_client, client, other_officer):
    scan = SimpleUploadedFile("underlag.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, content_type="image/png")
    officer_client.post(P_NEW, {"category": "contract", "subject": "Med bilaga", "body": "Se bilagan",
                                "attachments": [scan]})
    attachment = MessageAttachment.objects.get()
    url = reverse("support_portal:case_attachment", args=[attachment.message.case_id, attachment.pk])
    assert url in officer_client.get(_p_detail(attachment.message.case)).text
    assert officer_client.get(url).status_code == 200
    client.force_login(other_officer)
    assert client.get(url).status_code == 404
