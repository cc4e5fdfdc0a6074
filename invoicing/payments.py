"""Payments: the BgMax import, matching payments to invoices, and customers' credit balances.

``import_bgmax`` reads a BgMax file (``invoicing.bgmax``, a pure parser) and, all or nothing in one
transaction, keeps the raw file (``hyresadmin.imports.import_file``: the same file twice is refused),
writes a ``PaymentFile`` with one ``Payment`` per payment record, and matches each payment:

* **by OCR reference**: under reference code 2, and under codes 3 and 4 when the reference happens to
  be a valid OCR reference of one of our invoices;

  - the exact amount → the invoice is paid;
  - less → the invoice is partly paid, the rest stays as its balance;
  - more → the invoice is paid and the surplus goes to the customer's credit balance;
  - to an invoice already paid (or no longer open: credited, cancelled, written off) → the whole
    payment goes to the customer's credit balance;
* **unmatched** (the queue, due in 10 working days): no, an invalid or an unknown reference; a payment
  with extra references (TK22/TK23, to be split by hand); money that would go to the credit balance
  of an invoice without a customer (an accounting order). The payer's name and address (TK26–28) are
  kept for staff.
* **Deductions** (TK21, e.g. a credit note the payer deducted) are recorded as unmatched items of
  kind "deduction" with a note, for staff to handle; no invoice is reduced automatically.

Afterwards the credit balances of the customers touched are offset against their open invoices,
oldest due date first (``offset_credit_balances``).

A test file (TK01 test marker ``T``) is refused, naming its start record and the field
``Testmarkering``, unless ``settings.BGMAX_ACCEPT_TEST_FILES`` (by default on only with ``DEBUG``).

Performance (``benchmarks/payments_import.py``: 100 000 payments against 100 000 open invoices on
PostgreSQL). The payments are matched in chunks of ``CHUNK`` (5 000) with a fixed number of queries per
chunk, whatever its size:

* one ``SELECT … FOR UPDATE`` of the chunk's invoices (in id order, so two imports cannot deadlock),
  the references as one array parameter, read as plain rows: no model instance per invoice;
* the state after a payment comes from the invoice's state machine (``register_full_payment`` /
  ``register_part_payment``), asked once per state of a stand-in invoice and remembered
  (``_state_after_payment``); every state change gets its own ``AuditEvent`` row;
* on PostgreSQL the payments, allocations, credit entries and audit events are streamed with
  ``COPY`` (``_insert_rows``; the payments' ids are taken from their sequence first, one query),
  elsewhere ``bulk_create``;
* one ``UPDATE … FROM unnest(ids, balances, states)`` writes the balances and states
  (``_write_invoices``; SQLite: ``UPDATE … FROM (VALUES …)``).

Python's cyclic garbage collector is paused during parsing and matching (``bgmax.gc_paused``): with
hundreds of thousands of live objects it otherwise took more time than the work itself. What is left
is mostly the database's own work (every invoice row updated with its indexes, 100 000 payment and
90 000 audit rows indexed). Matching runs in the one transaction of the import: all or nothing.

Concurrency: imports are serialised. The import's transaction first takes a PostgreSQL
transaction-level advisory lock (``pg_advisory_xact_lock(IMPORT_LOCK_KEY)``, released at commit or
rollback), so a second import started at the same moment waits for the first instead of locking
invoices chunk by chunk across the other's chunks (a deadlock) or matching against balances the
other has not committed yet. On SQLite writes are serialised anyway and no lock is taken.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, JSONField, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from hyresadmin import calendar
from hyresadmin.imports import ImportRefused, LineError, import_file
from hyresadmin.middleware import current_request_id
from hyresadmin.models import AuditEvent

from .bgmax import gc_paused
from .models import Allocation, CustomerCredit, Invoice, Payment, PaymentFile
from .ocr import is_valid_ocr

IMPORT_KIND = "bgmax"
CHUNK = 5000
#: The key of the transaction-level advisory lock that serialises BgMax imports (PostgreSQL).
IMPORT_LOCK_KEY = 0x42474D4158  # "BGMAX"
#: Working days staff have to handle an unmatched payment.
UNMATCHED_DUE_WORKING_DAYS = 10
OCR_CODE = 2
MAYBE_OCR_CODES = (3, 4)
ZERO = Decimal("0.00")


# --- Reading the file -------------------------------------------------------------------------------------


def _parse(data: bytes):
    """The parsed file; a ``BgMaxError`` becomes an ``ImportRefused`` naming the line and field."""
    from . import bgmax

    try:
        return bgmax.parse(data)
    except bgmax.BgMaxError as exc:
        raise ImportRefused(
            _("The BgMax file could not be read. Nothing was changed."),
            [LineError(getattr(exc, "line", 0) or 0, str(getattr(exc, "message", exc)),
                       str(getattr(exc, "field", "") or ""))],
        )


def _digits(text: str) -> str:
    return "".join(ch for ch in str(text) if ch.isdigit()).lstrip("0")


def _check_bankgiro(parsed) -> str:
    """Refuse deposits to another bankgiro than ours, naming each deposit's opening record (TK05)."""
    ours = _digits(settings.BANKGIRO_NUMBER)
    errors = [
        LineError(deposit.line,
                  _("The deposit is for bankgiro %(bankgiro)s, not the city's %(ours)s.")
                  % {"bankgiro": _digits(deposit.recipient_bankgiro) or "0",
                     "ours": settings.BANKGIRO_NUMBER},
                  "recipient_bankgiro")
        for deposit in parsed.sections
        if _digits(deposit.recipient_bankgiro) != ours
    ]
    if errors:
        raise ImportRefused(_("The file is for another bankgiro. Nothing was changed."), errors)
    return ours


def _check_test_marker(parsed) -> None:
    """Refuse a test file (TK01 test marker ``T``) unless ``settings.BGMAX_ACCEPT_TEST_FILES``."""
    from .bgmax import F_TEST

    if getattr(parsed, "test_marker", False) and not settings.BGMAX_ACCEPT_TEST_FILES:
        raise ImportRefused(
            _("The BgMax file is a test file. Nothing was changed."),
            [LineError(getattr(parsed, "start_line", 1),
                       _("The test marker is T (a test file from Bankgirot); only production files (P) "
                         "are imported here."), F_TEST)])


def _file_timestamp(parsed):
    value = getattr(parsed, "timestamp", None) or getattr(parsed, "written_at", None)
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return None


# --- Writing in bulk --------------------------------------------------------------------------------------


def _insert_rows(model, fields: tuple[str, ...], rows: list[tuple], *, ids: bool = False) -> list[int]:
    """Insert ``rows`` (tuples of the values of ``fields``, attribute names such as ``invoice_id``, in
    the database's Python types) into ``model``'s table in one statement; returns the new ids when
    ``ids``.

    On PostgreSQL the rows are streamed with ``COPY … FROM STDIN`` (no model instances, no SQL to
    compile); the ids are taken first from the table's sequence (``nextval`` over ``generate_series``,
    one query) and written with the rows. The COPY runs through the connection's execute wrappers, so
    query counters see it. Elsewhere (SQLite) it is a plain ``bulk_create``.
    """
    if not rows:
        return []
    opts = model._meta
    if connection.vendor != "postgresql":
        objs = model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows])
        return [obj.pk for obj in objs] if ids else []
    qn = connection.ops.quote_name
    model_fields = [opts.get_field(name) for name in fields]
    columns = [f.column for f in model_fields]
    as_json = [i for i, f in enumerate(model_fields) if isinstance(f, JSONField)]
    if as_json:  # COPY takes JSON as its text
        rows = [tuple(json.dumps(v, cls=model_fields[i].encoder) if i in as_json else v
                      for i, v in enumerate(row)) for row in rows]
    new_ids: list[int] = []
    with connection.cursor() as cursor:
        if ids:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [opts.db_table, opts.pk.column, len(rows)])
            new_ids = [row[0] for row in cursor.fetchall()]
            columns.insert(0, opts.pk.column)
            rows = [(pk, *row) for pk, row in zip(new_ids, rows, strict=True)]
        sql = f"COPY {qn(opts.db_table)} ({', '.join(map(qn, columns))}) FROM STDIN"

        def copy(sql, params, many, context):
            with cursor.cursor.copy(sql) as stream:
                for row in rows:
                    stream.write_row(row)

        cursor._execute_with_wrappers(sql, None, False, executor=copy)
    return new_ids


def _write_invoices(rows: list[tuple[int, Decimal, str]]) -> None:
    """Write ``(id, balance, state)`` of invoices (locked, changed in memory) in one UPDATE.

    On PostgreSQL: ``UPDATE … FROM unnest(ids, balances, states)``, three array parameters whatever
    the number of rows. Elsewhere (SQLite ≥ 3.33): ``WITH v(id, balance, state) AS (VALUES …) UPDATE …
    FROM v``, in batches under the limit on query parameters. (``bulk_update`` would build a CASE per
    row and is slow for thousands of rows.)
    """
    if not rows:
        return
    table = connection.ops.quote_name(Invoice._meta.db_table)
    # Only the table name and placeholders are formatted into the SQL; the values are parameters.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = (f"UPDATE {table} SET balance = v.balance, state = v.state "  # noqa: S608
                   f"FROM unnest(%s::bigint[], %s::numeric[], %s::text[]) AS v(id, balance, state) "
                   f"WHERE {table}.id = v.id")
            cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
            return
        size = connection.ops.bulk_batch_size(["id", "balance", "state"], rows) or len(rows)
        for start in range(0, len(rows), size):
            batch = rows[start:start + size]
            values = ", ".join(["(CAST(%s AS INTEGER), CAST(%s AS NUMERIC), %s)"] * len(batch))
            sql = (f"WITH v(id, balance, state) AS (VALUES {values}) "  # noqa: S608
                   f"UPDATE {table} SET balance = v.balance, state = v.state FROM v WHERE {table}.id = v.id")
            cursor.execute(sql, [value for row in batch for value in row])


def _ids(ids):
    """The right-hand side of an ``__in`` lookup on ids: on PostgreSQL one array parameter
    (``IN (SELECT unnest(%s))``) instead of a placeholder per id, which costs a second of composing
    the SQL for 50 000 ids; elsewhere the list."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


# --- Matching ---------------------------------------------------------------------------------------------

#: The columns of a payment row, in the order ``_match_chunk`` builds them.
PAYMENT_FIELDS = (
    "file_id", "kind", "status", "deposit_serial", "line", "payment_date", "amount", "reference",
    "reference_code", "channel", "bgc_serial", "payer_bankgiro", "payer_name", "payer_address",
    "payer_postcode", "payer_town", "payer_org_number", "invoice_id", "customer_id", "due_date", "note",
    "created_at",
)
P_STATUS, P_INVOICE, P_CUSTOMER, P_DUE_DATE, P_NOTE = (
    PAYMENT_FIELDS.index(name) for name in ("status", "invoice_id", "customer_id", "due_date", "note"))
ALLOCATION_FIELDS = ("payment_id", "invoice_id", "amount", "created_at")
CREDIT_FIELDS = ("person_id", "kind", "amount", "payment_id", "created_at")
AUDIT_FIELDS = (
    "event_type", "actor_id", "actor_label", "content_type_id", "object_id", "object_repr", "from_state",
    "to_state", "reason", "changes", "request_id", "created_at",
)
#: The invoice fields the matching reads, in this order: ``_locked_invoices`` rows.
INVOICE_FIELDS = ("id", "number", "ocr_reference", "state", "balance", "customer_id")
INV_ID, INV_NUMBER, INV_REF, INV_STATE, INV_BALANCE, INV_CUSTOMER = range(len(INVOICE_FIELDS))


@dataclass
class _Outcome:
    counts: Counter = field(default_factory=Counter)
    customer_ids: set = field(default_factory=set)


@dataclass
class _Context:
    """What every chunk of one import shares."""

    file_id: int
    actor_id: int | None
    actor_label: str
    due_date: dt.date
    now: dt.datetime
    content_type_id: int
    request_id: str
    outcome: _Outcome = field(default_factory=_Outcome)


def _candidate_reference(record) -> str:
    """The reference to look up among invoices' OCR references (reference code 2, or 3 and 4, and no
    extra references), or '' for the unmatched queue. Whether it is a valid OCR reference is only
    checked when no invoice has it (an invoice's reference always is valid)."""
    if record.extra_references or record.reference_code not in (OCR_CODE, *MAYBE_OCR_CODES):
        return ""
    return "".join(record.reference.split())


def _payer_name(record) -> str:
    names = (str(getattr(record, "payer_name", "") or "").strip(),
             str(getattr(record, "payer_extra_name", "") or "").strip())
    return " ".join(n for n in names if n)[:70]


def _audit_transition(invoice: Invoice, before: str, after: str, *, actor, reason: str, changes: dict,
                      content_type, request_id: str) -> AuditEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = actor[:100] if isinstance(actor, str) else ""
    return AuditEvent(
        event_type=AuditEvent.Type.TRANSITION, actor=user, actor_label=label, content_type=content_type,
        object_id=str(invoice.pk), object_repr=str(invoice)[:200], from_state=before,
        to_state=after, reason=reason, changes=changes, request_id=request_id,
    )


def _apply_to_invoice(invoice: Invoice, amount: Decimal) -> tuple[Decimal, list[tuple[str, str]]]:
    """Put up to ``amount`` on ``invoice`` in memory: its balance falls and its state moves through
    the transitions. Returns the amount put on it and the (from, to) state changes."""
    put = min(amount, invoice.balance)
    if put <= 0:
        return ZERO, []
    invoice.balance -= put
    before = invoice.state
    if invoice.balance == 0 and can_proceed(invoice.register_full_payment):
        invoice.register_full_payment()
    elif invoice.balance > 0 and can_proceed(invoice.register_part_payment):
        invoice.register_part_payment()
    return put, ([(before, invoice.state)] if invoice.state != before else [])


def _locked_invoices(refs) -> dict[str, list]:
    """The invoices with these OCR references, locked (``FOR UPDATE``, in id order so that two imports
    cannot deadlock), as mutable lists of ``INVOICE_FIELDS`` by reference. On PostgreSQL the
    references go as one array parameter (``= ANY(%s)``): an ``IN`` list of thousands of placeholders
    costs seconds of client-side SQL composing per chunk."""
    if not refs:
        return {}
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        sql = (f"SELECT {', '.join(map(qn, INVOICE_FIELDS))} "  # noqa: S608
               f"FROM {qn(Invoice._meta.db_table)} WHERE ocr_reference = ANY(%s) ORDER BY id FOR UPDATE")
        with connection.cursor() as cursor:
            cursor.execute(sql, [list(refs)])
            rows = cursor.fetchall()
    else:
        rows = (Invoice.objects.select_for_update().filter(ocr_reference__in=refs).order_by("pk")
                .values_list(*INVOICE_FIELDS))
    return {row[INV_REF]: list(row) for row in rows}


_AFTER_PAYMENT: dict[tuple[str, bool], str] = {}


def _state_after_payment(state: str, paid_in_full: bool) -> str:
    """An invoice's state after a payment, as its state machine decides (``register_full_payment``
    when nothing is left to pay, else ``register_part_payment``; the state stays where the transition
    is not allowed, e.g. a part payment at collection).

    Asked once per (state, in full) of a stand-in invoice and remembered: the import then needs no
    model instance per invoice. That is only right while these transitions have no conditions on
    other fields, which is checked here.
    """
    key = (state, paid_in_full)
    if key not in _AFTER_PAYMENT:
        stand_in = Invoice(state=state)
        method = stand_in.register_full_payment if paid_in_full else stand_in.register_part_payment
        transition = method._django_fsm.get_transition(state)
        if transition is not None and transition.conditions:
            raise RuntimeError(f"Invoice.{method.__name__} has conditions: the BgMax import must then "
                               "check them on each invoice (invoicing.payments._state_after_payment).")
        if can_proceed(method):
            method()
        _AFTER_PAYMENT[key] = stand_in.state
    return _AFTER_PAYMENT[key]


def _match_chunk(records, ctx: _Context) -> None:
    """Write and match one chunk of ``(deposit, record, kind)``: a fixed number of queries (the
    invoices of the chunk's references, locked; the payments' ids; the payments, allocations, credit
    entries and audit events, one insert each; one UPDATE of the invoices)."""
    outcome = ctx.outcome
    counts = outcome.counts
    refs = {ref for _d, record, kind in records if kind == Payment.Kind.PAYMENT
            for ref in [_candidate_reference(record)] if ref}
    invoices = _locked_invoices(refs)
    open_states = frozenset(Invoice.OPEN_STATES)

    rows: list[list] = []  # payment rows (PAYMENT_FIELDS), as lists until their invoice is known
    allocations: list[tuple[int, int, Decimal]] = []  # (row index, invoice id, amount)
    credits: list[tuple[int, int, str, Decimal]] = []  # (row index, person id, kind, amount)
    changed: dict[int, list] = {}
    events: list[tuple] = []
    reason = _("Payment (BgMax)")
    note_deduction = _("A deduction (TK21) made by the payer: check it against the invoices and credit "
                       "notes by hand; no invoice was changed.")
    note_several = _("Several references: split the payment by hand.")
    note_invalid = _("No valid OCR reference.")
    note_unknown = _("No invoice has this OCR reference.")
    note_no_customer = _("Paid more than the invoice, which has no customer for a credit balance.")
    unmatched, matched, to_credit = Payment.Status.UNMATCHED, Payment.Status.MATCHED, Payment.Status.CREDIT
    for deposit, record, kind in records:
        amount = record.amount
        row = [ctx.file_id, kind, unmatched, deposit.serial[:5], record.line, deposit.payment_date, amount,
               record.reference.strip()[:25], record.reference_code, str(record.channel or "")[:1],
               record.serial[:12], record.payer_bankgiro[:10], _payer_name(record),
               record.payer_address[:35], record.payer_postcode[:9], record.payer_town[:35],
               record.payer_org_number[:12], None, None, ctx.due_date, "", ctx.now]
        rows.append(row)
        if kind == Payment.Kind.DEDUCTION:
            row[P_NOTE] = note_deduction
            counts["unmatched"] += 1
            continue
        ref = _candidate_reference(record)
        invoice = invoices.get(ref) if ref else None
        if invoice is None:
            if record.extra_references:
                row[P_NOTE] = note_several
            elif ref and is_valid_ocr(ref):
                row[P_NOTE] = note_unknown
            else:
                row[P_NOTE] = note_invalid
            counts["unmatched"] += 1
            continue
        invoice_id, customer_id, balance = invoice[INV_ID], invoice[INV_CUSTOMER], invoice[INV_BALANCE]
        row[P_INVOICE], row[P_CUSTOMER] = invoice_id, customer_id
        is_open = invoice[INV_STATE] in open_states
        if customer_id is None and (not is_open or amount > balance):
            # No customer to hold a credit balance: staff decide, and the invoice is left unchanged.
            row[P_NOTE] = note_no_customer
            counts["unmatched"] += 1
            continue
        put = min(amount, balance) if is_open and balance > 0 else ZERO
        rest = amount - put
        row[P_DUE_DATE] = None  # handled: no due date
        index = len(rows) - 1
        if put:
            balance -= put
            before = invoice[INV_STATE]
            after = _state_after_payment(before, balance == 0)
            invoice[INV_BALANCE], invoice[INV_STATE] = balance, after
            row[P_STATUS] = matched
            allocations.append((index, invoice_id, put))
            changed[invoice_id] = invoice
            if rest:
                credits.append((index, customer_id, CustomerCredit.Kind.SURPLUS, rest))
                counts["paid"] += 1
                counts["surplus"] += 1
            else:
                counts["paid" if balance == 0 else "partly"] += 1
            if after != before:
                events.append((AuditEvent.Type.TRANSITION, ctx.actor_id, ctx.actor_label,
                               ctx.content_type_id, str(invoice_id), str(invoice[INV_NUMBER]), before, after,
                               reason, {"payment_line": record.line, "amount": str(put)}, ctx.request_id,
                               ctx.now))
        else:
            row[P_STATUS] = to_credit
            credits.append((index, customer_id, CustomerCredit.Kind.PAID_INVOICE, rest))
            counts["credit"] += 1
        if customer_id:
            outcome.customer_ids.add(customer_id)

    ids = _insert_rows(Payment, PAYMENT_FIELDS, [tuple(row) for row in rows], ids=True)
    _insert_rows(Allocation, ALLOCATION_FIELDS,
                 [(ids[index], invoice_id, amount, ctx.now) for index, invoice_id, amount in allocations])
    _insert_rows(CustomerCredit, CREDIT_FIELDS,
                 [(person_id, kind, amount, ids[index], ctx.now) for index, person_id, kind, amount in credits])
    _write_invoices([(inv[INV_ID], inv[INV_BALANCE], inv[INV_STATE]) for inv in changed.values()])
    _insert_rows(AuditEvent, AUDIT_FIELDS, events)
    counts["payments"] += len(rows)


def _records(parsed):
    for deposit in parsed.sections:
        for record in deposit.payments:
            yield deposit, record, Payment.Kind.PAYMENT
        for record in deposit.deductions:
            yield deposit, record, Payment.Kind.DEDUCTION


def _serialise_imports() -> None:
    """Wait for any other BgMax import to finish (PostgreSQL; held until this transaction ends)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def import_parsed(*, actor, name: str, data: bytes, parsed, chunk_size: int = CHUNK) -> dict:
    """Import an already parsed BgMax file (``import_bgmax`` without the parsing)."""
    _check_test_marker(parsed)
    _check_bankgiro(parsed)
    deposits_total = sum((d.amount for d in parsed.sections), ZERO)
    due_date = calendar.add_working_days(timezone.localdate(), UNMATCHED_DUE_WORKING_DAYS)
    content_type = ContentType.objects.get_for_model(Invoice)
    request_id = current_request_id() or ""
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    actor_label = actor[:100] if isinstance(actor, str) else ""
    holder: dict = {}

    def write() -> dict:
        file = PaymentFile.objects.create(
            bankgiro=_digits(parsed.sections[0].recipient_bankgiro).zfill(10) if parsed.sections else "",
            file_timestamp=_file_timestamp(parsed), deposits=len(parsed.sections),
            payments=sum(len(d.payments) for d in parsed.sections),
            deductions=sum(len(d.deductions) for d in parsed.sections), total=deposits_total)
        ctx = _Context(file_id=file.pk, actor_id=actor_id, actor_label=actor_label, due_date=due_date,
                       now=timezone.now(), content_type_id=content_type.pk, request_id=request_id)
        with gc_paused():
            records = list(_records(parsed))
            for start in range(0, len(records), chunk_size):
                _match_chunk(records[start:start + chunk_size], ctx)
        outcome = ctx.outcome
        offset = offset_credit_balances(customer_ids=outcome.customer_ids, actor=actor)
        counts = outcome.counts
        holder["file"] = file
        return {
            "rows": counts["payments"], "payment_file": file.pk, "deposits": len(parsed.sections),
            "payments": file.payments, "deductions": file.deductions,
            "matched": counts["paid"] + counts["partly"], "paid": counts["paid"],
            "partly": counts["partly"], "surplus": counts["surplus"], "credit": counts["credit"],
            "unmatched": counts["unmatched"], "total": str(deposits_total),
            "offset": str(offset),
        }

    with transaction.atomic():
        _serialise_imports()
        record = import_file(kind=IMPORT_KIND, name=name, data=data, actor=actor, write=write)
        file = holder["file"]
        file.imported_file = record
        file.save(update_fields=["imported_file"])
    return record.result


def import_bgmax(*, actor, name: str, data: bytes) -> dict:
    """Import and match a BgMax file, all or nothing; returns the counts.

    Raises ``ImportRefused`` (nothing written) for a file that cannot be read (naming the line and
    field), a test file (TK01 test marker ``T``) unless ``settings.BGMAX_ACCEPT_TEST_FILES``, a deposit to another bankgiro than ``settings.BANKGIRO_NUMBER`` (naming its TK05 line), or
    a file already imported. Deductions (TK21) become unmatched items for staff; no invoice is reduced
    automatically.
    """
    return import_parsed(actor=actor, name=name, data=data, parsed=_parse(data))


# --- Credit balances ---------------------------------------------------------------------------------------


def credit_balance(*, person_id: int) -> Decimal:
    """A customer's credit balance: the sum of their credit entries."""
    return CustomerCredit.objects.filter(person_id=person_id).aggregate(s=Sum("amount"))["s"] or ZERO


def offset_credit_balances(*, customer_ids, actor="invoicing.offset_credit") -> Decimal:
    """Offset each customer's credit balance against their open invoices, oldest due date first.

    Each offset is a negative ``CustomerCredit`` entry and an ``Allocation`` from it; the invoices'
    states move through the transitions (audited). A fixed number of queries whatever the number of
    customers. Returns the total offset. Call inside a transaction (the invoices are locked).
    """
    customer_ids = list(customer_ids)
    if not customer_ids:
        return ZERO
    balances = {
        row["person_id"]: row["s"]
        for row in CustomerCredit.objects.filter(person_id__in=_ids(customer_ids))
        .values("person_id").annotate(s=Sum("amount")).order_by()
        if row["s"] and row["s"] > 0
    }
    if not balances:
        return ZERO
    invoices = (Invoice.objects.select_for_update()
                .filter(customer_id__in=_ids(balances), state__in=Invoice.OPEN_STATES, balance__gt=0)
                .order_by("due_date", "period", "number"))
    content_type = ContentType.objects.get_for_model(Invoice)
    request_id = current_request_id() or ""
    pairs: list[tuple[CustomerCredit, Invoice]] = []
    changed, events = [], []
    total = ZERO
    for invoice in invoices:
        left = balances[invoice.customer_id]
        if left <= 0:
            continue
        put, moves = _apply_to_invoice(invoice, left)
        if not put:
            continue
        balances[invoice.customer_id] = left - put
        total += put
        pairs.append((CustomerCredit(person_id=invoice.customer_id, kind=CustomerCredit.Kind.OFFSET,
                                     amount=-put), invoice))
        changed.append(invoice)
        for before, after in moves:
            events.append(_audit_transition(
                invoice, before, after, actor=actor, reason=_("Offset of credit balance"),
                changes={"amount": str(put)}, content_type=content_type, request_id=request_id))
    if not pairs:
        return ZERO
    credits = CustomerCredit.objects.bulk_create([credit for credit, _inv in pairs], batch_size=CHUNK)
    Allocation.objects.bulk_create(
        [Allocation(credit=credit, invoice=invoice, amount=-credit.amount)
         for credit, (_c, invoice) in zip(credits, pairs, strict=True)], batch_size=CHUNK)
    _write_invoices([(invoice.pk, invoice.balance, invoice.state) for invoice in changed])
    if events:
        AuditEvent.objects.bulk_create(events, batch_size=CHUNK)
    return total


@transaction.atomic
def credit_balances_offset(*, customer_ids, actor="invoicing.offset_credit") -> Decimal:
    """``offset_credit_balances`` in its own transaction (for a job or an admin action)."""
    return offset_credit_balances(customer_ids=customer_ids, actor=actor)


# --- The unmatched queue: handled by hand (the admin) ------------------------------------------------------


class PaymentRefused(Exception):
    """A manual action on a payment that may not run; ``message`` is fit to show a user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _lock_unmatched(payment: Payment) -> Payment:
    """A fresh, locked copy of an unmatched payment (not a deduction), or ``PaymentRefused``."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.status != Payment.Status.UNMATCHED:
        raise PaymentRefused(_("The payment is not in the unmatched queue: it has already been handled."))
    if locked.kind != Payment.Kind.PAYMENT:
        raise PaymentRefused(_("A deduction cannot be matched or kept as a prepayment."))
    return locked


def _audit_payment(payment: Payment, *, actor, reason: str, changes: dict) -> None:
    from hyresadmin import audit

    audit.record(AuditEvent.Type.TRANSITION, actor=actor, subject=payment,
                 from_state=Payment.Status.UNMATCHED, to_state=payment.status, reason=reason,
                 changes=changes)


@transaction.atomic
def payment_match_to_invoice(*, actor, payment: Payment, invoice: Invoice) -> Payment:
    """Match an unmatched payment by hand to an open invoice: min(amount, balance) is allocated to it
    (its state moves through the transitions, audited), the surplus goes to the customer's credit
    balance, which is then offset against their other open invoices. Refuses a payment that is not
    unmatched, and an invoice that is not open or (with a surplus) has no customer."""
    payment = _lock_unmatched(payment)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.is_open or invoice.balance <= 0:
        raise PaymentRefused(_("Invoice %(number)s is not open: nothing is left to pay on it.")
                             % {"number": invoice.number})
    if invoice.customer_id is None and payment.amount > invoice.balance:
        raise PaymentRefused(_("The payment is more than the invoice, which has no customer for a credit "
                               "balance."))
    put, moves = _apply_to_invoice(invoice, payment.amount)
    rest = payment.amount - put
    Invoice.objects.filter(pk=invoice.pk).update(balance=invoice.balance, state=invoice.state)
    Allocation.objects.create(payment=payment, invoice=invoice, amount=put)
    if rest > 0:
        CustomerCredit.objects.create(person_id=invoice.customer_id, kind=CustomerCredit.Kind.SURPLUS,
                                      amount=rest, payment=payment)
    payment.status = Payment.Status.MATCHED
    payment.invoice = invoice
    payment.customer_id = invoice.customer_id
    payment.due_date = None
    payment.save(update_fields=["status", "invoice", "customer", "due_date"])
    content_type = ContentType.objects.get_for_model(Invoice)
    request_id = current_request_id() or ""
    for before, after in moves:
        _audit_transition(invoice, before, after, actor=actor, reason=_("Payment matched by hand"),
                          changes={"payment": payment.pk, "amount": str(put)},
                          content_type=content_type, request_id=request_id).save()
    _audit_payment(payment, actor=actor, reason=_("Matched by hand to an invoice"),
                   changes={"invoice": invoice.pk, "allocated": str(put), "to_credit": str(rest)})
    if rest > 0:
        offset_credit_balances(customer_ids=[invoice.customer_id], actor=actor)
    return payment


@transaction.atomic
def payment_to_credit(*, actor, payment: Payment, person) -> Payment:
    """Keep an unmatched payment as a prepayment: the whole amount becomes ``person``'s credit
    balance (offset at once against their open invoices, oldest first, like any credit balance)."""
    payment = _lock_unmatched(payment)
    CustomerCredit.objects.create(person_id=person.pk, kind=CustomerCredit.Kind.PREPAYMENT,
                                  amount=payment.amount, payment=payment)
    payment.status = Payment.Status.CREDIT
    payment.customer_id = person.pk
    payment.due_date = None
    payment.save(update_fields=["status", "customer", "due_date"])
    _audit_payment(payment, actor=actor, reason=_("Kept as a prepayment (credit balance)"),
                   changes={"person": person.pk, "amount": str(payment.amount)})
    offset_credit_balances(customer_ids=[person.pk], actor=actor)
    return payment


def credit_balances():
    """Persons with a non-zero credit balance, largest first, in one query: rows of ``person_id``,
    ``first_name``, ``last_name`` and ``balance``."""
    return (CustomerCredit.objects.values("person_id").order_by()
            .annotate(balance=Sum("amount"), first_name=F("person__first_name"),
                      last_name=F("person__last_name"))
            .exclude(balance=0).order_by("-balance", "person_id"))


def unmatched_payments_for(user):
    """The open items of the unmatched queue ("Mitt arbete"): every unmatched payment, for service
    staff; nothing for anyone else."""
    from hyresadmin import permissions

    if not permissions.is_service_staff(user):
        return Payment.objects.none()
    return Payment.objects.filter(status=Payment.Status.UNMATCHED)
