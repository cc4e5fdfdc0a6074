"""The end-date rules of a termination (jordabalken 12 kap., FACTS.md §6): tables over month ends,
leap years and holidays, and properties over any date (hypothesis)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import termination_rules as rules
from hyresadmin.calendar import is_working_day

D = dt.date
dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31))
periods = st.integers(min_value=1, max_value=12)


@pytest.mark.parametrize(("notice", "end"), [
    (D(2026, 11, 22), D(2027, 2, 28)),   # the example
    (D(2026, 11, 1), D(2027, 2, 28)),    # any day of November ends at the end of February
    (D(2026, 11, 30), D(2027, 2, 28)),   # three months from the 30th is 28 Feb (1930:173 1 §)
    (D(2027, 11, 30), D(2028, 2, 29)),   # leap year
    (D(2027, 11, 29), D(2028, 2, 29)),
    (D(2026, 12, 1), D(2027, 3, 31)),
    (D(2026, 12, 31), D(2027, 3, 31)),
    (D(2026, 10, 31), D(2027, 1, 31)),   # over the turn of the year
    (D(2026, 1, 31), D(2026, 4, 30)),
    (D(2023, 11, 30), D(2024, 2, 29)),
    (D(2026, 12, 24), D(2027, 3, 31)),   # notice on Christmas eve counts from that day
])
def test_tenant_three_months_table(notice, end):
    assert rules.tenant_end_date(notice).end_date == end


def test_a_longer_agreed_period_is_used():
    assert rules.tenant_end_date(D(2026, 11, 22), notice_period_months=6).end_date == D(2027, 5, 31)


def test_fixed_term_tenant_may_always_use_three_months_and_the_term_may_end_first():
    # 12:5: a six-month agreed period does not bind the tenant of a fixed-term lease.
    assert rules.tenant_end_date(D(2026, 11, 22), notice_period_months=6,
                                 contract_end=D(2028, 1, 31)).end_date == D(2027, 2, 28)
    assert rules.tenant_end_date(D(2026, 11, 22), contract_end=D(2026, 12, 31)).end_date == D(2026, 12, 31)


@pytest.mark.parametrize(("death", "notice", "end"), [
    (D(2026, 11, 10), D(2026, 11, 22), D(2026, 12, 31)),  # within a month of the death: one month
    (D(2026, 10, 31), D(2026, 11, 30), D(2026, 12, 31)),  # the last day of the window
    (D(2026, 10, 30), D(2026, 12, 1), D(2027, 3, 31)),    # too late: the tenant's three months
    (D(2027, 12, 31), D(2028, 1, 29), D(2028, 2, 29)),    # leap year
])
def test_estate_table(death, notice, end):
    assert rules.estate_end_date(notice, death).end_date == end
    assert rules.end_date(given_by=rules.ESTATE, notice_on=notice, deceased_on=death).end_date == end


def test_district_decision_uses_its_date_or_at_least_three_months():
    assert rules.end_date(given_by=rules.DISTRICT, notice_on=D(2026, 11, 22),
                          requested_end=D(2026, 12, 15)).end_date == D(2026, 12, 15)
    assert rules.end_date(given_by=rules.DISTRICT, notice_on=D(2026, 11, 22),
                          notice_period_months=1).end_date == D(2027, 2, 28)


def test_a_later_requested_end_is_kept_an_earlier_one_is_not():
    later = rules.end_date(given_by=rules.TENANT, notice_on=D(2026, 11, 22), requested_end=D(2027, 6, 30))
    assert later.end_date == D(2027, 6, 30)
    earlier = rules.end_date(given_by=rules.TENANT, notice_on=D(2026, 11, 22),
                             requested_end=D(2026, 12, 31))
    assert earlier.end_date == D(2027, 2, 28)


@pytest.mark.parametrize(("end", "move_out"), [
    (D(2027, 2, 28), D(2027, 3, 1)),    # a Monday
    (D(2026, 12, 31), D(2027, 1, 4)),   # New Year's day is a Friday: the next Monday
    (D(2027, 4, 30), D(2027, 5, 3)),    # 1 May is a Saturday
    (D(2027, 1, 5), D(2027, 1, 7)),     # trettondedag jul (Wednesday 6 Jan) is a holiday
    (D(2026, 6, 18), D(2026, 6, 22)),   # midsummer eve (Friday 19 June)
    (D(2026, 12, 23), D(2026, 12, 28)), # Christmas eve, Christmas day, Boxing day, Sunday
    (D(2026, 4, 2), D(2026, 4, 7)),     # Good Friday and Easter Monday
])
def test_move_out_day_table(end, move_out):
    assert rules.move_out_day(end) == move_out


@given(notice=dates, months=periods)
def test_property_tenant_end_is_a_month_end_at_least_the_period_after(notice, months):
    end = rules.tenant_end_date(notice, notice_period_months=months).end_date
    assert (end + dt.timedelta(days=1)).day == 1                       # a month end
    assert end >= rules.add_months(notice, months)                     # the whole period has run
    # and it is the first such month end: the one before is too early
    previous = end.replace(day=1) - dt.timedelta(days=1)
    assert previous < rules.add_months(notice, months)


@given(notice=dates)
def test_property_notices_in_the_same_month_end_the_same_day(notice):
    first = notice.replace(day=1)
    assert rules.tenant_end_date(notice).end_date == rules.tenant_end_date(first).end_date


@given(notice=dates, later=st.integers(min_value=0, max_value=400))
def test_property_a_later_notice_never_ends_earlier(notice, later):
    assert (rules.tenant_end_date(notice + dt.timedelta(days=later)).end_date
            >= rules.tenant_end_date(notice).end_date)


@given(death=dates, delay=st.integers(min_value=0, max_value=120))
def test_property_estate_ends_no_later_than_the_tenant_rule(death, delay):
    notice = death + dt.timedelta(days=delay)
    estate = rules.estate_end_date(notice, death).end_date
    assert (estate + dt.timedelta(days=1)).day == 1
    assert estate >= rules.add_months(notice, 1)
    assert estate <= rules.tenant_end_date(notice).end_date


@given(end=dates)
def test_property_move_out_is_the_next_working_day_after_the_end(end):
    day = rules.move_out_day(end)
    assert day > end and is_working_day(day)
    assert all(not is_working_day(end + dt.timedelta(days=n)) for n in range(1, (day - end).days))
