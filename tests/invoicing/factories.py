"""Factories and helpers for invoicing tests."""

import datetime as dt
from decimal import Decimal

from contracts.models import RentLineKind
from tests.contracts.factories import active_contract

__all__ = ["active_contract", "contract_with_rent"]


def contract_with_rent(*, rent=Decimal("5400.00"), start=dt.date(2024, 1, 1), year=2026, **kwargs):
    """An active customer contract whose rent lines are for ``year``."""
    contract = active_contract(start_date=start, rent_lines=[], **kwargs)
    contract.rent_lines.create(kind=RentLineKind.BASE_RENT, amount=rent, rent_year=year)
    return contract


# --- Issued invoices (for the citizen view and the API tests) ------------------------------------------


def issue_rent_run(*, period, actor):
    """Prepare, approve and issue the rent run of ``period`` with the real services."""
    from invoicing import services
    from invoicing.models import RunKind

    run = services.run_for(period=period, kind=RunKind.RENT)
    run = services.run_prepare(run=run, actor=actor)
    run = services.run_approve(run=run, actor=actor)
    return services.run_issue(run=run, actor=actor)


def issued_invoice(*, actor, period=dt.date(2026, 12, 1), rent=Decimal("5400.00"), **contract_kwargs):
    """One active contract (``contract_kwargs``: customer, organisation, …) and its rent invoice for
    ``period``, issued by a real run."""
    from invoicing.models import Invoice

    contract = contract_with_rent(rent=rent, **contract_kwargs)
    issue_rent_run(period=period, actor=actor)
    return Invoice.objects.get(contract=contract, period=period)


def set_invoice_state(invoice, state, *, balance=None):
    """Put an invoice in ``state`` (the payments that would do it are another issue's); the state
    field is protected, so it is set in the database."""
    from invoicing.models import Invoice

    Invoice.objects.filter(pk=invoice.pk).update(
        state=state, balance=invoice.balance if balance is None else balance)
    return Invoice.objects.get(pk=invoice.pk)
