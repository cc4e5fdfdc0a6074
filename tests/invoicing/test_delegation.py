"""The delegation limits (``invoicing.delegation``) at, and one step past, each boundary."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicing import delegation

d = dt.date


@pytest.mark.parametrize(("due", "new_due", "first_rent", "double_housing", "within"), [
    # one month
    (d(2026, 11, 30), d(2026, 12, 30), False, False, True),
    (d(2026, 11, 30), d(2026, 12, 31), False, False, False),
    (d(2027, 1, 31), d(2027, 2, 28), False, False, True),    # clamped to February's end
    (d(2027, 1, 31), d(2027, 3, 1), False, False, False),
    (d(2027, 12, 31), d(2028, 2, 29), True, True, True),     # leap year: two months
    (d(2027, 12, 31), d(2028, 3, 1), True, True, False),
    # first month's rent with double housing costs: two months
    (d(2026, 11, 30), d(2027, 1, 30), True, True, True),
    (d(2026, 11, 30), d(2027, 1, 31), True, True, False),
    # first month's rent without double housing, or double housing on a later rent: one month
    (d(2026, 11, 30), d(2027, 1, 30), True, False, False),
    (d(2026, 11, 30), d(2027, 1, 30), False, True, False),
    (d(2026, 11, 30), d(2026, 11, 30), False, False, False),  # not a deferral
])
def test_deferral(due, new_due, first_rent, double_housing, within):
    decision = delegation.deferral(due_date=due, new_due_date=new_due, first_rent=first_rent,
                                   double_housing=double_housing)
    assert decision.within is within
    assert bool(decision.reason) is (not within)


@pytest.mark.parametrize(("first", "last", "within"), [
    (d(2026, 12, 1), d(2027, 2, 28), True),    # December, January, February
    (d(2026, 12, 1), d(2027, 3, 1), False),    # a fourth month
    (d(2026, 12, 31), d(2027, 2, 26), True),
    (d(2026, 12, 31), d(2027, 3, 31), False),
    (d(2026, 12, 1), d(2026, 12, 1), True),    # one instalment
    (d(2026, 12, 2), d(2026, 12, 1), False),   # backwards
])
def test_payment_plan(first, last, within):
    assert delegation.payment_plan(first_due=first, last_due=last).within is within


@pytest.mark.parametrize(("amount", "rent", "within"), [
    ("10800.00", "5400.00", True),     # exactly two months' rent
    ("10800.01", "5400.00", False),
    ("0.01", "0.00", False),           # no rent known: nothing within delegation
    ("0.00", "5400.00", False),
])
def test_refund(amount, rent, within):
    assert delegation.refund(amount=Decimal(amount), monthly_rent=Decimal(rent)).within is within


@given(st.dates(min_value=d(2000, 1, 1), max_value=d(2100, 12, 31)), st.integers(min_value=0, max_value=36))
def test_add_months_lands_in_the_right_month_and_never_past_its_end(day, months):
    result = delegation.add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or result.day < day.day and (result + dt.timedelta(days=1)).day == 1


@given(st.dates(min_value=d(2000, 1, 1), max_value=d(2100, 12, 31)),
       st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2))
def test_a_refund_within_delegation_never_exceeds_two_months_rent(due, rent):
    assert delegation.refund(amount=2 * rent, monthly_rent=rent)
    assert not delegation.refund(amount=2 * rent + Decimal("0.01"), monthly_rent=rent)
    assert delegation.deferral(due_date=due, new_due_date=delegation.add_months(due, 1))
