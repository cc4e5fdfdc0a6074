"""The payments API: ``/api/v1/payments/`` (staff and officers, scoped; filter ``status``),
``/api/v1/payment-files/`` (list and upload of a BgMax file, staff only; a refused file answers 400 with
the reason and its lines, and nothing is written) and ``/api/v1/ledger/{person_id}/`` (the customer
ledger: staff for anyone, an officer for their administration's customers, a citizen for themselves and
whom they represent with the right to see invoices; anyone else 404). Constant query counts.
"""

import datetime as dt
from decimal import Decimal

import pytest
import yaml
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hyresadmin.models import AuditEvent, ImportedFile
from invoicing import payments
from invoicing.models import Allocation, CustomerCredit, Invoice, Payment, PaymentFile
from tests.factories import PersonFactory, RepresentativeFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run
from tests.invoicing.test_ledger import hand_built_case
from tests.invoicing.test_payments import pay

pytestmark = pytest.mark.django_db

PAYMENTS, FILES, LEDGER = "/api/v1/payments/", "/api/v1/payment-files/", "/api/v1/ledger/"
DEC = dt.date(2026, 12, 1)
D = Decimal


def _state():
    return (Payment.objects.count(), PaymentFile.objects.count(), ImportedFile.objects.count(),
            Allocation.objects.count(), CustomerCredit.objects.count(), AuditEvent.objects.count(),
            sorted(Invoice.objects.values_list("pk", "balance", "state")))


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.fixture
def paid(staff, district, other_district):
    """Four invoices: own (district, customer affiliated with it), foreign (other district), and an
    unknown reference; imported as one file."""
    own = contract_with_rent(organisation=district, customer=PersonFactory(affiliation=district))
    foreign = contract_with_rent(organisation=other_district,
                                 customer=PersonFactory(affiliation=other_district))
    issue_rent_run(period=DEC, actor=staff)
    own_inv, foreign_inv = (Invoice.objects.get(contract=c) for c in (own, foreign))
    payments.import_bgmax(actor=staff, name="f.txt", data=pay(
        (own_inv.ocr_reference, "100.00"), (foreign_inv.ocr_reference, "200.00"), ("", "300.00")))
    return {p.amount: p for p in Payment.objects.all()}


# --- Payments -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PAYMENTS, FILES, f"{LEDGER}1/"])
def test_anonymous_requests_are_refused(client, url):
    assert client.get(url).status_code == 401


def test_staff_see_every_payment_and_filter_by_status(client, staff, paid):
    client.force_login(staff)

    assert _ids(client.get(PAYMENTS)) == {p.pk for p in paid.values()}
    assert _ids(client.get(PAYMENTS, {"status": "matched"})) == {paid[D("100.00")].pk, paid[D("200.00")].pk}
    assert _ids(client.get(PAYMENTS, {"status": "unmatched"})) == {paid[D("300.00")].pk}
    bad = client.get(PAYMENTS, {"status": "lost"})
    assert bad.status_code == 400 and "status" in bad.json()
    row = client.get(f"{PAYMENTS}{paid[D('100.00')].pk}/").json()
    assert row["amount"] == "100.00" and row["status"] == "matched" and row["invoice"] is not None


def test_an_officer_sees_their_administrations_payments_only(client, officer, paid):
    client.force_login(officer)

    assert _ids(client.get(PAYMENTS)) == {paid[D("100.00")].pk}
    assert client.get(f"{PAYMENTS}{paid[D('200.00')].pk}/").status_code == 404
    assert client.get(f"{PAYMENTS}{paid[D('300.00')].pk}/").status_code == 404


def test_a_citizen_may_not_list_payments(client, citizen, paid):
    client.force_login(citizen)

    assert client.get(PAYMENTS).status_code == 403
    assert client.get(FILES).status_code == 403


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_payments_are_read_only(client, staff, paid, method):
    client.force_login(staff)
    before = _state()

    response = getattr(client, method)(f"{PAYMENTS}{paid[D('100.00')].pk}/", {"status": "unmatched"},
                                       content_type="application/json")

    assert response.status_code == 405
    assert _state() == before


# --- Payment files ------------------------------------------------------------------------------------


def test_staff_upload_a_bgmax_file(client, staff, district):
    contract_with_rent(organisation=district)
    issue_rent_run(period=DEC, actor=staff)
    invoice = Invoice.objects.get()
    client.force_login(staff)

    response = client.post(FILES, {"file": SimpleUploadedFile(
        "bgmax.txt", pay((invoice.ocr_reference, "5400.00"), ("999", "10.00")))})

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["payments"] == 2 and data["name"] == "bgmax.txt"
    assert data["result"]["paid"] == 1 and data["result"]["unmatched"] == 1
    assert Invoice.objects.get().state == Invoice.State.PAID
    assert _ids(client.get(FILES)) == {data["id"]}
    assert client.get(f"{FILES}{data['id']}/").json()["id"] == data["id"]


def test_a_refused_file_answers_400_with_its_lines_and_nothing_is_written(client, staff, district):
    contract_with_rent(organisation=district)
    issue_rent_run(period=DEC, actor=staff)
    invoice = Invoice.objects.get()
    client.force_login(staff)
    data = pay((invoice.ocr_reference, "5400.00"))
    broken = data.replace(b"\n70", b"\n70 ", 1)[:-40] + b"\n"
    before = _state()

    response = client.post(FILES, {"file": SimpleUploadedFile("broken.txt", broken)})

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["file"] and isinstance(body["file"][0], str)
    assert body["errors"] and {"line", "field", "message"} <= set(body["errors"][0])
    assert _state() == before

    assert client.post(FILES, {"file": SimpleUploadedFile("a.txt", data)}).status_code == 201
    before = _state()
    again = client.post(FILES, {"file": SimpleUploadedFile("b.txt", data)})
    assert again.status_code == 400 and again.json()["file"]
    assert _state() == before


def test_an_upload_without_a_file_is_a_field_error(client, staff):
    client.force_login(staff)

    response = client.post(FILES, {})

    assert response.status_code == 400 and "file" in response.json()


@pytest.mark.parametrize("who", ["officer", "citizen"])
def test_only_staff_upload(client, staff, district, who, request):
    contract_with_rent(organisation=district)
    issue_rent_run(period=DEC, actor=staff)
    invoice = Invoice.objects.get()
    client.force_login(request.getfixturevalue(who))
    before = _state()

    response = client.post(FILES, {"file": SimpleUploadedFile(
        "bgmax.txt", pay((invoice.ocr_reference, "5400.00")))})

    assert response.status_code == 403
    assert _state() == before


# --- The ledger ---------------------------------------------------------------------------------------


def test_the_ledger_has_the_rows_and_the_balance(client, staff):
    person = PersonFactory()
    first, second = hand_built_case(staff, person)
    client.force_login(staff)

    data = client.get(f"{LEDGER}{person.pk}/").json()

    assert data["person"] == person.pk
    assert data["balance"] == "2900.00" and data["credit_balance"] == "0.00"
    assert [(r["kind"], r["debit"], r["credit"], r["balance"]) for r in data["rows"]] == [
        ("invoice", "5400.00", "0.00", "5400.00"), ("invoice", "3000.00", "0.00", "8400.00"),
        ("payment", "0.00", "2000.00", "6400.00"), ("payment", "0.00", "3000.00", "3400.00"),
        ("credit", "0.00", "500.00", "2900.00"), ("credit_used", "500.00", "0.00", "3400.00"),
        ("offset", "0.00", "500.00", "2900.00")]
    assert data["rows"][0]["date"] == "2026-11-02" and data["rows"][0]["invoice"] == first.pk


def test_an_officer_sees_the_ledger_of_their_administrations_customers(client, officer, district,
                                                                       other_district):
    own, foreign = PersonFactory(affiliation=district), PersonFactory(affiliation=other_district)
    client.force_login(officer)

    assert client.get(f"{LEDGER}{own.pk}/").status_code == 200
    assert client.get(f"{LEDGER}{foreign.pk}/").status_code == 404


def test_a_citizen_sees_their_own_ledger_and_of_whom_they_represent_with_invoice_rights(client,
                                                                                       citizen):
    ward = RepresentativeFactory(agent=citizen.person, may_see_invoices=True).person
    no_rights = RepresentativeFactory(agent=citizen.person, may_see_invoices=False).person
    stranger = PersonFactory()
    client.force_login(citizen)

    for person in (citizen.person, ward):
        assert client.get(f"{LEDGER}{person.pk}/").status_code == 200
    for person in (no_rights, stranger):
        assert client.get(f"{LEDGER}{person.pk}/").status_code == 404
    assert client.get(f"{LEDGER}999999/").status_code == 404


def test_the_ledger_is_read_only(client, staff):
    person = PersonFactory()
    client.force_login(staff)

    assert client.post(f"{LEDGER}{person.pk}/", {}).status_code == 405
    assert client.get(LEDGER).status_code == 404


# --- Query counts -----------------------------------------------------------------------------------------


def test_lists_and_the_ledger_run_a_constant_number_of_queries(client, staff, officer, district):
    person = PersonFactory(affiliation=district)
    hand_built_case(staff, person)
    client.force_login(staff)
    few = [_queries(client, url) for url in (PAYMENTS, FILES, f"{LEDGER}{person.pk}/")]
    client.force_login(officer)
    few_officer = _queries(client, PAYMENTS)

    for period in (dt.date(2027, 1, 1), dt.date(2027, 2, 1)):
        contract_with_rent(organisation=district, customer=person, year=period.year)
        run = issue_rent_run(period=period, actor=staff)
        refs = list(Invoice.objects.filter(run=run).values_list("ocr_reference", flat=True))
        payments.import_bgmax(actor=staff, name=f"{period}.txt", data=pay(
            *[(ref, "1000.00") for ref in refs], ("", "5.00"), stamp=f"{period:%Y%m%d}103000123456"))
    client.force_login(staff)
    many = [_queries(client, url) for url in (PAYMENTS, FILES, f"{LEDGER}{person.pk}/")]
    client.force_login(officer)

    assert Payment.objects.count() > 8
    assert many == few
    assert _queries(client, PAYMENTS) == few_officer


def test_the_committed_schema_describes_the_payment_endpoints():
    schema = yaml.safe_load((settings.BASE_DIR / "openapi.yaml").read_text(encoding="utf-8"))

    assert {"/api/v1/payments/", "/api/v1/payments/{id}/", "/api/v1/payment-files/",
            "/api/v1/payment-files/{id}/", "/api/v1/ledger/{person_id}/"} <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/v1/payments/"]["get"]["parameters"]}
    assert "status" in parameters
    assert "multipart/form-data" in schema["paths"]["/api/v1/payment-files/"]["post"]["requestBody"]["content"]
