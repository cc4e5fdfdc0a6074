"""The citizen's invoices at ``/mina-sidor/fakturor/``: their own and those of the people they represent
with the right to see invoices, nobody else's; period, amount, due date, OCR reference and a plain
status; the detail with lines, notes, what is left to pay and how to pay; the PDF only through the
permission check (another person's answers 404 and nothing is recorded); pages of 20; a constant number
of queries.

Invoices are issued by the real rent runs. Today is pinned to 22 November 2026, so the December invoice
(due 30 November) is unpaid and the October one (due 30 September) is overdue.
"""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from hyresadmin.models import AuditEvent
from invoicing import periods, services
from invoicing.models import Invoice
from tests.factories import PersonFactory, RepresentativeFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run, set_invoice_state

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OCT, NOV, DEC = dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)
LIST = reverse("invoicing_citizen:invoice_list")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 22, 12, tzinfo=STOCKHOLM), tick=False):
        yield


def _issue_in_time(period, staff):
    """Issue the rent run of ``period`` at the start of the month before, as the schedule does (an
    invoice issued later than its due date would get a later one)."""
    before = periods.previous_period(period)
    with time_machine.travel(dt.datetime(before.year, before.month, 2, 12, tzinfo=STOCKHOLM), tick=False):
        return issue_rent_run(period=period, actor=staff)


def _detail(invoice) -> str:
    return reverse("invoicing_citizen:invoice_detail", args=[invoice.pk])


def _pdf(invoice) -> str:
    return reverse("invoicing_citizen:invoice_pdf", args=[invoice.pk])


def _label(state) -> str:
    with translation.override("sv"):
        return str(Invoice.State(state).label)


def _row_status(page: str, invoice) -> str | None:
    found = re.search(rf'id="invoice-{invoice.pk}" data-status="(\w+)"', page)
    return found and found.group(1)


def _invoice_of(person, period=DEC) -> Invoice:
    return Invoice.objects.get(customer=person, period=period)


# --- Whose invoices ------------------------------------------------------------------------------------


def test_citizen_sees_own_and_represented_invoices_only(client, citizen, staff, district):
    ward = RepresentativeFactory(agent=citizen.person, may_see_invoices=True,
                                 person=PersonFactory(first_name="Olle", last_name="Ek")).person
    no_rights = RepresentativeFactory(agent=citizen.person, may_see_invoices=False).person
    ended = RepresentativeFactory(agent=citizen.person, may_see_invoices=True,
                                  valid_to=dt.date(2025, 12, 31)).person
    stranger = PersonFactory()
    for person in (citizen.person, ward, no_rights, ended, stranger):
        contract_with_rent(organisation=district, customer=person)
    issue_rent_run(period=DEC, actor=staff)
    mine, theirs = _invoice_of(citizen.person), _invoice_of(ward)
    hidden = [_invoice_of(p) for p in (no_rights, ended, stranger)]
    client.force_login(citizen)

    page = client.get(LIST).content.decode()

    assert mine.ocr_reference in page and theirs.ocr_reference in page
    assert "Olle Ek" in page  # whose invoice it is
    for invoice in hidden:
        assert invoice.ocr_reference not in page
        assert client.get(_detail(invoice)).status_code == 404
    assert client.get(_detail(theirs)).status_code == 200
    assert "Olle Ek" in client.get(_detail(theirs)).content.decode()


def test_whose_column_only_when_representing_someone(client, citizen, staff, district):
    contract_with_rent(organisation=district, customer=citizen.person)
    issue_rent_run(period=DEC, actor=staff)
    client.force_login(citizen)

    page = client.get(LIST).content.decode()

    assert page.count("<th scope=\"col\"") == 6  # month, amount, pay by, OCR, status, invoice


def test_list_shows_month_amount_due_date_ocr_status_and_pdf(client, citizen, staff, district):
    contract_with_rent(organisation=district, customer=citizen.person, rent=Decimal("6123.50"))
    issue_rent_run(period=DEC, actor=staff)
    invoice = _invoice_of(citizen.person)
    client.force_login(citizen)

    page = client.get(LIST).content.decode()

    assert "december 2026" in page
    assert "6123,50 kr" in page  # Swedish decimal comma
    assert "30 november 2026" in page  # the last working day before December
    assert f'<span class="ocr" id="ocr-{invoice.pk}">{invoice.ocr_reference}</span>' in page
    assert re.search(rf'<button type="button"[^>]*hidden data-copy="{invoice.ocr_reference}"', page)
    assert _label(Invoice.State.ISSUED) in page
    assert f'href="{_pdf(invoice)}"' in page and f'href="{_detail(invoice)}"' in page


def test_no_invoices(client, citizen):
    client.force_login(citizen)

    response = client.get(LIST)

    assert response.status_code == 200
    assert "<table" not in response.content.decode()


# --- Statuses ------------------------------------------------------------------------------------------


def test_statuses_in_plain_words(client, citizen, staff, district):
    a = contract_with_rent(organisation=district, customer=citizen.person)
    b = contract_with_rent(organisation=district, customer=citizen.person)
    _issue_in_time(OCT, staff)  # due 30 September
    issue_rent_run(period=DEC, actor=staff)
    unpaid = Invoice.objects.get(contract=a, period=DEC)
    overdue = Invoice.objects.get(contract=a, period=OCT)  # still unpaid
    assert overdue.due_date == dt.date(2026, 9, 30)
    partly = set_invoice_state(Invoice.objects.get(contract=b, period=DEC), Invoice.State.PARTLY_PAID,
                               balance=Decimal("1000.00"))
    paid = set_invoice_state(Invoice.objects.get(contract=b, period=OCT), Invoice.State.PAID,
                             balance=Decimal("0.00"))
    client.force_login(citizen)

    page = client.get(LIST).content.decode()

    assert _row_status(page, unpaid) == "issued"
    assert _row_status(page, overdue) == "overdue"
    assert _row_status(page, partly) == "partly_paid"
    assert _row_status(page, paid) == "paid"
    for state in ("issued", "overdue", "partly_paid", "paid"):
        assert _label(state) in page
    assert "1000,00 kr" in page  # what is left of the partly paid one
    assert Invoice.objects.get(pk=overdue.pk).state == Invoice.State.ISSUED  # the page wrote nothing


def test_an_unpaid_invoice_is_overdue_the_day_after_its_due_date(client, citizen, staff, district):
    contract_with_rent(organisation=district, customer=citizen.person)
    issue_rent_run(period=DEC, actor=staff)
    invoice = _invoice_of(citizen.person)

    def status_at(moment: dt.datetime) -> str | None:
        with time_machine.travel(moment, tick=False):
            client.force_login(citizen)  # a session lasts eight hours
            return _row_status(client.get(LIST).content.decode(), invoice)

    on_the_day = status_at(dt.datetime(2026, 11, 30, 23, tzinfo=STOCKHOLM))
    after = status_at(dt.datetime(2026, 12, 1, 8, tzinfo=STOCKHOLM))

    assert (on_the_day, after) == ("issued", "overdue")


# --- The detail ----------------------------------------------------------------------------------------


def test_detail_has_lines_notes_balance_and_how_to_pay(client, citizen, staff, district, settings):
    settings.BANKGIRO_NUMBER = "5050-1055"
    contract = contract_with_rent(organisation=district, customer=citizen.person)
    services.invoice_note_add(actor=staff, contract=contract, text="Hyran höjs från 1 januari 2027.",
                              first_period=DEC)
    services.pending_line_add(actor=staff, contract=contract, period=DEC,
                              description="Nedsättning för renovering", amount=Decimal("-400.00"))
    issue_rent_run(period=DEC, actor=staff)
    invoice = set_invoice_state(_invoice_of(citizen.person), Invoice.State.PARTLY_PAID,
                                balance=Decimal("2000.00"))
    client.force_login(citizen)

    page = client.get(_detail(invoice)).content.decode()

    assert "Nedsättning för renovering" in page and "-400,00" in page
    assert "5000,00" in page  # the total: 5 400 less 400
    assert "Hyran höjs från 1 januari 2027." in page
    assert '<dd id="invoice-balance">2000,00 kr</dd>' in page
    assert "5050-1055" in page and invoice.ocr_reference in page
    assert '<ol class="steps">' in page
    assert "30 november 2026" in page
    assert contract.rental_object.street_address in page
    assert f'href="{_pdf(invoice)}"' in page


def test_a_paid_invoice_has_no_payment_instructions(client, citizen, staff, district):
    contract_with_rent(organisation=district, customer=citizen.person)
    issue_rent_run(period=DEC, actor=staff)
    invoice = set_invoice_state(_invoice_of(citizen.person), Invoice.State.PAID, balance=Decimal("0"))
    client.force_login(citizen)

    page = client.get(_detail(invoice)).content.decode()

    assert '<ol class="steps">' not in page
    assert 'data-status="paid"' in page


def test_a_protected_identitys_address_is_not_shown(client, citizen, staff, district):
    citizen.person.protected_identity = True
    citizen.person.save()
    contract = contract_with_rent(organisation=district, customer=citizen.person)
    issue_rent_run(period=DEC, actor=staff)
    client.force_login(citizen)

    page = client.get(_detail(_invoice_of(citizen.person))).content.decode()

    assert contract.rental_object.street_address not in page


# --- The PDF -------------------------------------------------------------------------------------------


def test_pdf_of_anothers_invoice_is_404_and_nothing_is_recorded(client, citizen, staff, district):
    no_rights = RepresentativeFactory(agent=citizen.person, may_see_invoices=False).person
    for person in (no_rights, PersonFactory()):
        contract_with_rent(organisation=district, customer=person)
    issue_rent_run(period=DEC, actor=staff)
    exports_before = AuditEvent.objects.filter(event_type="export").count()
    client.force_login(citizen)

    for invoice in Invoice.objects.all():
        assert client.get(_pdf(invoice)).status_code == 404

    assert AuditEvent.objects.filter(event_type="export").count() == exports_before == 0


def test_pdf_download_of_own_and_represented_invoice_is_recorded(client, citizen, staff, district):
    ward = RepresentativeFactory(agent=citizen.person, may_see_invoices=True).person
    for person in (citizen.person, ward):
        contract_with_rent(organisation=district, customer=person)
    issue_rent_run(period=DEC, actor=staff)
    client.force_login(citizen)

    for invoice in (_invoice_of(citizen.person), _invoice_of(ward)):
        response = client.get(_pdf(invoice))

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert f'filename="faktura-{invoice.number}.pdf"' in response["Content-Disposition"]
        assert response.content.startswith(b"%PDF")
        event = AuditEvent.objects.get(event_type="export", object_id=str(invoice.pk))
        assert (event.actor, event.reason) == (citizen, "invoice PDF (citizen)")


# --- Who may use the pages -----------------------------------------------------------------------------


def test_officers_and_anonymous_cannot_use_the_citizen_pages(client, officer, staff, district):
    contract_with_rent(organisation=district)
    issue_rent_run(period=DEC, actor=staff)
    invoice = Invoice.objects.get()

    for url in (LIST, _detail(invoice), _pdf(invoice)):
        assert client.get(url).status_code == 302
    client.force_login(officer)
    for url in (LIST, _detail(invoice), _pdf(invoice)):
        assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(event_type="export").exists()


def test_start_page_links_to_the_invoices(client, citizen):
    client.force_login(citizen)

    assert f'href="{LIST}"' in client.get(reverse("citizen:home")).content.decode()


# --- Pages and queries ---------------------------------------------------------------------------------


def test_invoices_come_in_pages_of_twenty(client, citizen, staff, district):
    for _ in range(25):
        contract_with_rent(organisation=district, customer=citizen.person)
    issue_rent_run(period=DEC, actor=staff)
    client.force_login(citizen)

    first = client.get(LIST).content.decode()
    second = client.get(LIST, {"page": 2}).content.decode()

    assert first.count('<tr id="invoice-') == 20 and second.count('<tr id="invoice-') == 5
    assert 'rel="next"' in first and 'rel="prev"' in second
    shown = set(re.findall(r'<tr id="invoice-(\d+)"', first + second))
    assert shown == {str(pk) for pk in Invoice.objects.values_list("pk", flat=True)}


def test_the_list_runs_a_constant_number_of_queries(client, citizen, staff, district):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(captured)

    contract_with_rent(organisation=district, customer=citizen.person)
    ward = RepresentativeFactory(agent=citizen.person, may_see_invoices=True).person
    contract_with_rent(organisation=district, customer=ward)
    issue_rent_run(period=NOV, actor=staff)
    client.force_login(citizen)
    few = queries()

    for _ in range(3):
        another = RepresentativeFactory(agent=citizen.person, may_see_invoices=True).person
        contract_with_rent(organisation=district, customer=another)
    for _ in range(15):
        contract_with_rent(organisation=district, customer=citizen.person)
    issue_rent_run(period=DEC, actor=staff)
    many = queries()

    assert Invoice.objects.count() == 2 + 2 + 3 + 15
    assert many == few
