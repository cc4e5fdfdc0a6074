"""Benchmark: the monthly rent run (prepare, then issue) over 20 000 and 2 000 active contracts.

PostgreSQL only. ``DATABASE_URL`` names the server (its database is never touched): the script creates
its own database ``hyresadmin_bench`` there, migrates it, fills it with bulk inserts, times the steps
and drops the database again, also when it fails.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hyresadmin make bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hyresadmin .venv/bin/python benchmarks/invoicing_run.py

For each size it prints, per step, the median and best of a few repetitions (``time.perf_counter``),
contracts per second and the number of SQL statements (counted with ``connection.execute_wrapper``;
savepoints included). Each repetition of a step does the same work: prepare is simply prepared again,
issue is undone (invoices deleted, run set back to approved) before the next repetition. The query
counts of the two sizes give the fixed part and the part per 2 000-contract chunk: work is chunked, so
the count grows with the number of chunks, never with the number of contracts.

Environment: ``BENCH_SIZES`` (default ``20000,2000``), ``BENCH_REPEAT`` (default 3).
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from _support import (
    analyze,
    drop_database,
    measure,
    migrate,
    personal_number,
    recreate_database,
    server_url,
    setup_django,
)

SCRIPT = "benchmarks/invoicing_run.py"
BENCH_DB = "hyresadmin_bench"
PERIOD = date(2026, 12, 1)
TARGET_SECONDS = 60


# --- Data --------------------------------------------------------------------------------------------


def truncate_all() -> None:
    """Empty every table the benchmark fills (and whatever refers to them) between sizes."""
    from django.apps import apps
    from django.db import connection

    tables = [m._meta.db_table for m in apps.get_models()
              if m._meta.app_label in {"hyresadmin", "contracts", "invoicing"} and m._meta.managed
              and not m._meta.proxy and m._meta.db_table != "django_migrations"]
    tables = [t for t in tables if t in connection.introspection.table_names()]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def make_data(n: int):
    """``n`` active customer contracts (external and city-internal) with their rent lines, by bulk
    insert. Returns the service-staff user who approves the run."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from contracts.models import CollectionCode, HousingForm, Landlord, RentalContract, RentalObject, RentLine
    from hyresadmin import permissions
    from hyresadmin.models import Organisation, Person, User

    batch = 5000
    activated = datetime(2025, 1, 15, 9, tzinfo=UTC)
    with transaction.atomic():
        districts = Organisation.objects.bulk_create([
            Organisation(code=f"D{i:02d}", name=f"Stadsdelsförvaltning {i}",
                         shared_mailbox_email=f"d{i:02d}@example.invalid") for i in range(14)])
        service = Organisation.objects.create(code="SF", name="Serviceförvaltningen", kind="service",
                                              shared_mailbox_email="sf@example.invalid")
        staff = User.objects.create(username="bench-staff", organisation=service, is_staff=True)
        staff.groups.add(Group.objects.get_or_create(name=permissions.SERVICE_STAFF)[0])
        landlords = Landlord.objects.bulk_create([
            Landlord(name=f"Fastighets AB {i}", organisation_number=f"556{i:03d}-{i:04d}")
            for i in range(50)])
        code = CollectionCode.objects.create(code="K1", name="Standard")

        objects = RentalObject.objects.bulk_create([
            RentalObject(object_number=f"B-{i:07d}", street_address=f"Ringvägen {i % 150 + 1}",
                         postcode="11726", housing_form=HousingForm.CARE_HOME,
                         landlord=landlords[i % len(landlords)], first_hand_rent=Decimal("5200.00"),
                         first_hand_rent_negotiated=True, rent=Decimal("5400.00"), rent_year=2026,
                         area=Decimal("32.5"), rooms=Decimal("1.0"), owner=districts[i % len(districts)])
            for i in range(n)], batch_size=batch)
        persons = Person.objects.bulk_create([
            Person(personal_number=personal_number(date(1935, 1, 1) + timedelta(days=i), i % 1000),
                   first_name="Karin", last_name=f"Berg {i}", street_address=f"Hornsgatan {i % 200 + 1}",
                   postcode="11821", town="Stockholm", protected_identity=i % 97 == 0,
                   affiliation=districts[i % len(districts)])
            for i in range(n)], batch_size=batch)
        contracts = RentalContract.objects.bulk_create([
            RentalContract(number=f"2025-{i:07d}", state=RentalContract.State.ACTIVE,
                           kind=RentalContract.Kind.CITY_INTERNAL if i % 10 == 0 else RentalContract.Kind.EXTERNAL,
                           customer=persons[i], rental_object=objects[i], organisation=districts[i % len(districts)],
                           start_date=date(2025, 1, 1) if i % 50 else date(2026, 12, 11),  # some part months
                           collection_code=None if i % 211 == 0 else code, activated_at=activated)
            for i in range(n)], batch_size=batch)
        lines = []
        for i, contract in enumerate(contracts):
            rent = Decimal(4000 + (i * 37) % 7000)  # some over 10 000 kr with the supplement
            lines.append(RentLine(contract=contract, kind="base_rent", amount=rent, rent_year=2025))
            lines.append(RentLine(contract=contract, kind="base_rent", amount=rent + 120, rent_year=2026))
            if i % 3 == 0:
                lines.append(RentLine(contract=contract, kind="supplement", amount=Decimal("450.00"),
                                      rent_year=2026, description="Möblering"))
            if i % 7 == 0:
                lines.append(RentLine(contract=contract, kind="deduction", amount=Decimal("300.00"),
                                      rent_year=2026, description="Dubbelt boende"))
        RentLine.objects.bulk_create(lines, batch_size=batch)
    analyze()
    return staff, len(lines)


# --- The benchmark -----------------------------------------------------------------------------------


def undo_issue(run) -> None:
    """Put an issued run back to approved, its invoices gone (untimed, between repetitions)."""
    from django.db import connection, transaction

    from invoicing.models import Invoice, InvoiceLine, InvoiceRun, RunItem

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {RunItem._meta.db_table} SET invoice_id = NULL WHERE run_id = %s", [run.pk])
        cursor.execute(f"DELETE FROM {InvoiceLine._meta.db_table} WHERE invoice_id IN "
                       f"(SELECT id FROM {Invoice._meta.db_table} WHERE run_id = %s)", [run.pk])
        cursor.execute(f"DELETE FROM {Invoice._meta.db_table} WHERE run_id = %s", [run.pk])
        InvoiceRun.objects.filter(pk=run.pk).update(state=InvoiceRun.State.APPROVED, issued_at=None)


def bench_size(n: int, repeat: int) -> dict:
    from invoicing import services
    from invoicing.models import Invoice, InvoiceLine, InvoiceRun, RunKind

    truncate_all()
    start = time.perf_counter()
    staff, line_count = make_data(n)
    print(f"setup         contracts={n:>6}  rent lines={line_count}  bulk insert {time.perf_counter() - start:.1f} s",
          flush=True)

    run = services.run_for(period=PERIOD, kind=RunKind.RENT)
    prepare = measure(lambda: services.run_prepare(run=run, actor=staff), repeat=repeat)
    run = InvoiceRun.objects.get(pk=run.pk)
    items = run.items.count()
    included = run.items.filter(included=True).count()
    report("prepare", n, *prepare)

    run = services.run_approve(run=run, actor=staff)
    issue = measure(lambda: services.run_issue(run=run, actor=staff), repeat=repeat,
                    reset=lambda: undo_issue(run))
    report("issue", n, *issue)

    run = InvoiceRun.objects.get(pk=run.pk)
    invoices = Invoice.objects.filter(run=run).count()
    assert run.state == InvoiceRun.State.ISSUED, run.state
    assert invoices == included, (invoices, included)
    print(f"check         contracts={n:>6}  run items={items}  invoiced={invoices}  "
          f"lines={InvoiceLine.objects.filter(invoice__run=run).count()}  "
          f"flagged={run.summary.get('flagged')}  total={run.summary.get('issued_total')} kr", flush=True)
    return {"prepare": prepare[2], "issue": issue[2]}


def report(step: str, n: int, times: list[float], cpu: list[float], queries: list[int]) -> None:
    median, best = statistics.median(times), min(times)
    verdict = "ok" if median < TARGET_SECONDS else f"OVER the {TARGET_SECONDS} s target"
    # The first run of a process may add one-off queries (content types cached, the number series
    # created); the later runs are the steady state.
    extra = "" if len(set(queries)) == 1 else f" (first run {queries[0]})"
    print(f"{step:<13} contracts={n:>6}  median={median:6.2f} s  best={best:6.2f} s  "
          f"python cpu={statistics.median(cpu):6.2f} s  contracts/s={n / median:6.0f}  "
          f"queries={queries[-1]}{extra}  [{verdict}; runs={len(times)}]", flush=True)


def main() -> None:
    url = server_url(SCRIPT, BENCH_DB)
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "20000,2000").split(",") if s.strip()]
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))

    recreate_database(url, script=SCRIPT, database=BENCH_DB)
    try:
        setup_django(url, database=BENCH_DB)
        from django.db import connections

        from invoicing.services import CHUNK

        migrate(database=BENCH_DB, width=13)

        results = {n: bench_size(n, repeat) for n in sizes}
        if len(sizes) >= 2:
            big, small = max(sizes), min(sizes)
            chunks_big, chunks_small = -(-big // CHUNK), -(-small // CHUNK)
            for step in ("prepare", "issue"):
                q_big, q_small = results[big][step][-1], results[small][step][-1]
                per_chunk = (q_big - q_small) / (chunks_big - chunks_small) if chunks_big != chunks_small else 0
                fixed = q_small - per_chunk * chunks_small
                print(f"queries       {step:<8} {big} contracts: {q_big}, {small} contracts: {q_small}  →  "
                      f"{fixed:g} fixed + {per_chunk:g} per {CHUNK}-contract chunk "
                      f"({q_big / big * 1000:.1f} per 1 000 contracts at {big})", flush=True)
        connections.close_all()
    finally:
        drop_database(url, script=SCRIPT, database=BENCH_DB)


if __name__ == "__main__":
    main()
