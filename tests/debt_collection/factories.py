"""Helpers for the debt_collection tests: codes with rules, and overdue invoices issued by a real run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from debt_collection.code_models import CollectionPolicy
from tests.contracts.factories import CollectionCodeFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run

#: The rent invoice of December 2026 is due on the last working day before the month: 30 November.
PERIOD = dt.date(2026, 12, 1)
DUE = dt.date(2026, 11, 30)


def policy(code: str = "K1", **values) -> CollectionPolicy:
    values = {"reminder_after_days": 10, "reminder_fee": Decimal("60.00"), **values}
    obj, _ = CollectionPolicy.objects.update_or_create(code=CollectionCodeFactory(code=code), defaults=values)
    return obj


def rent_invoices(*, actor, specs: list[dict]):
    """Issued rent invoices for December 2026 (due 30 November), one per spec: ``code`` (default K1),
    ``fee_agreed`` (default True) and the contract's fields. One real run issues them all."""
    from invoicing.models import Invoice

    contracts = []
    for spec in specs:
        spec = dict(spec)
        code = spec.pop("code", "K1")
        fee_agreed = spec.pop("fee_agreed", True)
        contracts.append(contract_with_rent(collection_code=CollectionCodeFactory(code=code),
                                            reminder_fee_agreed=fee_agreed, **spec))
    issue_rent_run(period=PERIOD, actor=actor)
    invoices = [Invoice.objects.get(contract=contract, period=PERIOD) for contract in contracts]
    assert all(invoice.due_date == DUE for invoice in invoices)
    return invoices


def rent_invoice(*, actor, **spec):
    return rent_invoices(actor=actor, specs=[spec])[0]
