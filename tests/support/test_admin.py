"""The staff side of support cases in the admin: the queue, registering a call, the case page with the
conversation and the invoice facts, and every action through the services."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext, override, pgettext

from hyresadmin.models import AuditEvent
from invoicing.models import Invoice
from support import services
from support.models import Message, SupportCase
from tests.factories import PersonFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run, set_invoice_state

pytestmark = pytest.mark.django_db

QUEUE = "/admin/support/supportcase/"
ADD = f"{QUEUE}add/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = timezone.localdate
STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOV, DEC = dt.date(2026, 11, 1), dt.date(2026, 12, 1)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _case(actor=None, *, due_in=None, **kwargs):
    values = {"channel": "phone", "asker": "citizen", "category": "contract", "subject": "En fråga",
              "body": "Hur gör jag?"}
    values.update(kwargs)
    if "person" not in values and "invoice" not in values and "contract" not in values:
        values["person"] = PersonFactory()
    case = services.case_open(actor=actor, **values)
    if due_in is not None:
        SupportCase.objects.filter(pk=case.pk).update(due_date=TODAY() + dt.timedelta(days=due_in))
        case.refresh_from_db()
    return case


def _set_state(case, state, **fields):
    """Put a case in a state for a test (the state field is protected)."""
    SupportCase.objects.filter(pk=case.pk).update(state=state, **fields)
    case.refresh_from_db()
    return case


def _fresh(case):
    return SupportCase.objects.get(pk=case.pk)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _ids(response) -> list[int]:
    return [obj.pk for obj in response.context["cl"].result_list]


def _url(case, action="change"):
    return f"{QUEUE}{case.pk}/{action}/"


# --- The queue --------------------------------------------------------------------------------------


def test_queue_lists_open_cases_earliest_due_first_and_marks_the_overdue(staff_client):
    later = _case(due_in=5)
    overdue = _case(due_in=-2, subject="Sen fråga")
    soon = _case(due_in=1)
    waiting = _set_state(_case(due_in=3), SupportCase.State.WAITING, waiting_on="district")
    closed = _set_state(_case(due_in=-9), SupportCase.State.CLOSED)
    answered = _set_state(_case(due_in=-8), SupportCase.State.ANSWERED)

    response = staff_client.get(QUEUE)

    assert response.status_code == 200
    assert _ids(response) == [overdue.pk, soon.pk, waiting.pk, later.pk]  # open states only
    content = response.content.decode()
    marker = pgettext("due date marker", "Overdue")
    assert content.count('class="overdue"') == 1
    assert f"<strong>{marker}</strong>" in content  # a word, not only a colour
    row = next(line for line in content.splitlines() if 'class="overdue"' in line)
    assert (TODAY() - dt.timedelta(days=2)).isoformat() in row

    everything = staff_client.get(QUEUE, {"state": "all"})
    assert {closed.pk, answered.pk} <= set(_ids(everything)) and len(_ids(everything)) == 6


def test_the_overdue_marker_is_in_swedish(staff_client):
    _case(due_in=-1)
    with override("sv"):
        marker = pgettext("due date marker", "Overdue")
    assert marker.startswith("Försena")
    assert marker in staff_client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="sv").content.decode()


def test_queue_filters(staff_client, staff, district, other_district):
    mine = services.case_assign(actor=staff, case=_case(organisation=district), assignee=staff)
    email = _case(channel="email", category="termination", organisation=district)
    from_district = _case(asker="district", organisation=other_district, person=None, due_in=-1)
    closed = _set_state(_case(organisation=district), SupportCase.State.CLOSED)

    assert _ids(staff_client.get(QUEUE, {"assignee": "mine"})) == [mine.pk]
    assert set(_ids(staff_client.get(QUEUE, {"assignee": "none"}))) == {email.pk, from_district.pk}
    assert _ids(staff_client.get(QUEUE, {"organisation__id__exact": other_district.pk})) == [
        from_district.pk]
    assert _ids(staff_client.get(QUEUE, {"category__exact": "termination"})) == [email.pk]
    assert _ids(staff_client.get(QUEUE, {"channel__exact": "email"})) == [email.pk]
    assert _ids(staff_client.get(QUEUE, {"asker__exact": "district"})) == [from_district.pk]
    assert _ids(staff_client.get(QUEUE, {"overdue": "yes"})) == [from_district.pk]
    assert _ids(staff_client.get(QUEUE, {"state": "closed"})) == [closed.pk]


def test_queue_search_by_subject_person_personal_number_invoice_number_and_ocr(staff_client, staff,
                                                                               district):
    person = PersonFactory(first_name="Greta", last_name="Garbo")
    contract_with_rent(organisation=district, customer=person)
    issue_rent_run(period=DEC, actor=staff)
    invoice = Invoice.objects.get(customer=person)
    by_invoice = _case(category="invoice", invoice=invoice)
    by_subject = _case(subject="Nyckelkvittens saknas")
    _case()

    assert _ids(staff_client.get(QUEUE, {"q": "Nyckelkvittens"})) == [by_subject.pk]
    assert _ids(staff_client.get(QUEUE, {"q": "Garbo"})) == [by_invoice.pk]
    pn = person.personal_number
    assert _ids(staff_client.get(QUEUE, {"q": f"{pn[2:8]}-{pn[8:]}"})) == [by_invoice.pk]
    assert _ids(staff_client.get(QUEUE, {"q": str(invoice.number)})) == [by_invoice.pk]
    assert _ids(staff_client.get(QUEUE, {"q": invoice.ocr_reference})) == [by_invoice.pk]


def test_assign_to_me_from_the_case_page_and_as_a_bulk_action(staff_client, staff):
    one, two, three = _case(), _case(), _case()

    page = staff_client.get(_url(one))
    assert _url(one, "assign-to-me") in page.content.decode()
    response = staff_client.post(_url(one, "assign-to-me"), follow=True)

    assert _fresh(one).assignee == staff
    assert gettext("The case was assigned to you.") in _messages(response)
    assert AuditEvent.objects.for_object(one).filter(event_type=AuditEvent.Type.UPDATE).get().changes == {
        "assignee_id": [None, staff.pk]}

    staff_client.post(QUEUE, {"action": "assign_to_me", "_selected_action": [two.pk, three.pk]})
    assert set(SupportCase.objects.filter(assignee=staff).values_list("pk", flat=True)) == {
        one.pk, two.pk, three.pk}


def test_the_admin_index_shows_the_support_queue_counts(staff_client, staff):
    _case(due_in=-3)
    _case(due_in=0)
    services.case_assign(actor=staff, case=_case(due_in=2), assignee=staff)
    _set_state(_case(due_in=-3), SupportCase.State.CLOSED)

    response = staff_client.get("/admin/")

    row = next(r for r in response.context["my_work"] if r["queue"].key == "support")
    assert (row["open"], row["due_today"], row["overdue"], row["mine"]) == (3, 1, 1, 1)
    assert f'<a href="{QUEUE}">' in response.content.decode()


# --- Registering a phone call or an e-mail -----------------------------------------------------------------


def test_staff_register_a_phone_call_with_the_persons_contact_details(staff_client, staff, district):
    person = PersonFactory(affiliation=district)
    page = staff_client.get(ADD)
    assert page.status_code == 200
    assert "admin-autocomplete" in page.content.decode()  # the person is found by autocomplete

    response = staff_client.post(ADD, {
        "channel": "phone", "asker": "representative", "category": "termination",
        "subject": "Vill säga upp", "body": "Dottern ringer: mamma flyttar till ett boende.",
        "person": person.pk, "contact_name": "Eva Dotter", "contact_phone": "070-123 45 67",
        "contact_email": "eva@example.invalid",
    })

    case = SupportCase.objects.get()
    assert response.status_code == 302 and response["Location"] == _url(case)
    assert (case.channel, case.asker, case.category, case.state) == ("phone", "representative",
                                                                     "termination", "new")
    assert (case.person, case.organisation, case.opened_by) == (person, district, staff)
    assert (case.contact_name, case.contact_phone, case.contact_email) == (
        "Eva Dotter", "070-123 45 67", "eva@example.invalid")
    assert case.due_date >= TODAY()
    message = case.messages.get()
    assert (message.direction, message.body, message.author) == (
        "in", "Dottern ringer: mamma flyttar till ett boende.", staff)
    assert AuditEvent.objects.for_object(case).filter(event_type=AuditEvent.Type.CREATE).exists()


def test_an_email_about_an_invoice_takes_the_customer_from_the_invoice(staff_client, staff, district):
    person = PersonFactory()
    contract_with_rent(organisation=district, customer=person)
    issue_rent_run(period=DEC, actor=staff)
    invoice = Invoice.objects.get(customer=person)

    staff_client.post(ADD, {"channel": "email", "asker": "citizen", "category": "invoice",
                            "subject": "OCR?", "body": "Vilket OCR-nummer?", "invoice": invoice.pk,
                            "contact_email": "kund@example.invalid"})

    case = SupportCase.objects.get()
    assert (case.invoice, case.person, case.contract, case.organisation) == (
        invoice, person, invoice.contract, district)


def test_a_call_without_the_question_or_a_way_to_reach_the_person_is_not_registered(staff_client):
    response = staff_client.post(ADD, {"channel": "phone", "asker": "citizen", "category": "contract",
                                       "subject": "Fråga", "body": "   "})

    assert response.status_code == 200
    assert "body" in response.context["form"].errors
    assert "contact_phone" in response.context["form"].errors
    assert not SupportCase.objects.exists() and not Message.objects.exists()


# --- The case page ------------------------------------------------------------------------------------


def test_the_case_page_shows_the_conversation_with_directions_and_attachments(staff_client, staff,
                                                                              district):
    case = _case(staff, organisation=district, body="Min fråga",
                 attachments=[SimpleUploadedFile("kvitto.pdf", PDF, content_type="application/pdf")])
    services.case_note(actor=staff, case=case, body="Ringde tillbaka, inget svar")
    services.case_forward_to_district(actor=staff, case=case, body="Kan ni svara?")

    response = staff_client.get(_url(case))

    content = response.content.decode()
    assert response.status_code == 200
    for direction in (Message.Direction.IN, Message.Direction.NOTE, Message.Direction.TO_DISTRICT):
        assert str(direction.label) in content
    for body in ("Min fråga", "Ringde tillbaka, inget svar", "Kan ni svara?"):
        assert body in content
    attachment = case.messages.get(direction="in").attachments.get()
    download = f"{QUEUE}{case.pk}/attachments/{attachment.pk}/"
    assert download in content and "kvitto.pdf" in content
    file = staff_client.get(download)
    assert file.status_code == 200 and b"".join(file.streaming_content) == PDF
    assert AuditEvent.objects.for_object(case).filter(event_type=AuditEvent.Type.VIEW).exists()


def test_the_case_is_not_edited_or_deleted_in_the_admin(staff_client):
    case = _case(subject="Före")
    page = staff_client.get(_url(case))
    assert 'name="_save"' not in page.content.decode()
    staff_client.post(_url(case), {"subject": "Efter"})
    assert _fresh(case).subject == "Före"
    assert staff_client.get(_url(case, "delete")).status_code == 403
    assert SupportCase.objects.filter(pk=case.pk).exists()


@pytest.fixture
def invoice_question(staff, district):
    """A customer with an unpaid December invoice (the one asked about), an unpaid November invoice, a
    paid October invoice, and a payment of 400 kr on the November invoice."""
    with time_machine.travel(dt.datetime(2026, 11, 22, 12, tzinfo=STOCKHOLM), tick=False):
        person = PersonFactory()
        contract = contract_with_rent(organisation=district, customer=person, rent=Decimal("5400.00"))
        paid_contract = contract_with_rent(organisation=district, customer=person, rent=Decimal("999.00"))
        issue_rent_run(period=NOV, actor=staff)
        issue_rent_run(period=DEC, actor=staff)
        asked = Invoice.objects.get(contract=contract, period=DEC)
        other = set_invoice_state(Invoice.objects.get(contract=contract, period=NOV),
                                  Invoice.State.PARTLY_PAID, balance=Decimal("5000.00"))
        _pay(other, Decimal("400.00"))
        paid = set_invoice_state(Invoice.objects.get(contract=paid_contract, period=DEC),
                                 Invoice.State.PAID, balance=Decimal("0.00"))
        case = _case(staff, category="invoice", invoice=asked, subject="Vad är mitt OCR-nummer?")
        return case, asked, other, paid


def _pay(invoice, amount):
    try:
        from invoicing.models import Allocation, Payment, PaymentFile
    except ImportError:  # pragma: no cover - before the payments issue
        return
    file = PaymentFile.objects.create(bankgiro="9912346")
    payment = Payment.objects.create(file=file, status=Payment.Status.MATCHED, line=1,
                                     payment_date=dt.date(2026, 11, 20), amount=amount,
                                     reference=invoice.ocr_reference, invoice=invoice,
                                     customer=invoice.customer)
    Allocation.objects.create(payment=payment, invoice=invoice, amount=amount)


def test_an_invoice_question_shows_the_ocr_reference_whether_it_is_paid_and_the_ledger(
        staff_client, invoice_question):
    case, asked, other, paid = invoice_question

    with time_machine.travel(dt.datetime(2026, 11, 22, 12, tzinfo=STOCKHOLM), tick=False):
        response = staff_client.get(_url(case))

    content = response.content.decode()
    facts = content[content.index('id="invoice-facts"'):content.index('id="ledger"')]
    assert asked.ocr_reference in facts and str(asked.number) in facts
    assert "5\xa0400,00 kr" in facts or "5,400.00 kr" in facts or "5400.00 kr" in facts
    assert asked.due_date.isoformat() in facts
    assert str(Invoice.State.ISSUED.label) in facts  # "Unpaid"
    ledger = content[content.index('id="ledger"'):content.index('id="conversation"')]
    assert other.ocr_reference in ledger and str(Invoice.State.PARTLY_PAID.label) in ledger
    assert asked.ocr_reference not in ledger  # the one asked about is shown above
    assert paid.ocr_reference not in ledger  # paid: not open
    try:
        from invoicing.models import Allocation  # noqa: F401
    except ImportError:  # pragma: no cover
        return
    payments = ledger[ledger.index('id="payments"'):]
    assert str(other.number) in payments and "2026-11-20" in payments
    # 5 400 asked about + 5 000 left on November + 999 on the other contract's November invoice
    assert response.context["open_balance"] == Decimal("11399.00")


def test_a_paid_invoice_says_paid_and_an_overdue_one_says_overdue(staff_client, staff, invoice_question):
    case, asked, _other, _paid = invoice_question
    set_invoice_state(asked, Invoice.State.PAID, balance=Decimal("0.00"))
    assert response_status(staff_client, case) == str(Invoice.State.PAID.label)

    set_invoice_state(asked, Invoice.State.ISSUED)
    with time_machine.travel(dt.datetime.combine(asked.due_date + dt.timedelta(days=3), dt.time(12),
                                                 tzinfo=STOCKHOLM), tick=False):
        staff_client.force_login(staff)  # the session of before has expired
        assert response_status(staff_client, case) == str(Invoice.State.OVERDUE.label)


def response_status(client, case):
    return client.get(_url(case)).context["invoice_status"]


def test_a_case_without_an_invoice_shows_no_invoice_facts(staff_client):
    case = _case(category="termination")
    content = staff_client.get(_url(case)).content.decode()
    assert 'id="invoice-facts"' not in content


# --- The actions -----------------------------------------------------------------------------------------


def test_start_takes_the_case_up_and_assigns_it(staff_client, staff):
    case = _case()

    response = staff_client.post(_url(case, "start"), follow=True)

    case = _fresh(case)
    assert (case.state, case.assignee) == (SupportCase.State.IN_PROGRESS, staff)
    assert gettext("The case is in progress.") in _messages(response)
    assert staff_client.get(_url(case, "start")).status_code == 405  # POST only


def test_a_termination_question_gets_the_prepared_answer(staff_client, staff,
                                                         django_capture_on_commit_callbacks):
    case = _case(category="termination", person=PersonFactory(email="kund@example.invalid"))

    page = staff_client.get(_url(case, "answer"))

    prepared = services.prepared_answer("termination")
    with override("en"):
        assert "in writing" in services.prepared_answer("termination")
    with override("sv"):
        assert "skriftlig" in services.prepared_answer("termination")
    assert page.context["form"]["body"].value() == prepared
    with override("sv"):
        swedish = services.prepared_answer("termination")
    page_sv = staff_client.get(_url(case, "answer"), HTTP_ACCEPT_LANGUAGE="sv")
    assert page_sv.context["form"]["body"].value() == swedish  # the answer in the staff's language

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(_url(case, "answer"), {"body": prepared}, follow=True)

    case = _fresh(case)
    assert case.state == SupportCase.State.ANSWERED
    assert case.messages.get(direction="out").body == prepared
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["kund@example.invalid"]
    assert prepared not in mail.outbox[0].body  # the answer is read when logged in
    assert any("answer was sent" in m or "svaret" in m.lower() for m in _messages(response))


def test_another_question_has_no_prepared_answer_and_an_empty_answer_changes_nothing(staff_client):
    case = _case(category="contract")
    assert staff_client.get(_url(case, "answer")).context["form"]["body"].value() in ("", None)

    response = staff_client.post(_url(case, "answer"), {"body": "  "})

    assert response.status_code == 200 and "body" in response.context["form"].errors
    assert _fresh(case).state == SupportCase.State.NEW
    assert not case.messages.filter(direction="out").exists()


def test_ask_the_customer(staff_client, django_capture_on_commit_callbacks):
    case = _case(person=PersonFactory(email="kund@example.invalid"))

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(_url(case, "ask-customer"), {"body": "Vilket datum vill du flytta?"})

    case = _fresh(case)
    assert (case.state, case.waiting_on) == (SupportCase.State.WAITING, "customer")
    assert case.messages.filter(direction="out", body="Vilket datum vill du flytta?").exists()
    assert len(mail.outbox) == 1


def test_forward_to_the_district(staff_client, district, django_capture_on_commit_callbacks):
    case = _case(organisation=district)

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(_url(case, "forward"), {"body": "Kan ni svara på detta?"})

    case = _fresh(case)
    assert (case.state, case.waiting_on) == (SupportCase.State.WAITING, "district")
    assert case.messages.filter(direction="to_district").exists()
    assert mail.outbox[-1].to == [district.shared_mailbox_email]


def test_a_disputed_invoice_is_forwarded_only_with_a_proposed_solution(staff_client, district):
    case = _case(category="invoice_disputed", organisation=district)
    page = staff_client.get(_url(case, "forward"))
    assert page.context["form"].fields["proposed_solution"].required

    response = staff_client.post(_url(case, "forward"), {"body": "Kunden bestrider fakturan"})

    assert response.status_code == 200 and "proposed_solution" in response.context["form"].errors
    assert _fresh(case).state == SupportCase.State.NEW and not case.messages.filter(
        direction="to_district").exists()

    staff_client.post(_url(case, "forward"), {"body": "Kunden bestrider fakturan",
                                              "proposed_solution": "Kreditera december"})

    case = _fresh(case)
    assert (case.state, case.proposed_solution) == (SupportCase.State.WAITING, "Kreditera december")
    assert "Kreditera december" in staff_client.get(_url(case)).content.decode()


def test_forwarding_a_case_without_a_district_shows_why(staff_client):
    case = _case(person=PersonFactory(affiliation=None))
    assert case.organisation is None

    response = staff_client.post(_url(case, "forward"), {"body": "Till vem?"})

    assert response.status_code == 200
    assert gettext("Choose the district to forward the case to.") in response.context["form"].non_field_errors()
    assert _fresh(case).state == SupportCase.State.NEW


def test_an_internal_note_keeps_the_state(staff_client, staff):
    case = services.case_start(actor=staff, case=_case())

    staff_client.post(_url(case, "note"), {"body": "Kunden ringer igen i morgon"})

    assert _fresh(case).state == SupportCase.State.IN_PROGRESS
    note = case.messages.get(direction="note")
    assert (note.body, note.author) == ("Kunden ringer igen i morgon", staff)


def test_close_and_a_refused_close_changes_nothing(staff_client, staff, district):
    answered = services.case_answer(actor=staff, case=_case(), body="Svar")
    staff_client.post(_url(answered, "close"))
    assert _fresh(answered).state == SupportCase.State.CLOSED

    waiting = services.case_forward_to_district(actor=staff, case=_case(organisation=district), body="?")
    page = staff_client.get(_url(waiting)).content.decode()
    assert _url(waiting, "close") not in page and _url(waiting, "answer") in page

    response = staff_client.post(_url(waiting, "close"), follow=True)

    assert _fresh(waiting).state == SupportCase.State.WAITING
    assert any(str(SupportCase.State.WAITING.label) in m for m in _messages(response))


# --- The query count does not grow with the list -----------------------------------------------------------


def _queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"all": ""})
    assert response.status_code == 200
    return len(queries), len(response.context["cl"].result_list)


def test_the_queue_runs_the_same_queries_for_10_rows_as_for_200(staff_client, staff, district,
                                                                other_district):
    def make(n):
        for i in range(n):
            case = _case(organisation=district if i % 2 else other_district, due_in=i % 7 - 3,
                         category=SupportCase.Category.values[i % 8])
            if i % 3:
                SupportCase.objects.filter(pk=case.pk).update(assignee=staff)

    make(10)
    small, rows = _queries(staff_client, QUEUE)
    assert rows == 10
    make(190)
    large, rows = _queries(staff_client, QUEUE)
    assert rows == 200
    assert small == large


# --- Nobody but service staff ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "citizen"])
def test_officers_and_citizens_cannot_reach_the_admin_or_act(client, request, who, district, staff):
    client.force_login(request.getfixturevalue(who))
    case = _case(staff, organisation=district, category="invoice_disputed")
    events_before = AuditEvent.objects.count()
    messages_before = Message.objects.count()

    for url in (QUEUE, ADD, _url(case), _url(case, "answer"), _url(case, "forward"), _url(case, "note"),
                "/admin/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url

    posts = [
        (ADD, {"channel": "phone", "asker": "citizen", "category": "contract", "subject": "x",
               "body": "y", "contact_phone": "08-1"}),
        (_url(case, "assign-to-me"), {}),
        (_url(case, "start"), {}),
        (_url(case, "answer"), {"body": "Svar"}),
        (_url(case, "ask-customer"), {"body": "Fråga"}),
        (_url(case, "forward"), {"body": "Till er", "proposed_solution": "Kreditera"}),
        (_url(case, "note"), {"body": "Anteckning"}),
        (_url(case, "close"), {}),
        (QUEUE, {"action": "assign_to_me", "_selected_action": [case.pk]}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url

    case = _fresh(case)
    assert (case.state, case.assignee, case.proposed_solution) == (SupportCase.State.NEW, None, "")
    assert SupportCase.objects.count() == 1
    assert Message.objects.count() == messages_before
    assert AuditEvent.objects.count() == events_before
    assert mail.outbox == []


def test_the_case_page_says_when_the_answer_is_overdue(staff_client):
    late, on_time = _case(due_in=-1), _case(due_in=1)
    marker = pgettext("due date marker", "Overdue")
    assert f"<strong>{marker}</strong>" in staff_client.get(_url(late)).content.decode()
    assert 'id="overdue-marker"' not in staff_client.get(_url(on_time)).content.decode()
