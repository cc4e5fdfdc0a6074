"""Helpers of the deferral and payment-plan tests: invoices issued by the real rent runs, in time.

Today is pinned (``today`` fixture) to Monday 16 November 2026, 10:00 in Stockholm; the December 2026
rent invoice is issued on 2 November and falls due on Monday 30 November.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from invoicing import periods
from invoicing.models import Invoice
from tests.invoicing.factories import contract_with_rent, issue_rent_run

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TODAY = dt.datetime(2026, 11, 16, 10, tzinfo=STOCKHOLM)
DEC = dt.date(2026, 12, 1)
DEC_DUE = dt.date(2026, 11, 30)


def issue_in_time(period, staff):
    before = periods.previous_period(period)
    with time_machine.travel(dt.datetime(before.year, before.month, 2, 12, tzinfo=STOCKHOLM), tick=False):
        return issue_rent_run(period=period, actor=staff)


def rent_invoice(staff, *, period=DEC, rent=Decimal("5400.00"), **contract_kwargs) -> Invoice:
    """An active contract and its rent invoice for ``period`` (issued on the 2nd of the month before)."""
    contract = contract_with_rent(rent=rent, **contract_kwargs)
    issue_in_time(period, staff)
    return Invoice.objects.get(contract=contract, period=period)


def rent_invoices(staff, *contract_kwargs, period=DEC, rent=Decimal("5400.00")) -> list[Invoice]:
    """Several contracts (one per dict of ``contract_kwargs``) and their rent invoices, in one run."""
    contracts = [contract_with_rent(rent=rent, **kwargs) for kwargs in contract_kwargs]
    issue_in_time(period, staff)
    return [Invoice.objects.get(contract=c, period=period) for c in contracts]
