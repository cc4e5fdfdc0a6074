"""The money that moves outside the invoicing runs, as files for the city's ERP (Agresso) and the bank.

A run's ledger file (``invoicing.exports``) books what the run issued. Everything else is booked by the
**daily ledger file** (``build_daily_ledger_file``), made each working day for each calendar day before
it (``credits.daily_ledger_store``, job ``invoicing.daily_ledger``, kept as a ``ReportFile`` of kind
``daily_ledger`` and period ``YYYY-MM-DD`` with its SHA-256) and downloaded by staff in the admin:

* every line of an invoice issued that day outside the runs (one-off invoices: interest, fees,
  instalments, final invoices; and first invoices of new contracts): one row per line, as in a run's file;
* every credit note and cancellation dated that day, **negative**, spread over the credited invoice's
  ledger accounts pro rata: the invoice's lines are summed per account and the credit is divided in the
  same proportions, rounded to öre, the rounding difference on the account with the largest amount (a
  full credit reverses each account exactly). ``fakturanummer`` is the credit note's number,
  ``avser`` the credited invoice's number;
* every refund order paid out that day (``paid_at``), **negative**, on the refund account
  (``LEDGER_ACCOUNTS["refund"]``), booked on the deciding district or else the district of the
  customer's latest contract.

So the rows of a day sum to Σ one-off totals − Σ credits − Σ refunds paid. Columns are those of the
run's ledger file (``exports.LEDGER_COLUMNS``: ``dokumenttyp`` is ``invoice``, ``accounting_order``,
``credit``, ``cancellation`` or ``refund``) plus ``avser``. CSV conventions and amounts as in
``invoicing.exports`` (its writer is used).

The **refund payout file** (``build_refund_payout_file``; made by ``credits.refund_payout_file_create``
from the admin action "Skapa utbetalningsfil") is for the ERP's supplier-payment import: one row per
approved refund order. Columns:

================== =====================================================================================
utbetalning        the refund order's id with ``R`` before it
mottagare          the payee's name
konto              the payee's account (clearing and account number, bankgiro or plusgiro)
belopp             the amount
referens           ``R`` and the order's id, and the OCR reference of the payment refunded, if any
================== =====================================================================================

No personal identity number is written to either file. Both are built with a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from .exports import LEDGER_COLUMNS, ExportFile, _write, money
from .models import CreditNote, Invoice, InvoiceLine, RefundOrder

__all__ = ["DAILY_COLUMNS", "PAYOUT_COLUMNS", "build_daily_ledger_file", "build_refund_payout_file",
           "credit_split"]

DAILY_COLUMNS = [*LEDGER_COLUMNS, "avser"]
PAYOUT_COLUMNS = ["utbetalning", "mottagare", "konto", "belopp", "referens"]
CENT = Decimal("0.01")


def refund_account() -> str:
    return settings.LEDGER_ACCOUNTS.get("refund", settings.LEDGER_ACCOUNTS["base_rent"])


def credit_split(amount: Decimal, lines: Iterable[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """``amount`` divided over the accounts of ``lines`` ((account, line amount) pairs) pro rata to each
    account's sum, in öre; Σ of the result = ``amount`` exactly. Accounts summing to zero get nothing."""
    per_account: dict[str, Decimal] = defaultdict(Decimal)
    for account, line_amount in lines:
        per_account[account] += line_amount
    per_account = {account: total for account, total in per_account.items() if total}
    total = sum(per_account.values(), Decimal("0"))
    if not per_account or total == 0:
        return [(settings.LEDGER_ACCOUNTS["base_rent"], amount)]
    shares = {account: (amount * part / total).quantize(CENT, rounding=ROUND_HALF_UP)
              for account, part in per_account.items()}
    largest = max(per_account, key=lambda account: (per_account[account], account))
    shares[largest] += amount - sum(shares.values(), Decimal("0"))
    return [(account, share) for account, share in sorted(shares.items()) if share]


def _customer(invoice: Invoice) -> str:
    if invoice.document_type == Invoice.DocumentType.ACCOUNTING_ORDER or invoice.customer_id is None:
        return f"O{invoice.organisation.code}"
    return f"P{invoice.customer_id}"


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _invoice_rows(day: date) -> Iterator[list[str]]:
    invoices = (Invoice.objects.filter(run__isnull=True, issue_date=day)
                .select_related("organisation")
                .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("pk")))
                .order_by("number"))
    for invoice in invoices:
        for line in invoice.lines.all():
            yield [str(invoice.number), invoice.document_type, invoice.issue_date.isoformat(),
                   f"{invoice.period:%Y-%m}", invoice.organisation.code, line.account, money(line.amount),
                   _customer(invoice), invoice.ocr_reference, line.description, ""]


def _credit_rows(day: date) -> Iterator[list[str]]:
    notes = (CreditNote.objects.filter(issue_date=day)
             .select_related("invoice", "invoice__organisation")
             .prefetch_related(Prefetch("invoice__lines", queryset=InvoiceLine.objects.order_by("pk")))
             .order_by("number"))
    for note in notes:
        invoice = note.invoice
        text = (f"Makulering av faktura {invoice.number}" if note.kind == CreditNote.Kind.CANCELLATION
                else f"Kredit av faktura {invoice.number}")
        split = credit_split(note.amount, ((line.account, line.amount) for line in invoice.lines.all()))
        for account, share in split:
            yield [str(note.number), note.kind, note.issue_date.isoformat(), f"{invoice.period:%Y-%m}",
                   invoice.organisation.code, account, money(-share), _customer(invoice),
                   invoice.ocr_reference, text, str(invoice.number)]


def _organisation_codes(orders: list[RefundOrder]) -> dict[int, str]:
    """person id → the code of the district of their latest contract, else of their affiliation."""
    from contracts.models import RentalContract
    from hyresadmin.models import Person

    person_ids = {order.person_id for order in orders if order.organisation_id is None}
    if not person_ids:
        return {}
    codes: dict[int, str] = {}
    for person_id, code in (RentalContract.objects.filter(customer_id__in=person_ids)
                            .exclude(state=RentalContract.State.DRAFT)
                            .order_by("customer_id", "start_date", "pk")
                            .values_list("customer_id", "organisation__code")):
        codes[person_id] = code  # the last one wins: the latest contract
    for person_id, code in (Person.objects.filter(pk__in=person_ids - codes.keys())
                            .values_list("pk", "affiliation__code")):
        codes[person_id] = code or ""
    return codes


def _refund_rows(day: date) -> Iterator[list[str]]:
    start, end = _day_bounds(day)
    orders = list(RefundOrder.objects.filter(state=RefundOrder.State.PAID, paid_at__gte=start, paid_at__lt=end)
                  .select_related("organisation", "payment").order_by("paid_at", "pk"))
    codes = _organisation_codes(orders)
    for order in orders:
        code = order.organisation.code if order.organisation_id else codes.get(order.person_id, "")
        yield [f"R{order.pk}", "refund", day.isoformat(), f"{day:%Y-%m}", code, refund_account(),
               money(-order.amount), f"P{order.person_id}", order.payment.reference if order.payment else "",
               f"Återbetalning R{order.pk}", ""]


def build_daily_ledger_file(day: date) -> ExportFile:
    """The ledger rows of ``day`` outside the runs (see the module text)."""
    rows = (row for part in (_invoice_rows(day), _credit_rows(day), _refund_rows(day)) for row in part)
    return _write(DAILY_COLUMNS, rows)


def payout_reference(order: RefundOrder) -> str:
    reference = order.payment.reference if order.payment_id else ""
    return f"R{order.pk} {reference}".strip()


def build_refund_payout_file(orders: Iterable[RefundOrder]) -> ExportFile:
    """The supplier-payment file for ``orders`` (their ``payment`` selected): one row each."""
    rows = ([f"R{order.pk}", order.payee_name, order.payee_account, money(order.amount),
             payout_reference(order)] for order in orders)
    return _write(PAYOUT_COLUMNS, rows)
