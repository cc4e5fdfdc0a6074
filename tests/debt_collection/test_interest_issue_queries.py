"""Issuing an interest-invoice proposal is bulk work: one interest invoice per customer, but the same
number of queries for 2 customers as for 6."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from debt_collection import interest
from debt_collection.models import InterestBatch, InterestProposal
from invoicing.models import Invoice, InvoiceKind
from tests.debt_collection.collection_factories import code_with_policy, invoice_due

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 8, 31)
UNTIL = dt.date(2026, 11, 20)


def _issue(staff, batch) -> tuple[int, InterestBatch]:
    with CaptureQueriesContext(connection) as captured:
        batch = interest.interest_batch_issue(actor=staff, batch=batch)
    return len(captured), batch


def test_issuing_interest_costs_the_same_for_2_customers_as_for_6(staff):
    code = code_with_policy("K1", charges_interest=True)
    late = [invoice_due(actor=staff, due_date=DUE, amount=Decimal("20000.00"), collection_code=code)
            for _ in range(8)]
    assert len({invoice.customer_id for invoice in late}) == 8
    ContentType.objects.get_for_model(Invoice)  # cached for the process: not the issue's cost
    first = interest.interest_proposals_create(actor=staff, until=UNTIL)
    InterestProposal.objects.filter(batch=first).exclude(invoice__in=late[:2]).update(included=False)
    few, small = _issue(staff, first)
    # The 6 left out are proposed again (the 2 charged have nothing more due up to the same day).
    many, large = _issue(staff, interest.interest_proposals_create(actor=staff, until=UNTIL))

    assert (small.summary["invoices"], large.summary["invoices"]) == (2, 6)
    assert few == many
    bills = Invoice.objects.filter(kind=InvoiceKind.INTEREST)
    assert bills.count() == 8
    assert {bill.customer_id for bill in bills} == {invoice.customer_id for invoice in late}
    assert all(bill.total == Decimal("443.84") and bill.ocr_reference for bill in bills)
    assert len({bill.number for bill in bills}) == 8
    charged = InterestProposal.objects.filter(charged=True).select_related("interest_invoice")
    assert sorted(p.invoice_id for p in charged) == sorted(invoice.pk for invoice in late)
    assert all(p.interest_invoice.customer_id == p.customer_id for p in charged)
