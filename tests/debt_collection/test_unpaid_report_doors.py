"""The unpaid-rent reports through the doors: the district portal (a district officer sees and downloads
only their own administration's reports; another's is a 404 and nothing is recorded) and the admin
(staff see every report read-only, download them, and make a month's reports again)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from debt_collection import unpaid_report
from debt_collection.models import UnpaidReport
from hyresadmin.models import AuditEvent
from tests.debt_collection.unpaid_report_ledger import MONTH, REPORT_DAY, at, build_ledger

LIST = "/forvaltning/obetalda-hyror/"


@pytest.fixture
def reports(staff, district, other_district):
    build_ledger(staff=staff, district=district, other_district=other_district)
    with at(REPORT_DAY):
        made = unpaid_report.unpaid_reports_make(actor="test", month=MONTH, report_date=REPORT_DAY)
    return {r.organisation_id: r for r in made}


def _exports(report) -> int:
    return AuditEvent.objects.for_object(report).filter(event_type=AuditEvent.Type.EXPORT).count()


# --- The district portal -------------------------------------------------------------------------------


def test_the_portal_start_page_links_to_the_reports(client, officer):
    client.force_login(officer)
    assert LIST in client.get("/forvaltning/").content.decode()


def test_an_officer_sees_only_their_own_administrations_reports(client, officer, reports, district,
                                                                other_district, django_assert_max_num_queries):
    client.force_login(officer)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.status_code == 200
    assert [r.pk for r in response.context["reports"]] == [reports[district.pk].pk]
    html = response.content.decode()
    assert f"/forvaltning/obetalda-hyror/{reports[district.pk].pk}/xlsx/" in html
    assert f"/forvaltning/obetalda-hyror/{reports[other_district.pk].pk}/" not in html


def test_the_report_page_shows_the_numbers_per_housing_form(client, officer, reports, district):
    client.force_login(officer)
    response = client.get(f"{LIST}{reports[district.pk].pk}/")
    assert response.status_code == 200
    assert [(g["housing_form"], g["invoices"], g["total"]) for g in response.context["groups"]] == [
        ("care_home", 2, "9400.00"), ("service_house", 1, "5500.00"), ("fot", 1, "3000.00")]
    html = response.content.decode()
    assert "17\u00a0900,00 kr" in html or "17 900,00 kr" in html
    assert "Karin" not in html  # names only in the files


def test_an_officer_downloads_their_reports_and_the_download_is_recorded(client, officer, reports, district):
    from openpyxl import load_workbook

    report = reports[district.pk]
    client.force_login(officer)
    xlsx = client.get(f"{LIST}{report.pk}/xlsx/")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "obetalda-hyror-SOD-2026-12.xlsx" in xlsx["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert any(row[1] == "Karin Berg" for row in book.worksheets[0].iter_rows(values_only=True))
    pdf = client.get(f"{LIST}{report.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert _exports(report) == 2


def test_another_administrations_report_is_a_404_and_nothing_is_recorded(client, other_officer, reports,
                                                                        district):
    report = reports[district.pk]
    client.force_login(other_officer)
    for path in ("", "pdf/", "xlsx/"):
        assert client.get(f"{LIST}{report.pk}/{path}").status_code == 404
    assert _exports(report) == 0


def test_an_unknown_format_or_a_tampered_file_is_a_404(client, officer, reports, district):
    report = reports[district.pk]
    client.force_login(officer)
    assert client.get(f"{LIST}{report.pk}/csv/").status_code == 404
    UnpaidReport.objects.filter(pk=report.pk).update(xlsx_sha256="0" * 64)
    assert client.get(f"{LIST}{report.pk}/xlsx/").status_code == 404
    assert _exports(report) == 0


def test_staff_and_citizens_are_not_let_into_the_portal_pages(client, staff, citizen, reports, district):
    for user in (staff, citizen):
        client.force_login(user)
        assert client.get(LIST).status_code == 403
        assert client.get(f"{LIST}{reports[district.pk].pk}/xlsx/").status_code == 403
    client.logout()
    assert client.get(LIST).status_code == 302


# --- The admin -----------------------------------------------------------------------------------------

ADMIN = "/admin/debt_collection/unpaidreport/"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_staff_see_every_report_read_only(staff_client, reports):
    response = staff_client.get(ADMIN)
    assert response.status_code == 200
    assert {r.pk for r in response.context["cl"].result_list} == {r.pk for r in reports.values()}
    report = next(iter(reports.values()))
    page = staff_client.get(f"{ADMIN}{report.pk}/change/")
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert staff_client.get(f"{ADMIN}add/").status_code == 403
    assert staff_client.post(f"{ADMIN}{report.pk}/delete/", {"post": "yes"}).status_code == 403
    assert UnpaidReport.objects.count() == 2


def test_staff_download_from_the_admin(staff_client, reports, district):
    report = reports[district.pk]
    response = staff_client.get(reverse("admin:debt_collection_unpaidreport_download", args=[report.pk, "pdf"]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert _exports(report) == 1


def test_staff_make_the_selected_reports_again(staff_client, staff, reports, district):
    from tests.invoicing.factories import set_invoice_state

    report = reports[district.pk]
    for invoice in report.organisation.invoices.filter(state="reminded"):
        set_invoice_state(invoice, "paid", balance=Decimal("0.00"))
    with at(REPORT_DAY + dt.timedelta(days=3)):
        staff_client.force_login(staff)  # the session is as old as the travelled clock says
        response = staff_client.post(ADMIN, {"action": "make_again", "_selected_action": [report.pk]},
                                     follow=True)
    assert response.status_code == 200
    report.refresh_from_db()
    assert (report.invoice_count, report.total, report.made_by) == (3, Decimal("14900.00"), staff)
    assert UnpaidReport.objects.count() == 2
    assert any("2026-12" in str(m) for m in get_messages(response.wsgi_request))


def test_staff_make_a_whole_month_by_the_form_and_bad_input_is_refused(staff_client, staff, reports):
    url = reverse("admin:debt_collection_unpaidreport_make")
    with at(REPORT_DAY + dt.timedelta(days=1)):
        staff_client.force_login(staff)
        assert staff_client.get(url).status_code == 200
        bad = staff_client.post(url, {"month": "december"})
        assert bad.status_code == 200 and bad.context["form"].errors["month"]
        early = staff_client.post(url, {"month": "2027-01"})
        assert early.context["form"].errors["month"]
        done = staff_client.post(url, {"month": "2026-12"})
    assert done.status_code == 302
    assert UnpaidReport.objects.count() == 2
    assert set(UnpaidReport.objects.values_list("report_date", flat=True)) == {REPORT_DAY + dt.timedelta(days=1)}
    assert not UnpaidReport.objects.filter(month=dt.date(2027, 1, 1)).exists()


def test_the_role_may_view_and_make_reports_again(staff):
    assert staff.has_perm("debt_collection.view_unpaidreport")
    assert staff.has_perm("debt_collection.change_unpaidreport")
