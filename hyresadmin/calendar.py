"""Swedish working days: the only place that knows what a working day (vardag/bankdag) is.

A working day is a Monday–Friday that is neither an allmän helgdag (lag 1989:253) nor midsommarafton,
julafton or nyårsafton, the days that lag (1930:173) om beräkning av lagstadgad tid and semesterlagen 7 §
treat like a Sunday. The holidays come from the ``holidays`` package (pinned, 0.109):
``holidays.Sweden(categories=(PUBLIC, DE_FACTO))`` is exactly the public holidays plus those three eves;
``include_sundays`` is off, so weekends are checked here. Påskafton and pingstafton are Saturdays anyway.

Every function is pure and works on ``datetime.date``; ``service_level_due`` alone takes a ``datetime``
and reads it in Europe/Stockholm time.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "SERVICE_LEVEL_CUTOFF",
    "STOCKHOLM",
    "add_working_days",
    "holidays_in_year",
    "is_working_day",
    "last_working_day_before",
    "next_working_day_after",
    "next_working_day_on_or_after",
    "nth_working_day",
    "service_level_due",
    "working_days_in_month",
]

STOCKHOLM = ZoneInfo("Europe/Stockholm")

#: A matter received on a working day at or before this local time (inclusive) counts that day as day 1.
SERVICE_LEVEL_CUTOFF = datetime.time(12, 0)

_ONE_DAY = datetime.timedelta(days=1)


def _check_date(d: object) -> None:
    # A datetime is a date subclass but never equals a date, so it would never match a holiday.
    if isinstance(d, datetime.datetime) or not isinstance(d, datetime.date):
        raise TypeError(f"expected a datetime.date, got {type(d).__name__}")


@lru_cache(maxsize=256)
def holidays_in_year(year: int) -> frozenset[datetime.date]:
    """The public holidays of ``year`` plus midsommarafton, julafton and nyårsafton (any weekday)."""
    return frozenset(holidays.Sweden(categories=(holidays.PUBLIC, holidays.DE_FACTO), years=year))


def is_working_day(d: datetime.date) -> bool:
    """True for Monday–Friday that is not a public holiday, midsommarafton, julafton or nyårsafton."""
    _check_date(d)
    return d.weekday() < 5 and d not in holidays_in_year(d.year)


def next_working_day_on_or_after(d: datetime.date) -> datetime.date:
    """``d`` if it is a working day, else the first working day after it."""
    _check_date(d)
    while not is_working_day(d):
        d += _ONE_DAY
    return d


def next_working_day_after(d: datetime.date) -> datetime.date:
    """The first working day strictly after ``d``."""
    _check_date(d)
    return next_working_day_on_or_after(d + _ONE_DAY)


def last_working_day_before(d: datetime.date) -> datetime.date:
    """The last working day strictly before ``d``.

    Rent due under jordabalken 12:20 (last vardag before the month begins) is
    ``last_working_day_before(date(year, month, 1))``.
    """
    _check_date(d)
    d -= _ONE_DAY
    while not is_working_day(d):
        d -= _ONE_DAY
    return d


def add_working_days(d: datetime.date, n: int) -> datetime.date:
    """Step ``n`` working days from ``d``.

    ``n == 0`` returns ``d`` unchanged (even if it is not a working day). ``n > 0`` returns the n-th working day
    strictly after ``d``; ``n < 0`` the |n|-th working day strictly before ``d``. The result of a non-zero
    ``n`` is always a working day.
    """
    _check_date(d)
    step = _ONE_DAY if n > 0 else -_ONE_DAY
    for _ in range(abs(n)):
        d += step
        while not is_working_day(d):
            d += step
    return d


def working_days_in_month(year: int, month: int) -> list[datetime.date]:
    """All working days of the month, in order."""
    d = datetime.date(year, month, 1)
    days = []
    while d.month == month:
        if is_working_day(d):
            days.append(d)
        d += _ONE_DAY
    return days


def nth_working_day(year: int, month: int, n: int) -> datetime.date:
    """The n-th working day of the month: ``n=1`` the first, ``n=2`` the second, ``n=-1`` the last,
    ``n=-2`` the second to last.

    Raises ``ValueError`` for ``n == 0`` or when the month has fewer than ``|n|`` working days.
    """
    if n == 0:
        raise ValueError("n must be non-zero: 1 is the first working day, -1 the last")
    days = working_days_in_month(year, month)
    if abs(n) > len(days):
        raise ValueError(f"{year}-{month:02d} has only {len(days)} working days, asked for n={n}")
    return days[n - 1] if n > 0 else days[n]


def service_level_due(received_at: datetime.datetime, working_days: int) -> datetime.date:
    """The last day on which a matter received at ``received_at`` is handled within ``working_days``.

    ``received_at`` is read in Europe/Stockholm time; a naive datetime is taken to be Stockholm local time.
    If it is a working day and the local time is at or before 12:00:00 (12:00:00 exactly is in time,
    12:00:00.000001 is not), that day is day 1; otherwise the next working day is day 1. The result is day
    ``working_days``. E.g. with 3 working days: Monday 10:00 → Wednesday, Monday 13:00 → Thursday,
    Saturday → Wednesday.

    Raises ``ValueError`` if ``working_days < 1``.
    """
    if not isinstance(received_at, datetime.datetime):
        raise TypeError(f"expected a datetime.datetime, got {type(received_at).__name__}")
    if working_days < 1:
        raise ValueError("working_days must be at least 1")
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        local = received_at.replace(tzinfo=STOCKHOLM)
    else:
        local = received_at.astimezone(STOCKHOLM)
    received_on = local.date()
    if is_working_day(received_on) and local.time() <= SERVICE_LEVEL_CUTOFF:
        first = received_on
    else:
        first = next_working_day_after(received_on)
    return add_working_days(first, working_days - 1)
