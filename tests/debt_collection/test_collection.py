"""Collection cases: handover only after the reminder period, the agency file per collection code,
Kronofogden's fees, closing paid cases, withdrawal, and write-downs with the ledger's checks."""

import csv
import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest

from debt_collection import collection
from debt_collection.models import CollectionCase, CollectionClaim, EnforcementApplication, WriteDown
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused
from invoicing.models import Invoice
from tests.contracts.factories import active_contract
from tests.debt_collection.collection_factories import (
    approved_write_down,
    at,
    code_with_policy,
    invoice_due,
    pay,
    remind,
)

pytestmark = pytest.mark.django_db
D = Decimal
DUE = dt.date(2026, 8, 31)
REMINDED = dt.date(2026, 9, 15)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def code(db):
    return code_with_policy("K1", to_agency=True, agency_after_days=14, to_enforcement=True)


@pytest.fixture
def reminded(staff, code):
    invoice = invoice_due(actor=staff, due_date=DUE, amount=D("5400.00"), collection_code=code)
    return remind(invoice, actor=staff, on=REMINDED)


def test_a_claim_is_proposed_only_after_the_reminder_period(staff, reminded):
    assert collection.collection_proposals_create(actor=staff, today=REMINDED + dt.timedelta(days=13)) == {
        "cases": 0, "claims": 0}
    result = collection.collection_proposals_create(actor=staff, today=REMINDED + dt.timedelta(days=14))
    assert result == {"cases": 1, "claims": 1}
    case = CollectionCase.objects.get()
    assert case.state == CollectionCase.State.OPEN and case.total == D("5400.00")
    assert case.claims.get().reminded_on == REMINDED
    # Proposed once: the next day's job adds nothing.
    assert collection.collection_proposals_create(actor=staff, today=REMINDED + dt.timedelta(days=15))["claims"] == 0


def test_a_code_that_does_not_hand_over_is_never_proposed(staff):
    code = code_with_policy("K2", to_agency=False)
    invoice = invoice_due(actor=staff, due_date=DUE, collection_code=code)
    remind(invoice, actor=staff, on=REMINDED)
    assert collection.collection_proposals_create(actor=staff, today=dt.date(2026, 11, 20))["claims"] == 0


def _proposed(staff, today=dt.date(2026, 10, 1)):
    collection.collection_proposals_create(actor=staff, today=today)
    return CollectionCase.objects.filter(state=CollectionCase.State.OPEN)


def test_handover_sends_the_invoices_to_collection_and_writes_one_file_per_code(staff, code):
    other_code = code_with_policy("K3", to_agency=True, agency_after_days=10)
    first = active_contract(collection_code=code)
    a = remind(invoice_due(actor=staff, due_date=DUE, amount=D("5400.00"), contract=first), actor=staff, on=REMINDED)
    b = remind(invoice_due(actor=staff, due_date=dt.date(2026, 9, 1), amount=D("5400.00"), contract=first),
               actor=staff, on=REMINDED)
    b = pay(b, D("400.00"), dt.date(2026, 9, 20))
    protected = active_contract(collection_code=other_code, customer__protected_identity=True)
    c = remind(invoice_due(actor=staff, due_date=DUE, amount=D("3000.00"), contract=protected),
               actor=staff, on=REMINDED)
    cases = list(_proposed(staff))
    assert len(cases) == 2

    files = collection.collection_hand_over(actor=staff, cases=cases)

    assert {f.collection_code.code: (f.rows, f.total) for f in files} == {
        "K1": (2, D("10400.00")), "K3": (1, D("3000.00"))}
    for invoice in (a, b, c):
        assert fresh(invoice).state == Invoice.State.AT_COLLECTION
        assert AuditEvent.objects.filter(object_id=str(invoice.pk), to_state="at_collection").exists()
    assert set(CollectionCase.objects.values_list("state", flat=True)) == {CollectionCase.State.SENT_TO_AGENCY}
    k1 = next(f for f in files if f.collection_code.code == "K1")
    content = k1.file.open("rb").read()
    assert hashlib.sha256(content).hexdigest() == k1.sha256
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8")), delimiter=";"))
    assert [(r["fakturanummer"], r["kapitalbelopp"], r["kravkod"]) for r in rows] == [
        (str(a.number), "5400.00", "K1"), (str(b.number), "5000.00", "K1")]
    assert rows[0]["ocr"] == a.ocr_reference and rows[0]["forfallodag"] == "2026-08-31"
    assert rows[0]["adressrad1"] and rows[0]["skyddad_identitet"] == "0"
    k3 = next(f for f in files if f.collection_code.code == "K3")
    [row] = list(csv.DictReader(io.StringIO(k3.file.open("rb").read().decode()), delimiter=";"))
    assert row["skyddad_identitet"] == "1"
    assert (row["adressrad1"], row["adressrad2"], row["postnummer"], row["ort"]) == ("", "", "", "")


def test_a_case_already_handed_over_is_refused(staff, reminded):
    [case] = _proposed(staff)
    collection.collection_hand_over(actor=staff, cases=[case])
    with pytest.raises(TransitionRefused):
        collection.collection_hand_over(actor=staff, cases=[case])


@pytest.mark.parametrize(("kind", "fee"), [
    (EnforcementApplication.Kind.PAYMENT_ORDER, D("300.00")),
    (EnforcementApplication.Kind.EVICTION, D("300.00")),
    (EnforcementApplication.Kind.PAYMENT_ORDER_AND_EVICTION, D("300.00")),
    (EnforcementApplication.Kind.ENFORCEMENT, D("600.00")),
])
def test_kronofogden_fee_rule(kind, fee):
    """300 kr each for an order to pay or ordinary assistance, one fee when both are in one
    application, 600 kr for enforcement (FACTS.md §2)."""
    assert collection.enforcement_fee(kind) == fee


def test_an_application_and_its_decision_are_recorded_on_the_case(staff, reminded):
    [case] = _proposed(staff)
    collection.collection_hand_over(actor=staff, cases=[case])
    application = collection.enforcement_apply(actor=staff, case=case, kind="payment_order_and_eviction",
                                               applied_on=dt.date(2026, 11, 2))
    assert application.fee == D("300.00") and fresh(case).state == CollectionCase.State.AT_ENFORCEMENT
    application = collection.enforcement_decision_record(actor=staff, application=application, decision="granted",
                                                         decided_on=dt.date(2026, 11, 16))
    assert (application.decision, application.decided_on) == ("granted", dt.date(2026, 11, 16))
    with pytest.raises(TransitionRefused):
        collection.enforcement_decision_record(actor=staff, application=application, decision="rejected",
                                               decided_on=dt.date(2026, 11, 17))


def test_a_paid_case_closes(staff, reminded):
    [case] = _proposed(staff)
    collection.collection_hand_over(actor=staff, cases=[case])
    assert collection.collection_cases_close_settled(actor="job") == 0
    pay(fresh(reminded), D("5400.00"), dt.date(2026, 10, 20))
    assert collection.collection_cases_close_settled(actor="job") == 1
    case = fresh(case)
    assert (case.state, case.close_reason) == (CollectionCase.State.CLOSED, CollectionCase.CloseReason.PAID)
    assert not CollectionClaim.objects.filter(active=True).exists()


def test_a_withdrawal_recalls_the_invoices(staff, reminded):
    [case] = _proposed(staff)
    collection.collection_hand_over(actor=staff, cases=[case])
    case = collection.collection_case_withdraw(actor=staff, case=case, reason="Förvaltningen tar över")
    assert (case.state, case.close_reason) == (CollectionCase.State.CLOSED, CollectionCase.CloseReason.WITHDRAWN)
    assert fresh(reminded).state == Invoice.State.REMINDED
    # Not proposed again until it is reminded again.
    assert collection.collection_proposals_create(actor=staff, today=dt.date(2026, 12, 31))["claims"] == 0


# --- Write-downs ---------------------------------------------------------------------------------------


def _write_down(staff, invoice, **overrides):
    data = {"amount": invoice.balance, "invoice_number": invoice.number, "collection_code": invoice.collection_code,
            "attested_by": staff}
    data.update(overrides)
    return collection.write_down_create(actor=staff, invoice=invoice, **data)


def test_a_write_down_without_the_districts_decision_is_refused(staff, reminded):
    with pytest.raises(TransitionRefused) as refused:
        _write_down(staff, reminded)
    assert any("portal" in check for check in refused.value.failed_checks)
    assert fresh(reminded).state == Invoice.State.REMINDED and not WriteDown.objects.exists()


def test_a_write_down_with_an_amount_or_number_not_in_the_ledger_is_refused_with_every_check(
        staff, officer, reminded):
    other = code_with_policy("K7")
    approved_write_down(staff, reminded)
    with pytest.raises(TransitionRefused) as refused:
        _write_down(staff, reminded, amount=D("5000.00"), invoice_number="999", collection_code=other,
                    attested_by=officer)
    checks = refused.value.failed_checks
    assert len(checks) == 4  # amount, invoice number, collection code, attestation
    assert any("belopp" in c.lower() for c in checks) and any("fakturanum" in c.lower() for c in checks)
    assert not WriteDown.objects.exists()


def test_a_write_down_writes_the_invoice_off_and_closes_its_case(staff, reminded):
    [case] = _proposed(staff)
    collection.collection_hand_over(actor=staff, cases=[case])
    approved_write_down(staff, fresh(reminded))
    write_down = _write_down(staff, fresh(reminded))
    assert write_down.amount == D("5400.00") and write_down.attested_by == staff and write_down.case == case
    assert fresh(reminded).state == Invoice.State.WRITTEN_OFF
    assert AuditEvent.objects.filter(object_id=str(reminded.pk), to_state="written_off").exists()
    case = fresh(case)
    assert (case.state, case.close_reason) == (CollectionCase.State.CLOSED, CollectionCase.CloseReason.WRITTEN_OFF)


def test_the_payment_plan_hook_says_no_plan_for_now(staff, reminded):
    assert collection.payment_plan_exists(reminded) is False


def test_at_collection_the_day_of_proposal_is_a_working_day_review_date(staff, reminded):
    with at(dt.date(2026, 10, 2)):
        [case] = _proposed(staff, today=dt.date(2026, 10, 2))  # a Friday
    assert case.due_date == dt.date(2026, 10, 6)


def test_an_invoice_paid_after_it_was_proposed_is_left_out_of_the_handover(staff, code):
    contract = active_contract(collection_code=code)
    kept = remind(invoice_due(actor=staff, due_date=DUE, contract=contract), actor=staff, on=REMINDED)
    paid = remind(invoice_due(actor=staff, due_date=DUE, contract=contract), actor=staff, on=REMINDED)
    [case] = _proposed(staff)
    pay(fresh(paid), D("5400.00"), dt.date(2026, 10, 2))
    [stored] = collection.collection_hand_over(actor=staff, cases=[case])
    assert (stored.rows, stored.total) == (1, D("5400.00"))
    assert fresh(kept).state == Invoice.State.AT_COLLECTION and fresh(paid).state == Invoice.State.PAID
    assert fresh(case).total == D("5400.00")
