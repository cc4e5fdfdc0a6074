"""The district portal's SF1015 pages: an officer asks for a deferral or a payment plan for their own
administration's invoices (the delegation decides whether it is referred), follows its state, decides
what is referred on the "Beslut" page, and reads the monthly report (page and CSV). Another district's
officer sees nothing (404) and changes nothing. Lists run a constant number of queries."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from debt_collection import plans
from debt_collection.plan_models import Deferral, PaymentPlan
from hyresadmin.models import AuditEvent
from tests.debt_collection.plan_factories import TODAY, rent_invoice, rent_invoices

pytestmark = pytest.mark.django_db

NEW = reverse("plans:request_new")
LIST = reverse("plans:request_list")
DECISIONS = reverse("plans:decision_list")
REPORT = reverse("plans:report")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def invoice(staff, district):
    return rent_invoice(staff, organisation=district)


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def _deferral_data(invoice, new_due="2026-12-30", **extra):
    return {"invoices": [invoice.pk], "kind": "deferral", "new_due_date": new_due, "reason": "Sjukdom", **extra}


def _plan_data(invoice, count=3, first="2026-12-15", **extra):
    return {"invoices": [invoice.pk], "kind": "payment_plan", "instalment_count": count, "first_due_date": first,
            "reason": "Arbetslös", **extra}


@pytest.mark.parametrize(("data", "model", "state"), [
    (lambda i: _deferral_data(i, "2026-12-30"), Deferral, "requested"),    # one month: at the limit
    (lambda i: _deferral_data(i, "2026-12-31"), Deferral, "referred"),     # one day past
    (lambda i: _plan_data(i, 3), PaymentPlan, "requested"),                # three months
    (lambda i: _plan_data(i, 4), PaymentPlan, "referred"),                 # one month past
])
def test_the_form_registers_the_request_and_the_delegation_decides(officer_client, invoice, data, model, state):
    response = officer_client.post(NEW, data(invoice), follow=True)
    assert response.status_code == 200
    created = model.objects.get()
    assert created.state == state and list(created.invoices.all()) == [invoice]
    assert response.redirect_chain[-1][0].endswith(f"/{created.pk}/")


@pytest.mark.parametrize(("new_due", "state"), [("2027-01-30", "requested"), ("2027-01-31", "referred")])
def test_a_first_months_rent_with_double_housing_may_be_deferred_two_months(officer_client, staff, district,
                                                                             new_due, state):
    invoice = rent_invoice(staff, organisation=district, start=dt.date(2026, 12, 1))
    officer_client.post(NEW, _deferral_data(invoice, new_due, double_housing="on"))
    deferral = Deferral.objects.get()
    assert deferral.state == state and deferral.first_rent and deferral.double_housing


def test_the_form_offers_only_the_administrations_open_invoices(officer_client, staff, district):
    mine, theirs = rent_invoices(staff, {"organisation": district}, {})
    page = officer_client.get(NEW).content.decode()
    assert str(mine.number) in page and str(theirs.number) not in page
    response = officer_client.post(NEW, _deferral_data(theirs))
    assert response.status_code == 200 and not Deferral.objects.exists()
    assert "error-summary" in response.content.decode()


def test_missing_fields_rerender_with_errors_and_nothing_is_written(officer_client, invoice):
    for data in ({"invoices": [invoice.pk], "kind": "deferral", "reason": "x"},
                 {"invoices": [invoice.pk], "kind": "payment_plan", "reason": "x"},
                 _deferral_data(invoice, reason=""),
                 _deferral_data(invoice, new_due="2026-11-20")):
        response = officer_client.post(NEW, data)
        assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert not Deferral.objects.exists() and not PaymentPlan.objects.exists()


def test_an_attachment_is_checked_by_its_content(officer_client, invoice):
    fake = SimpleUploadedFile("intyg.pdf", b"not a pdf at all", content_type="application/pdf")
    response = officer_client.post(NEW, _deferral_data(invoice, attachment=fake))
    assert response.status_code == 200 and not Deferral.objects.exists()
    pdf = SimpleUploadedFile("intyg.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    officer_client.post(NEW, _deferral_data(invoice, attachment=pdf))
    deferral = Deferral.objects.get()
    assert deferral.attachment and deferral.attachment_content_type == "application/pdf"
    download = officer_client.get(reverse("plans:attachment", args=["anstand", deferral.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_the_district_decides_a_referred_request_on_the_decisions_page(officer_client, officer, invoice):
    officer_client.post(NEW, _plan_data(invoice, 6))
    plan = PaymentPlan.objects.get()
    page = officer_client.get(DECISIONS).content.decode()
    assert f'id="plan-{plan.pk}"' in page
    decide = reverse("plans:plan_decide", args=[plan.pk])
    response = officer_client.post(decide, {"decision": "reject", "note": ""})
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert PaymentPlan.objects.get().state == PaymentPlan.State.REFERRED
    officer_client.post(decide, {"decision": "approve", "note": "Beviljas"})
    plan = PaymentPlan.objects.get()
    assert plan.state == PaymentPlan.State.DECIDED_BY_DISTRICT and plan.district_decided_by == officer
    assert f'id="plan-{plan.pk}"' not in officer_client.get(DECISIONS).content.decode()


def test_another_districts_officer_sees_nothing_and_changes_nothing(client, officer, other_officer, invoice):
    deferral = plans.deferral_request(actor=officer, organisation=officer.organisation, invoices=[invoice],
                                      new_due_date=dt.date(2027, 1, 15), reason="x")
    client.force_login(other_officer)
    assert client.get(reverse("plans:deferral_detail", args=[deferral.pk])).status_code == 404
    response = client.post(reverse("plans:deferral_decide", args=[deferral.pk]), {"decision": "approve"})
    assert response.status_code == 404 and Deferral.objects.get().state == Deferral.State.REFERRED
    assert str(invoice.number) not in client.get(LIST).content.decode()
    assert f'id="deferral-{deferral.pk}"' not in client.get(DECISIONS).content.decode()
    assert client.get(reverse("plans:attachment", args=["anstand", deferral.pk])).status_code == 404


def test_another_districts_officer_cannot_see_or_decide_a_plan(client, officer, other_officer, invoice):
    plan = plans.payment_plan_request(actor=officer, organisation=officer.organisation, invoices=[invoice],
                                      instalment_count=6, first_due_date=dt.date(2026, 12, 15), reason="x")
    client.force_login(other_officer)
    assert client.get(reverse("plans:plan_detail", args=[plan.pk])).status_code == 404
    response = client.post(reverse("plans:plan_decide", args=[plan.pk]), {"decision": "approve"})
    assert response.status_code == 404 and PaymentPlan.objects.get().state == PaymentPlan.State.REFERRED


def test_citizens_and_anonymous_users_do_not_reach_the_portal(client, citizen):
    assert client.get(LIST).status_code == 302
    client.force_login(citizen)
    assert client.get(LIST).status_code == 403 and client.get(REPORT).status_code == 403


def test_the_list_runs_a_constant_number_of_queries(officer_client, officer, staff, district,
                                                    django_assert_max_num_queries):
    invoices = rent_invoices(staff, *({"organisation": district} for _ in range(6)))
    for invoice in invoices[:3]:
        plans.deferral_request(actor=officer, organisation=district, invoices=[invoice],
                               new_due_date=dt.date(2026, 12, 15), reason="x")
    for invoice in invoices[3:]:
        plans.payment_plan_request(actor=officer, organisation=district, invoices=[invoice], instalment_count=2,
                                   first_due_date=dt.date(2026, 12, 15), reason="x")
    with CaptureQueriesContext(connection) as few:
        officer_client.get(LIST)
    more = rent_invoices(staff, *({"organisation": district} for _ in range(4)), period=dt.date(2027, 1, 1))
    for invoice in more:
        plans.deferral_request(actor=officer, organisation=district, invoices=[invoice],
                               new_due_date=dt.date(2027, 1, 15), reason="x")
    with django_assert_max_num_queries(len(few)):
        response = officer_client.get(LIST)
    page = response.content.decode()
    assert len(re.findall(r'id="deferral-\d', page)) == 7 and len(re.findall(r'id="plan-\d', page)) == 3


def test_the_monthly_report_is_scoped_and_downloads_as_csv(officer_client, client, officer, other_officer, staff,
                                                           invoice):
    plan = plans.payment_plan_approve(actor=staff, plan=plans.payment_plan_request(
        actor=officer, organisation=officer.organisation, invoices=[invoice], instalment_count=3,
        first_due_date=dt.date(2026, 12, 15), reason="x"))
    page = officer_client.get(REPORT, {"month": "2026-11"}).content.decode()
    assert f'id="report-plan-{plan.pk}"' in page
    csv = officer_client.get(REPORT, {"month": "2026-11", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    body = csv.content.decode("utf-8-sig")
    assert invoice.customer.full_name in body and "5400,00" in body
    assert AuditEvent.objects.filter(event_type="export", reason__contains="payment plan report").exists()
    client.force_login(other_officer)
    assert f'id="report-plan-{plan.pk}"' not in client.get(REPORT, {"month": "2026-11"}).content.decode()
    client.force_login(staff)
    assert f'id="report-plan-{plan.pk}"' in client.get(REPORT, {"month": "2026-11"}).content.decode()


def test_the_plan_page_shows_the_instalments_with_their_ocr_references(officer_client, officer, staff, invoice):
    plan = plans.payment_plan_approve(actor=staff, plan=plans.payment_plan_request(
        actor=officer, organisation=officer.organisation, invoices=[invoice], instalment_count=2,
        first_due_date=dt.date(2026, 12, 15), reason="x"))
    page = officer_client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    for instalment in plan.instalments.select_related("invoice"):
        assert instalment.invoice.ocr_reference in page
    assert Decimal("2700.00") == plan.instalments.first().amount


def test_an_instalment_of_a_running_plan_is_refused_on_the_form_in_swedish(officer_client, officer, staff,
                                                                           invoice):
    plan = plans.payment_plan_request(actor=officer, organisation=officer.organisation, invoices=[invoice],
                                      instalment_count=3, first_due_date=dt.date(2026, 12, 15), reason="x")
    plan = plans.payment_plan_approve(actor=staff, plan=plan)
    first = plan.instalments.select_related("invoice").first().invoice
    response = officer_client.post(NEW, _plan_data(first, count=2, first="2027-01-15"))
    page = response.content.decode()
    assert response.status_code == 200 and "error-summary" in page
    assert "avbetalningsplan som löper" in page and str(first.number) in page
    assert PaymentPlan.objects.count() == 1 and not Deferral.objects.exists()


def test_the_monthly_report_downloads_as_excel_with_the_numbers_of_the_csv(officer_client, client, officer,
                                                                            other_officer, staff, invoice):
    import csv as csvlib
    import io

    from openpyxl import load_workbook

    plan = plans.payment_plan_approve(actor=staff, plan=plans.payment_plan_request(
        actor=officer, organisation=officer.organisation, invoices=[invoice], instalment_count=3,
        first_due_date=dt.date(2026, 12, 15), reason="x"))
    page = officer_client.get(REPORT, {"month": "2026-11"}).content.decode()
    assert 'id="report-xlsx"' in page and "format=xlsx" in page
    response = officer_client.get(REPORT, {"month": "2026-11", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'avbetalningsplaner-2026-11.xlsx' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(table) if r[0] == "Avbetalningsplan")
    xlsx_rows = [r for r in table[header_at + 1:] if r[0] is not None]
    csv_body = officer_client.get(REPORT, {"month": "2026-11", "format": "csv"}).content.decode("utf-8-sig")
    csv_rows = list(csvlib.reader(io.StringIO(csv_body), delimiter=";"))
    assert list(table[header_at]) == csv_rows[0]
    assert len(xlsx_rows) == len(csv_rows) - 1 == 1
    row, csv_row = xlsx_rows[0], csv_rows[1]
    assert row[0] == plan.pk and str(row[0]) == csv_row[0]
    assert row[5] == 5400 and f"{row[5]:.2f}".replace(".", ",") == csv_row[5] == "5400,00"
    assert f"{row[6]:.2f}".replace(".", ",") == csv_row[6]
    assert row[9].date().isoformat() == csv_row[9] and [row[7], row[8], row[10]] == [
        int(csv_row[7]), int(csv_row[8]), int(csv_row[10])]
    assert AuditEvent.objects.filter(event_type="export", reason__contains="(xlsx)").exists()
    client.force_login(other_officer)
    other = load_workbook(io.BytesIO(client.get(REPORT, {"month": "2026-11", "format": "xlsx"}).content)).active
    assert plan.pk not in [r[0] for r in other.iter_rows(values_only=True)]
