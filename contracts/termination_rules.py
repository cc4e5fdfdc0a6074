"""When a terminated contract ends: the pure rules of jordabalken 12 kap. (FACTS.md §6).

No database, no clock: every function takes dates and returns dates, so the rules are tested over
thousands of dates (hypothesis) and over tables of month ends, leap years and holidays.

The rules
---------
* **Tenant (or a relative for the tenant), 12:4.** An indefinite lease ends "at the month-end that
  occurs first after three months from the notice, unless a longer notice period is agreed". The
  agreed period is the contract's ``notice_period_months`` (default 3). "Three months from the
  notice" ends on the same day-number three months later (lag 1930:173 1 §; the month's last day if
  it has no such day), and the first month-end after it is the last day of that month. So a notice
  given on any day of November with three months ends on the last day of February ("tre månader från
  nästa månadsskifte"): notice 2026-11-22 → 2027-02-28; 2027-11-30 → 2028-02-29.
* **Tenant on a fixed-term lease, 12:5.** The tenant of a dwelling may always give notice to the
  month-end first after three months, however long the agreed period; the lease ends at its own end
  date if that comes first.
* **The estate on the tenant's death, 12:5 2 st.** If the estate gives notice within one month of
  the death, the lease ends at the month-end first after **one** month from the notice; later, the
  tenant's rule applies. (Not yet in FACTS.md: taken from the text of 12:5 2 st as quoted by
  zacharias.se, "Uppsägning eller överlåtelse av hyresrätt vid dödsfall".)
* **The district's decision (FOT).** The contract ends on the date the district decided; without
  one, at the month-end after the contract's notice period, but never less than the statutory three
  months (12:4 binds the landlord side).
* A later end date asked for in the notice is kept (a tenant may leave later than the earliest date);
  an earlier one is not: the rule's date stands unless staff override it with a reason.
* **Move-out, 12:7.** The day after the end date, by 12:00; if that day is a Saturday, Sunday,
  public holiday, midsummer eve, Christmas eve or New Year's eve, the next working day.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from hyresadmin.calendar import next_working_day_on_or_after

#: The statutory notice period of a dwelling (12:4), and the estate's after a death (12:5 2 st).
STATUTORY_MONTHS = 3
ESTATE_MONTHS = 1
#: Within this many months of the death the estate's shorter notice applies (12:5 2 st).
ESTATE_WINDOW_MONTHS = 1

TENANT = "tenant"
RELATIVE = "relative"
DISTRICT = "district"
ESTATE = "estate"


@dataclass(frozen=True)
class EndDate:
    """The end date the rules give, and which rule gave it (a Swedish text for staff)."""

    end_date: dt.date
    rule: str


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _calendar.monthrange(year, month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day-number ``months`` later, or that month's last day (lag 1930:173 1 §)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def first_month_end_after(notice_on: dt.date, months: int) -> dt.date:
    """The month-end that occurs first after ``months`` months from ``notice_on``.

    The period ends on ``add_months(notice_on, months)``; the month-end that comes first after it is
    the last day of that month (the same day when the period ends on a month's last day).
    """
    if months < 0:
        raise ValueError("months must not be negative")
    expires = add_months(notice_on, months)
    return month_end(expires.year, expires.month)


def tenant_end_date(notice_on: dt.date, *, notice_period_months: int = STATUTORY_MONTHS,
                    contract_end: dt.date | None = None) -> EndDate:
    """A tenant's (or a relative's) notice: 12:4, or 12:5 for a fixed-term lease."""
    if contract_end is not None:
        months = min(notice_period_months, STATUTORY_MONTHS)
        end = first_month_end_after(notice_on, months)
        if contract_end < end:
            return EndDate(max(contract_end, notice_on), str(_("The fixed term ends first")))
        return EndDate(end, str(_("Fixed-term lease: the month-end first after %(n)s months from the "
                                  "notice (12:5)") % {"n": months}))
    end = first_month_end_after(notice_on, notice_period_months)
    return EndDate(end, str(_("The month-end first after %(n)s months from the notice (12:4)")
                            % {"n": notice_period_months}))


def estate_end_date(notice_on: dt.date, deceased_on: dt.date, *,
                    notice_period_months: int = STATUTORY_MONTHS,
                    contract_end: dt.date | None = None) -> EndDate:
    """The estate's notice after the tenant's death (12:5 2 st)."""
    if notice_on <= add_months(deceased_on, ESTATE_WINDOW_MONTHS):
        end = first_month_end_after(notice_on, ESTATE_MONTHS)
        if contract_end is not None and contract_end < end:
            return EndDate(max(contract_end, notice_on), str(_("The fixed term ends first")))
        return EndDate(end, str(_("The estate gave notice within one month of the death: the "
                                  "month-end first after one month (12:5 2 st)")))
    return tenant_end_date(notice_on, notice_period_months=notice_period_months,
                           contract_end=contract_end)


def district_end_date(notice_on: dt.date, *, decided_end: dt.date | None = None,
                      notice_period_months: int = STATUTORY_MONTHS,
                      contract_end: dt.date | None = None) -> EndDate:
    """The district's decision (FOT): its date, else the contract's period (at least three months)."""
    if decided_end is not None:
        return EndDate(decided_end, str(_("The end date the district decided")))
    months = max(notice_period_months, STATUTORY_MONTHS)
    end = first_month_end_after(notice_on, months)
    if contract_end is not None and contract_end < end:
        return EndDate(max(contract_end, notice_on), str(_("The fixed term ends first")))
    return EndDate(end, str(_("The month-end first after %(n)s months from the decision (12:4)")
                            % {"n": months}))


def end_date(*, given_by: str, notice_on: dt.date, notice_period_months: int = STATUTORY_MONTHS,
             contract_end: dt.date | None = None, deceased_on: dt.date | None = None,
             requested_end: dt.date | None = None) -> EndDate:
    """The end date for a notice given by ``given_by`` (tenant, relative, district or estate).

    A requested end date later than the rule's is kept; an earlier one is not (staff may override).
    """
    if given_by == DISTRICT:
        return district_end_date(notice_on, decided_end=requested_end,
                                 notice_period_months=notice_period_months, contract_end=contract_end)
    if given_by == ESTATE or deceased_on is not None:
        result = estate_end_date(notice_on, deceased_on or notice_on,
                                 notice_period_months=notice_period_months, contract_end=contract_end)
    else:
        result = tenant_end_date(notice_on, notice_period_months=notice_period_months,
                                 contract_end=contract_end)
    if requested_end is not None and requested_end > result.end_date:
        return EndDate(requested_end, str(_("The later end date asked for in the notice")))
    return result


def move_out_day(end: dt.date) -> dt.date:
    """The day the tenant must have moved out by 12:00 (12:7)."""
    return next_working_day_on_or_after(end + dt.timedelta(days=1))
