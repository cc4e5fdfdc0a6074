"""The arithmetic of periods: pro rata (properties), active days (against brute force) and the due
date (a hand-made table for 2026–2027 and a property over a century of months).

Pure functions: no database.
"""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hyresadmin.calendar import is_working_day
from invoicing import periods

ONE_DAY = dt.timedelta(days=1)

amounts = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("50000.00"), places=2,
                      allow_nan=False, allow_infinity=False)
months = st.builds(dt.date, st.integers(min_value=2000, max_value=2099), st.integers(min_value=1, max_value=12),
                   st.just(1))


@st.composite
def month_and_day(draw):
    """A period and a day number 0..days_in(period)."""
    period = draw(months)
    return period, draw(st.integers(min_value=0, max_value=periods.days_in(period)))


# --- Pro rata ----------------------------------------------------------------------------------------


@given(amount=amounts, split=month_and_day())
def test_two_complementary_parts_sum_to_the_whole(amount, split):
    """A month cut in two at any day: [1st, cut] and [cut + 1, end] charge the whole rent ± 1 öre."""
    period, cut = split
    end = periods.period_end(period)
    # [1st, 1st + cut - 1] and [1st + cut, open end]: an empty range at either end gives 0 days.
    first = periods.active_days(period, period, period + dt.timedelta(days=cut - 1))
    second = periods.active_days(period, period + dt.timedelta(days=cut), None)
    assert first + second == periods.days_in(period)
    assert periods.active_days(period, period, end) == periods.days_in(period)

    parts = periods.pro_rata(amount, first, period) + periods.pro_rata(amount, second, period)
    assert abs(parts - amount) <= Decimal("0.01")


@given(amount=amounts, period=months)
def test_a_whole_month_is_exactly_the_amount(amount, period):
    assert periods.pro_rata(amount, periods.days_in(period), period) == amount
    assert periods.pro_rata(amount, 0, period) == Decimal("0.00")


@given(amount=amounts, split=month_and_day(), other=st.integers(min_value=0, max_value=31))
def test_pro_rata_is_monotone_in_days_and_never_negative(amount, split, other):
    period, days = split
    other = min(other, periods.days_in(period))
    low, high = sorted((days, other))
    small, large = periods.pro_rata(amount, low, period), periods.pro_rata(amount, high, period)
    assert Decimal("0.00") <= small <= large <= amount
    assert small == small.quantize(Decimal("0.01"))  # to the öre


@pytest.mark.parametrize(("amount", "days", "period", "expected"), [
    (Decimal("6000.00"), 15, dt.date(2026, 11, 1), Decimal("3000.00")),   # 15 of 30
    (Decimal("5400.00"), 11, dt.date(2026, 11, 1), Decimal("1980.00")),   # 11 of 30
    (Decimal("5400.00"), 14, dt.date(2026, 2, 1), Decimal("2700.00")),    # 14 of 28
    (Decimal("5400.00"), 14, dt.date(2028, 2, 1), Decimal("2606.90")),    # 14 of 29 (leap year)
    (Decimal("100.00"), 1, dt.date(2026, 1, 1), Decimal("3.23")),         # 3.2258… rounds down
    (Decimal("100.00"), 2, dt.date(2026, 1, 1), Decimal("6.45")),         # 6.4516… rounds down
    (Decimal("0.50"), 1, dt.date(2026, 4, 1), Decimal("0.02")),           # 0.01666… rounds up
    (Decimal("3.00"), 5, dt.date(2026, 4, 1), Decimal("0.50")),           # exactly 0.50
])
def test_pro_rata_table(amount, days, period, expected):
    assert periods.pro_rata(amount, days, period) == expected


# --- Active days -------------------------------------------------------------------------------------


@st.composite
def start_end(draw):
    """A period and a contract [start, end] anywhere from two months before to two months after it."""
    period = draw(months)
    start = period + dt.timedelta(days=draw(st.integers(min_value=-62, max_value=62)))
    end = draw(st.one_of(st.none(), st.integers(min_value=-62, max_value=62).map(
        lambda n: period + dt.timedelta(days=n))))
    return period, start, end


@given(case=start_end())
def test_active_days_is_the_brute_force_count(case):
    period, start, end = case
    day, count = period, 0
    while day.month == period.month:
        count += start <= day and (end is None or day <= end)
        day += ONE_DAY
    days = periods.active_days(period, start, end)
    assert 0 <= days <= periods.days_in(period)
    assert days == count


# --- Due dates ---------------------------------------------------------------------------------------

# The last working day before each month, worked out by hand from the Swedish calendar:
# weekends, nyårsafton (31 Dec), julafton, midsommarafton, Easter, Ascension, 1 May, 6 June…
DUE_DATES = {
    dt.date(2026, 1, 1): dt.date(2025, 12, 30),   # Wed 31 Dec is nyårsafton → Tue 30
    dt.date(2026, 2, 1): dt.date(2026, 1, 30),    # Sat 31 → Fri 30
    dt.date(2026, 3, 1): dt.date(2026, 2, 27),    # Sat 28 → Fri 27
    dt.date(2026, 4, 1): dt.date(2026, 3, 31),    # Tue (Easter is 3–6 April)
    dt.date(2026, 5, 1): dt.date(2026, 4, 30),    # Thu; Valborg is a working day
    dt.date(2026, 6, 1): dt.date(2026, 5, 29),    # Sun 31, Sat 30 → Fri 29
    dt.date(2026, 7, 1): dt.date(2026, 6, 30),    # Tue (midsommarafton was 19 June)
    dt.date(2026, 8, 1): dt.date(2026, 7, 31),    # Fri
    dt.date(2026, 9, 1): dt.date(2026, 8, 31),    # Mon
    dt.date(2026, 10, 1): dt.date(2026, 9, 30),   # Wed
    dt.date(2026, 11, 1): dt.date(2026, 10, 30),  # Sat 31 (also alla helgons dag) → Fri 30
    dt.date(2026, 12, 1): dt.date(2026, 11, 30),  # Mon
    dt.date(2027, 1, 1): dt.date(2026, 12, 30),   # Thu 31 Dec is nyårsafton → Wed 30
    dt.date(2027, 2, 1): dt.date(2027, 1, 29),    # Sun 31, Sat 30 → Fri 29
    dt.date(2027, 3, 1): dt.date(2027, 2, 26),    # Sun 28, Sat 27 → Fri 26
    dt.date(2027, 4, 1): dt.date(2027, 3, 31),    # Wed, after Easter Monday 29 March
    dt.date(2027, 5, 1): dt.date(2027, 4, 30),    # Fri
    dt.date(2027, 6, 1): dt.date(2027, 5, 31),    # Mon
    dt.date(2027, 7, 1): dt.date(2027, 6, 30),    # Wed (midsommarafton 25 June)
    dt.date(2027, 8, 1): dt.date(2027, 7, 30),    # Sat 31 → Fri 30
    dt.date(2027, 9, 1): dt.date(2027, 8, 31),    # Tue
    dt.date(2027, 10, 1): dt.date(2027, 9, 30),   # Thu
    dt.date(2027, 11, 1): dt.date(2027, 10, 29),  # Sun 31, Sat 30 → Fri 29
    dt.date(2027, 12, 1): dt.date(2027, 11, 30),  # Tue
}


def test_the_table_covers_every_month_of_2026_and_2027():
    assert sorted(DUE_DATES) == periods.months_between(dt.date(2026, 1, 1), dt.date(2027, 12, 31))


@pytest.mark.parametrize(("period", "expected"), sorted(DUE_DATES.items()), ids=lambda d: f"{d:%Y-%m-%d}")
def test_due_date_of_every_month_of_2026_and_2027(period, expected):
    assert periods.due_date(period) == expected


@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2026, 12, 25), dt.date(2026, 12, 23)),  # Thu julafton → Wed 23
    (dt.date(2027, 12, 27), dt.date(2027, 12, 23)),  # Mon 27 ← Christmas on a weekend, julafton Fri
    (dt.date(2026, 4, 7), dt.date(2026, 4, 2)),      # Easter Monday 6, Good Friday 3 → Thu 2
    (dt.date(2027, 3, 30), dt.date(2027, 3, 25)),    # Easter Monday 29, Good Friday 26 → Thu 25
    (dt.date(2026, 6, 22), dt.date(2026, 6, 18)),    # midsommarafton Fri 19 → Thu 18
    (dt.date(2026, 5, 15), dt.date(2026, 5, 13)),    # Ascension Thu 14 → Wed 13
    (dt.date(2026, 6, 8), dt.date(2026, 6, 5)),      # national day Sat 6: an ordinary Friday
    (dt.date(2027, 6, 8), dt.date(2027, 6, 7)),      # national day Sun 6, Mon 7 is a working day
])
def test_the_holidays_the_due_date_steps_over(day, expected):
    """The same rule (last working day strictly before) across the holidays a month end can meet."""
    from hyresadmin.calendar import last_working_day_before

    assert last_working_day_before(day) == expected


@given(period=months)
def test_due_date_is_the_last_working_day_before_the_month(period):
    due = periods.due_date(period)
    assert due < period
    assert is_working_day(due)
    day = due + ONE_DAY
    while day < period:
        assert not is_working_day(day)
        day += ONE_DAY
    assert (period - due).days <= 6  # at most a long Christmas–New Year or Easter weekend


# --- Period helpers ----------------------------------------------------------------------------------


@given(period=months)
def test_next_and_previous_period_are_inverse(period):
    assert periods.previous_period(periods.next_period(period)) == period
    assert periods.next_period(periods.previous_period(period)) == period
    assert periods.next_period(period) == periods.period_end(period) + ONE_DAY
    assert periods.period_of(periods.period_end(period)) == period
    assert periods.parse_period(f"{period:%Y-%m}") == period
