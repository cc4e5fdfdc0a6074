"""Late-payment interest (``debt_collection.interest.interest``): the pure computation.

The rule (FACTS.md §2): reference rate + 8 percentage points a year from the due date, the rate
following the reference rate on a running claim; actual/365; on the balance left each day; öre at the end.
"""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from debt_collection.interest import MissingReferenceRate, interest, interest_segments

D = Decimal
#: The reference rates of FACTS.md §2 (the table's seed), as the function takes them.
RATES = [(dt.date(2023, 1, 1), D("2.50")), (dt.date(2023, 7, 1), D("3.50")), (dt.date(2024, 1, 1), D("4.00")),
         (dt.date(2024, 7, 1), D("4.00")), (dt.date(2025, 1, 1), D("3.00")), (dt.date(2025, 7, 1), D("2.00")),
         (dt.date(2026, 1, 1), D("2.00")), (dt.date(2026, 7, 1), D("2.00"))]


def test_interest_across_a_change_of_reference_rate_is_computed_by_hand():
    # 5 400 kr due 29 June 2023, paid 31 July 2023 (32 days late). 29–30 June: 2,50 + 8 = 10,5 %;
    # 1–30 July: 3,50 + 8 = 11,5 %.
    # 5400 × 0.105 × 2/365 + 5400 × 0.115 × 30/365 = (1134 + 18630)/365 = 54.1479… → 54,15 kr.
    assert interest(D("5400.00"), dt.date(2023, 6, 29), dt.date(2023, 7, 31), RATES) == D("54.15")
    segments = interest_segments(D("5400.00"), dt.date(2023, 6, 29), dt.date(2023, 7, 31), RATES)
    assert [(s.days, s.rate) for s in segments] == [(2, D("10.50")), (30, D("11.50"))]


def test_a_part_payment_stops_interest_on_its_amount_from_its_payment_date():
    # 2 400 of the 5 400 paid on 11 July: 12 days on 5 400 (2 at 10,5 %, 10 at 11,5 %), 20 days on 3 000.
    # (5400×10.5×2 + 5400×11.5×10 + 3000×11.5×20)/36500 = 1 424 400/36 500 = 39.0246… → 39,02 kr.
    timeline = [(dt.date(2023, 6, 29), D("5400.00")), (dt.date(2023, 7, 11), D("3000.00"))]
    assert interest(timeline, dt.date(2023, 6, 29), dt.date(2023, 7, 31), RATES) == D("39.02")


def test_paid_on_the_due_date_or_the_day_after():
    due = dt.date(2024, 3, 28)
    assert interest(D("5400.00"), due, due, RATES) == D("0.00")
    # One day at 12 %: 5400 × 0.12 / 365 = 1.775… → 1,78.
    assert interest(D("5400.00"), due, due + dt.timedelta(days=1), RATES) == D("1.78")


def test_a_day_without_a_known_reference_rate_is_refused():
    with pytest.raises(MissingReferenceRate):
        interest(D("100.00"), dt.date(2022, 12, 1), dt.date(2023, 1, 10), RATES)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        interest(100.0, dt.date(2024, 1, 1), dt.date(2024, 2, 1), RATES)


amounts = st.decimals(min_value=D("0.00"), max_value=D("1000000.00"), places=2)
due_dates = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2026, 12, 31))
days = st.integers(min_value=0, max_value=900)


@settings(max_examples=200, deadline=None)
@given(amount=amounts, due=due_dates, before=st.integers(min_value=0, max_value=400))
def test_no_interest_before_or_on_the_due_date(amount, due, before):
    until = due - dt.timedelta(days=before)
    if until < dt.date(2023, 1, 1):
        until = dt.date(2023, 1, 1)
    assert interest(amount, due, min(until, due), RATES) == D("0.00")


@settings(max_examples=200, deadline=None)
@given(amount=amounts, due=due_dates, first=days, more=days)
def test_interest_grows_with_the_days_overdue(amount, due, first, more):
    early = interest(amount, due, due + dt.timedelta(days=first), RATES)
    later = interest(amount, due, due + dt.timedelta(days=first + more), RATES)
    assert D("0") <= early <= later


@settings(max_examples=200, deadline=None)
@given(amount=amounts, extra=amounts, due=due_dates, late=days)
def test_interest_grows_with_the_amount(amount, extra, due, late):
    until = due + dt.timedelta(days=late)
    assert interest(amount, due, until, RATES) <= interest(amount + extra, due, until, RATES)


@settings(max_examples=200, deadline=None)
@given(amount=amounts, due=due_dates, first=days, second=days)
def test_interest_is_additive_over_a_split_period(amount, due, first, second):
    """Charged up to a day and then from it: the two parts make the whole, to the öre of rounding."""
    middle, until = due + dt.timedelta(days=first), due + dt.timedelta(days=first + second)
    whole = interest(amount, due, until, RATES)
    parts = interest(amount, due, middle, RATES) + interest(amount, due, until, RATES, start=middle)
    assert abs(whole - parts) <= D("0.01")


@settings(max_examples=100, deadline=None)
@given(amount=amounts, due=due_dates, late=days, paid_after=days, part=st.decimals(
    min_value=D("0"), max_value=D("1"), places=2))
def test_a_payment_never_raises_the_interest(amount, due, late, paid_after, part):
    until = due + dt.timedelta(days=late)
    timeline = [(due, amount), (due + dt.timedelta(days=paid_after), (amount * (1 - part)).quantize(D("0.01")))]
    assert interest(timeline, due, until, RATES) <= interest(amount, due, until, RATES)
