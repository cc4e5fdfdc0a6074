"""Benchmark: the debt-collection jobs over 50 000 customers' overdue rent invoices.

PostgreSQL only. ``DATABASE_URL`` names the server (its database is never touched): the script creates
its own database ``hyresadmin_bench_debt`` there, migrates it, fills it with bulk inserts, times the
steps and drops the database again, also when it fails. Files (reminder and report PDFs) go to a
temporary ``MEDIA_ROOT`` that is removed at the end; e-mail goes to Django's in-memory backend.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hyresadmin .venv/bin/python benchmarks/debt_collection_daily.py

The steps, in the order the days bring them (each run once: every step changes the data the next one
reads; the print shows seconds, this process's CPU seconds and the number of SQL statements):

1. ``reminders_daily``: mark the 50 000 invoices overdue and propose their reminders (one batch).
2. ``reminder_batch_send`` of a batch cut down to 5 000 reminders (about half with an agreed fee, so
   about 2 500 fee invoices), then apart from it the after-commit part without the PDFs (officers' and
   representatives' e-mails), and the PDFs: 50 rendered and stored, extrapolated to the batch.
3. ``collection_proposals_create`` the day the reminder period has run out, with every invoice reminded
   (the other 45 000 set to reminded in bulk beforehand, with their audit events).
4. ``interest_proposals_create`` for the same day.
5. ``unpaid_reports_make`` for the big district (``BENCH_BIG_SHARE`` of the customers, default 10 %),
   rendering its PDF and XLSX.
6. the plans' daily job (``deferrals_expire`` + ``payment_plans_follow_up``) over 2 000 granted
   deferrals past their new due date and 2 000 active plans (a third complete, a third broken).

Environment: ``BENCH_CUSTOMERS`` (default 50 000), ``BENCH_SEND`` (5 000), ``BENCH_PLANS`` (2 000),
``BENCH_BIG_SHARE`` (0.1), ``BENCH_DB_NAME`` (the database made and dropped).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from _support import (
    QueryCounter,
    analyze,
    drop_database,
    migrate,
    personal_number,
    recreate_database,
    server_url,
    setup_django,
)

SCRIPT = "benchmarks/debt_collection_daily.py"
BENCH_DB = os.environ.get("BENCH_DB_NAME", "hyresadmin_bench_debt")
TARGET_SECONDS = 30
NUMBER_START = 700_000_000


# --- Measuring ---------------------------------------------------------------------------------------


def timed(step: str, size: int, func, *, unit: str = "invoices"):
    """Run ``func`` once; print wall-clock and CPU seconds and SQL statements; return its result."""
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = func()
        seconds = time.perf_counter() - start
        cpu = time.process_time() - start_cpu
    verdict = "ok" if seconds < TARGET_SECONDS else f"OVER the {TARGET_SECONDS} s target"
    rate = f"{size / seconds:8.0f}/s" if seconds else "       -"
    print(f"{step:<22} {unit}={size:>6}  {seconds:7.2f} s  python cpu={cpu:6.2f} s  {rate}  "
          f"queries={counter.count:>6} ({counter.count / max(size, 1):.2f} per row)  [{verdict}]", flush=True)
    return result


# --- Data --------------------------------------------------------------------------------------------


def make_data(n: int, *, day: date, big_share: float):
    """``n`` customers, each with an active contract and one unpaid rent invoice two months old, under a
    collection code that reminds, charges interest and hands over; ``big_share`` of them in district D00.
    Returns (staff user, districts)."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from contracts.models import CollectionCode, HousingForm, Landlord, RentalContract, RentalObject
    from debt_collection.code_models import CollectionPolicy
    from hyresadmin import permissions
    from hyresadmin.models import Organisation, Person, Representative, User
    from invoicing.models import Invoice, InvoiceLine, NumberSeries
    from invoicing.ocr import ocr_reference

    batch = 5000
    activated = datetime(2025, 1, 15, 9, tzinfo=UTC)
    period = date(day.year, day.month, 1) - timedelta(days=40)
    period = date(period.year, period.month, 1)
    due = period - timedelta(days=1)  # rent is paid in advance: due the last working day before
    big = int(n * big_share)
    with transaction.atomic():
        districts = Organisation.objects.bulk_create([
            Organisation(code=f"D{i:02d}", name=f"Stadsdelsförvaltning {i}",
                         shared_mailbox_email=f"d{i:02d}@example.invalid") for i in range(14)])
        service = Organisation.objects.create(code="SF", name="Serviceförvaltningen", kind="service",
                                              shared_mailbox_email="sf@example.invalid")
        staff = User.objects.create(username="bench-staff", organisation=service, is_staff=True,
                                    email="staff@example.invalid")
        staff.groups.add(Group.objects.get_or_create(name=permissions.SERVICE_STAFF)[0])
        officers = Group.objects.get_or_create(name=permissions.DISTRICT_OFFICER)[0]
        for d in districts:
            officer = User.objects.create(username=f"officer-{d.code}", organisation=d, email=f"o-{d.code}@example.invalid")
            officer.groups.add(officers)
        landlords = Landlord.objects.bulk_create([
            Landlord(name=f"Fastighets AB {i}", organisation_number=f"556{i:03d}-{i:04d}") for i in range(50)])
        code = CollectionCode.objects.create(code="K1", name="Standard")
        CollectionPolicy.objects.create(code=code, reminds=True, reminder_after_days=7, reminder_fee=Decimal("60"),
                                        to_agency=True, agency_after_days=14, charges_interest=True,
                                        notify_officer=True, notify_representatives=True)

        def district(i):
            return districts[0] if i < big else districts[1 + i % (len(districts) - 1)]

        objects = RentalObject.objects.bulk_create([
            RentalObject(object_number=f"B-{i:07d}", street_address=f"Ringvägen {i % 150 + 1}", postcode="11726",
                         housing_form=list(HousingForm.values)[i % len(HousingForm.values)],
                         landlord=landlords[i % len(landlords)], first_hand_rent=Decimal("5200.00"),
                         first_hand_rent_negotiated=True, rent=Decimal("5400.00"), rent_year=2026,
                         area=Decimal("32.5"), rooms=Decimal("1.0"), owner=district(i))
            for i in range(n)], batch_size=batch)
        persons = Person.objects.bulk_create([
            Person(personal_number=personal_number(date(1935, 1, 1) + timedelta(days=i), i % 1000),
                   first_name="Karin", last_name=f"Berg {i}", street_address=f"Hornsgatan {i % 200 + 1}",
                   postcode="11821", town="Stockholm", protected_identity=i % 97 == 0,
                   email=f"k{i}@example.invalid" if i % 3 == 0 else "", affiliation=district(i))
            for i in range(n)], batch_size=batch)
        contracts = RentalContract.objects.bulk_create([
            RentalContract(number=f"2025-{i:07d}", state=RentalContract.State.ACTIVE,
                           kind=RentalContract.Kind.EXTERNAL, customer=persons[i], rental_object=objects[i],
                           organisation=district(i), start_date=date(2025, 1, 1), collection_code=code,
                           activated_at=activated, reminder_fee_agreed=i % 2 == 0,
                           delivery_channel="email" if i % 3 == 0 else "post")
            for i in range(n)], batch_size=batch)
        invoices = Invoice.objects.bulk_create([
            Invoice(number=NUMBER_START + i, ocr_reference=ocr_reference(NUMBER_START + i),
                    document_type=Invoice.DocumentType.INVOICE, kind="rent", contract=contracts[i],
                    customer=persons[i], organisation=district(i), collection_code=code,
                    delivery_channel=contracts[i].delivery_channel, period=period,
                    issue_date=period - timedelta(days=20), due_date=due,
                    total=Decimal(4000 + (i * 37) % 7000), balance=Decimal(4000 + (i * 37) % 7000))
            for i in range(n)], batch_size=batch)
        InvoiceLine.objects.bulk_create([
            InvoiceLine(invoice=inv, kind="base_rent", description="Hyra", amount=inv.total, account="3011")
            for inv in invoices], batch_size=batch)
        NumberSeries.objects.update_or_create(name="invoice", defaults={"next_number": NUMBER_START + n + 1})
        Representative.objects.bulk_create([
            Representative(person=persons[i], kind=Representative.Kind.values[0], contact_name=f"God man {i}",
                           contact_email=f"gm{i}@example.invalid" if i % 2 else "", valid_from=date(2024, 1, 1),
                           receives_notices=True)
            for i in range(0, n, 50)], batch_size=batch)
    analyze()
    return staff, districts


def remind_the_rest(day: date) -> int:
    """Every invoice still overdue goes to reminded, with its audit event (untimed, before step 3)."""
    from django.contrib.contenttypes.models import ContentType

    from hyresadmin.models import AuditEvent
    from invoicing.models import Invoice

    ids = list(Invoice.objects.filter(state=Invoice.State.OVERDUE).values_list("pk", flat=True))
    content_type = ContentType.objects.get_for_model(Invoice)
    AuditEvent.objects.bulk_create([
        AuditEvent(event_type=AuditEvent.Type.TRANSITION, actor_label="bench", content_type=content_type,
                   object_id=str(pk), object_repr=str(pk), from_state="overdue", to_state="reminded",
                   reason="Reminder sent") for pk in ids], batch_size=5000)
    Invoice.objects.filter(pk__in=ids).update(state=Invoice.State.REMINDED)
    analyze()
    return len(ids)


def make_plans(count: int, *, day: date, districts) -> None:
    """``count`` granted deferrals past their new due date and ``count`` active plans of two instalments
    each (a third fully paid, a third with an instalment long unpaid, a third on time)."""
    from django.db import transaction

    from debt_collection.plan_models import Deferral, Instalment, PaymentPlan
    from hyresadmin.models import Person
    from invoicing.models import Invoice, NumberSeries
    from invoicing.ocr import ocr_reference

    people = list(Person.objects.order_by("pk").values_list("pk", flat=True)[:count])
    with transaction.atomic():
        common = {"reason": "Bench", "within_delegation": True, "due_date": day}
        Deferral.objects.bulk_create([
            Deferral(organisation=districts[i % len(districts)], customer_id=people[i],
                     state=Deferral.State.GRANTED, new_due_date=day - timedelta(days=3), **common)
            for i in range(count)], batch_size=5000)
        plans = PaymentPlan.objects.bulk_create([
            PaymentPlan(organisation=districts[i % len(districts)], customer_id=people[i],
                        state=PaymentPlan.State.ACTIVE, instalment_count=2, first_due_date=day - timedelta(days=60),
                        amount=Decimal("2000.00"), **common)
            for i in range(count)], batch_size=5000)
        series = NumberSeries.objects.select_for_update().get(name="invoice")
        first = series.next_number
        series.next_number = first + 2 * count
        series.save()
        invoices, instalments = [], []
        for i, plan in enumerate(plans):
            for n in (1, 2):
                number = first + 2 * i + n - 1
                due = day - timedelta(days=60) if n == 1 else day + timedelta(days=5 if i % 3 == 2 else -30)
                paid = i % 3 == 0 or (i % 3 == 2)  # the third (i % 3 == 1) has its instalments unpaid
                invoices.append(Invoice(
                    number=number, ocr_reference=ocr_reference(number), document_type=Invoice.DocumentType.INVOICE,
                    kind="one_off", customer_id=people[i], organisation=plan.organisation, period=due.replace(day=1),
                    issue_date=due - timedelta(days=20), due_date=due, total=Decimal("1000.00"),
                    balance=Decimal("0.00") if paid and (i % 3 == 0 or n == 1) else Decimal("1000.00"),
                    state=Invoice.State.PAID if paid and (i % 3 == 0 or n == 1) else Invoice.State.ISSUED))
                instalments.append(Instalment(plan=plan, number=n, due_date=due, amount=Decimal("1000.00")))
        invoices = Invoice.objects.bulk_create(invoices, batch_size=5000)
        for instalment, invoice in zip(instalments, invoices, strict=True):
            instalment.invoice = invoice
        Instalment.objects.bulk_create(instalments, batch_size=5000)
    analyze()


# --- The benchmark -----------------------------------------------------------------------------------


def run(n: int, send_size: int, plan_count: int, big_share: float) -> None:
    from django.db import transaction
    from django.utils import timezone

    from debt_collection import collection, interest, plans, reminders, unpaid_report
    from debt_collection.collection_models import CollectionCase, CollectionClaim
    from debt_collection.reminder_models import Reminder, ReminderBatch
    from hyresadmin import calendar
    from invoicing.models import Invoice

    day = calendar.next_working_day_on_or_after(timezone.localdate())
    start = time.perf_counter()
    staff, districts = make_data(n, day=day, big_share=big_share)
    print(f"setup                  customers={n:>6}  bulk insert {time.perf_counter() - start:.1f} s  "
          f"(big district: {int(n * big_share)})", flush=True)

    # 1. Overdue and proposals.
    result = timed("reminders_daily", n, lambda: reminders.reminders_daily(today=day)).result
    batch = ReminderBatch.objects.get()
    print(f"check                  overdue={result['overdue']}  proposed={result['proposed']}  "
          f"included={batch.summary['included']}", flush=True)
    assert result["overdue"] == n, result

    # 2. Send a batch of ``send_size``: the rest of the proposal is thrown away (untimed).
    keep = list(batch.reminders.filter(included=True).order_by("pk").values_list("pk", flat=True)[:send_size])
    Reminder.objects.filter(batch=batch).exclude(pk__in=keep).delete()
    reminders._refresh_summary(batch)
    batch = reminders.reminder_batch_approve(actor=staff, batch=batch)
    after_send = []
    real_after_send = reminders._after_send
    reminders._after_send = lambda batch_id, per_district: after_send.append((batch_id, per_district))
    try:
        batch = timed("reminder_batch_send", len(keep), lambda: reminders.reminder_batch_send(
            actor=staff, batch=batch, today=day), unit="reminders")
    finally:
        reminders._after_send = real_after_send
    print(f"check                  sent={batch.summary['sent']}  fees={batch.summary['sent_fees']}  "
          f"notices={batch.summary['notices']}  districts={batch.summary['notified_districts']}", flush=True)
    assert batch.summary["sent"] == len(keep), batch.summary
    from debt_collection import notifications

    batch_id, per_district = after_send[0]
    timed("  after commit, mails", len(keep), lambda: (notifications.officers_reminded(per_district),
                                                      notifications.representatives_told(batch_id)),
          unit="reminders")
    sample = list(Reminder.objects.filter(batch=batch, outcome=Reminder.Outcome.SENT)
                  .select_related("batch", "invoice__customer", "invoice__organisation", "fee_invoice")[:50])
    start = time.perf_counter()
    timed("  50 reminder PDFs", len(sample), lambda: [reminders.reminder_store_pdf(reminder=r) for r in sample],
          unit="pdfs")
    per_pdf = (time.perf_counter() - start) / len(sample)
    print(f"  extrapolated          {len(keep)} PDFs ≈ {per_pdf * len(keep):.0f} s "
          f"({per_pdf * 1000:.0f} ms each; in the delivery task, after commit)", flush=True)

    # 3. Collection proposals, every invoice reminded.
    rest = remind_the_rest(day)
    collection_day = day + timedelta(days=30)
    result = timed("collection proposals", n, lambda: collection.collection_proposals_create(
        actor="debt_collection.collection_proposals", today=collection_day))
    print(f"check                  bulk-reminded={rest}  cases={result['cases']}  claims={result['claims']}  "
          f"in db: {CollectionCase.objects.count()} cases, {CollectionClaim.objects.count()} claims", flush=True)
    assert result["claims"] == n, result

    # 4. Interest.
    batch = timed("interest proposals", n, lambda: interest.interest_proposals_create(
        actor="debt_collection.interest", until=collection_day))
    print(f"check                  interest proposals={batch.proposals.count() if batch else 0}  "
          f"summary={batch.summary if batch else None}", flush=True)

    # 5. The unpaid-rent report of the big district.
    month = date(collection_day.year, collection_day.month, 1)
    report_date = max(collection_day, unpaid_report.report_day(month))
    reports = timed("unpaid report (D00)", int(n * big_share), lambda: unpaid_report.unpaid_reports_make(
        actor=staff, month=month, report_date=report_date, organisation_ids=[districts[0].pk]))
    print(f"check                  report invoices={reports[0].invoice_count}  total={reports[0].total} kr  "
          f"pdf={reports[0].pdf.size} bytes", flush=True)

    # 6. The plans' daily job.
    make_plans(plan_count, day=collection_day, districts=districts)
    result = timed("plans daily", 2 * plan_count, lambda: {
        "expired": plans.deferrals_expire(today=collection_day),
        **plans.payment_plans_follow_up(today=collection_day)}, unit="requests")
    print(f"check                  {result}", flush=True)
    assert result["expired"] == plan_count, result
    with transaction.atomic():
        assert Invoice.objects.filter(state=Invoice.State.AT_COLLECTION).count() == 0


def main() -> None:
    url = server_url(SCRIPT, BENCH_DB)
    n = int(os.environ.get("BENCH_CUSTOMERS", "50000"))
    send_size = int(os.environ.get("BENCH_SEND", "5000"))
    plan_count = int(os.environ.get("BENCH_PLANS", "2000"))
    big_share = float(os.environ.get("BENCH_BIG_SHARE", "0.1"))

    media = tempfile.mkdtemp(prefix="bench-debt-")
    recreate_database(url, script=SCRIPT, database=BENCH_DB)
    try:
        setup_django(url, database=BENCH_DB, media_root=media)
        from django.conf import settings
        from django.db import connections

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        migrate(database=BENCH_DB, width=22)
        run(n, send_size, plan_count, big_share)
        connections.close_all()
    finally:
        drop_database(url, script=SCRIPT, database=BENCH_DB)
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
