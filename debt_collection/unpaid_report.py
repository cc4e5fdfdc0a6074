"""The unpaid-rent report to the districts: what is unpaid, the report day, and the service that stores it.

DOMAIN.md "Unpaid-rent follow-up": around the 10th of each month the service administration checks
whether the rent is paid and sends each district a report of its unpaid rents, different per type of
operation, so that the district can follow up the customer and tell the god man, social secretary or
relative.

* **The report day** is the first working day on or after the 10th (``report_day``); the daily job
  (``report_tasks``) acts on that day only, once per month (``hyresadmin.jobs.run_once``).
* **Unpaid** is a rent invoice (document type invoice, kind rent) in an open state
  (``Invoice.OPEN_STATES``) whose due date is before the report date and whose balance is above zero.
* **Per district**: the contract's organisation (the invoice's when it has no contract); **split by
  housing form** (the rental object's), with subtotals, and a total per district.
* **Per row**: the customer's name and personal identity number masked after the birth date, the
  contract and the object's address — **never an address for a protected identity** —, the housing
  form, invoice number, period, due date, days overdue, balance, state (reminded, at collection, …)
  and the customer's representatives valid on the report date (name and kind).

``unpaid_rows`` reads everything in two queries whatever the number of invoices (the invoices with
their customer, contract, object and organisation; the representatives of those customers).
``unpaid_reports_make`` (the job and the admin call it) renders the PDF and the XLSX of each
organisation (``report_documents``), stores them in ``UnpaidReport`` (one per organisation and month;
made again, it replaces the month's report), records it in the audit trail and, after commit, tells
the district's officers by e-mail that the report is there (a link, nothing personal). When that
e-mail fails, ``notified_at`` stays empty and the next day's job sends it (``report_notices_resend``).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from contracts.models import HousingForm, RentalContract
from hyresadmin import audit, permissions
from hyresadmin.calendar import next_working_day_on_or_after
from hyresadmin.models import AuditEvent, Organisation, Representative
from invoicing.models import Invoice, RunKind

from .report_models import UnpaidReport

logger = logging.getLogger(__name__)

__all__ = [
    "REPORT_DAY_OF_MONTH",
    "ReportData",
    "ReportRow",
    "is_report_day",
    "mask_personal_number",
    "notify_report_ready",
    "report_notices_resend",
    "parse_month",
    "report_data",
    "report_day",
    "reports_visible_to",
    "stored_file",
    "unpaid_invoices",
    "unpaid_reports_make",
    "unpaid_rows",
]

#: The report goes out on the first working day on or after this day of the month ("around the 10th").
REPORT_DAY_OF_MONTH = 10
#: The organisations that receive the report: the districts and the specialist administrations.
REPORTED_KINDS = (Organisation.Kind.DISTRICT, Organisation.Kind.SPECIALIST)
ZERO = Decimal("0.00")

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


# --- The report day ------------------------------------------------------------------------------------


def report_day(month: date) -> date:
    """The report day of ``month``: the first working day on or after its 10th."""
    return next_working_day_on_or_after(date(month.year, month.month, REPORT_DAY_OF_MONTH))


def is_report_day(today: date) -> bool:
    return today == report_day(today)


def parse_month(text: str) -> date:
    """``"2026-12"`` → ``date(2026, 12, 1)``; ValueError otherwise."""
    match = _MONTH.fullmatch(text.strip())
    if not match:
        raise ValueError(f"A month is written YYYY-MM, got {text!r}.")
    return date(int(match[1]), int(match[2]), 1)


# --- What is unpaid ------------------------------------------------------------------------------------


def mask_personal_number(personal_number: str) -> str:
    """The birth date and a mask for the rest: ``194001011234`` → ``19400101-****``."""
    if len(personal_number) != 12:
        return "****"
    return f"{personal_number[:8]}-****"


def unpaid_invoices(*, report_date: date) -> QuerySet[Invoice]:
    """Rent invoices still open, due before ``report_date``, with something left to pay."""
    return Invoice.objects.filter(
        document_type=Invoice.DocumentType.INVOICE, kind=RunKind.RENT, state__in=Invoice.OPEN_STATES,
        due_date__lt=report_date, balance__gt=0,
    )


@dataclass(frozen=True)
class RepresentativeRow:
    name: str
    kind: str  # Representative.Kind
    kind_label: str


@dataclass(frozen=True)
class ReportRow:
    invoice_id: int
    invoice_number: int
    organisation_id: int
    housing_form: str  # HousingForm, "" when the invoice has no contract
    customer_name: str
    personal_number: str  # masked: birth date only
    protected_identity: bool
    contract_number: str
    object_number: str
    address: str  # the object's address; empty for a protected identity
    period: date
    due_date: date
    days_overdue: int
    total: Decimal
    balance: Decimal
    state: str
    state_label: str
    customer_id: int | None = None
    sort_name: str = ""  # last name first, for the order of the rows
    representatives: tuple[RepresentativeRow, ...] = ()

    @property
    def period_label(self) -> str:
        return f"{self.period:%Y-%m}"


def unpaid_rows(*, report_date: date, organisation_ids: Iterable[int] | None = None) -> list[ReportRow]:
    """Every unpaid rent invoice on ``report_date`` as a report row (two queries, whatever the count).

    ``organisation_ids`` limits the rows to those organisations (the contract's organisation).
    """
    invoices = (
        unpaid_invoices(report_date=report_date)
        .select_related("customer", "contract", "contract__rental_object")
        .only("pk", "number", "organisation_id", "period", "due_date", "total", "balance", "state",
              "customer__first_name", "customer__last_name", "customer__personal_number",
              "customer__protected_identity", "contract__number", "contract__state", "contract__organisation_id",
              "contract__rental_object__object_number", "contract__rental_object__street_address",
              "contract__rental_object__postcode", "contract__rental_object__town",
              "contract__rental_object__housing_form")
        .order_by("due_date", "number")
    )
    if organisation_ids is not None:
        ids = list(organisation_ids)
        invoices = invoices.filter(Q(contract__organisation_id__in=ids)
                                   | Q(contract__isnull=True, organisation_id__in=ids))
    invoices = list(invoices)
    customer_ids = {inv.customer_id for inv in invoices if inv.customer_id}
    representatives: dict[int, list[RepresentativeRow]] = defaultdict(list)
    if customer_ids:
        kinds = dict(Representative.Kind.choices)
        for rep in (Representative.objects.valid_on(report_date).filter(person_id__in=customer_ids)
                    .select_related("agent").order_by("person_id", "kind", "valid_from", "pk")):
            representatives[rep.person_id].append(
                RepresentativeRow(name=rep.display_name, kind=rep.kind, kind_label=str(kinds[rep.kind])))
    states = dict(Invoice.State.choices)
    rows = []
    for inv in invoices:
        customer, contract = inv.customer, inv.contract
        obj = contract.rental_object if contract else None
        protected = bool(customer and customer.protected_identity)
        address = ""
        if obj is not None and not protected:
            address = f"{obj.street_address}, {obj.postcode} {obj.town}".strip(", ")
        rows.append(ReportRow(
            invoice_id=inv.pk, invoice_number=inv.number,
            organisation_id=contract.organisation_id if contract else inv.organisation_id,
            housing_form=obj.housing_form if obj else "",
            customer_id=inv.customer_id,
            customer_name=customer.full_name if customer else "",
            sort_name=f"{customer.last_name} {customer.first_name}".casefold() if customer else "",
            personal_number=mask_personal_number(customer.personal_number) if customer else "",
            protected_identity=protected,
            contract_number=(contract.number or "") if contract else "",
            object_number=obj.object_number if obj else "",
            address=address,
            period=inv.period, due_date=inv.due_date, days_overdue=(report_date - inv.due_date).days,
            total=inv.total, balance=inv.balance, state=inv.state, state_label=str(states[inv.state]),
            representatives=tuple(representatives.get(inv.customer_id, ())),
        ))
    return rows


# --- The report of one organisation --------------------------------------------------------------------


@dataclass
class HousingFormGroup:
    housing_form: str
    label: str
    rows: list[ReportRow] = field(default_factory=list)

    @property
    def invoice_count(self) -> int:
        return len(self.rows)

    @property
    def customer_count(self) -> int:
        return len({row.customer_id or f"i{row.invoice_id}" for row in self.rows})

    @property
    def total(self) -> Decimal:
        return sum((row.balance for row in self.rows), start=ZERO)


@dataclass
class ReportData:
    organisation: Organisation
    month: date
    report_date: date
    groups: list[HousingFormGroup]

    @property
    def rows(self) -> list[ReportRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def invoice_count(self) -> int:
        return sum(group.invoice_count for group in self.groups)

    @property
    def customer_count(self) -> int:
        return len({row.customer_id or f"i{row.invoice_id}" for row in self.rows})

    @property
    def total(self) -> Decimal:
        return sum((group.total for group in self.groups), start=ZERO)

    def summary(self) -> dict:
        return {
            "invoices": self.invoice_count, "customers": self.customer_count, "total": str(self.total),
            "housing_forms": [
                {"housing_form": group.housing_form, "invoices": group.invoice_count,
                 "customers": group.customer_count, "total": str(group.total)}
                for group in self.groups
            ],
        }


def _row_order(row: ReportRow):
    return (row.sort_name, row.customer_id or 0, row.period, row.invoice_number)


def report_data(*, organisation: Organisation, month: date, report_date: date,
                rows: Iterable[ReportRow]) -> ReportData:
    """The organisation's rows grouped by housing form (in the order of ``HousingForm``), each group
    sorted by customer, then period."""
    labels = dict(HousingForm.choices)
    order = {value: i for i, value in enumerate(HousingForm.values)}
    grouped: dict[str, list[ReportRow]] = defaultdict(list)
    for row in rows:
        if row.organisation_id == organisation.pk:
            grouped[row.housing_form].append(row)
    groups = [
        HousingFormGroup(housing_form=form, label=str(labels.get(form, _("No rental object"))),
                         rows=sorted(grouped[form], key=_row_order))
        for form in sorted(grouped, key=lambda f: order.get(f, len(order)))
    ]
    return ReportData(organisation=organisation, month=month, report_date=report_date, groups=groups)


# --- The service ---------------------------------------------------------------------------------------


def _reported_organisations(*, rows: list[ReportRow], organisation_ids: Iterable[int] | None):
    """The organisations that get a report: every active district or specialist administration with a
    current contract, and every organisation with an unpaid row."""
    with_rows = {row.organisation_id for row in rows}
    with_contracts = set(RentalContract.objects.filter(state__in=RentalContract.CURRENT_STATES)
                         .values_list("organisation_id", flat=True).distinct())
    query = Q(pk__in=with_rows) | Q(pk__in=with_contracts, kind__in=REPORTED_KINDS, is_active=True)
    organisations = Organisation.objects.filter(query)
    if organisation_ids is not None:
        organisations = organisations.filter(pk__in=list(organisation_ids))
    return list(organisations.order_by("name"))


def _store(*, actor, data: ReportData) -> UnpaidReport:
    from . import report_documents

    pdf = report_documents.report_pdf(data)
    xlsx = report_documents.report_xlsx(data)
    report, created = UnpaidReport.objects.select_for_update().get_or_create(
        organisation=data.organisation, month=data.month,
        defaults={"report_date": data.report_date, "made_at": timezone.now()})
    old_names = [name for name in (report.pdf.name, report.xlsx.name) if name]
    before = {"report_date": report.report_date, "invoices": report.invoice_count, "total": report.total}
    base = f"obetalda-hyror-{data.organisation.code}-{data.month:%Y-%m}"
    report.pdf.save(f"{base}.pdf", ContentFile(pdf), save=False)
    report.xlsx.save(f"{base}.xlsx", ContentFile(xlsx), save=False)
    report.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    report.xlsx_sha256 = hashlib.sha256(xlsx).hexdigest()
    report.report_date = data.report_date
    report.invoice_count = data.invoice_count
    report.customer_count = data.customer_count
    report.total = data.total
    report.summary = data.summary()
    report.made_at = timezone.now()
    report.made_by = actor if getattr(actor, "is_authenticated", False) else None
    report.notified_at = None
    report.save()
    new_names = {report.pdf.name, report.xlsx.name}
    stale = [name for name in old_names if name not in new_names]
    if stale:
        storage = report.pdf.storage
        transaction.on_commit(lambda: [storage.delete(name) for name in stale])
    after = {"report_date": report.report_date, "invoices": report.invoice_count, "total": report.total}
    audit.record(AuditEvent.Type.CREATE if created else AuditEvent.Type.UPDATE, actor=actor, subject=report,
                 reason="unpaid-rent report made" if created else "unpaid-rent report made again",
                 changes=after if created else {k: [before[k], after[k]] for k in after})
    report_id = report.pk
    transaction.on_commit(lambda: notify_report_ready(report_id))
    return report


@transaction.atomic
def unpaid_reports_make(*, actor, month: date, report_date: date | None = None,
                        organisation_ids: Iterable[int] | None = None) -> list[UnpaidReport]:
    """Make (or make again) the unpaid-rent reports of ``month``, one per organisation, as they stand
    on ``report_date`` (today unless given): render the PDF and the XLSX, store them with their
    checksums and numbers (replacing the month's earlier report of the organisation), record each in
    the audit trail, and after commit tell each district's officers by e-mail.

    ``organisation_ids`` limits the run to those organisations (staff making one report again).
    Refused (``ValueError``) for a month whose report day has not come by ``report_date``.
    """
    month = month.replace(day=1)
    report_date = report_date or timezone.localdate()
    if report_date < report_day(month):
        raise ValueError(_("The report of %(month)s cannot be made before its report day, %(day)s.")
                         % {"month": f"{month:%Y-%m}", "day": report_day(month).isoformat()})
    ids = list(organisation_ids) if organisation_ids is not None else None
    rows = unpaid_rows(report_date=report_date, organisation_ids=ids)
    stored = []
    for organisation in _reported_organisations(rows=rows, organisation_ids=ids):
        data = report_data(organisation=organisation, month=month, report_date=report_date, rows=rows)
        stored.append(_store(actor=actor, data=data))
    logger.info("unpaid-rent reports %s: %s organisations", f"{month:%Y-%m}", len(stored))
    return stored


# --- The stored files ---------------------------------------------------------------------------------

#: The files of a report: format -> (file field, checksum field, content type).
FILE_FORMATS = {
    "pdf": ("pdf", "pdf_sha256", "application/pdf"),
    "xlsx": ("xlsx", "xlsx_sha256", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def stored_file(report: UnpaidReport, fmt: str) -> tuple[bytes, str, str] | None:
    """``(content, content type, download name)`` of the report's file in ``fmt`` (``pdf``, ``xlsx``),
    or None when there is no such format or file, or the file no longer matches its checksum."""
    if fmt not in FILE_FORMATS:
        return None
    field_name, checksum_field, content_type = FILE_FORMATS[fmt]
    stored = getattr(report, field_name)
    if not stored:
        return None
    try:
        with stored.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        logger.error("unpaid-rent report %s: the stored %s is missing", report.pk, fmt)
        return None
    if hashlib.sha256(content).hexdigest() != getattr(report, checksum_field):
        logger.error("unpaid-rent report %s: the stored %s does not match its checksum", report.pk, fmt)
        return None
    return content, content_type, f"obetalda-hyror-{report.organisation.code}-{report.month_label}.{fmt}"


# --- Who may see them, and the e-mail ------------------------------------------------------------------


def reports_visible_to(user) -> QuerySet[UnpaidReport]:
    """Service staff see every report; a district officer only their own organisation's."""
    qs = UnpaidReport.objects.select_related("organisation")
    return qs.filter(permissions.organisation_q(user))


def _officer_addresses(organisation_id: int) -> list[str]:
    users = (get_user_model().objects.filter(organisation_id=organisation_id, is_active=True,
                                             groups__name=permissions.DISTRICT_OFFICER)
             .exclude(email="").order_by("email").values_list("email", flat=True).distinct())
    return list(users)


def notify_report_ready(report_id: int) -> int:
    """Tell the organisation's officers (or, when none has an e-mail address, its shared mailbox) that
    the report is in the portal: the month and a link, nothing personal. Returns the recipients' count.
    Idempotent: a report whose officers were told (``notified_at``) is not announced again (a report
    made again is, its ``notified_at`` is emptied)."""
    with transaction.atomic():
        report = UnpaidReport.objects.select_for_update().select_related("organisation").get(pk=report_id)
        if report.notified_at is not None:
            return 0
        recipients = _officer_addresses(report.organisation_id)
        if not recipients and report.organisation.shared_mailbox_email:
            recipients = [report.organisation.shared_mailbox_email]
        if not recipients:
            return 0
        url = settings.SITE_URL.rstrip("/") + reverse("debt_collection_reports:report_detail", args=[report.pk])
        with override("sv"):
            body = render_to_string("debt_collection/report/email_ready.txt", {
                "report": report, "month": report.month_label, "url": url,
            })
            subject = _("The unpaid-rent report for %(month)s is ready") % {"month": report.month_label}
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        UnpaidReport.objects.filter(pk=report.pk).update(notified_at=timezone.now())
    return len(recipients)


def _notify_logged(report_id: int) -> None:
    try:
        notify_report_ready(report_id)
    except Exception:  # one district's failed e-mail must not keep the others' from going
        logger.exception("unpaid-rent report %s: the notice to the officers failed; retried tomorrow", report_id)


def report_notices_resend(*, month: date) -> int:
    """After commit, announce again each stored report of ``month`` whose officers were not told (the
    e-mail failed, ``notified_at`` is empty); the daily job calls it. Returns how many are pending."""
    pending = list(UnpaidReport.objects.filter(month=month.replace(day=1), notified_at__isnull=True)
                   .order_by("pk").values_list("pk", flat=True))
    for report_id in pending:
        transaction.on_commit(partial(_notify_logged, report_id))
    return len(pending)
