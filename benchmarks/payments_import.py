"""Benchmark: importing and matching a BgMax file of 100 000 payments against 100 000 open invoices.

PostgreSQL only. ``DATABASE_URL`` names the server (its database is never touched): the script creates
its own database (``hyresadmin_bench_payments``, or ``BENCH_DATABASE``) there, migrates it, seeds the
open invoices with bulk inserts, builds the BgMax file in memory, times the steps and drops the
database again, also when it fails. The raw file that the import keeps goes to a temporary
``MEDIA_ROOT``, removed at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hyresadmin make bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hyresadmin .venv/bin/python benchmarks/payments_import.py

The file (several deposits, one per 5 000 payments) mixes what a real month brings: exact payments,
part payments, overpayments (surplus to the credit balance, then offset against the customer's other
invoice), a second payment of an invoice already paid (to the credit balance), valid OCR references
that name no invoice, payments without a reference, and a few deductions (TK21).

Two steps are timed separately, and their sum is held against the target (30 s): ``parse`` (``invoicing.bgmax.parse``, no database) and ``import``
(``invoicing.payments.import_parsed``: keep the file, write and match every payment, offset credit
balances, all in one transaction). For each it prints the median and best of the repetitions
(``time.perf_counter``), payments per second, this process's CPU time and, for the import, the number
of SQL statements (``connection.execute_wrapper``; savepoints included). Between repetitions the
import is undone (payment tables truncated, invoices set back to unpaid). After the last run the
result is checked: the payments less deductions sum to the deposits, every matched payment's
allocations and credit entries sum to its amount, and every invoice's balance is its total less its
allocations.

Environment: ``BENCH_PAYMENTS`` (default 100000; the invoices are as many), ``BENCH_REPEAT``
(default 2), ``BENCH_DATABASE``; ``BENCH_PROFILE=1`` runs the import once more under cProfile and
prints the costliest functions and the SQL time per kind of statement.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import date
from decimal import Decimal

from _support import drop_database, measure, migrate, recreate_database, server_url, setup_django

SCRIPT = "benchmarks/payments_import.py"
BENCH_DB = os.environ.get("BENCH_DATABASE", "hyresadmin_bench_payments")
TARGET_SECONDS = 30
BANKGIRO = "0050501055"
PER_DEPOSIT = 5000
NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


class SqlTimer:
    """Time spent in SQL, per kind of statement (its first words)."""

    def __init__(self):
        self.times: dict[str, list] = {}

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = " ".join(str(sql).split()[:4])[:70]
            entry = self.times.setdefault(key, [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - start

    def print(self) -> None:
        for key, (count, seconds) in sorted(self.times.items(), key=lambda kv: -kv[1][1])[:15]:
            print(f"  sql {seconds:7.2f} s  {count:>5}×  {key}")


def profile(func) -> None:
    import cProfile
    import pstats

    from django.db import connection

    timer = SqlTimer()
    profiler = cProfile.Profile()
    with connection.execute_wrapper(timer):
        profiler.runcall(func)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    timer.print()


def report(step: str, n: int, times, cpu, queries) -> None:
    median, best = statistics.median(times), min(times)
    print(f"{step:<8} payments={n:>6}  median={median:6.2f} s  best={best:6.2f} s  "
          f"python cpu={statistics.median(cpu):6.2f} s  payments/s={n / median:7.0f}  "
          f"queries={queries[-1]}  [runs={len(times)}]", flush=True)


# --- Data --------------------------------------------------------------------------------------------


def seed_invoices(n: int):
    """``n`` open rent invoices (``n // 2`` customers with a November and a December invoice each), by
    bulk insert. Returns the service-staff user who imports, and the invoices' OCR references in
    invoice order."""
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from hyresadmin import permissions
    from hyresadmin.models import Organisation, Person, User
    from invoicing.models import Invoice
    from invoicing.ocr import ocr_reference

    batch = 5000
    with transaction.atomic():
        district = Organisation.objects.create(code="D01", name="Stadsdelsförvaltning 1")
        service = Organisation.objects.create(code="SF", name="Serviceförvaltningen", kind="service")
        staff = User.objects.create(username="bench-staff", organisation=service, is_staff=True)
        staff.groups.add(Group.objects.get_or_create(name=permissions.SERVICE_STAFF)[0])
        persons = Person.objects.bulk_create([
            Person(personal_number=f"19{i:010d}", first_name="Karin", last_name=f"Berg {i}",
                   affiliation=district)
            for i in range((n + 1) // 2)], batch_size=batch)
        refs = []
        invoices = []
        for k in range(n):
            number = 1_000_001 + k
            ref = ocr_reference(number)
            refs.append(ref)
            period = NOV if k % 2 == 0 else DEC
            total = Decimal(4000 + (k // 2 * 37) % 7000)
            invoices.append(Invoice(
                number=number, ocr_reference=ref, kind="rent", state=Invoice.State.ISSUED,
                customer=persons[k // 2], organisation=district, period=period,
                issue_date=date(period.year, period.month - 1, 15), due_date=period.replace(day=1),
                total=total, balance=total))
        Invoice.objects.bulk_create(invoices, batch_size=batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("CHECKPOINT")  # the bulk load's WAL written out before anything is timed
    return staff, refs, [inv.total for inv in invoices]


def build_file(refs: list[str], totals: list[Decimal], n: int) -> tuple[bytes, dict]:
    """A BgMax file of ``n`` payments (TK20) and a few deductions (TK21) in deposits of 5 000, and
    the mix it holds."""
    from invoicing.ocr import ocr_reference

    mix = {"exact": 0, "part": 0, "over": 0, "again": 0, "unknown": 0, "no_reference": 0,
           "deductions": 0}
    payments = []  # (reference, öre, reference code, is deduction)
    for k in range(n):
        invoice = k % len(refs)
        ore = int(totals[invoice] * 100)
        kind = k % 100
        if kind < 62:
            payments.append((refs[invoice], ore, 2, False))
            mix["exact"] += 1
        elif kind < 77:
            payments.append((refs[invoice], ore // 3, 2, False))
            mix["part"] += 1
        elif kind < 85:
            payments.append((refs[invoice], ore + 25000, 2, False))
            mix["over"] += 1
        elif kind < 90:  # the invoice of the payment before: paid twice
            payments.append((refs[(k - 1) % len(refs)], 54000, 2, False))
            mix["again"] += 1
        elif kind < 95:
            payments.append((ocr_reference(9_000_001 + k), ore, 2, False))
            mix["unknown"] += 1
        else:
            payments.append(("", ore, 1, False))
            mix["no_reference"] += 1
        if k % 1000 == 999:
            payments.append(("", 10000, 3, True))
            mix["deductions"] += 1

    lines = ["01" + "BGMAX".ljust(20) + "01" + "20261123103000123456" + "P"]
    n20 = n21 = deposits = 0
    for start in range(0, len(payments), PER_DEPOSIT):
        section = payments[start:start + PER_DEPOSIT]
        deposits += 1
        lines.append(f"05{BANKGIRO}{'':10}SEK")
        total = 0
        for serial, (ref, ore, code, deduction) in enumerate(section, 1):
            justified = ref.rjust(25) if code == 2 else ref.ljust(25)
            body = f"0000000000{justified}{ore:018d}{code}1{serial:012d}0"
            if deduction:
                lines.append(f"21{body}0")
                total -= ore
                n21 += 1
            else:
                lines.append(f"20{body}")
                total += ore
                n20 += 1
                if serial % 7 == 0:
                    lines.append(f"26{'Karin Berg':<35}")
                    lines.append(f"27{'Hornsgatan 1':<35}{'11821':<9}")
                    lines.append(f"28{'Stockholm':<35}")
        lines.append(f"15{'9912346':0>35}20261123{deposits:05d}{total:018d}SEK{len(section):08d} ")
    lines.append(f"70{n20:08d}{n21:08d}{0:08d}{deposits:08d}")
    mix["deposits"] = deposits
    return ("\r\n".join(line.ljust(80) for line in lines) + "\r\n").encode("latin-1"), mix


def undo_import() -> None:
    """Empty what an import writes and set the invoices back to unpaid (untimed, between runs)."""
    from django.db import connection

    from hyresadmin.models import AuditEvent, ImportedFile
    from invoicing.models import Allocation, CustomerCredit, Invoice, Payment, PaymentFile

    tables = [m._meta.db_table for m in (Allocation, CustomerCredit, Payment, PaymentFile, ImportedFile,
                                         AuditEvent)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        cursor.execute(f"UPDATE {Invoice._meta.db_table} SET balance = total, state = 'issued'")
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")


def check(n: int, expected_total: Decimal) -> str:
    """The result adds up: deposits, every payment's money, every invoice's balance, an audit event
    for every invoice's state. Aggregates in SQL (a correlated subquery per row would take minutes)."""
    from django.db import connection
    from django.db.models import Count, Q, Sum

    from hyresadmin.models import AuditEvent
    from invoicing.models import Allocation, CustomerCredit, Invoice, Payment, PaymentFile

    file = PaymentFile.objects.get()
    sums = Payment.objects.aggregate(paid=Sum("amount", filter=Q(kind="payment")),
                                     deducted=Sum("amount", filter=Q(kind="deduction")), rows=Count("id"))
    paid, deducted = sums["paid"] or Decimal(0), sums["deducted"] or Decimal(0)
    assert paid - deducted == file.total == expected_total, (sums, file.total, expected_total)
    assert sums["rows"] == file.payments + file.deductions and file.payments == n, (sums, file.payments)

    t = {m.__name__: m._meta.db_table for m in (Allocation, CustomerCredit, Invoice, Payment, AuditEvent)}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics after the COPYs, or the planner loops per row
        cursor.execute(f"""
            SELECT count(*) FROM {t['Payment']} p
            LEFT JOIN (SELECT payment_id, sum(amount) AS s FROM {t['Allocation']}
                       WHERE payment_id IS NOT NULL GROUP BY payment_id) a ON a.payment_id = p.id
            LEFT JOIN (SELECT payment_id, sum(amount) AS s FROM {t['CustomerCredit']}
                       WHERE payment_id IS NOT NULL GROUP BY payment_id) c ON c.payment_id = p.id
            WHERE (p.status IN ('matched', 'credit') AND coalesce(a.s, 0) + coalesce(c.s, 0) <> p.amount)
               OR (p.status = 'unmatched' AND (a.s IS NOT NULL OR c.s IS NOT NULL))""")
        assert cursor.fetchone()[0] == 0, "payments whose money does not add up"
        cursor.execute(f"""
            SELECT count(*) FROM {t['Invoice']} i
            LEFT JOIN (SELECT invoice_id, sum(amount) AS s FROM {t['Allocation']} GROUP BY invoice_id) a
                   ON a.invoice_id = i.id
            WHERE i.balance <> i.total - coalesce(a.s, 0) OR i.balance < 0""")
        assert cursor.fetchone()[0] == 0, "invoices whose balance does not add up"
        cursor.execute(f"""
            SELECT count(*) FROM {t['Invoice']} i WHERE i.state <> 'issued' AND NOT EXISTS (
                SELECT 1 FROM {t['AuditEvent']} e WHERE e.object_id = i.id::text AND e.to_state = i.state
                AND e.event_type = 'transition')""")
        assert cursor.fetchone()[0] == 0, "invoices whose state change has no audit event"
    credit = CustomerCredit.objects.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    assert credit >= 0
    states = dict(Invoice.objects.values_list("state").annotate(c=Count("id")).order_by())
    statuses = dict(Payment.objects.values_list("status").annotate(c=Count("id")).order_by())
    events = AuditEvent.objects.filter(event_type=AuditEvent.Type.TRANSITION).count()
    return (f"ok: payments {paid} − deductions {deducted} = deposits {file.total} kr; "
            f"payments {statuses}; invoices {states}; credit balances {credit} kr; "
            f"audit events {events}")


def main() -> None:
    url = server_url(SCRIPT, BENCH_DB)
    n = int(os.environ.get("BENCH_PAYMENTS", "100000"))
    repeat = int(os.environ.get("BENCH_REPEAT", "2"))

    recreate_database(url, script=SCRIPT, database=BENCH_DB)
    media = tempfile.TemporaryDirectory(prefix="bench-payments-")
    try:
        setup_django(url, database=BENCH_DB, media_root=media.name)
        from django.conf import settings
        from django.db import connections

        from invoicing import bgmax, payments

        settings.BANKGIRO_NUMBER = BANKGIRO

        migrate(database=BENCH_DB, width=8)

        start = time.perf_counter()
        staff, refs, totals = seed_invoices(n)
        print(f"setup    invoices={n:>6}  bulk insert {time.perf_counter() - start:.1f} s", flush=True)
        start = time.perf_counter()
        data, mix = build_file(refs, totals, n)
        print(f"file     {len(data) / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s  "
              + "  ".join(f"{k}={v}" for k, v in mix.items()), flush=True)

        parsed_holder = {}

        def parse():
            parsed_holder["parsed"] = bgmax.parse(data)

        parse_times = measure(parse, repeat=3)
        report("parse", n, *parse_times)
        parsed = parsed_holder["parsed"]
        results = {}

        def run():
            results["last"] = payments.import_parsed(actor=staff, name="bgmax-bench.txt", data=data,
                                                     parsed=parsed)

        import_times = measure(run, repeat=repeat, reset=undo_import)
        report("import", n, *import_times)
        total = statistics.median(parse_times[0]) + statistics.median(import_times[0])
        verdict = "ok" if total < TARGET_SECONDS else f"OVER the {TARGET_SECONDS} s target"
        print(f"total    payments={n:>6}  parse + import = {total:6.2f} s (medians)  "
              f"payments/s={n / total:7.0f}  [{verdict}]", flush=True)
        if os.environ.get("BENCH_PROFILE"):
            undo_import()
            profile(run)
        result = results["last"]
        print("result   " + "  ".join(f"{k}={result[k]}" for k in (
            "payments", "deductions", "paid", "partly", "surplus", "credit", "unmatched", "offset")),
              flush=True)
        expected = sum((d.amount for d in parsed.sections), Decimal(0))
        print("check    " + check(n, expected), flush=True)
        connections.close_all()
    finally:
        drop_database(url, script=SCRIPT, database=BENCH_DB)
        media.cleanup()


if __name__ == "__main__":
    main()
