"""The invoicing API (``/api/v1/invoice-runs/`` and ``/api/v1/invoices/``): read only; runs for staff
only; invoices scoped by role (a citizen sees their own and those of whom they represent with the right
to see invoices, an officer their own administration's), anything outside the scope answers 404 — the
PDF too, with nothing recorded; filters with field errors on bad values; the PDF as ``application/pdf``
recorded as an export; token login; lists that cost the same number of queries however long they are.

Invoices are issued by the real rent runs. Today is pinned to 22 November 2026: the December invoice
(due 30 November) is unpaid, the October one (due 30 September) overdue.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
import yaml
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from hyresadmin.models import AuditEvent
from invoicing import periods, services
from invoicing.models import Invoice, InvoiceRun, RunKind
from tests.factories import PersonFactory, RepresentativeFactory, UserFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run, set_invoice_state

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OCT, NOV, DEC = dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)
RUNS, INVOICES = "/api/v1/invoice-runs/", "/api/v1/invoices/"


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


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content
    return len(queries)


def _exports() -> int:
    return AuditEvent.objects.filter(event_type="export").count()


# --- Who may use which endpoint ------------------------------------------------------------------------


@pytest.mark.parametrize("url", [RUNS, INVOICES])
def test_anonymous_requests_are_refused(client, url):
    assert client.get(url).status_code == 401


@pytest.mark.parametrize("who", ["officer", "citizen"])
def test_runs_are_for_staff_only(client, staff, district, who, request):
    contract_with_rent(organisation=district)
    run = issue_rent_run(period=DEC, actor=staff)
    client.force_login(request.getfixturevalue(who))

    assert client.get(RUNS).status_code == 403
    assert client.get(f"{RUNS}{run.pk}/").status_code == 403


def test_a_user_without_a_role_is_refused(client, district):
    client.force_login(UserFactory(organisation=district))

    assert client.get(INVOICES).status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client, staff, district, method):
    contract_with_rent(organisation=district)
    run = issue_rent_run(period=DEC, actor=staff)
    invoice = Invoice.objects.get()
    client.force_login(staff)
    events = AuditEvent.objects.count()

    for url in (INVOICES, f"{INVOICES}{invoice.pk}/", RUNS, f"{RUNS}{run.pk}/"):
        response = getattr(client, method)(url, {"balance": "0.00", "state": "paid"},
                                           content_type="application/json")
        assert response.status_code == 405, url

    invoice.refresh_from_db()
    assert (invoice.state, invoice.balance) == (Invoice.State.ISSUED, Decimal("5400.00"))
    assert AuditEvent.objects.count() == events


# --- Invoicing runs ------------------------------------------------------------------------------------


def test_staff_see_runs_with_state_period_kind_and_summary(client, staff, district):
    for _ in range(2):
        contract_with_rent(organisation=district)
    issued = issue_rent_run(period=DEC, actor=staff)
    prepared = services.run_prepare(run=services.run_for(period=OCT, kind=RunKind.RENT), actor=staff)
    client.force_login(staff)

    rows = client.get(RUNS).json()["results"]
    detail = client.get(f"{RUNS}{issued.pk}/").json()

    assert [(r["id"], r["period"], r["state"]) for r in rows] == [
        (issued.pk, "2026-12", "issued"), (prepared.pk, "2026-10", "prepared")]
    assert detail["kind"] == "rent"
    assert detail["approved_by"] == "staff"
    assert detail["summary"]["issued"] == 2 and detail["summary"]["included"] == 2
    assert detail["summary"]["issued_total"] == "10800.00"
    assert detail["issued_at"] is not None


def test_run_filters(client, staff, district):
    contract_with_rent(organisation=district)
    dec = issue_rent_run(period=DEC, actor=staff)
    oct_ = services.run_for(period=OCT, kind=RunKind.RENT)
    internal = services.run_for(period=OCT, kind=RunKind.INTERNAL)
    client.force_login(staff)

    assert _ids(client.get(RUNS, {"period": "2026-10"})) == {oct_.pk, internal.pk}
    assert _ids(client.get(RUNS, {"kind": "internal"})) == {internal.pk}
    assert _ids(client.get(RUNS, {"state": "issued"})) == {dec.pk}
    response = client.get(RUNS, {"period": "2026-13"})
    assert response.status_code == 400 and set(response.json()) == {"period"}


# --- Invoices: what each role sees ---------------------------------------------------------------------


def test_an_invoice_has_its_fields(client, staff, district):
    contract = contract_with_rent(organisation=district, rent=Decimal("6123.50"))
    run = issue_rent_run(period=DEC, actor=staff)
    invoice = Invoice.objects.get()
    client.force_login(staff)

    data = client.get(f"{INVOICES}{invoice.pk}/").json()

    assert {k: data[k] for k in ("id", "number", "ocr_reference", "period", "due_date", "total",
                                 "balance", "status", "status_today", "customer", "contract",
                                 "organisation", "run", "document_type", "kind")} == {
        "id": invoice.pk, "number": invoice.number, "ocr_reference": invoice.ocr_reference,
        "period": "2026-12", "due_date": "2026-11-30", "total": "6123.50", "balance": "6123.50",
        "status": "issued", "status_today": "issued", "customer": contract.customer_id,
        "contract": contract.pk, "organisation": district.pk, "run": run.pk,
        "document_type": "invoice", "kind": "rent",
    }
    assert [(ln["kind"], ln["amount"]) for ln in data["lines"]] == [("base_rent", "6123.50")]
    assert client.get(INVOICES).json()["results"] == [data]


def test_a_citizen_sees_own_and_represented_invoices_only(client, citizen, staff, district):
    ward = RepresentativeFactory(agent=citizen.person, may_see_invoices=True).person
    no_rights = RepresentativeFactory(agent=citizen.person, may_see_invoices=False).person
    stranger = PersonFactory()
    for person in (citizen.person, ward, no_rights, stranger):
        contract_with_rent(organisation=district, customer=person)
    issue_rent_run(period=DEC, actor=staff)
    by_person = {inv.customer_id: inv for inv in Invoice.objects.all()}
    client.force_login(citizen)

    assert _ids(client.get(INVOICES)) == {by_person[citizen.person.pk].pk, by_person[ward.pk].pk}
    assert client.get(f"{INVOICES}{by_person[ward.pk].pk}/").status_code == 200
    for person in (no_rights, stranger):
        response = client.get(f"{INVOICES}{by_person[person.pk].pk}/")
        assert response.status_code == 404
        assert by_person[person.pk].ocr_reference not in response.content.decode()
    # Asking for another person's invoices by filter shows nothing either.
    assert _ids(client.get(INVOICES, {"customer": stranger.pk})) == set()


def test_a_citizen_does_not_see_accounting_orders(client, citizen, staff, district):
    contract_with_rent(organisation=district, customer=citizen.person)
    issue_rent_run(period=DEC, actor=staff)
    mine = Invoice.objects.get()
    Invoice.objects.filter(pk=mine.pk).update(document_type=Invoice.DocumentType.ACCOUNTING_ORDER)
    client.force_login(citizen)

    assert _ids(client.get(INVOICES)) == set()
    assert client.get(f"{INVOICES}{mine.pk}/").status_code == 404


def test_an_officer_sees_their_administrations_invoices_only(client, officer, staff, district,
                                                             other_district):
    own = contract_with_rent(organisation=district)
    foreign = contract_with_rent(organisation=other_district)
    issue_rent_run(period=DEC, actor=staff)
    own_invoice, foreign_invoice = (Invoice.objects.get(contract=c) for c in (own, foreign))
    client.force_login(officer)

    assert _ids(client.get(INVOICES)) == {own_invoice.pk}
    assert client.get(f"{INVOICES}{own_invoice.pk}/").status_code == 200
    assert client.get(f"{INVOICES}{foreign_invoice.pk}/").status_code == 404
    assert client.get(f"{INVOICES}{foreign_invoice.pk}/pdf/").status_code == 404
    assert _exports() == 0


def test_staff_see_every_invoice(client, staff, district, other_district):
    for organisation in (district, other_district):
        contract_with_rent(organisation=organisation)
    issue_rent_run(period=DEC, actor=staff)
    client.force_login(staff)

    assert _ids(client.get(INVOICES)) == set(Invoice.objects.values_list("pk", flat=True))


# --- Statuses and filters ------------------------------------------------------------------------------


def test_status_today_shows_an_unpaid_invoice_past_its_due_date_as_overdue(client, citizen, staff,
                                                                         district):
    paid_contract = contract_with_rent(organisation=district, customer=citizen.person)
    unpaid_contract = contract_with_rent(organisation=district, customer=citizen.person)
    _issue_in_time(OCT, staff)  # due 30 September
    issue_rent_run(period=DEC, actor=staff)
    set_invoice_state(Invoice.objects.get(contract=paid_contract, period=OCT), Invoice.State.PAID,
                      balance=Decimal("0.00"))
    client.force_login(citizen)

    rows = {(r["contract"], r["period"]): (r["status"], r["status_today"])
            for r in client.get(INVOICES).json()["results"]}

    assert rows == {
        (paid_contract.pk, "2026-10"): ("paid", "paid"),
        (unpaid_contract.pk, "2026-10"): ("issued", "overdue"),  # due 30 September
        (paid_contract.pk, "2026-12"): ("issued", "issued"),
        (unpaid_contract.pk, "2026-12"): ("issued", "issued"),
    }


def test_invoice_filters(client, staff, district, other_district):
    a = contract_with_rent(organisation=district)
    b = contract_with_rent(organisation=other_district)
    oct_run = issue_rent_run(period=OCT, actor=staff)
    issue_rent_run(period=DEC, actor=staff)
    inv = {(i.contract_id, i.period): i for i in Invoice.objects.all()}
    paid = set_invoice_state(inv[a.pk, OCT], Invoice.State.PAID, balance=Decimal("0.00"))
    client.force_login(staff)

    def found(**params):
        return _ids(client.get(INVOICES, params))

    assert found(period="2026-12") == {inv[a.pk, DEC].pk, inv[b.pk, DEC].pk}
    assert found(period="2026-11") == set()
    assert found(customer=b.customer_id) == {inv[b.pk, OCT].pk, inv[b.pk, DEC].pk}
    assert found(contract=a.pk) == {inv[a.pk, OCT].pk, inv[a.pk, DEC].pk}
    assert found(status="paid") == {paid.pk}
    assert found(status="issued", period="2026-10") == {inv[b.pk, OCT].pk}
    assert found(run=oct_run.pk) == {inv[a.pk, OCT].pk, inv[b.pk, OCT].pk}
    assert len(found()) == 4


@pytest.mark.parametrize("params, field", [
    ({"period": "2026-13"}, "period"),
    ({"period": "202612"}, "period"),
    ({"period": "december"}, "period"),
    ({"period": "2026-1"}, "period"),
    ({"status": "unpaid"}, "status"),
    ({"customer": "x"}, "customer"),
    ({"contract": "1.5"}, "contract"),
])
def test_a_bad_filter_value_is_a_field_error(client, staff, params, field):
    client.force_login(staff)

    response = client.get(INVOICES, params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


# --- The PDF -------------------------------------------------------------------------------------------


def test_the_pdf_of_anothers_invoice_is_404_and_nothing_is_recorded(client, citizen, staff, district):
    no_rights = RepresentativeFactory(agent=citizen.person, may_see_invoices=False).person
    for person in (no_rights, PersonFactory()):
        contract_with_rent(organisation=district, customer=person)
    issue_rent_run(period=DEC, actor=staff)
    client.force_login(citizen)

    for invoice in Invoice.objects.all():
        assert client.get(f"{INVOICES}{invoice.pk}/pdf/").status_code == 404
        assert client.get(f"{INVOICES}{invoice.pk}/pdf/", HTTP_ACCEPT="application/pdf").status_code == 404

    assert _exports() == 0


@pytest.mark.parametrize("accept", ["*/*", "application/pdf"])
def test_the_pdf_is_a_pdf_and_recorded_as_an_export(client, citizen, staff, district, accept):
    contract_with_rent(organisation=district, customer=citizen.person)
    issue_rent_run(period=DEC, actor=staff)
    invoice = Invoice.objects.get()
    client.force_login(citizen)

    response = client.get(f"{INVOICES}{invoice.pk}/pdf/", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(event_type="export")
    assert (event.actor, event.object_id, event.reason) == (citizen, str(invoice.pk), "invoice PDF (api)")


# --- Token authentication for an integration ---------------------------------------------------------


def test_an_integration_user_works_with_a_token(client, staff, district):
    integration = UserFactory(username="agresso-integration")
    integration.groups.add(Group.objects.get(name="service_staff"))
    token = Token.objects.create(user=integration)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    contract_with_rent(organisation=district)
    run = issue_rent_run(period=DEC, actor=staff)

    assert _ids(client.get(INVOICES, {"period": "2026-12"}, **auth)) == {Invoice.objects.get().pk}
    assert _ids(client.get(RUNS, **auth)) == {run.pk}
    assert client.get(INVOICES, HTTP_AUTHORIZATION="Token wrong").status_code == 401


# --- Query counts ---------------------------------------------------------------------------------------


def _contracts(n, **kwargs):
    for _ in range(n):
        contract_with_rent(**kwargs)


@pytest.mark.parametrize("who", ["staff", "officer"])
def test_invoice_list_runs_a_constant_number_of_queries(client, staff, district, who, request):
    _contracts(10, organisation=district)
    issue_rent_run(period=NOV, actor=staff)
    client.force_login(request.getfixturevalue(who))
    few = _queries(client, INVOICES)

    _contracts(90, organisation=district)
    issue_rent_run(period=OCT, actor=staff)
    issue_rent_run(period=DEC, actor=staff)
    many = _queries(client, INVOICES)

    assert Invoice.objects.count() == 210
    assert many == few


def test_citizen_invoice_list_runs_a_constant_number_of_queries(client, citizen, staff, district):
    contract_with_rent(organisation=district, customer=citizen.person)
    issue_rent_run(period=NOV, actor=staff)
    client.force_login(citizen)
    few = _queries(client, INVOICES)

    for _ in range(5):
        ward = RepresentativeFactory(agent=citizen.person, may_see_invoices=True).person
        contract_with_rent(organisation=district, customer=ward)
    _contracts(3, organisation=district, customer=citizen.person)
    issue_rent_run(period=DEC, actor=staff)
    many = _queries(client, INVOICES)

    assert len(client.get(INVOICES).json()["results"]) == 1 + 9
    assert many == few


def test_run_list_runs_a_constant_number_of_queries(client, staff, district):
    contract_with_rent(organisation=district)
    issue_rent_run(period=DEC, actor=staff)
    client.force_login(staff)
    few = _queries(client, RUNS)

    for period in (OCT, NOV):
        issue_rent_run(period=period, actor=staff)
    services.run_for(period=dt.date(2026, 9, 1), kind=RunKind.INTERNAL)
    many = _queries(client, RUNS)

    assert InvoiceRun.objects.count() == 4
    assert many == few


# --- The schema ----------------------------------------------------------------------------------------


def test_the_committed_schema_describes_the_invoicing_endpoints():
    schema = yaml.safe_load((settings.BASE_DIR / "openapi.yaml").read_text(encoding="utf-8"))

    assert {"/api/v1/invoice-runs/", "/api/v1/invoice-runs/{id}/", "/api/v1/invoices/",
            "/api/v1/invoices/{id}/", "/api/v1/invoices/{id}/pdf/"} <= set(schema["paths"])
    invoice = schema["components"]["schemas"]["Invoice"]["properties"]
    assert {"id", "number", "ocr_reference", "period", "due_date", "total", "balance", "status",
            "customer", "contract"} <= set(invoice)
    pdf = schema["paths"]["/api/v1/invoices/{id}/pdf/"]["get"]["responses"]
    assert set(pdf["200"]["content"]) == {"application/pdf"} and "404" in pdf
    parameters = {p["name"] for p in schema["paths"]["/api/v1/invoices/"]["get"]["parameters"]}
    assert {"period", "customer", "contract", "status"} <= parameters
