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
