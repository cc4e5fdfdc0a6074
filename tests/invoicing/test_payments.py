"""The BgMax import and the matching of payments to invoices (``invoicing.payments``).

Real invoices are issued with the services; the BgMax files are built here, record by record
(FACTS.md §3 positions), and read by the real parser ``invoicing.bgmax``.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from hyresadmin.imports import ImportRefused
from hyresadmin.models import AuditEvent, ImportedFile
from invoicing import payments
from invoicing.models import Allocation, CustomerCredit, Invoice, Payment, PaymentFile
from invoicing.ocr import ocr_reference
from tests.factories import PersonFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run, set_invoice_state

OUR_BG = "0050501055"
DEC = dt.date(2026, 12, 1)
RENT = Decimal("5400.00")


# --- A small BgMax builder (FACTS.md §3.2) ----------------------------------------------------------------


def _ore(amount) -> str:
    return str(int(Decimal(amount) * 100)).zfill(18)


def tk20(ref, amount, *, code=2, tk="20", payer_bg="0000000000", serial=1, name="", address="",
         postcode="", town=""):
    line = f"{tk}{payer_bg}{ref:>25}{_ore(amount)}{code}1{serial:012d}0"
    if tk == "21":
        line += "0"
    lines = [line]
    if name:
        lines.append(f"26{name:<35}")
    if address or postcode:
        lines.append(f"27{address:<35}{postcode:<9}")
    if town:
        lines.append(f"28{town:<35}")
    return lines


def bgmax(*deposits, bankgiro=OUR_BG, stamp="20261123103000123456", marker="P"):
    """``deposits``: lists of ``(ref, amount, options)`` payments; an amount below zero is a TK21.
    ``marker``: the start record's test marker (``P`` production, ``T`` test)."""
    lines = [f"01{'BGMAX':<20}01{stamp}{marker}"]
    n20 = n21 = 0
    for number, items in enumerate(deposits, 1):
        lines.append(f"05{bankgiro}{' ' * 10}SEK")
        total = Decimal(0)
        for serial, (ref, amount, options) in enumerate(items, 1):
            if Decimal(amount) < 0:
                n21 += 1
                total += Decimal(amount)
                lines += tk20(ref, -Decimal(amount), tk="21", serial=serial, **options)
            else:
                n20 += 1
                total += Decimal(amount)
                lines += tk20(ref, amount, serial=serial, **options)
        lines.append(f"15{'9912346':0>35}20261123{number:05d}{_ore(total)}SEK{len(items):08d} ")
    lines.append(f"70{n20:08d}{n21:08d}{0:08d}{len(deposits):08d}")
    return ("\n".join(line.ljust(80) for line in lines) + "\n").encode("latin-1")


def pay(*items, **kwargs):
    """One deposit of payments ``(ref, amount)`` or ``(ref, amount, options)``."""
    return bgmax([(i[0], i[1], i[2] if len(i) > 2 else {}) for i in items], **kwargs)


def run_import(staff, data, name="bgmax.txt"):
    return payments.import_bgmax(actor=staff, name=name, data=data)


def fresh(invoice):
    return Invoice.objects.get(pk=invoice.pk)


def credit_of(person_id):
    return payments.credit_balance(person_id=person_id)


@pytest.fixture
def invoices(staff):
    """Three customers, each with a December rent invoice (5 400, 3 000 and 8 000 kr)."""
    contracts = [contract_with_rent(rent=rent) for rent in (RENT, Decimal("3000.00"), Decimal("8000.00"))]
    issue_rent_run(period=DEC, actor=staff)
    return [Invoice.objects.get(contract=c, period=DEC) for c in contracts]


def assert_ledger_invariants():
    for payment in Payment.objects.all():
        allocated = payment.allocations.aggregate(s=Sum("amount"))["s"] or Decimal(0)
        credited = payment.credit_entries.aggregate(s=Sum("amount"))["s"] or Decimal(0)
        assert allocated <= payment.amount
        if payment.status in (Payment.Status.MATCHED, Payment.Status.CREDIT):
            assert allocated + credited == payment.amount
        else:
            assert allocated == credited == 0
    for invoice in Invoice.objects.all():
        allocated = invoice.allocations.aggregate(s=Sum("amount"))["s"] or Decimal(0)
        assert invoice.balance == invoice.total - allocated
        assert invoice.balance >= 0
        if invoice.balance == 0 and allocated:
            assert invoice.state == Invoice.State.PAID
        elif allocated:
            assert invoice.state in (Invoice.State.PARTLY_PAID, Invoice.State.AT_COLLECTION)
    for row in CustomerCredit.objects.values("person_id").annotate(s=Sum("amount")):
        assert row["s"] >= 0
    for file in PaymentFile.objects.all():
        rows = file.payment_rows
        paid = rows.filter(kind=Payment.Kind.PAYMENT).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        deducted = rows.filter(kind=Payment.Kind.DEDUCTION).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        assert paid - deducted == file.total


# --- Matching by OCR reference ---------------------------------------------------------------------------


def test_the_exact_amount_pays_the_invoice(staff, invoices):
    inv = invoices[0]
    result = run_import(staff, pay((inv.ocr_reference, "5400.00")))
    inv = fresh(inv)
    assert (inv.state, inv.balance) == (Invoice.State.PAID, Decimal("0.00"))
    payment = Payment.objects.get()
    assert (payment.status, payment.invoice, payment.customer_id) == ("matched", inv, inv.customer_id)
    assert payment.due_date is None
    assert payment.allocations.get().amount == Decimal("5400.00")
    assert result["paid"] == 1 and result["matched"] == 1 and result["unmatched"] == 0
    event = AuditEvent.objects.for_object(inv).get(event_type=AuditEvent.Type.TRANSITION,
                                                    to_state=Invoice.State.PAID)
    assert (event.from_state, event.actor) == (Invoice.State.ISSUED, staff)
    assert_ledger_invariants()


def test_less_leaves_the_balance_and_partly_pays(staff, invoices):
    inv = invoices[0]
    result = run_import(staff, pay((inv.ocr_reference, "1000.50")))
    inv = fresh(inv)
    assert (inv.state, inv.balance) == (Invoice.State.PARTLY_PAID, Decimal("4399.50"))
    assert result["partly"] == 1
    # The rest in a second file pays it.
    run_import(staff, pay((inv.ocr_reference, "4399.50")), name="second.txt")
    inv = fresh(inv)
    assert (inv.state, inv.balance) == (Invoice.State.PAID, Decimal("0.00"))
    states = list(AuditEvent.objects.for_object(inv).filter(event_type="transition")
                  .order_by("id").values_list("from_state", "to_state"))
    assert states[-2:] == [("issued", "partly_paid"), ("partly_paid", "paid")]
    assert_ledger_invariants()


def test_more_pays_and_puts_the_surplus_on_the_credit_balance(staff, invoices):
    inv = invoices[0]
    result = run_import(staff, pay((inv.ocr_reference, "6000.00")))
    inv = fresh(inv)
    assert inv.state == Invoice.State.PAID
    assert credit_of(inv.customer_id) == Decimal("600.00")
    entry = CustomerCredit.objects.get()
    assert (entry.kind, entry.payment.status) == ("surplus", "matched")
    assert result["surplus"] == 1
    assert_ledger_invariants()


def test_a_payment_to_a_paid_invoice_goes_to_the_credit_balance(staff, invoices):
    inv = invoices[1]
    run_import(staff, pay((inv.ocr_reference, "3000.00"), (inv.ocr_reference, "3000.00")))
    inv = fresh(inv)
    assert (inv.state, inv.balance) == (Invoice.State.PAID, Decimal("0.00"))
    second = Payment.objects.order_by("line")[1]
    assert second.status == Payment.Status.CREDIT
    assert not second.allocations.exists()
    assert credit_of(inv.customer_id) == Decimal("3000.00")
    assert CustomerCredit.objects.get().kind == "paid_invoice"
    assert_ledger_invariants()


def test_a_payment_to_a_cancelled_invoice_goes_to_the_credit_balance(staff, invoices):
    inv = set_invoice_state(invoices[0], Invoice.State.CANCELLED)
    result = run_import(staff, pay((inv.ocr_reference, "100.00")))
    assert fresh(inv).state == Invoice.State.CANCELLED
    assert result["credit"] == 1 and credit_of(inv.customer_id) == Decimal("100.00")


def test_an_overdue_and_a_collection_invoice_are_paid(staff, invoices):
    overdue = set_invoice_state(invoices[0], Invoice.State.OVERDUE)
    collection = set_invoice_state(invoices[1], Invoice.State.AT_COLLECTION)
    run_import(staff, pay((overdue.ocr_reference, "100.00"), (collection.ocr_reference, "100.00")))
    assert fresh(overdue).state == Invoice.State.PARTLY_PAID
    # No part-payment edge leaves at_collection: the balance falls, the state stays.
    assert (fresh(collection).state, fresh(collection).balance) == ("at_collection", Decimal("2900.00"))
    run_import(staff, pay((collection.ocr_reference, "2900.00")), name="2.txt")
    assert fresh(collection).state == Invoice.State.PAID


@pytest.mark.parametrize("code", [3, 4])
def test_codes_3_and_4_match_when_the_reference_is_a_valid_ocr(staff, invoices, code):
    inv = invoices[0]
    run_import(staff, pay((inv.ocr_reference, "5400.00", {"code": code})))
    assert fresh(inv).state == Invoice.State.PAID


@pytest.mark.parametrize(("ref", "code"), [
    ("", 0),               # no reference
    ("HYRA DECEMBER", 3),  # free text
    ("123456", 2),         # not a valid OCR
    ("655969", 2),         # a valid OCR, but no invoice has it
])
def test_unknown_invalid_or_missing_references_go_to_the_queue_with_the_payer(staff, invoices, ref, code):
    result = run_import(staff, pay((ref, "500.00", {"code": code, "name": "Karin Åberg",
                                                    "address": "Hornsgatan 1", "postcode": "11821",
                                                    "town": "Stockholm"})))
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.UNMATCHED
    assert (payment.payer_name, payment.payer_address, payment.payer_postcode, payment.payer_town) == (
        "Karin Åberg", "Hornsgatan 1", "11821", "Stockholm")
    assert payment.note and payment.customer is None
    assert payment.due_date > dt.date.today()
    assert result["unmatched"] == 1
    assert not Allocation.objects.exists() and not CustomerCredit.objects.exists()
    assert all(fresh(i).state == Invoice.State.ISSUED for i in invoices)


def test_the_unmatched_queue_is_due_in_ten_working_days(staff, invoices):
    from django.utils import timezone

    from hyresadmin import calendar

    run_import(staff, pay(("", "1.00", {"code": 0})))
    assert Payment.objects.get().due_date == calendar.add_working_days(timezone.localdate(), 10)


def test_a_deduction_is_an_unmatched_item_and_changes_no_invoice(staff, invoices):
    inv = invoices[0]
    run_import(staff, pay((inv.ocr_reference, "5400.00"), (inv.ocr_reference, "-400.00")))
    deduction = Payment.objects.get(kind=Payment.Kind.DEDUCTION)
    assert (deduction.status, deduction.amount) == (Payment.Status.UNMATCHED, Decimal("400.00"))
    assert "deduction" in deduction.note.lower() or "avdrag" in deduction.note.lower()
    assert (fresh(inv).state, fresh(inv).balance) == (Invoice.State.PAID, Decimal("0.00"))
    file = PaymentFile.objects.get()
    assert (file.payments, file.deductions, file.total) == (1, 1, Decimal("5000.00"))
    assert_ledger_invariants()


def test_an_invoice_without_a_customer_is_not_overpaid(staff, invoices):
    inv = invoices[0]
    Invoice.objects.filter(pk=inv.pk).update(customer=None)
    run_import(staff, pay((inv.ocr_reference, "9000.00")))
    assert Payment.objects.get().status == Payment.Status.UNMATCHED
    assert fresh(inv).balance == RENT


# --- The file: refused as a whole -------------------------------------------------------------------------


def _nothing_written():
    return (Payment.objects.count(), PaymentFile.objects.count(), ImportedFile.objects.count(),
            Allocation.objects.count(), CustomerCredit.objects.count()) == (0, 0, 0, 0, 0)


def test_the_file_and_its_counts_are_kept(staff, invoices):
    data = bgmax([(invoices[0].ocr_reference, "5400.00", {})],
                 [(invoices[1].ocr_reference, "1000.00", {}), ("", "1.00", {"code": 0})])
    result = run_import(staff, data, name="BGMAX_20261123.txt")
    file = PaymentFile.objects.get()
    assert file.imported_file.original_name == "BGMAX_20261123.txt"
    assert file.imported_file.file.read() == data
    assert (file.bankgiro, file.deposits, file.payments, file.total) == (OUR_BG, 2, 3, Decimal("6401.00"))
    assert file.file_timestamp.year == 2026
    assert result["payments"] == 3 and result["total"] == "6401.00"
    assert list(Payment.objects.order_by("line").values_list("deposit_serial", flat=True)) == [
        "00001", "00002", "00002"]


def test_another_bankgiro_is_refused_naming_the_opening_record(staff, invoices):
    data = pay((invoices[0].ocr_reference, "5400.00"), bankgiro="0009912346")
    with pytest.raises(ImportRefused) as refused:
        run_import(staff, data)
    assert [e.line for e in refused.value.errors] == [2]
    assert _nothing_written()
    assert fresh(invoices[0]).state == Invoice.State.ISSUED


def test_the_same_file_twice_is_refused_and_nothing_changes(staff, invoices):
    data = pay((invoices[0].ocr_reference, "100.00"))
    run_import(staff, data)
    with pytest.raises(ImportRefused, match="already|redan"):
        run_import(staff, data, name="again.txt")
    assert Payment.objects.count() == 1
    assert fresh(invoices[0]).balance == Decimal("5300.00")


def test_a_test_file_is_refused_in_swedish_naming_line_1_and_the_test_marker(staff, invoices, settings):
    settings.BGMAX_ACCEPT_TEST_FILES = False  # production
    with translation.override("sv"), pytest.raises(ImportRefused) as refused:
        run_import(staff, bgmax([(invoices[0].ocr_reference, "5400.00", {})], marker="T"))
    (error,) = refused.value.errors
    assert (error.line, error.field) == (1, "Testmarkering")
    with translation.override("sv"):
        text = str(refused.value)
    assert "Rad 1, Testmarkering" in text and "testfil" in text
    assert _nothing_written()
    assert fresh(invoices[0]).state == Invoice.State.ISSUED


def test_a_test_file_is_imported_where_test_files_are_accepted(staff, invoices, settings):
    settings.BGMAX_ACCEPT_TEST_FILES = True  # e.g. a test environment (the default with DEBUG on)
    result = run_import(staff, bgmax([(invoices[0].ocr_reference, "5400.00", {})], marker="T"))
    assert result["paid"] == 1 and fresh(invoices[0]).state == Invoice.State.PAID


def test_a_production_file_is_imported_whatever_the_setting(staff, invoices, settings):
    settings.BGMAX_ACCEPT_TEST_FILES = False
    assert run_import(staff, pay((invoices[0].ocr_reference, "5400.00")))["paid"] == 1


def test_a_broken_file_is_refused_naming_the_line_and_nothing_is_written(staff, invoices):
    lines = pay((invoices[0].ocr_reference, "5400.00")).decode("latin-1").split("\n")
    lines[3] = lines[3][:60] + "99999" + lines[3][65:]  # TK15: a wrong deposit amount
    with pytest.raises(ImportRefused) as refused:
        run_import(staff, "\n".join(lines).encode("latin-1"))
    assert refused.value.errors and refused.value.errors[0].line == 4
    assert _nothing_written()
    assert fresh(invoices[0]).state == Invoice.State.ISSUED


def test_a_failure_while_matching_writes_nothing(staff, invoices, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(payments, "offset_credit_balances", boom)
    with pytest.raises(RuntimeError):
        run_import(staff, pay((invoices[0].ocr_reference, "6000.00")))
    assert _nothing_written()
    assert fresh(invoices[0]).state == Invoice.State.ISSUED


# --- Credit balances, offset oldest first -----------------------------------------------------------------


def test_a_credit_balance_is_offset_against_open_invoices_oldest_first(staff):
    contract = contract_with_rent(rent=RENT)
    for period in (dt.date(2026, 10, 1), dt.date(2026, 11, 1), DEC):
        issue_rent_run(period=period, actor=staff)
    october, november, december = (Invoice.objects.get(contract=contract, period=p)
                                    for p in (dt.date(2026, 10, 1), dt.date(2026, 11, 1), DEC))
    run_import(staff, pay((december.ocr_reference, "12400.00")))
    assert fresh(december).state == Invoice.State.PAID
    assert (fresh(october).state, fresh(october).balance) == ("paid", Decimal("0.00"))
    assert (fresh(november).state, fresh(november).balance) == ("partly_paid", Decimal("3800.00"))
    assert credit_of(contract.customer_id) == Decimal("0.00")
    offsets = CustomerCredit.objects.filter(kind="offset").order_by("id")
    assert [(c.amount, c.allocation.invoice_id) for c in offsets] == [
        (Decimal("-5400.00"), october.pk), (Decimal("-1600.00"), november.pk)]
    assert_ledger_invariants()


def test_offset_keeps_the_rest_of_the_credit(staff, invoices):
    customer = invoices[1].customer
    run_import(staff, pay((invoices[1].ocr_reference, "3500.00")))
    assert credit_of(customer.pk) == Decimal("500.00")
    assert payments.credit_balances_offset(customer_ids=[customer.pk]) == Decimal("0.00")
    assert payments.credit_balances_offset(customer_ids=[PersonFactory().pk]) == Decimal("0.00")


# --- The command ------------------------------------------------------------------------------------------


def test_the_command_prints_the_counts(staff, invoices, tmp_path, capsys):
    path = tmp_path / "bgmax.txt"
    path.write_bytes(pay((invoices[0].ocr_reference, "5400.00"), (invoices[1].ocr_reference, "100.00"),
                         ("", "7.00", {"code": 0})))
    call_command("import_bgmax", str(path), "--user", staff.username)
    out = capsys.readouterr().out
    assert "3 payments" in out and "1 paid in full" in out and "1 partly" in out
    assert "1 unmatched" in out and "5507.00 kr" in out
    with pytest.raises(CommandError, match="already|redan"):
        call_command("import_bgmax", str(path))
    assert Payment.objects.count() == 3


def test_the_command_refuses_with_a_non_zero_exit(staff, invoices, tmp_path):
    path = tmp_path / "other.txt"
    path.write_bytes(pay((invoices[0].ocr_reference, "5400.00"), bankgiro="0009912346"))
    with pytest.raises(CommandError, match="bankgiro"):
        call_command("import_bgmax", str(path))
    with pytest.raises(CommandError):
        call_command("import_bgmax", str(tmp_path / "missing.txt"))
    with pytest.raises(CommandError):
        call_command("import_bgmax", str(path), "--user", "nobody")
    assert _nothing_written()


# --- Invariants and performance ---------------------------------------------------------------------------


@hsettings(max_examples=25, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(min_value=-1, max_value=2),
                          st.integers(min_value=1, max_value=1_200_000)),
                min_size=1, max_size=8),
       st.booleans())
def test_invariants_hold_for_random_payments(staff, invoices, items, deduction):
    with transaction.atomic():
        rows = [(invoices[i].ocr_reference if i >= 0 else "655969", Decimal(ore) / 100, {})
                for i, ore in items]
        second = rows[:2]
        if deduction and sum(r[1] for r in rows) > 1:
            rows.append(("", Decimal("-1.00"), {"code": 0}))
        run_import(staff, bgmax(rows, second))
        assert_ledger_invariants()
        assert Payment.objects.count() == len(rows) + len(second)
        transaction.set_rollback(True)


def _queries_for(staff, invoices, n, name):
    rows = []
    for k in range(n):
        inv = invoices[k % len(invoices)]
        rows.append((inv.ocr_reference if k % 4 else "", "1.00", {"code": 2 if k % 4 else 0}))
    data = bgmax(rows)
    with transaction.atomic():  # each measured from the same start, then rolled back
        with CaptureQueriesContext(connection) as ctx:
            result = run_import(staff, data, name=name)
        assert result["payments"] == n
        assert_ledger_invariants()
        transaction.set_rollback(True)
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_payments(staff, invoices):
    small = _queries_for(staff, invoices, 20, "small.txt")
    large = _queries_for(staff, invoices, 200, "large.txt")
    if connection.vendor == "postgresql":
        assert large == small
    else:  # SQLite batches inserts by its limit on query parameters (999)
        assert large <= small + 15


def test_payments_to_one_invoice_across_chunks_add_up(staff, invoices):
    from invoicing import bgmax as parser

    inv = invoices[0]
    data = pay(*[(inv.ocr_reference, "1000.00")] * 7)
    payments.import_parsed(actor=staff, name="chunks.txt", data=data, parsed=parser.parse(data),
                           chunk_size=2)
    inv = fresh(inv)
    assert (inv.state, inv.balance) == (Invoice.State.PAID, Decimal("0.00"))
    assert credit_of(inv.customer_id) == Decimal("1600.00")
    assert list(Payment.objects.order_by("line").values_list("status", flat=True)) == [
        "matched"] * 6 + ["credit"]
    assert_ledger_invariants()


# --- End to end with the parser's sample files (tests/invoicing/bgmax_samples.py) -----------------------


def test_bankgirots_example_layout_for_another_bankgiro_is_refused_at_both_deposits(staff, invoices):
    from tests.invoicing import bgmax_samples

    with pytest.raises(ImportRefused) as refused:
        run_import(staff, bgmax_samples.example_file())
    assert [e.line for e in refused.value.errors] == [2, 24]
    assert _nothing_written()


def test_bankgirots_example_layout_goes_to_the_queue(staff, invoices, settings):
    from tests.invoicing import bgmax_samples

    settings.BANKGIRO_NUMBER = "991-2346"
    result = run_import(staff, bgmax_samples.example_file())
    assert (result["payments"], result["deductions"], result["unmatched"]) == (6, 1, 7)
    assert PaymentFile.objects.get().total == Decimal("9900.00")
    several = Payment.objects.get(reference__startswith="657866")
    assert several.reference_code == 3 and several.payer_name == "Kalles Plåt AB"
    assert several.payer_town == "Storåker"
    assert Payment.objects.get(kind=Payment.Kind.DEDUCTION).amount == Decimal("500.00")
    assert_ledger_invariants()


def test_a_sample_file_is_matched(staff, invoices, settings):
    from tests.invoicing.bgmax_samples import SampleFile, SamplePayment, SampleSection, build

    settings.BANKGIRO_NUMBER = "991-2346"
    settings.BGMAX_ACCEPT_TEST_FILES = True  # the sample files are marked as test files
    data = build(SampleFile([
        SampleSection([SamplePayment(540000, invoices[0].ocr_reference, name="Karin Berg")]),
        SampleSection([SamplePayment(100000, invoices[1].ocr_reference),
                       SamplePayment(900000, invoices[2].ocr_reference, reference_code=3)]),
    ]))
    result = run_import(staff, data)
    assert (result["paid"], result["partly"], result["surplus"]) == (2, 1, 1)
    assert [fresh(i).state for i in invoices] == ["paid", "partly_paid", "paid"]
    assert credit_of(invoices[2].customer_id) == Decimal("1000.00")
    assert_ledger_invariants()


# --- Any generated file adds up (hypothesis, with the parser's sample builder) --------------------------


@st.composite
def _sample_files(draw, refs):
    """Files of 1–3 deposits: payments to our invoices' references (any amount: part, exact, more,
    again), to other valid OCR references, without a reference, with extra references (TK22/23), and
    deductions (TK21) that leave each deposit positive."""
    from tests.invoicing import bgmax_samples as s

    reference = st.one_of(
        st.sampled_from(refs).map(lambda r: (r, 2)),
        st.sampled_from(refs).map(lambda r: (r, 3)),
        st.integers(1, 10**12).map(lambda n: (ocr_reference(n), 2)),
        st.just(("", 1)),
        st.just(("ABC 123", 3)),
    )
    sections = []
    for _ in range(draw(st.integers(1, 3))):
        payments = []
        for amount, (ref, code), extras in draw(st.lists(
                st.tuples(st.integers(1, 1_200_000), reference, st.integers(0, 1) if draw(st.booleans())
                          else st.just(0)), min_size=1, max_size=6)):
            payments.append(s.SamplePayment(
                amount_ore=amount, reference=ref, reference_code=code,
                extras=[s.SampleExtra(reference=refs[0], amount_ore=0)] * extras))
        total = sum(p.amount_ore for p in payments)
        if total > 1 and draw(st.booleans()):
            payments.append(s.SamplePayment(amount_ore=draw(st.integers(1, total - 1)), reference="",
                                            reference_code=0, deduction=True))
        sections.append(s.SampleSection(payments=draw(st.permutations(payments))))
    return s.SampleFile(sections=sections)


@hsettings(max_examples=30, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_generated_file_adds_up(staff, invoices, settings, data):
    """Whatever the file: the imported payments less the deductions are the deposits, and each
    payment's money is all on invoices and the credit balance (matched) or untouched (unmatched)."""
    from invoicing import bgmax as parser
    from tests.invoicing.bgmax_samples import build

    settings.BANKGIRO_NUMBER = "991-2346"
    settings.BGMAX_ACCEPT_TEST_FILES = True
    sample = data.draw(_sample_files([inv.ocr_reference for inv in invoices]))
    chunk_size = data.draw(st.integers(1, 5))
    raw = build(sample)
    parsed = parser.parse(raw)
    with transaction.atomic():
        payments.import_parsed(actor=staff, name="any.txt", data=raw, parsed=parsed, chunk_size=chunk_size)
        deposits = sum(section.amount_ore for section in sample.sections)
        rows = Payment.objects.all()
        paid = rows.filter(kind=Payment.Kind.PAYMENT).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        deducted = rows.filter(kind=Payment.Kind.DEDUCTION).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        assert paid - deducted == Decimal(deposits) / 100 == PaymentFile.objects.get().total
        assert rows.count() == sum(len(section.payments) for section in sample.sections)
        for payment in rows:
            allocated = payment.allocations.aggregate(s=Sum("amount"))["s"] or Decimal(0)
            credited = payment.credit_entries.aggregate(s=Sum("amount"))["s"] or Decimal(0)
            if payment.status == Payment.Status.UNMATCHED:
                assert allocated == credited == 0
            else:
                assert allocated + credited == payment.amount
        assert_ledger_invariants()
        transaction.set_rollback(True)
