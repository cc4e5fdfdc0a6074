"""The staff queues of terminations and rent reductions cost the same number of queries for 2 rows as
for 12 (the termination queue's own test only bounds 7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts import reduction, termination
from contracts.models import NoticeGiver, TerminationNotice
from tests.contracts.factories import active_contract
from tests.invoicing.factories import contract_with_rent
from tests.querycount import assert_constant

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Europe/Stockholm")), tick=False):
        yield


def test_the_termination_queue_costs_the_same_for_2_and_12(client, staff, officer, district):
    def make():
        termination.notice_register(
            actor=officer, contract=active_contract(organisation=district),
            source=TerminationNotice.Source.DISTRICT_FORM, given_by=NoticeGiver.TENANT,
            notice_received_on=dt.date(2026, 11, 20), file=SimpleUploadedFile("u.pdf", PDF))

    client.force_login(staff)
    assert_constant(client, "/admin/contracts/termination/", make)


def test_the_rent_reduction_queue_costs_the_same_for_2_and_12(client, staff, officer, district):
    def make():
        reduction.rent_reduction_submit(
            actor=officer, contract=contract_with_rent(rent=Decimal("5400.00"), organisation=district),
            first_month=dt.date(2026, 10, 1), last_month=dt.date(2026, 11, 1), amount=Decimal("1000.00"),
            decision_date=dt.date(2026, 11, 12), attester_name="Anna Attestant", lives_in_deciding_district=True)

    client.force_login(staff)
    assert_constant(client, "/admin/contracts/rentreduction/", make)
