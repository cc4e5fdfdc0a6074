"""Invoicing runs: prepare with flags, approve, issue; idempotent and resumable; first invoices."""

import datetime as dt
from decimal import Decimal

import pytest

from contracts.models import RentalContract, RentLineKind
from hyresadmin.transitions import TransitionRefused
from invoicing import services
from invoicing.models import Invoice, InvoiceNote, InvoiceRun, RunItem, RunKind
from invoicing.ocr import is_valid_ocr
from tests.invoicing.factories import contract_with_rent

pytestmark = pytest.mark.django_db
DEC = dt.date(2026, 12, 1)


def _issued_run(staff, period=DEC, kind=RunKind.RENT):
    run = services.run_for(period=period, kind=kind)
    run = services.run_prepare(run=run, actor=staff)
    run = services.run_approve(run=run, actor=staff)
    return services.run_issue(run=run, actor=staff)


def test_prepare_flags_and_issue(staff, district):
    normal = contract_with_rent(organisation=district)
    big = contract_with_rent(organisation=district, rent=Decimal("10500.00"))
    prelim = contract_with_rent(organisation=district)
    RentalContract.objects.filter(pk=prelim.pk).update(state=RentalContract.State.PRELIMINARY)
    protected = contract_with_rent(organisation=district)
    protected.customer.protected_identity = True
    protected.customer.save()

    run = services.run_prepare(run=services.run_for(period=DEC, kind=RunKind.RENT), actor=staff)
    items = {i.contract_id: i for i in run.items.all()}
    assert items[normal.pk].flags == [] and items[normal.pk].total == Decimal("5400.00")
    assert RunItem.Flag.OVER_LIMIT in items[big.pk].flags
    assert not items[prelim.pk].included and RunItem.Flag.PRELIMINARY in items[prelim.pk].flags
    assert RunItem.Flag.PROTECTED_IDENTITY in items[protected.pk].flags
    assert not Invoice.objects.exists()  # prepare issues nothing

    run = services.run_approve(run=run, actor=staff)
    assert run.approved_by == staff
    run = services.run_issue(run=run, actor=staff)
    assert run.state == InvoiceRun.State.ISSUED
    invoices = Invoice.objects.all()
    assert invoices.count() == 3
    for invoice in invoices:
        assert is_valid_ocr(invoice.ocr_reference)
        assert invoice.due_date == dt.date(2026, 11, 30)  # last working day before December
        assert invoice.total == sum(line.amount for line in invoice.lines.all())
        assert invoice.balance == invoice.total
    assert not Invoice.objects.filter(contract=prelim).exists()


def test_issue_twice_adds_nothing_and_database_refuses_duplicates(staff, district):
    contract = contract_with_rent(organisation=district)
    run = _issued_run(staff)
    with pytest.raises(TransitionRefused):
        services.run_issue(run=run, actor=staff)
    with pytest.raises(TransitionRefused):
        services.run_prepare(run=run, actor=staff)
    assert services.run_for(period=DEC, kind=RunKind.RENT) == run
    from django.db import IntegrityError, transaction

    invoice = Invoice.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(number=9, ocr_reference="9x", kind="rent", contract=contract, period=DEC,
                               organisation=district, issue_date=DEC, due_date=DEC, total=1, balance=1)
    assert Invoice.objects.get() == invoice


def test_interrupted_issue_completes_when_resumed(staff, district, monkeypatch):
    for _ in range(5):
        contract_with_rent(organisation=district)
    run = services.run_for(period=DEC, kind=RunKind.RENT)
    run = services.run_approve(run=services.run_prepare(run=run, actor=staff), actor=staff)
    calls = {"n": 0}
    real = services._save_invoices

    def crash_on_second_chunk(invoices, lines):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker lost")
        return real(invoices, lines)

    monkeypatch.setattr(services, "_save_invoices", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        services.run_issue(run=run, actor=staff, chunk_size=2)
    assert Invoice.objects.count() == 2
    assert InvoiceRun.objects.get(pk=run.pk).state == InvoiceRun.State.APPROVED
    monkeypatch.setattr(services, "_save_invoices", real)
    run = services.run_issue(run=run, actor=staff, chunk_size=2)
    assert run.state == InvoiceRun.State.ISSUED
    assert Invoice.objects.count() == 5
    assert len(set(Invoice.objects.values_list("number", flat=True))) == 5


def test_amount_change_is_flagged(staff, district, settings):
    contract = contract_with_rent(organisation=district)
    _issued_run(staff, period=dt.date(2026, 11, 1))
    contract.rent_lines.update(amount=Decimal("6500.00"))
    run = services.run_prepare(run=services.run_for(period=DEC, kind=RunKind.RENT), actor=staff)
    assert RunItem.Flag.AMOUNT_CHANGED in run.items.get().flags


def test_notes_and_queued_lines(staff, district):
    contract = contract_with_rent(organisation=district)
    services.invoice_note_add(actor=staff, contract=contract, text="Ny hyra från 1 januari",
                              first_period=DEC, invoices=2)
    services.pending_line_add(actor=staff, contract=contract, period=DEC,
                              description="Nedsättning dubbelt boende", amount=Decimal("-500.00"))
    _issued_run(staff)
    invoice = Invoice.objects.get()
    assert invoice.total == Decimal("4900.00")
    assert "Ny hyra" in invoice.notes
    assert InvoiceNote.objects.get().invoices_remaining == 1


def test_first_invoice_when_activated_after_the_run(staff, district):
    contract_with_rent(organisation=district)
    _issued_run(staff, period=dt.date(2026, 11, 1))
    _issued_run(staff, period=DEC)
    late = contract_with_rent(organisation=district, start=dt.date(2026, 11, 16), rent=Decimal("6000.00"))
    created = services.invoice_first_for_contract(contract_id=late.pk, today=dt.date(2026, 11, 20))
    assert [(i.period, i.total, i.is_pro_rata) for i in created] == [
        (dt.date(2026, 11, 1), Decimal("3000.00"), True),  # 15 of 30 days
        (DEC, Decimal("6000.00"), False),
    ]
    assert services.invoice_first_for_contract(contract_id=late.pk, today=dt.date(2026, 11, 20)) == []


def test_internal_run_issues_accounting_orders(staff, district):
    vacancy = contract_with_rent(organisation=district, kind=RentalContract.Kind.VACANCY, customer=None)
    run = services.run_for(period=DEC, kind=RunKind.INTERNAL)
    run = services.run_prepare(run=run, actor="job")
    run = services.run_approve(run=run, actor="invoicing")
    run = services.run_issue(run=run, actor="invoicing")
    order = Invoice.objects.get(contract=vacancy)
    assert order.document_type == Invoice.DocumentType.ACCOUNTING_ORDER
    assert order.customer is None and order.organisation == district


def test_a_job_cannot_approve_the_rent_run(district):
    contract_with_rent(organisation=district)
    run = services.run_prepare(run=services.run_for(period=DEC, kind=RunKind.RENT), actor="job")
    with pytest.raises(TransitionRefused):
        services.run_approve(run=run, actor="invoicing")


def test_prepare_runs_a_constant_number_of_queries(staff, district):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        contract_with_rent(organisation=district)
    run = services.run_prepare(run=services.run_for(period=DEC, kind=RunKind.RENT), actor=staff)
    with CaptureQueriesContext(connection) as small:
        services.run_prepare(run=run, actor=staff)
    for _ in range(30):
        contract_with_rent(organisation=district)
    with CaptureQueriesContext(connection) as large:
        services.run_prepare(run=run, actor=staff)
    assert len(large) == len(small)


def test_deduction_lines_are_negative(staff, district):
    contract = contract_with_rent(organisation=district)
    contract.rent_lines.create(kind=RentLineKind.DEDUCTION, amount=Decimal("400.00"), rent_year=2026,
                               description="Avdrag")
    _issued_run(staff)
    invoice = Invoice.objects.get()
    assert invoice.total == Decimal("5000.00")
    assert invoice.lines.get(kind="deduction").amount == Decimal("-400.00")


def test_demo_seed_issues_this_and_next_months_runs(settings):
    from hyresadmin import demo

    demo.seed_demo(password="demo")
    runs = InvoiceRun.objects.filter(state=InvoiceRun.State.ISSUED)
    assert set(runs.values_list("kind", flat=True)) == {RunKind.RENT, RunKind.INTERNAL}
    assert Invoice.objects.filter(document_type=Invoice.DocumentType.INVOICE).exists()
    assert Invoice.objects.filter(document_type=Invoice.DocumentType.ACCOUNTING_ORDER).exists()
    again = demo.seed_demo(password="demo")
    assert set(again.values()) == {0}
