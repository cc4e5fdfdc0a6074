"""What leaves the system outside the runs: the daily ledger file for the ERP and the refund payout file."""

import csv
import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from hyresadmin.calendar import STOCKHOLM
from hyresadmin.models import AuditEvent, JobRun
from hyresadmin.transitions import TransitionRefused
from invoicing import credits, ledger_exports, services
from invoicing.models import CustomerCredit, InvoiceKind, InvoiceLine, RefundOrder, ReportFile
from invoicing.tasks import daily_ledger_file
from tests.factories import PersonFactory, UserFactory
from tests.invoicing.factories import issued_invoice

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.date(2026, 12, 2)  # a Wednesday
AT_WORK = dt.datetime(2026, 12, 2, 10, 0, tzinfo=STOCKHOLM)


def _rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline=""), delimiter=";"))


@pytest.fixture
def second_staff(staff):
    other = UserFactory(username="andra")
    other.groups.set(staff.groups.all())
    return other


def _approved_refund(staff, second_staff, district, amount="250.00"):
    person = PersonFactory(affiliation=district)
    CustomerCredit.objects.create(person=person, kind=CustomerCredit.Kind.PREPAYMENT, amount=D(amount))
    order = credits.refund_order_create(actor=staff, person=person, payee_name="Anna Berg",
                                        payee_account="8327-9 123 456 789", reason="Utflyttning",
                                        monthly_rent=D("5400.00"))
    return credits.refund_order_approve(actor=second_staff, order=order)


@pytest.fixture
def a_day(staff, second_staff, district):
    """On DAY: a run invoice credited by 400, a one-off fee of 60 + 25, a refund of 250 paid out."""
    with time_machine.travel(AT_WORK, tick=False):
        invoice = issued_invoice(actor=staff, organisation=district)
        fee = services.invoice_issue_one_off(
            actor=staff, kind=InvoiceKind.FEE, organisation_id=district.pk, customer_id=invoice.customer_id,
            contract=invoice.contract,
            lines=[services.OneOffLine(InvoiceLine.Kind.FEE, "Påminnelseavgift", D("60.00")),
                   services.OneOffLine(InvoiceLine.Kind.FEE, "Avgift för avbetalningsplan", D("25.00"))])
        note = credits.credit_note_create(actor=staff, invoice=invoice, amount=D("400.00"), reason="Fel tillägg")
        order = _approved_refund(staff, second_staff, district)
        credits.refund_payout_file_create(actor=staff, orders=[order])
    return {"invoice": invoice, "fee": fee, "note": note, "order": order}


def test_the_daily_file_books_one_off_lines_credits_and_refunds_and_reconciles(a_day):
    built = ledger_exports.build_daily_ledger_file(DAY)
    rows = _rows(built.content)
    assert built.rows == len(rows) == 4  # two fee lines, the credit on the rent account, the refund
    fee, note, order = a_day["fee"], a_day["note"], a_day["order"]
    assert [(r["fakturanummer"], r["dokumenttyp"], r["belopp"]) for r in rows] == [
        (str(fee.number), "invoice", "60.00"), (str(fee.number), "invoice", "25.00"),
        (str(note.number), "credit", "-400.00"), (f"R{order.pk}", "refund", "-250.00")]
    credit_row = rows[2]
    assert credit_row["avser"] == str(a_day["invoice"].number) and credit_row["konto"] == "3611"
    assert credit_row["kund"] == f"P{a_day['invoice'].customer_id}" and credit_row["organisation"] == "SOD"
    assert rows[3]["konto"] == ledger_exports.refund_account() and rows[3]["organisation"] == "SOD"
    assert str(a_day["invoice"].number) not in {r["fakturanummer"] for r in rows}  # the run's own file has it
    assert sum(D(r["belopp"]) for r in rows) == fee.total - note.amount - order.amount == D("-565.00")
    assert b"8327" not in built.content  # the payee's account is the payout file's, not the ledger's
    assert a_day["invoice"].customer.personal_number.encode() not in built.content


@given(amount=st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2),
       parts=st.lists(st.decimals(min_value=D("-500"), max_value=D("9000"), places=2), min_size=1, max_size=5))
def test_a_credit_spread_over_the_accounts_sums_to_the_credit(amount, parts):
    lines = [(str(3611 + i % 3), part) for i, part in enumerate(parts)]
    split = ledger_exports.credit_split(amount, lines)
    assert sum(share for _account, share in split) == amount


def test_a_full_credit_reverses_each_account_exactly():
    split = ledger_exports.credit_split(D("5600.00"), [("3611", D("5400.00")), ("3612", D("300.00")),
                                                       ("3613", D("-100.00"))])
    assert split == [("3611", D("5400.00")), ("3612", D("300.00")), ("3613", D("-100.00"))]


def test_the_job_makes_each_day_once_on_working_days_and_keeps_the_checksum(a_day):
    with time_machine.travel(dt.datetime(2026, 12, 5, 7, 0, tzinfo=STOCKHOLM), tick=False):  # a Saturday
        assert daily_ledger_file() is None
    with time_machine.travel(dt.datetime(2026, 12, 3, 7, 0, tzinfo=STOCKHOLM), tick=False):
        done = daily_ledger_file()
        assert done[DAY.isoformat()] == "made"
        again = daily_ledger_file()
    assert set(again.values()) == {"already made"}
    stored = ReportFile.objects.get(kind=ReportFile.Kind.DAILY_LEDGER, period=DAY.isoformat())
    with stored.file.open("rb") as file:
        content = file.read()
    assert content == ledger_exports.build_daily_ledger_file(DAY).content
    assert stored.sha256 == hashlib.sha256(content).hexdigest() and stored.summary["rows"] == 4
    assert ReportFile.objects.filter(kind=ReportFile.Kind.DAILY_LEDGER).count() == 7
    assert JobRun.objects.filter(job="invoicing.daily_ledger").count() == 7
    assert credits.daily_ledger_store(day=DAY).pk == stored.pk  # made once


def test_staff_download_the_daily_file_and_the_download_is_audited(client, staff, a_day):
    stored = credits.daily_ledger_store(day=DAY)
    client.force_login(staff)
    response = client.get(f"/admin/invoicing/reportfile/{stored.pk}/download/")
    assert response.status_code == 200 and response.content.startswith(b"fakturanummer;dokumenttyp")
    assert AuditEvent.objects.for_object(stored).filter(actor=staff, event_type="export").exists()


@pytest.mark.parametrize("who", ["officer", "citizen"])
def test_officers_and_citizens_cannot_download_the_daily_file(client, request, who, a_day):
    stored = credits.daily_ledger_store(day=DAY)
    client.force_login(request.getfixturevalue(who))
    response = client.get(f"/admin/invoicing/reportfile/{stored.pk}/download/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_payout_file_pays_the_approved_refunds_once(staff, second_staff, district):
    orders = [_approved_refund(staff, second_staff, district, D(amount)) for amount in ("100.00", "250.50")]
    stored = credits.refund_payout_file_create(actor=staff, orders=orders)
    with stored.file.open("rb") as file:
        content = file.read()
    rows = _rows(content)
    assert [(r["utbetalning"], r["mottagare"], r["konto"], r["belopp"]) for r in rows] == [
        (f"R{orders[0].pk}", "Anna Berg", "8327-9 123 456 789", "100.00"),
        (f"R{orders[1].pk}", "Anna Berg", "8327-9 123 456 789", "250.50")]
    assert rows[0]["referens"] == f"R{orders[0].pk}"
    assert orders[0].person.personal_number.encode() not in content
    assert stored.summary["total"] == "350.50" and len(stored.sha256) == 64
    assert set(RefundOrder.objects.values_list("state", flat=True)) == {RefundOrder.State.PAID}
    assert AuditEvent.objects.filter(to_state=RefundOrder.State.PAID, actor=staff).count() == 2
    with pytest.raises(TransitionRefused):
        credits.refund_payout_file_create(actor=staff, orders=orders)
    assert ReportFile.objects.filter(kind=ReportFile.Kind.REFUND_PAYOUT).count() == 1


def test_a_payout_file_with_an_unapproved_refund_is_refused_and_nothing_is_paid(staff, second_staff, district):
    approved = _approved_refund(staff, second_staff, district)
    person = PersonFactory(affiliation=district)
    CustomerCredit.objects.create(person=person, kind=CustomerCredit.Kind.PREPAYMENT, amount=D("80.00"))
    proposed = credits.refund_order_create(actor=staff, person=person, payee_name="Erik", payee_account="5050-1055",
                                           reason="x", monthly_rent=D("5400.00"))
    with pytest.raises(TransitionRefused, match=f"R{proposed.pk}"):
        credits.refund_payout_file_create(actor=staff, orders=[approved, proposed])
    assert RefundOrder.objects.get(pk=approved.pk).state == RefundOrder.State.APPROVED
    assert not ReportFile.objects.exists()


def test_staff_make_the_payout_file_from_the_refund_list(client, staff, second_staff, district):
    order = _approved_refund(staff, second_staff, district)
    client.force_login(staff)
    response = client.post("/admin/invoicing/refundorder/", {
        "action": "make_payout_file", "_selected_action": [order.pk]}, follow=True)
    assert response.status_code == 200
    stored = ReportFile.objects.get(kind=ReportFile.Kind.REFUND_PAYOUT)
    assert f"/admin/invoicing/reportfile/{stored.pk}/download/" in response.content.decode()
    assert RefundOrder.objects.get(pk=order.pk).state == RefundOrder.State.PAID


def test_the_daily_file_takes_a_fixed_number_of_queries(staff, second_staff, district, a_day):
    with CaptureQueriesContext(connection) as few:
        ledger_exports.build_daily_ledger_file(DAY)
    with time_machine.travel(AT_WORK, tick=False):
        for _ in range(3):
            services.invoice_issue_one_off(
                actor=staff, kind=InvoiceKind.FEE, organisation_id=district.pk,
                customer_id=a_day["invoice"].customer_id,
                lines=[services.OneOffLine(InvoiceLine.Kind.FEE, "Avgift", D("60.00"))])
            credits.credit_note_create(actor=staff, invoice=a_day["fee"], amount=D("1.00"), reason="x")
            order = _approved_refund(staff, second_staff, district)
            credits.refund_order_mark_paid(actor=staff, order=order)
    with CaptureQueriesContext(connection) as many:
        built = ledger_exports.build_daily_ledger_file(DAY)
    assert built.rows == 4 + 3 * 3
    assert len(many.captured_queries) == len(few.captured_queries)
