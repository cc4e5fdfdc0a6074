"""The service administration's delegation: what staff may decide alone, and what goes to the district.

One module for every limit (DOMAIN.md "Delegation of the service administration", seed 001
"Delegation"), so that the rules are read and tested in one place (tests/invoicing/test_delegation.py
walks each limit at, and one step past, its boundary). Within these limits service staff decide alone;
beyond them the district decides:

* deferral (anstånd) of rent: **one month**;
* deferral of the **first** month's rent for at most **two months** when the customer has double housing
  costs;
* a payment plan (avbetalningsplan) of at most **three months** after missed rent;
* refund of rent of at most **two months' rent** on moving out or death.

A month is a calendar month from the date counted from (``add_months``: 31 January + 1 month is
28 or 29 February). Pure functions; no database.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

DEFERRAL_MONTHS = 1
FIRST_RENT_DOUBLE_HOUSING_DEFERRAL_MONTHS = 2
PAYMENT_PLAN_MONTHS = 3
REFUND_MONTHS_OF_RENT = 2


@dataclass(frozen=True)
class Decision:
    """Whether staff may decide alone; ``reason`` says why not (Swedish, for the user)."""

    within: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.within


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, the day clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def deferral(*, due_date: dt.date, new_due_date: dt.date, first_rent: bool = False,
             double_housing: bool = False) -> Decision:
    """A deferral of an invoice due ``due_date`` to ``new_due_date``."""
    if new_due_date <= due_date:
        return Decision(False, _("The new due date must be after the invoice's due date."))
    months = (FIRST_RENT_DOUBLE_HOUSING_DEFERRAL_MONTHS if first_rent and double_housing
              else DEFERRAL_MONTHS)
    limit = add_months(due_date, months)
    if new_due_date <= limit:
        return Decision(True)
    if months == DEFERRAL_MONTHS:
        return Decision(False, _("A deferral of more than one month is decided by the district."))
    return Decision(False, _("A deferral of the first month's rent of more than two months is decided by "
                             "the district."))


def payment_plan(*, first_due: dt.date, last_due: dt.date) -> Decision:
    """A payment plan whose instalments fall due from ``first_due`` to ``last_due``: within delegation
    when they fall in at most three calendar months (e.g. December, January and February)."""
    if last_due < first_due:
        return Decision(False, _("The last instalment cannot fall due before the first."))
    if _months_spanned(first_due, last_due) <= PAYMENT_PLAN_MONTHS:
        return Decision(True)
    return Decision(False, _("A payment plan of more than three months is decided by the district."))


def _months_spanned(first: dt.date, last: dt.date) -> int:
    """Calendar months from ``first`` to ``last``, counted as instalment months (first's month is 1)."""
    return (last.year - first.year) * 12 + (last.month - first.month) + 1


def refund(*, amount: Decimal, monthly_rent: Decimal) -> Decision:
    """A refund of ``amount`` to a customer whose monthly rent is ``monthly_rent``."""
    if amount <= 0:
        return Decision(False, _("A refund must be more than zero."))
    limit = REFUND_MONTHS_OF_RENT * max(monthly_rent, Decimal("0"))
    if amount <= limit:
        return Decision(True)
    return Decision(False, _("A refund of more than two months' rent (%(limit)s kr) is decided by the "
                             "district.") % {"limit": f"{limit:.2f}".replace(".", ",")})
