"""A district officer's unpaid-rent report in a real browser: log in, open "Unpaid rents" from the start
page, see only their own administration's report, open it, and download the Excel file, which holds
the unpaid invoices and the district's total; axe-core on the list and the report page.

The ledger is issued by the real rent runs on their days and the reports are made by the service on the
report day (the clock travelled for that); the browser then runs today. Selectors use ids and hrefs,
so the test does not care whether the Swedish translations are compiled.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from debt_collection import unpaid_report
from hyresadmin.models import AuditEvent
from tests.debt_collection.unpaid_report_ledger import MONTH, REPORT_DAY, at, build_ledger

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password

pytestmark = pytest.mark.e2e


def test_officer_opens_and_downloads_their_unpaid_rent_report(page, staff, officer, district, other_district,
                                                              assert_accessible):
    build_ledger(staff=staff, district=district, other_district=other_district)
    with at(REPORT_DAY):
        made = {r.organisation_id: r for r in unpaid_report.unpaid_reports_make(
            actor="test", month=MONTH, report_date=REPORT_DAY)}
    ours, theirs = made[district.pk], made[other_district.pk]

    page.goto("/forvaltning/login/")
    page.locator("#id_username").fill("officer")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/forvaltning/$"))

    page.locator('main a[href="/forvaltning/obetalda-hyror/"]').click()
    expect(page).to_have_url(re.compile(r"/forvaltning/obetalda-hyror/$"))
    expect(page.locator(f"#report-{ours.pk}")).to_contain_text("2026-12")
    expect(page.locator(f"#report-{theirs.pk}")).to_have_count(0)
    expect(page.locator("#report-table tbody tr")).to_have_count(1)
    assert_accessible(page)

    page.locator(f'#report-{ours.pk} a[href="/forvaltning/obetalda-hyror/{ours.pk}/"]').click()
    expect(page).to_have_url(re.compile(rf"/forvaltning/obetalda-hyror/{ours.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026-12")
    expect(page.locator("#report-total")).to_contain_text("4")
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.locator("#download-xlsx").click()
    download = download_info.value
    assert download.suggested_filename == "obetalda-hyror-SOD-2026-12.xlsx"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    customers = {row[1] for row in rows if row[2] and str(row[2]).endswith("-****")}
    assert customers == {"Karin Berg", "Lars Holm", "Sara Dold"}
    assert Decimal(str(rows[-1][10])) == Decimal("17900.00")
    assert AuditEvent.objects.for_object(ours).filter(event_type=AuditEvent.Type.EXPORT,
                                                      actor=officer).count() == 1

    # Another administration's report is not there for this officer, whatever the address.
    response = page.request.get(f"/forvaltning/obetalda-hyror/{theirs.pk}/xlsx/")
    assert response.status == 404
