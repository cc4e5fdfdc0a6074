"""The quarterly proof that every contract was invoiced (DOMAIN.md "Monthly invoicing").

For every contract that was active on any day of the quarter, and for each month of the quarter in
which it was active (a contract starting 15 March needs March; one ending 10 May needs May but not
June), the report looks for the document the month needs:

* a customer contract (external, city-internal): a rent invoice (run kind ``rent``);
* a vacancy or administration-internal contract: an accounting order (run kind ``internal``).

Every month without one is an exception, and so is a month whose document was cancelled and not
issued again. A contract still **preliminary** although its start date falls in or before the quarter
is listed too: it is not invoiced until it is resolved with the district.

The job runs on the first working day of January, April, July and October for the quarter just ended:
by then the rent invoices of all three months were issued (in advance) and the accounting orders of
the last month on its second-to-last working day. The report holds no personal data: contracts,
objects and organisations only.

Reading the report costs two queries whatever the number of contracts.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from contracts.models import RentalContract
from hyresadmin.calendar import nth_working_day

from . import periods
from .models import Invoice, RunKind

__all__ = ["QUARTER_MONTHS", "Report", "ReportRow", "Status", "is_report_day", "parse_quarter",
           "quarter_label", "quarter_to_report", "quarterly_invoicing_report", "report_csv"]

QUARTER_MONTHS = (1, 4, 7, 10)
CUSTOMER_KINDS = (RentalContract.Kind.EXTERNAL, RentalContract.Kind.CITY_INTERNAL)
#: Contracts that were invoiced, or should have been, while in these states.
REPORTED_STATES = (*RentalContract.CURRENT_STATES, RentalContract.State.TERMINATED,
                   RentalContract.State.PRELIMINARY)

_QUARTER = re.compile(r"([0-9]{4})-Q([1-4])")


class Status:
    INVOICED = "invoiced"
    MISSING = "missing"
    CANCELLED = "cancelled"
    PRELIMINARY = "preliminary"

    LABELS = {
        INVOICED: gettext_lazy("Invoiced"),
        MISSING: gettext_lazy("Missing"),
        CANCELLED: gettext_lazy("Cancelled and not issued again"),
        PRELIMINARY: gettext_lazy("The contract is preliminary: not invoiced"),
    }


# --- Quarters ------------------------------------------------------------------------------------------


def _check_quarter_start(quarter_start: date) -> None:
    if quarter_start.day != 1 or quarter_start.month not in QUARTER_MONTHS:
        raise ValueError(f"A quarter starts on 1 January, April, July or October, got {quarter_start}.")


def quarter_label(quarter_start: date) -> str:
    """``date(2026, 7, 1)`` → ``"2026-Q3"``."""
    _check_quarter_start(quarter_start)
    return f"{quarter_start.year}-Q{(quarter_start.month - 1) // 3 + 1}"


def parse_quarter(text: str) -> date:
    """``"2026-Q3"`` → ``date(2026, 7, 1)``; ValueError otherwise."""
    match = _QUARTER.fullmatch(text.strip())
    if not match:
        raise ValueError(f"A quarter is written YYYY-QN, got {text!r}.")
    return date(int(match[1]), (int(match[2]) - 1) * 3 + 1, 1)


def quarter_months(quarter_start: date) -> list[date]:
    _check_quarter_start(quarter_start)
    first = quarter_start
    second = periods.next_period(first)
    return [first, second, periods.next_period(second)]


def is_report_day(today: date) -> bool:
    """The first working day of January, April, July and October."""
    return today.month in QUARTER_MONTHS and today == nth_working_day(today.year, today.month, 1)


def quarter_to_report(today: date) -> date:
    """The start of the quarter before the one ``today`` is in."""
    current = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return date(current.year - 1, 10, 1) if current.month == 1 else date(current.year, current.month - 3, 1)


# --- The report ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    contract_id: int
    contract_number: str
    contract_kind: str
    object_number: str
    organisation_code: str
    month: date
    expected_kind: str  # RunKind: rent (invoice) or internal (accounting order)
    status: str  # Status.*
    invoice_number: int | None = None
    invoice_state: str = ""

    @property
    def is_exception(self) -> bool:
        return self.status != Status.INVOICED

    @property
    def expected_document(self) -> str:
        return (Invoice.DocumentType.INVOICE if self.expected_kind == RunKind.RENT
                else Invoice.DocumentType.ACCOUNTING_ORDER)


@dataclass
class Report:
    quarter_start: date
    months: list[date]
    rows: list[ReportRow] = field(default_factory=list)

    @property
    def period(self) -> str:
        return quarter_label(self.quarter_start)

    @property
    def exceptions(self) -> list[ReportRow]:
        return [row for row in self.rows if row.is_exception]

    @property
    def counts(self) -> dict[str, int]:
        counts = {"contracts": len({row.contract_id for row in self.rows}), "months": len(self.rows),
                  "invoiced": 0, "exceptions": 0, Status.MISSING: 0, Status.CANCELLED: 0,
                  Status.PRELIMINARY: 0}
        for row in self.rows:
            if row.is_exception:
                counts["exceptions"] += 1
                counts[row.status] += 1
            else:
                counts["invoiced"] += 1
        return counts


def quarterly_invoicing_report(*, quarter_start: date) -> Report:
    """For every contract active in the quarter, the document each of its months needs, found or not."""
    months = quarter_months(quarter_start)
    first, last = months[0], periods.period_end(months[-1])
    contracts = list(
        RentalContract.objects.filter(state__in=REPORTED_STATES, start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .select_related("rental_object", "organisation")
        .only("pk", "number", "kind", "state", "start_date", "end_date", "rental_object__object_number",
              "organisation__code")
        .order_by("organisation__code", "number", "pk")
    )
    found: dict[tuple[int, date, str], tuple[int, str]] = {
        (contract_id, period, kind): (number, state)
        for contract_id, period, kind, number, state in Invoice.objects.filter(
            contract__isnull=False, period__in=months).values_list(
            "contract_id", "period", "kind", "number", "state")
    }
    report = Report(quarter_start=quarter_start, months=months)
    for contract in contracts:
        kind = RunKind.RENT if contract.kind in CUSTOMER_KINDS else RunKind.INTERNAL
        for month in months:
            if periods.active_days(month, contract.start_date, contract.end_date) <= 0:
                continue
            number, state = found.get((contract.pk, month, kind), (None, ""))
            if contract.state == RentalContract.State.PRELIMINARY and number is None:
                status = Status.PRELIMINARY
            elif number is None:
                status = Status.MISSING
            elif state == Invoice.State.CANCELLED:
                status = Status.CANCELLED
            else:
                status = Status.INVOICED
            report.rows.append(ReportRow(
                contract_id=contract.pk, contract_number=contract.number or "",
                contract_kind=contract.kind, object_number=contract.rental_object.object_number,
                organisation_code=contract.organisation.code, month=month, expected_kind=kind,
                status=status, invoice_number=number, invoice_state=state,
            ))
    return report


def report_csv(report: Report) -> bytes:
    """The report for staff to open in a spreadsheet: Swedish headings, ``;``-separated, UTF-8 with a
    byte-order mark (so that Excel reads å ä ö), one row per contract and month, exceptions first."""
    kinds = dict(RentalContract.Kind.choices)
    documents = dict(Invoice.DocumentType.choices)
    states = dict(Invoice.State.choices)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    with override("sv"):
        writer.writerow([_("Contract"), _("Object"), _("Contract kind"), _("Organisation"), _("Month"),
                         _("Document needed"), _("Invoice number"), _("Invoice status"), _("Result")])
        rows = sorted(report.rows, key=lambda r: (not r.is_exception, r.organisation_code,
                                                  r.contract_number, r.month))
        for row in rows:
            writer.writerow([
                row.contract_number, row.object_number, str(kinds.get(row.contract_kind, row.contract_kind)),
                row.organisation_code, f"{row.month:%Y-%m}", str(documents[row.expected_document]),
                row.invoice_number or "", str(states.get(row.invoice_state, row.invoice_state)),
                str(Status.LABELS[row.status]),
            ])
    return buffer.getvalue().encode("utf-8-sig")
