"""The staff side in the admin: the queue of claims proposed for collection (by review date, overdue
marked, a constant number of queries), the case page and its buttons, the agency file's download, the
interest-invoice proposal's page, and the reference rates with the provisional ones marked."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from debt_collection import collection
from debt_collection.models import AgencyFile, CollectionCase, InterestBatch
from hyresadmin.models import AuditEvent
from invoicing.models import Invoice, InvoiceKind
from tests.debt_collection.collection_factories import at, code_with_policy, invoice_due, remind

pytestmark = pytest.mark.django_db
D = Decimal
CASES = "/admin/debt_collection/collectioncase/"
BATCHES = "/admin/debt_collection/interestbatch/"
RATES = "/admin/debt_collection/referencerate/"
TODAY = dt.date(2026, 11, 23)  # a Monday


@pytest.fixture(autouse=True)
def _today():
    with at(TODAY):
        yield


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def code(db):
    return code_with_policy("K1", to_agency=True, agency_after_days=14)


def _reminded_invoices(staff, code, n, due=dt.date(2026, 9, 30)):
    return [remind(invoice_due(actor=staff, due_date=due, collection_code=code), actor=staff,
                   on=dt.date(2026, 10, 15)) for _ in range(n)]


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CASES)
    assert response.status_code == 200
    return len(queries)


def test_the_queue_lists_proposed_cases_by_review_date_with_a_constant_number_of_queries(staff, staff_client, code):
    _reminded_invoices(staff, code, 2)
    collection.collection_proposals_create(actor=staff, today=dt.date(2026, 11, 2))
    few = _queue_queries(staff_client)
    _reminded_invoices(staff, code, 5)
    CollectionCase.objects.update(due_date=dt.date(2026, 11, 4))
    collection.collection_proposals_create(actor=staff, today=TODAY)
    assert CollectionCase.objects.count() == 7
    assert _queue_queries(staff_client) == few
    page = staff_client.get(CASES).content.decode()
    assert "⚠" in page  # the two from 2 November are past their review date


def test_the_index_shows_the_queue_in_my_work(staff, staff_client, code):
    _reminded_invoices(staff, code, 1)
    collection.collection_proposals_create(actor=staff, today=TODAY)
    page = staff_client.get("/admin/").content.decode()
    assert "Inkassoförslag att granska" in page


def test_staff_hand_a_case_over_and_download_the_file(staff, staff_client, code):
    [invoice] = _reminded_invoices(staff, code, 1)
    collection.collection_proposals_create(actor=staff, today=TODAY)
    case = CollectionCase.objects.get()
    page = staff_client.get(f"{CASES}{case.pk}/change/").content.decode()
    assert "Godkänn och lämna till inkasso" in page

    response = staff_client.post(f"{CASES}{case.pk}/hand-over/")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CollectionCase.State.SENT_TO_AGENCY
    assert Invoice.objects.get(pk=invoice.pk).state == Invoice.State.AT_COLLECTION

    stored = AgencyFile.objects.get()
    download = staff_client.get(f"/admin/debt_collection/agencyfile/{stored.pk}/download/")
    assert download.status_code == 200 and str(invoice.number).encode() in download.content
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.EXPORT, object_id=str(stored.pk)).count() == 2


def test_a_write_down_without_the_districts_decision_is_refused_on_the_page(staff, staff_client, code):
    [invoice] = _reminded_invoices(staff, code, 1)
    collection.collection_proposals_create(actor=staff, today=TODAY)
    case = CollectionCase.objects.get()
    response = staff_client.post(f"{CASES}{case.pk}/write-down/", {
        "invoice": invoice.pk, "invoice_number": str(invoice.number), "amount": "5400.00",
        "collection_code": code.pk})
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("har inte godkänt en nedskrivning" in t for t in texts)
    assert Invoice.objects.get(pk=invoice.pk).state == Invoice.State.REMINDED


def test_an_officer_is_not_let_into_the_admin(officer, client, code):
    client.force_login(officer)
    assert client.get(CASES).status_code == 302


def test_the_interest_proposal_is_made_reviewed_and_issued_in_the_admin(staff, staff_client):
    code = code_with_policy("K1", charges_interest=True)
    late = invoice_due(actor=staff, due_date=dt.date(2026, 8, 31), amount=D("20000.00"), collection_code=code)
    response = staff_client.post(f"{BATCHES}add/", {"until": "2026-11-01"})
    batch = InterestBatch.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"{batch.pk}/change/")
    page = staff_client.get(f"{BATCHES}{batch.pk}/change/").content.decode()
    assert "Skicka räntefakturorna" in page and str(late.number) in page
    assert staff_client.post(f"{BATCHES}{batch.pk}/issue/").status_code == 302
    batch.refresh_from_db()
    assert batch.state == InterestBatch.State.ISSUED
    assert Invoice.objects.filter(kind=InvoiceKind.INTEREST).count() == 1


def test_the_reference_rates_mark_the_provisional_ones_and_staff_correct_one(staff, staff_client):
    page = staff_client.get(RATES).content.decode()
    assert "Preliminär: kontrollera" in page and "Bekräftad" in page
    from debt_collection.models import ReferenceRate

    rate = ReferenceRate.objects.get(valid_from=dt.date(2025, 1, 1))
    response = staff_client.post(f"{RATES}{rate.pk}/change/", {
        "valid_from": "2025-01-01", "rate": "2.50", "provisional": "", "source": "SFS 2024:1234"})
    assert response.status_code == 302
    rate.refresh_from_db()
    assert (rate.rate, rate.provisional) == (D("2.50"), False)
    assert AuditEvent.objects.filter(object_id=str(rate.pk), event_type=AuditEvent.Type.UPDATE).exists()
    response = staff_client.post(f"{RATES}add/", {"valid_from": "2027-02-01", "rate": "2.00", "source": "x"})
    assert response.status_code == 200 and not ReferenceRate.objects.filter(valid_from="2027-02-01").exists()


def test_the_rate_list_costs_the_same_however_long(staff, staff_client):
    with CaptureQueriesContext(connection) as queries:
        staff_client.get(RATES)
    from debt_collection.models import ReferenceRate

    ReferenceRate.objects.create(valid_from=dt.date(2027, 1, 1), rate=D("2.00"))
    ReferenceRate.objects.create(valid_from=dt.date(2027, 7, 1), rate=D("2.00"))
    with CaptureQueriesContext(connection) as more:
        staff_client.get(RATES)
    assert len(more) == len(queries)


def test_the_action_pages_render_and_kronofogden_is_recorded_from_the_case_page(staff, staff_client, code):
    _reminded_invoices(staff, code, 1)
    collection.collection_proposals_create(actor=staff, today=TODAY)
    case = CollectionCase.objects.get()
    for slug in ("write-down", "withdraw"):
        assert staff_client.get(f"{CASES}{case.pk}/{slug}/").status_code == 200
    collection.collection_hand_over(actor=staff, cases=[case])
    page = staff_client.get(f"{CASES}{case.pk}/change/").content.decode()
    assert "Ansök hos Kronofogden" in page
    assert staff_client.get(f"{CASES}{case.pk}/enforcement/").status_code == 200
    response = staff_client.post(f"{CASES}{case.pk}/enforcement/", {"kind": "payment_order",
                                                                     "applied_on": "2026-11-20"})
    assert response.status_code == 302
    application = case.enforcement_applications.get()
    assert application.fee == D("300.00")
    assert staff_client.get(f"{CASES}{case.pk}/decision/").status_code == 200
    response = staff_client.post(f"{CASES}{case.pk}/decision/", {"application": application.pk,
                                                                  "decision": "disputed", "decided_on": "2026-11-22"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.decision == "disputed"


def test_staff_take_a_late_invoice_out_of_the_interest_proposal(staff, staff_client):
    from debt_collection.models import InterestProposal

    code = code_with_policy("K1", charges_interest=True)
    invoice_due(actor=staff, due_date=dt.date(2026, 8, 31), amount=D("20000.00"), collection_code=code)
    staff_client.post(f"{BATCHES}add/", {"until": "2026-11-01"})
    proposal = InterestProposal.objects.get()
    response = staff_client.post("/admin/debt_collection/interestproposal/", {
        "action": "take_out", "_selected_action": [proposal.pk]})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert not proposal.included
    page = staff_client.get("/admin/").content.decode()
    assert "Räntefakturaförslag att granska" in page
