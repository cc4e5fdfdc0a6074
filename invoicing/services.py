"""Every write of invoicing: runs (prepare, approve, issue, discard), first invoices, notes, queued lines.

Runs are bulk work: a fixed number of queries per chunk of contracts, never one per contract. Issue
is resumable: it works in chunks, each committed on its own, and only invoices the items that have
no invoice yet; the database refuses a second invoice for the same contract, period and kind. An item
whose customer has died before its month began (known since the run was prepared) is dropped at issue
with the flag ``deceased``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import RentalContract, RentLineKind
from hyresadmin import audit
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused, apply_transition

from . import periods
from .models import (
    Invoice,
    InvoiceLine,
    InvoiceNote,
    InvoiceRun,
    NumberSeries,
    PendingLine,
    ReportFile,
    RunItem,
    RunKind,
)
from .ocr import ocr_reference

logger = logging.getLogger(__name__)

CHUNK = 2000
CUSTOMER_KINDS = (RentalContract.Kind.EXTERNAL, RentalContract.Kind.CITY_INTERNAL)
INTERNAL_KINDS = (RentalContract.Kind.VACANCY, RentalContract.Kind.INTERNAL)
INVOICED_STATES = RentalContract.CURRENT_STATES


def ledger_account(kind: str) -> str:
    return settings.LEDGER_ACCOUNTS.get(kind, settings.LEDGER_ACCOUNTS["base_rent"])


# --- Computing one invoice ---------------------------------------------------------------------------


@dataclass
class Computed:
    lines: list[dict]
    notes: list[str]
    total: Decimal
    pro_rata: bool


def _year_lines(contract: RentalContract, period: date) -> list:
    lines = list(contract.rent_lines.all())
    years = sorted({ln.rent_year for ln in lines if ln.rent_year <= period.year}) or sorted(
        {ln.rent_year for ln in lines})
    if not years:
        return []
    return [ln for ln in lines if ln.rent_year == years[-1]]


def compute(contract: RentalContract, period: date, *, pending=(), notes=()) -> Computed:
    """The lines of ``contract``'s invoice for ``period``: its rent lines (pro rata for a part month),
    the one-off lines queued for the period and the notes that apply."""
    days = periods.active_days(period, contract.start_date, contract.end_date)
    whole = days >= periods.days_in(period)
    suffix = "" if whole else " " + _("(%(days)s of %(all)s days)") % {
        "days": days, "all": periods.days_in(period)}
    lines = []
    for line in _year_lines(contract, period):
        amount = periods.pro_rata(line.amount, days, period)
        if line.kind == RentLineKind.DEDUCTION:
            amount = -amount
        label = line.description or line.get_kind_display()
        lines.append({"kind": line.kind, "description": f"{label}{suffix}"[:200], "amount": str(amount),
                      "account": ledger_account(line.kind)})
    for p in pending:
        lines.append({"kind": InvoiceLine.Kind.ONE_OFF, "description": p.description[:200],
                      "amount": str(p.amount), "account": ledger_account("one_off"), "pending": p.pk})
    total = sum((Decimal(ln["amount"]) for ln in lines), Decimal("0.00"))
    return Computed(lines=lines, notes=[n.text for n in notes], total=total, pro_rata=not whole)


# --- Runs --------------------------------------------------------------------------------------------


def run_for(*, period: date, kind: str) -> InvoiceRun:
    """The live run of a period and kind, created as planned if there is none."""
    period = periods.period_of(period)
    run = InvoiceRun.objects.exclude(state=InvoiceRun.State.DISCARDED).filter(period=period, kind=kind).first()
    if run is None:
        try:
            with transaction.atomic():
                run = InvoiceRun.objects.create(period=period, kind=kind)
        except IntegrityError:
            run = InvoiceRun.objects.exclude(state=InvoiceRun.State.DISCARDED).get(period=period, kind=kind)
    return run


def eligible_contracts(*, period: date, kind: str):
    """Contracts a run of ``kind`` invoices for ``period`` (preliminary ones are listed, not invoiced)."""
    kinds = CUSTOMER_KINDS if kind == RunKind.RENT else INTERNAL_KINDS
    return (
        RentalContract.objects.filter(
            kind__in=kinds,
            state__in=[*INVOICED_STATES, RentalContract.State.PRELIMINARY],
            start_date__lte=periods.period_end(period),
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=period))
        .select_related("customer", "organisation", "collection_code", "rental_object")
        .prefetch_related("rent_lines")
        .order_by("pk")
    )


def _flags(contract, computed: Computed, previous_total, kind: str, period: date) -> tuple[list[str], bool]:
    flags, included = [], True
    limit = Decimal(str(settings.INVOICE_REVIEW_LIMIT))
    if contract.state == RentalContract.State.PRELIMINARY:
        flags.append(RunItem.Flag.PRELIMINARY)
        included = False
    if computed.total > limit:
        flags.append(RunItem.Flag.OVER_LIMIT)
    if computed.total <= 0:
        flags.append(RunItem.Flag.NO_RENT)
        included = False
    if previous_total is not None and previous_total > 0 and not computed.pro_rata:
        share = abs(computed.total - previous_total) / previous_total
        if share > Decimal(str(settings.INVOICE_CHANGE_FLAG_SHARE)):
            flags.append(RunItem.Flag.AMOUNT_CHANGED)
    if kind == RunKind.RENT:
        if contract.collection_code_id is None:
            flags.append(RunItem.Flag.NO_COLLECTION_CODE)
        customer = contract.customer
        if customer is not None and customer.deceased_on is not None:
            flags.append(RunItem.Flag.DECEASED)
            if customer.deceased_on < period:
                included = False
        if customer is not None and customer.protected_identity:
            flags.append(RunItem.Flag.PROTECTED_IDENTITY)
    return flags, included


def _pending_and_notes(contract_ids, period):
    pending, notes = defaultdict(list), defaultdict(list)
    for p in PendingLine.objects.filter(contract_id__in=contract_ids, period=period, invoice__isnull=True):
        pending[p.contract_id].append(p)
    for n in InvoiceNote.objects.filter(contract_id__in=contract_ids, first_period__lte=period,
                                        invoices_remaining__gt=0):
        notes[n.contract_id].append(n)
    return pending, notes


def run_prepare(*, run: InvoiceRun, actor) -> InvoiceRun:
    """Compute every invoice of the run, with flags, without issuing anything. May be run again."""
    with transaction.atomic():
        run = InvoiceRun.objects.select_for_update().get(pk=run.pk)
        if run.state not in (InvoiceRun.State.PLANNED, InvoiceRun.State.PREPARED):
            raise TransitionRefused(_("Only a planned or prepared run can be prepared."))
        run.items.all().delete()
        already = set(Invoice.objects.filter(period=run.period, kind=run.kind, contract__isnull=False)
                      .values_list("contract_id", flat=True))
        previous = Invoice.objects.filter(contract=OuterRef("pk"), kind=run.kind, period__lt=run.period,
                                          is_pro_rata=False).order_by("-period").values("total")[:1]
        contracts = eligible_contracts(period=run.period, kind=run.kind).annotate(
            previous_total=Subquery(previous))
        counts = defaultdict(int)
        total = Decimal("0.00")
        batch: list[RunItem] = []

        def flush():
            RunItem.objects.bulk_create(batch, batch_size=CHUNK)
            batch.clear()

        for chunk in _chunks(contracts.exclude(pk__in=already), CHUNK):
            pending, notes = _pending_and_notes([c.pk for c in chunk], run.period)
            for contract in chunk:
                computed = compute(contract, run.period, pending=pending[contract.pk],
                                   notes=notes[contract.pk])
                flags, included = _flags(contract, computed, contract.previous_total, run.kind, run.period)
                batch.append(RunItem(
                    run=run, contract=contract, customer=contract.customer,
                    organisation=contract.organisation, total=computed.total, lines=computed.lines,
                    notes=computed.notes, flags=flags, included=included,
                ))
                counts["items"] += 1
                counts["included"] += included
                counts["flagged"] += bool(flags)
                for flag in flags:
                    counts[f"flag_{flag}"] += 1
                if included:
                    total += computed.total
            flush()
        run.summary = {**counts, "total": str(total), "already_invoiced": len(already)}
        run.prepared_at = timezone.now()
        run.save(update_fields=["summary", "prepared_at"])
        return apply_transition(run, "prepare", actor=actor,
                                reason=_("%(n)s invoices, %(total)s kr") % {"n": counts["included"],
                                                                           "total": total})


def run_approve(*, run: InvoiceRun, actor) -> InvoiceRun:
    """A staff member approves the reviewed run; they are recorded as approver."""
    from hyresadmin.permissions import is_service_staff

    system_may_approve = run.kind == RunKind.INTERNAL and isinstance(actor, str)
    if not (system_may_approve or is_service_staff(actor)):
        raise TransitionRefused(_("Only service-administration staff can approve a run."))
    if isinstance(actor, str):
        return apply_transition(run, "approve", actor=actor, approver=None)
    return apply_transition(run, "approve", actor=actor, approver=actor)


def run_discard(*, run: InvoiceRun, actor, reason: str = "") -> InvoiceRun:
    """Discard a planned or prepared run; why is required and recorded in the audit trail."""
    if not reason.strip():
        raise TransitionRefused(_("Give the reason the run is discarded."))
    return apply_transition(run, "discard", actor=actor, reason=reason.strip())


def _chunks(queryset, size):
    """Yield lists of at most ``size`` rows, by primary key ranges (a fixed number of queries each)."""
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last)[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def allocate_numbers(count: int) -> range:
    """Take ``count`` consecutive invoice numbers (inside the caller's transaction)."""
    series, _ = NumberSeries.objects.select_for_update().get_or_create(
        name="invoice", defaults={"next_number": settings.INVOICE_NUMBER_START})
    first = series.next_number
    series.next_number = first + count
    series.save(update_fields=["next_number"])
    return range(first, first + count)


def _build_invoice(number: int, *, kind, period, contract, customer_id, organisation_id, total, notes,
                   pro_rata, run=None, issue_date=None) -> Invoice:
    issue_date = issue_date or timezone.localdate()
    document = (Invoice.DocumentType.INVOICE if kind == RunKind.RENT
                else Invoice.DocumentType.ACCOUNTING_ORDER)
    return Invoice(
        number=number, ocr_reference=ocr_reference(number), document_type=document, kind=kind,
        run=run, contract=contract, customer_id=customer_id, organisation_id=organisation_id,
        collection_code_id=contract.collection_code_id if contract else None,
        delivery_channel=contract.delivery_channel if contract else "post",
        period=period, issue_date=issue_date, due_date=periods.payment_due(period, issue_date),
        total=total, balance=total, is_pro_rata=pro_rata, notes="\n".join(notes),
    )


def _save_invoices(invoices: list[Invoice], lines_by_index: list[list[dict]]) -> list[Invoice]:
    created = Invoice.objects.bulk_create(invoices)
    if any(inv.pk is None for inv in created):  # a backend that does not return ids
        by_number = Invoice.objects.in_bulk([inv.number for inv in invoices], field_name="number")
        created = [by_number[inv.number] for inv in invoices]
    InvoiceLine.objects.bulk_create([
        InvoiceLine(invoice=inv, kind=ln["kind"], description=ln["description"],
                    amount=Decimal(ln["amount"]), account=ln["account"])
        for inv, lines in zip(created, lines_by_index, strict=True) for ln in lines
    ], batch_size=CHUNK)
    pending_ids = {ln["pending"]: inv.pk for inv, lines in zip(created, lines_by_index, strict=True)
                   for ln in lines if "pending" in ln}
    for pending_id, invoice_id in pending_ids.items():  # one-off lines are few
        PendingLine.objects.filter(pk=pending_id).update(invoice_id=invoice_id)
    return created


def run_issue(*, run: InvoiceRun, actor, chunk_size: int = CHUNK) -> InvoiceRun:
    """Create the invoices of an approved run, chunk by chunk. Interrupted, it completes when run again."""
    run = InvoiceRun.objects.get(pk=run.pk)
    if run.state != InvoiceRun.State.APPROVED:
        raise TransitionRefused(_("Only an approved run can be issued."))
    issued = 0
    pending_items = (run.items.filter(included=True, invoice__isnull=True)
                     .select_related("contract").annotate(customer_deceased_on=F("customer__deceased_on")))
    for chunk in _chunks(pending_items, chunk_size):
        with transaction.atomic():
            InvoiceRun.objects.select_for_update().get(pk=run.pk)
            taken = set(Invoice.objects.filter(period=run.period, kind=run.kind,
                                               contract_id__in=[i.contract_id for i in chunk])
                        .values_list("contract_id", flat=True))
            skipped = []
            for item in chunk:
                if item.contract_id in taken:
                    # Invoiced since the run was prepared (a first invoice at activation): not again.
                    flag = RunItem.Flag.ALREADY_INVOICED
                elif (run.kind == RunKind.RENT and item.customer_deceased_on is not None
                      and item.customer_deceased_on < run.period):
                    # The customer's death became known since the run was prepared: no invoice for a
                    # month after it (as ``_flags`` would have decided).
                    flag = RunItem.Flag.DECEASED
                else:
                    continue
                item.included = False
                if flag not in item.flags:
                    item.flags = [*item.flags, flag]
                skipped.append(item)
            if skipped:
                RunItem.objects.bulk_update(skipped, ["included", "flags"])
            dropped = {i.pk for i in skipped}
            chunk = [i for i in chunk if i.pk not in dropped]
            if not chunk:
                continue
            numbers = allocate_numbers(len(chunk))
            invoices = [
                _build_invoice(number, kind=run.kind, period=run.period, contract=item.contract,
                               customer_id=item.customer_id, organisation_id=item.organisation_id,
                               total=item.total, notes=item.notes,
                               pro_rata=_is_part_month(item.contract, run.period), run=run)
                for number, item in zip(numbers, chunk, strict=True)
            ]
            created = _save_invoices(invoices, [item.lines for item in chunk])
            # Link each item to its new invoice in one UPDATE with a subquery on the unique (contract,
            # period, kind): bulk_update's 2 000-branch CASE cost ~0.4 s of SQL and as much Python a chunk.
            RunItem.objects.filter(run=run, invoice__isnull=True,
                                   contract_id__in=[i.contract_id for i in chunk]).update(
                invoice=Subquery(Invoice.objects.filter(contract_id=OuterRef("contract_id"), period=run.period,
                                                        kind=run.kind).values("pk")[:1]))
            InvoiceNote.objects.filter(contract_id__in=[i.contract_id for i in chunk],
                                       first_period__lte=run.period, invoices_remaining__gt=0
                                       ).update(invoices_remaining=F("invoices_remaining") - 1)
            issued += len(created)
    with transaction.atomic():
        run = InvoiceRun.objects.select_for_update().get(pk=run.pk)
        if run.items.filter(included=True, invoice__isnull=True).exists():
            return run  # another worker is still issuing; it will finish the run
        run.summary = {**run.summary, "issued": run.invoices.count(),
                       "issued_total": str(sum(run.invoices.values_list("total", flat=True), Decimal("0")))}
        run.save(update_fields=["summary"])
        run = apply_transition(run, "issue", actor=actor,
                               reason=_("%(n)s invoices issued") % {"n": run.summary["issued"]})
    logger.info("run %s issued: %s new invoices", run.pk, issued)
    return run


def _is_part_month(contract: RentalContract, period: date) -> bool:
    return periods.active_days(period, contract.start_date, contract.end_date) < periods.days_in(period)


# --- First invoice for a new customer ----------------------------------------------------------------


def invoice_first_for_contract(*, contract_id: int, actor="invoicing.first_invoice",
                               today: date | None = None) -> list[Invoice]:
    """Invoice the months of a newly activated contract whose rent run has already been issued.

    The start month is charged pro rata by calendar days; each following month whose run was issued
    is charged in full. Months whose run has not been issued are left to that run. Idempotent.
    """
    today = today or timezone.localdate()
    contract = (RentalContract.objects.select_related("customer", "organisation")
                .prefetch_related("rent_lines").get(pk=contract_id))
    kind = RunKind.RENT if contract.kind in CUSTOMER_KINDS else RunKind.INTERNAL
    if contract.state not in INVOICED_STATES:
        return []
    issued_periods = set(InvoiceRun.objects.filter(kind=kind, state=InvoiceRun.State.ISSUED)
                         .values_list("period", flat=True))
    created = []
    for period in periods.months_between(contract.start_date, periods.next_period(today)):
        if period not in issued_periods:
            break
        if contract.end_date and contract.end_date < period:
            break
        with transaction.atomic():
            if Invoice.objects.filter(contract=contract, period=period, kind=kind).exists():
                continue
            pending, notes = _pending_and_notes([contract.pk], period)
            computed = compute(contract, period, pending=pending[contract.pk], notes=notes[contract.pk])
            if computed.total <= 0:
                continue
            number = allocate_numbers(1)[0]
            invoice = _build_invoice(number, kind=kind, period=period, contract=contract,
                                     customer_id=contract.customer_id,
                                     organisation_id=contract.organisation_id,
                                     total=computed.total, notes=computed.notes, pro_rata=computed.pro_rata)
            try:
                with transaction.atomic():
                    [invoice] = _save_invoices([invoice], [computed.lines])
            except IntegrityError:
                continue  # the run or another worker invoiced it just now
            InvoiceNote.objects.filter(pk__in=[n.pk for n in notes[contract.pk]]).update(
                invoices_remaining=F("invoices_remaining") - 1)
            audit.record(AuditEvent.Type.CREATE, actor=actor, subject=invoice,
                         to_state=invoice.state, reason=_("First invoice for a new contract"),
                         changes={"total": invoice.total, "period": invoice.period_label})
            created.append(invoice)
    return created


# --- Notes and queued lines --------------------------------------------------------------------------


@transaction.atomic
def invoice_note_add(*, actor, contract: RentalContract, text: str, first_period: date,
                     invoices: int = 2) -> InvoiceNote:
    note = InvoiceNote.objects.create(contract=contract, text=text, first_period=periods.period_of(first_period),
                                      invoices_remaining=invoices)
    audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=contract,
                 changes={"invoice_note": [None, text]}, reason=_("Invoice note added"))
    return note


@transaction.atomic
def pending_line_add(*, actor, contract: RentalContract, period: date, description: str,
                     amount: Decimal) -> PendingLine:
    """Queue a one-off line (a reduction is negative) for the contract's invoice of ``period``."""
    line = PendingLine.objects.create(contract=contract, period=periods.period_of(period),
                                      description=description, amount=amount)
    audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=contract,
                 changes={"queued_line": [None, f"{description} {amount}"]})
    return line


# --- Documents and files -----------------------------------------------------------------------------


def invoice_store_pdf(*, invoice: Invoice, pdf: bytes, key: str) -> bytes:
    """Store a rendered invoice PDF on the invoice with its SHA-256 and the key of its inputs (called
    by ``documents.get_or_render_invoice_pdf``). Returns the PDF now stored: when another worker stored
    one for the same key meanwhile, that one (so that every caller serves the same bytes)."""
    import hashlib

    from django.core.files.base import ContentFile

    from .documents import stored_pdf

    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        theirs = stored_pdf(locked, key=key)
        if theirs is not None:
            return theirs
        storage = locked.pdf.storage
        old_name = locked.pdf.name
        prefix = "bokforingsorder" if locked.document_type == Invoice.DocumentType.ACCOUNTING_ORDER else "faktura"
        name = storage.save(locked.pdf.field.generate_filename(locked, f"{prefix}-{locked.number}.pdf"),
                            ContentFile(pdf))
        Invoice.objects.filter(pk=locked.pk).update(
            pdf=name, pdf_sha256=hashlib.sha256(pdf).hexdigest(), pdf_key=key,
            pdf_rendered_at=timezone.now())
        if old_name and old_name != name:
            transaction.on_commit(lambda: storage.delete(old_name))
    return pdf


EXPORTS = ("print", "ledger")


def run_export(*, actor, run: InvoiceRun, which: str) -> tuple[str, bytes]:
    """The print vendor's file (``which="print"``) or the ledger export (``"ledger"``) of an issued run,
    as (file name, bytes). The export of personal data is recorded in the audit trail."""
    from . import exports

    if which not in EXPORTS:
        raise ValueError(f"which must be one of {EXPORTS}, got {which!r}.")
    run = InvoiceRun.objects.get(pk=run.pk)
    if run.state != InvoiceRun.State.ISSUED:
        raise TransitionRefused(_("Only an issued run has files to download."))
    if which == "print":
        built = exports.build_print_vendor_file(run)
        filename = f"tryckfil-{run.kind}-{run.period:%Y-%m}.csv"
        what = _("Print vendor file of run %(run)s") % {"run": run}
    else:
        built = exports.build_ledger_file(run)
        filename = f"agresso-{run.kind}-{run.period:%Y-%m}.csv"
        what = _("Ledger export of run %(run)s") % {"run": run}
    audit.record_export(actor=actor, what=what, count=built.rows, subject=run)
    return filename, built.content


def quarterly_report_store(*, quarter_start: date) -> ReportFile:
    """Make the quarterly proof of invoicing and keep it for staff to download (made again, it replaces
    the earlier file of the same quarter)."""
    import hashlib

    from django.core.files.base import ContentFile

    from . import reports

    report = reports.quarterly_invoicing_report(quarter_start=quarter_start)
    content = reports.report_csv(report)
    with transaction.atomic():
        stored, _created = ReportFile.objects.select_for_update().get_or_create(
            kind=ReportFile.Kind.QUARTERLY_INVOICING, period=report.period,
            defaults={"sha256": ""})
        old_name = stored.file.name
        stored.file.save(f"fakturering-{report.period}.csv", ContentFile(content), save=False)
        stored.sha256 = hashlib.sha256(content).hexdigest()
        stored.summary = report.counts
        stored.save()
        if old_name and old_name != stored.file.name:
            storage = stored.file.storage
            transaction.on_commit(lambda: storage.delete(old_name))
    return stored


# --- One-off invoices (interest, fees, final invoices) -------------------------------------------------


@dataclass(frozen=True)
class OneOffLine:
    kind: str  # InvoiceLine.Kind
    description: str
    amount: Decimal
    account: str = ""


@dataclass(frozen=True)
class OneOffInvoice:
    """One invoice of ``invoices_issue_one_off``: its lines, whom it charges and when it is due."""
    lines: list[OneOffLine]
    organisation_id: int
    customer_id: int | None = None
    contract: RentalContract | None = None
    period: date | None = None
    due_date: date | None = None
    notes: str = ""


@transaction.atomic
def invoice_issue_one_off(*, actor, kind: str, lines: list[OneOffLine], organisation_id: int,
                          customer_id: int | None = None, contract: RentalContract | None = None,
                          period: date | None = None, due_date: date | None = None,
                          notes: str = "", reason: str = "") -> Invoice:
    """Issue one invoice outside the monthly runs: late-payment interest, a reminder or payment-plan
    fee, a final invoice at termination. It gets its own number and OCR reference, is audited, and
    is paid, reminded and credited like any invoice. ``kind`` is an ``InvoiceKind`` other than the run
    kinds; ``due_date`` defaults to the rent rule's due date for ``period`` (this month by default)."""
    [invoice] = invoices_issue_one_off(actor=actor, kind=kind, reason=reason, invoices=[OneOffInvoice(
        lines=lines, organisation_id=organisation_id, customer_id=customer_id, contract=contract, period=period,
        due_date=due_date, notes=notes)])
    return invoice


@transaction.atomic
def invoices_issue_one_off(*, actor, kind: str, invoices: list[OneOffInvoice], reason: str = "") -> list[Invoice]:
    """``invoice_issue_one_off`` for many invoices of one kind at once (a reminder batch's fees): one
    allocation of consecutive numbers, one insert of the invoices, one of their lines and one of their
    audit events, however many. Returns the invoices in the order given."""
    from .models import RUN_KINDS

    if kind in RUN_KINDS:
        raise ValueError("rent and internal invoices are issued by the runs")
    if not invoices:
        return []
    totals = []
    for spec in invoices:
        if not spec.lines:
            raise ValueError("a one-off invoice needs at least one line")
        total = sum((Decimal(line.amount) for line in spec.lines), Decimal("0.00"))
        if total <= 0:
            raise TransitionRefused(_("An invoice must be for more than zero."))
        totals.append(total)
    today = timezone.localdate()
    built = []
    for number, spec, total in zip(allocate_numbers(len(invoices)), invoices, totals, strict=True):
        invoice = _build_invoice(number, kind=kind, period=periods.period_of(spec.period or today),
                                 contract=spec.contract, customer_id=spec.customer_id,
                                 organisation_id=spec.organisation_id, total=total,
                                 notes=[spec.notes] if spec.notes else [], pro_rata=False, issue_date=today)
        invoice.document_type = Invoice.DocumentType.INVOICE
        if spec.due_date is not None:
            invoice.due_date = spec.due_date
        built.append(invoice)
    created = _save_invoices(built, [[{
        "kind": line.kind, "description": line.description, "amount": str(line.amount),
        "account": line.account or ledger_account(line.kind)} for line in spec.lines] for spec in invoices])
    AuditEvent.objects.bulk_create([
        audit.build(AuditEvent.Type.CREATE, actor=actor, subject=invoice, to_state=invoice.state,
                    reason=reason or _("One-off invoice"),
                    changes={"kind": kind, "total": str(total), "due_date": invoice.due_date.isoformat()})
        for invoice, total in zip(created, totals, strict=True)], batch_size=CHUNK)
    return created


@transaction.atomic
def accounting_order_issue(*, actor, organisation_id: int, lines: list[OneOffLine],
                           contract: RentalContract | None = None, period: date | None = None,
                           due_date: date | None = None, notes: str = "", reason: str = "") -> Invoice:
    """Issue one accounting order (bokföringsorder) outside the runs: it charges an administration,
    not a person (an internal move at termination, the cost of a rent reduction for double housing).
    Kind one-off, no customer; numbered, audited and followed up like any invoice."""
    invoice = invoice_issue_one_off(actor=actor, kind="one_off", lines=lines, organisation_id=organisation_id,
                                    customer_id=None, contract=contract, period=period, due_date=due_date,
                                    notes=notes, reason=reason or _("Accounting order"))
    Invoice.objects.filter(pk=invoice.pk).update(document_type=Invoice.DocumentType.ACCOUNTING_ORDER)
    invoice.document_type = Invoice.DocumentType.ACCOUNTING_ORDER
    return invoice
