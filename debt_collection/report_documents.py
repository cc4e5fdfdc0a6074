"""The unpaid-rent report as files: a PDF (WeasyPrint, ``templates/pdf/unpaid_report.html``) and an XLSX
workbook (openpyxl) with the same rows and numbers, in Swedish. ``table_xlsx`` lays out any other
report of one table the same way (the monthly payment-plan report).

Both lay out ``unpaid_report.ReportData`` and decide nothing: which invoices are unpaid, the masked
personal identity numbers and the missing address of a protected identity come from there. In the
XLSX, amounts are numbers (kronor, two decimals) and dates are dates, so that the district can sum
and filter; a subtotal row closes each housing form and a total row the district.
"""

from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import override, pgettext

from invoicing.documents import format_kronor, period_label

from .unpaid_report import ReportData, ReportRow

__all__ = ["report_html", "report_pdf", "report_xlsx", "table_xlsx"]

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"


def _representatives(row: ReportRow) -> str:
    return "; ".join(f"{rep.name} ({rep.kind_label})" for rep in row.representatives)


def _address(row: ReportRow) -> str:
    if row.protected_identity:
        return _("Protected identity: no address")
    return row.address


def _context(data: ReportData) -> dict:
    """Everything the PDF prints, formatted (call inside ``override("sv")``)."""
    return {
        "data": data,
        "organisation": data.organisation,
        "month": period_label(data.month),
        "report_date": data.report_date.isoformat(),
        "groups": [
            {"label": group.label, "invoice_count": group.invoice_count,
             "customer_count": group.customer_count, "total": format_kronor(group.total),
             "rows": [{"row": row, "address": _address(row), "balance": format_kronor(row.balance),
                       "representatives": _representatives(row)} for row in group.rows]}
            for group in data.groups
        ],
        "invoice_count": data.invoice_count,
        "customer_count": data.customer_count,
        "total": format_kronor(data.total),
    }


def report_html(data: ReportData) -> str:
    with override("sv"):
        return render_to_string("pdf/unpaid_report.html", _context(data))


def report_pdf(data: ReportData) -> bytes:
    from weasyprint import HTML  # lazy: heavy import, only in workers and on demand

    return HTML(string=report_html(data), base_url=str(settings.BASE_DIR)).write_pdf(pdf_variant="pdf/ua-1")


def _headings() -> list[str]:
    return [_("Housing form"), _("Customer"), _("Personal identity number"), _("Contract"), _("Object"),
            _("Address"), _("Invoice number"), _("Period"), pgettext("invoice", "Due date"), _("Days overdue"),
            _("Balance (kr)"), _("Status"), _("Representatives")]


def _bold_row(sheet) -> None:
    from openpyxl.styles import Font

    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _set_widths(sheet, widths) -> None:
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def _save(book) -> bytes:
    book.properties.creator = _("Service administration, rent administration")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_xlsx(*, title: str, about: list[tuple[str, object]], headings: list[str], rows: list[list],
               money_columns=(), date_columns=(), widths=()) -> bytes:
    """One sheet: a title, ``about`` rows (label, value), bold headings, then ``rows``; the 1-based
    ``money_columns`` get the kronor format and ``date_columns`` the date format. Texts as given
    (translate them before)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in about:
        sheet.append([label, value])
        if isinstance(value, (dt.date,)):
            sheet.cell(sheet.max_row, 2).number_format = DATE_FORMAT
    sheet.append([])
    sheet.append(headings)
    _bold_row(sheet)
    header_row = sheet.max_row
    for values in rows:
        sheet.append(values)
        for column in money_columns:
            sheet.cell(sheet.max_row, column).number_format = MONEY_FORMAT
        for column in date_columns:
            sheet.cell(sheet.max_row, column).number_format = DATE_FORMAT
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    _set_widths(sheet, widths)
    return _save(book)


def report_xlsx(data: ReportData) -> bytes:
    """The report as an Excel workbook: one sheet of rows with subtotals, one of totals per housing form."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    with override("sv"):
        book = Workbook()
        sheet = book.active
        sheet.title = _("Unpaid rents")[:31]
        sheet.append([_("Unpaid rents") + f" – {data.organisation.name}"])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([_("Month"), f"{data.month:%Y-%m}"])
        sheet.append([_("Report date"), data.report_date])
        sheet["B3"].number_format = DATE_FORMAT
        sheet.append([])
        headings = _headings()
        sheet.append(headings)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        header_row = sheet.max_row
        for group in data.groups:
            for row in group.rows:
                sheet.append([
                    group.label, row.customer_name, row.personal_number, row.contract_number,
                    row.object_number, _address(row), row.invoice_number, row.period_label, row.due_date,
                    row.days_overdue, row.balance, row.state_label, _representatives(row),
                ])
                sheet.cell(sheet.max_row, 9).number_format = DATE_FORMAT
                sheet.cell(sheet.max_row, 11).number_format = MONEY_FORMAT
            sheet.append([_("Total %(label)s") % {"label": group.label}, None, None, None, None,
                          None, group.invoice_count, None, None, None, group.total])
            for cell in sheet[sheet.max_row]:
                cell.font = bold
            sheet.cell(sheet.max_row, 11).number_format = MONEY_FORMAT
        sheet.append([_("Total for the administration"), None, None, None, None, None, data.invoice_count,
                      None, None, None, data.total])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        sheet.cell(sheet.max_row, 11).number_format = MONEY_FORMAT
        sheet.freeze_panes = sheet.cell(header_row + 1, 1)
        widths = [28, 24, 16, 14, 12, 30, 14, 9, 12, 10, 14, 14, 40]
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width

        totals = book.create_sheet(_("Per housing form")[:31])
        totals.append([_("Housing form"), _("Customers"), _("Unpaid invoices"), _("Total (kr)")])
        for cell in totals[1]:
            cell.font = bold
        for group in data.groups:
            totals.append([group.label, group.customer_count, group.invoice_count, group.total])
            totals.cell(totals.max_row, 4).number_format = MONEY_FORMAT
        totals.append([_("Total for the administration"), data.customer_count, data.invoice_count,
                       data.total])
        for cell in totals[totals.max_row]:
            cell.font = bold
        totals.cell(totals.max_row, 4).number_format = MONEY_FORMAT
        for i, width in enumerate([40, 12, 16, 16], start=1):
            totals.column_dimensions[get_column_letter(i)].width = width
        return _save(book)
