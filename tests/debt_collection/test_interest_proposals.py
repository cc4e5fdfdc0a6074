"""Interest-invoice proposals: proposed above the minimum for invoices paid late or still open whose
collection code charges interest, reviewed, issued as interest invoices, never twice for a period."""

import datetime as dt
from decimal import Decimal

import pytest

from debt_collection import interest as service
from debt_collection.models import InterestBatch, InterestProposal, ReferenceRate
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused
from invoicing.models import Invoice, InvoiceKind
from tests.debt_collection.collection_factories import code_with_policy, invoice_due, pay

pytestmark = pytest.mark.django_db
D = Decimal
DUE = dt.date(2026, 8, 31)


@pytest.fixture
def code(db):
    return code_with_policy("K1", charges_interest=True)


def test_the_reference_rates_are_seeded_with_the_unconfirmed_ones_provisional():
    rates = {r.valid_from: r for r in ReferenceRate.objects.all()}
    assert rates[dt.date(2023, 7, 1)].rate == D("3.50") and not rates[dt.date(2023, 7, 1)].provisional
    assert rates[dt.date(2025, 1, 1)].rate == D("3.00") and rates[dt.date(2025, 1, 1)].provisional
    assert rates[dt.date(2026, 1, 1)].provisional


def test_an_open_late_invoice_is_proposed_issued_once_and_then_continued(staff, code):
    late = invoice_due(actor=staff, due_date=DUE, amount=D("20000.00"), collection_code=code)
    until = dt.date(2026, 11, 20)
    # 81 days at 2,00 + 8 = 10 %: 20000 × 0.10 × 81 / 365 = 443.835… → 443,84 kr.
    batch = service.interest_proposals_create(actor=staff, until=until)
    [proposal] = batch.proposals.all()
    assert (proposal.invoice, proposal.from_date, proposal.until, proposal.days, proposal.amount) == (
        late, DUE, until, 81, D("443.84"))

    batch = service.interest_batch_issue(actor=staff, batch=batch)
    assert batch.state == InterestBatch.State.ISSUED
    charged = InterestProposal.objects.get()
    bill = charged.interest_invoice
    assert charged.charged and bill.kind == InvoiceKind.INTEREST and bill.total == D("443.84")
    assert bill.customer_id == late.customer_id and bill.lines.get().kind == "interest"
    assert AuditEvent.objects.filter(object_id=str(batch.pk), to_state="issued").exists()

    # Proposed again for the same day: nothing new is due.
    assert service.interest_proposals_create(actor=staff, until=until) is None
    # A month later the interest runs on from where it was charged.
    later = service.interest_proposals_create(actor=staff, until=dt.date(2026, 12, 31))
    [next_part] = later.proposals.all()
    assert (next_part.from_date, next_part.days) == (until, 41)


def test_a_code_that_charges_no_interest_and_amounts_under_the_minimum_are_not_proposed(staff, settings):
    no_interest = code_with_policy("K9", charges_interest=False)
    invoice_due(actor=staff, due_date=DUE, amount=D("20000.00"), collection_code=no_interest)
    small = code_with_policy("K1", charges_interest=True)
    invoice_due(actor=staff, due_date=DUE, amount=D("500.00"), collection_code=small)  # ≈ 11 kr
    assert service.interest_proposals_create(actor=staff, until=dt.date(2026, 11, 20)) is None
    settings.INTEREST_INVOICE_MINIMUM = "10"
    batch = service.interest_proposals_create(actor=staff, until=dt.date(2026, 11, 20))
    assert batch.proposals.get().amount == D("11.10")


def test_an_invoice_paid_late_is_charged_up_to_its_payment_and_never_again(staff, code):
    late = invoice_due(actor=staff, due_date=DUE, amount=D("20000.00"), collection_code=code)
    pay(late, D("20000.00"), dt.date(2026, 10, 10))  # 40 days: 20000 × 0.10 × 40/365 = 219,18
    batch = service.interest_proposals_create(actor=staff, until=dt.date(2026, 11, 20))
    proposal = batch.proposals.get()
    assert (proposal.until, proposal.amount) == (dt.date(2026, 10, 10), D("219.18"))
    service.interest_batch_issue(actor=staff, batch=batch)
    assert service.interest_proposals_create(actor=staff, until=dt.date(2026, 12, 20)) is None


def test_staff_take_a_proposal_out_and_it_is_not_invoiced(staff, code):
    invoice_due(actor=staff, due_date=DUE, amount=D("20000.00"), collection_code=code)
    batch = service.interest_proposals_create(actor=staff, until=dt.date(2026, 11, 20))
    service.interest_proposal_set_included(actor=staff, proposal=batch.proposals.get(), included=False)
    batch = service.interest_batch_issue(actor=staff, batch=batch)
    assert not InterestProposal.objects.filter(charged=True).exists()
    assert not Invoice.objects.filter(kind=InvoiceKind.INTEREST).exists()
    assert batch.summary["invoices"] == 0


def test_a_second_proposal_waits_for_the_first_to_be_reviewed(staff, code):
    invoice_due(actor=staff, due_date=DUE, amount=D("20000.00"), collection_code=code)
    batch = service.interest_proposals_create(actor=staff, until=dt.date(2026, 11, 20))
    with pytest.raises(TransitionRefused):
        service.interest_proposals_create(actor=staff, until=dt.date(2026, 11, 21))
    service.interest_batch_discard(actor=staff, batch=batch, reason="Fel dag")
    assert service.interest_proposals_create(actor=staff, until=dt.date(2026, 11, 21)) is not None


def test_an_invoice_paid_on_time_or_handed_to_the_agency_bears_no_proposal(staff, code):
    on_time = invoice_due(actor=staff, due_date=DUE, amount=D("20000.00"), collection_code=code)
    pay(on_time, D("20000.00"), DUE)
    assert service.interest_proposals_create(actor=staff, until=dt.date(2026, 11, 20)) is None

    from debt_collection import collection
    from debt_collection.models import CollectionCase
    from tests.debt_collection.collection_factories import remind

    code.policy.agency_after_days = 14
    code.policy.save()
    handed = remind(invoice_due(actor=staff, due_date=DUE, amount=D("20000.00"), collection_code=code),
                    actor=staff, on=dt.date(2026, 9, 10))
    collection.collection_proposals_create(actor=staff, today=dt.date(2026, 10, 1))
    collection.collection_hand_over(actor=staff, cases=list(CollectionCase.objects.all()))
    pay(Invoice.objects.get(pk=handed.pk), D("20000.00"), dt.date(2026, 11, 1))
    assert service.interest_proposals_create(actor=staff, until=dt.date(2026, 11, 20)) is None


def test_a_part_payment_lowers_the_interest_from_its_payment_date(staff, code):
    late = invoice_due(actor=staff, due_date=DUE, amount=D("20000.00"), collection_code=code)
    pay(late, D("10000.00"), dt.date(2026, 9, 30))
    # 30 days on 20 000 and 51 on 10 000 at 10 %: (20000×30 + 10000×51) × 0.10 / 365 = 304,109… → 304,11.
    batch = service.interest_proposals_create(actor=staff, until=dt.date(2026, 11, 20))
    assert batch.proposals.get().amount == D("304.11")


def test_the_database_refuses_to_charge_the_same_period_twice(staff, code):
    from django.db import IntegrityError, transaction

    invoice_due(actor=staff, due_date=DUE, amount=D("20000.00"), collection_code=code)
    batch = service.interest_proposals_create(actor=staff, until=dt.date(2026, 11, 20))
    service.interest_batch_issue(actor=staff, batch=batch)
    charged = InterestProposal.objects.get()
    other = InterestBatch.objects.create(until=charged.until, minimum=D("100"), due_date=charged.until,
                                         state=InterestBatch.State.DISCARDED)
    with pytest.raises(IntegrityError), transaction.atomic():
        InterestProposal.objects.create(batch=other, invoice=charged.invoice, customer=charged.customer,
                                        organisation=charged.organisation, from_date=charged.from_date,
                                        until=charged.until, days=1, amount=D("1.00"), charged=True)
