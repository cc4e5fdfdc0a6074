"""The files an issued run hands on: the print vendor's file and the ledger export for the ERP (Agresso).

Both are CSV: UTF-8 without a byte-order mark, ``;`` between fields, a header row, ``\\r\\n`` line ends,
fields quoted only when they contain ``;``, a quote or a line break (RFC 4180). Built with a fixed
number of queries whatever the size of the run: invoices are read in chunks by primary key, each
chunk with its customer and organisation joined and its lines prefetched.

These functions only build the bytes. Staff download them through ``services.run_export``, which
records the export of personal data in the audit trail.

Print vendor file (``print_vendor_file``): one record per invoice to a person. Columns:

================== =====================================================================================
fakturanummer      the invoice number
ocr                the OCR reference (digits)
mottagare          the recipient's name
adressrad1         c/o line, or the street address                   } empty for a protected identity
adressrad2         the street address when there is a c/o line       }
postnummer         the postcode                                      }
ort                the town                                          }
skyddad_identitet  ``1`` for a protected identity, else ``0``: the vendor sends the letter through the
                   tax agency's forwarding (Skatteverket, FACTS.md §8) instead of to an address
personnummer       the recipient's personal identity number (12 digits) **only** when the vendor needs
                   it: the tax agency's forwarding (protected identity) or the digital mailbox; else empty
leveranssatt       the delivery channel: ``post``, ``email`` or ``digital_mailbox``
epost              the e-mail address, only for the channel ``email`` (and never for a protected identity)
belopp             the invoice total, ``5400.00`` (see amounts below)
forfallodag        the due date, ``YYYY-MM-DD``
period             the month invoiced, ``YYYY-MM``
================== =====================================================================================

Accounting orders are not printed (they are booked in the ledger): an internal run's print file has
the header only.

Ledger file (``ledger_file``): one row per invoice line. Columns:

================== =====================================================================================
fakturanummer      the invoice number
dokumenttyp        ``invoice`` (a customer invoice) or ``accounting_order`` (charged to an administration)
fakturadatum       the invoice date, ``YYYY-MM-DD``
period             the month invoiced, ``YYYY-MM``
organisation       the organisation code: the administration the contract belongs to (cost/revenue
                   centre)
konto              the ledger account of the line (``LEDGER_ACCOUNTS``)
belopp             the line's amount (see amounts below); a deduction is negative
kund               the customer: this system's id of the person (``P`` and the id), or for an accounting
                   order the code of the administration charged (``O`` and the code)
ocr                the OCR reference, for matching payments in the ERP
text               the line's text
================== =====================================================================================

Amounts are written for machines, not people: a dot as decimal separator, always two decimals, no
thousands separator, a leading ``-`` when negative (``5400.00``, ``-250.50``). The rows of a run sum
to the run's total.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from contracts.models import DeliveryChannel

from .models import Invoice, InvoiceLine, InvoiceRun

__all__ = ["ExportFile", "build_ledger_file", "build_print_vendor_file", "ledger_file", "money",
           "print_vendor_file"]

CHUNK = 2000
DELIMITER = ";"

PRINT_COLUMNS = ["fakturanummer", "ocr", "mottagare", "adressrad1", "adressrad2", "postnummer", "ort",
                 "skyddad_identitet", "personnummer", "leveranssatt", "epost", "belopp", "forfallodag",
                 "period"]
LEDGER_COLUMNS = ["fakturanummer", "dokumenttyp", "fakturadatum", "period", "organisation", "konto",
                  "belopp", "kund", "ocr", "text"]


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    rows: int  # data rows, the header not counted


def money(amount: Decimal) -> str:
    """``Decimal("5400")`` → ``"5400.00"``: dot decimal, two decimals, no grouping. Decimal only."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal):
        raise TypeError(f"An amount must be a Decimal, got {type(amount).__name__}.")
    return f"{amount.quantize(Decimal('0.01')):f}"


def _invoices(run: InvoiceRun, *, with_lines: bool, **filters) -> Iterator[Invoice]:
    """The run's invoices in number order, chunk by chunk (a fixed number of queries per chunk)."""
    qs = (Invoice.objects.filter(run=run, **filters)
          .select_related("customer", "organisation")
          .order_by("number"))
    if with_lines:
        qs = qs.prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("pk")))
    last = 0
    while True:
        chunk = list(qs.filter(number__gt=last)[:CHUNK])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].number


def _write(columns: list[str], rows) -> ExportFile:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return ExportFile(content=buffer.getvalue().encode("utf-8"), rows=count)


def _address(person) -> tuple[str, str, str, str]:
    """(adressrad1, adressrad2, postnummer, ort); all empty for a protected identity."""
    if person is None or person.protected_identity:
        return "", "", "", ""
    lines = [f"c/o {person.care_of}"] if person.care_of else []
    if person.street_address:
        lines.append(person.street_address)
    lines += ["", ""]
    return lines[0], lines[1], person.postcode, person.town


def _print_row(invoice: Invoice) -> list[str]:
    person = invoice.customer
    protected = bool(person and person.protected_identity)
    channel = invoice.delivery_channel
    needs_number = person is not None and (protected or channel == DeliveryChannel.DIGITAL_MAILBOX)
    email = person.email if person and channel == DeliveryChannel.EMAIL and not protected else ""
    return [
        str(invoice.number),
        invoice.ocr_reference,
        person.full_name if person else invoice.organisation.name,
        *_address(person),
        "1" if protected else "0",
        person.personal_number if needs_number else "",
        channel,
        email,
        money(invoice.total),
        invoice.due_date.isoformat(),
        f"{invoice.period:%Y-%m}",
    ]


def build_print_vendor_file(run: InvoiceRun) -> ExportFile:
    rows = (_print_row(inv) for inv in _invoices(run, with_lines=False,
                                                 document_type=Invoice.DocumentType.INVOICE))
    return _write(PRINT_COLUMNS, rows)


def print_vendor_file(run: InvoiceRun) -> bytes:
    """The file for the print and distribution vendor: one record per invoice (see the module text)."""
    return build_print_vendor_file(run).content


def _ledger_rows(invoice: Invoice) -> Iterator[list[str]]:
    if invoice.document_type == Invoice.DocumentType.ACCOUNTING_ORDER or invoice.customer_id is None:
        customer = f"O{invoice.organisation.code}"
    else:
        customer = f"P{invoice.customer_id}"
    for line in invoice.lines.all():
        yield [
            str(invoice.number),
            invoice.document_type,
            invoice.issue_date.isoformat(),
            f"{invoice.period:%Y-%m}",
            invoice.organisation.code,
            line.account,
            money(line.amount),
            customer,
            invoice.ocr_reference,
            line.description,
        ]


def build_ledger_file(run: InvoiceRun) -> ExportFile:
    rows = (row for inv in _invoices(run, with_lines=True) for row in _ledger_rows(inv))
    return _write(LEDGER_COLUMNS, rows)


def ledger_file(run: InvoiceRun) -> bytes:
    """The ledger export for the city's ERP (Agresso): one row per invoice line (see the module text)."""
    return build_ledger_file(run).content
