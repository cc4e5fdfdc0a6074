"""Months, due dates and pro rata: the arithmetic of invoicing periods.

A period is a month, held as its first day. Rent is paid in advance: due on the last working day
before the month it is for (JB 12:20, FACTS.md §6). Part months are charged by calendar days.
"""

from __future__ import annotations

import calendar as std_calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hyresadmin.calendar import last_working_day_before, next_working_day_on_or_after

CENT = Decimal("0.01")


def period_of(day: date) -> date:
    return date(day.year, day.month, 1)


def next_period(period: date) -> date:
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


def previous_period(period: date) -> date:
    return date(period.year - (period.month == 1), (period.month - 2) % 12 + 1, 1)


def period_end(period: date) -> date:
    return date(period.year, period.month, std_calendar.monthrange(period.year, period.month)[1])


def days_in(period: date) -> int:
    return std_calendar.monthrange(period.year, period.month)[1]


def parse_period(text: str) -> date:
    """``"2026-11"`` → ``date(2026, 11, 1)``; ValueError otherwise."""
    year, _, month = text.strip().partition("-")
    period = date(int(year), int(month), 1)
    return period


def due_date(period: date) -> date:
    """The last working day before the month the rent is for."""
    return last_working_day_before(period)


def payment_due(period: date, issue_date: date) -> date:
    """The due date of an invoice for ``period`` issued on ``issue_date``.

    Rent is due on the last working day before its month. An invoice issued on or after that day (a
    first invoice for a month already begun) is due ``MIN_PAYMENT_DAYS`` after it was issued, on a
    working day — never due before the customer could have seen it.
    """
    from django.conf import settings

    rule = due_date(period)
    if rule > issue_date:
        return rule
    return next_working_day_on_or_after(issue_date + timedelta(days=settings.MIN_PAYMENT_DAYS))


def active_days(period: date, start: date, end: date | None) -> int:
    """How many days of ``period`` fall within [start, end] (end None = open-ended)."""
    first = max(period, start)
    last = min(period_end(period), end) if end else period_end(period)
    return max((last - first).days + 1, 0)


def pro_rata(amount: Decimal, days: int, period: date) -> Decimal:
    """``amount`` for ``days`` of the month, to the öre, half up. A whole month is the amount itself."""
    total = days_in(period)
    if days >= total:
        return amount
    return (amount * days / total).quantize(CENT, rounding=ROUND_HALF_UP)


def months_between(first: date, last: date) -> list[date]:
    """Every period from ``first``'s month to ``last``'s month, inclusive."""
    out, p = [], period_of(first)
    while p <= period_of(last):
        out.append(p)
        p = next_period(p)
    return out


__all__ = ["CENT", "active_days", "days_in", "due_date", "months_between", "next_period", "parse_period",
           "period_end", "period_of", "previous_period", "pro_rata"]
