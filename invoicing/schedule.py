"""On which days the invoicing jobs act (the calendar predicates of the daily beat entries).

Rent is paid in advance, so the rent run for period P (a month) is issued on the 2nd working day of
the month before P and is due on the last working day before P. It is prepared five working days
before its issue day, so staff have time to review the flags and approve. Accounting orders for
vacancies and internal contracts charge the current month, on its second-to-last working day.
"""

from __future__ import annotations

from datetime import date

from hyresadmin.calendar import add_working_days, nth_working_day

from .periods import next_period, period_of, previous_period

PREPARE_WORKING_DAYS_BEFORE = 5


def rent_issue_day(period: date) -> date:
    month = previous_period(period)
    return nth_working_day(month.year, month.month, 2)


def rent_prepare_day(period: date) -> date:
    return add_working_days(rent_issue_day(period), -PREPARE_WORKING_DAYS_BEFORE)


def internal_issue_day(period: date) -> date:
    return nth_working_day(period.year, period.month, -2)


def rent_periods_near(today: date) -> list[date]:
    """The rent periods whose prepare or issue day can fall on ``today``."""
    first = next_period(period_of(today))
    return [first, next_period(first)]
