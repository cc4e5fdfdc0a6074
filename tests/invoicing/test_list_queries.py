"""The staff queue of final settlements costs the same number of queries for 2 rows as for 12 (the credit
notes, refund orders and the portal's refunds have their own tests)."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts.models import RentalContract
from invoicing.models import FinalSettlement
from tests.contracts.factories import active_contract
from tests.querycount import assert_constant

pytestmark = pytest.mark.django_db


def test_the_final_settlement_queue_costs_the_same_for_2_and_12(client, staff, district):
    def make():
        contract = active_contract(organisation=district)
        RentalContract.objects.filter(pk=contract.pk).update(state=RentalContract.State.TERMINATED,
                                                             end_date=dt.date(2026, 11, 15))
        FinalSettlement.objects.create(contract=contract, end_date=dt.date(2026, 11, 15),
                                       due_date=dt.date(2026, 11, 25))

    client.force_login(staff)
    assert_constant(client, "/admin/invoicing/finalsettlement/", make)
