"""Staff move between a termination, its contract and the contract's final settlement in the admin:
each page links to the others (the settlement is invoicing's, linked through ``contracts.related``)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts import termination as services
from contracts.models import NoticeGiver, RentalContract, TerminationNotice
from invoicing import settlement
from tests.invoicing.factories import contract_with_rent

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Europe/Stockholm")), tick=False):
        yield


@pytest.fixture
def case(staff, officer, district):
    contract = contract_with_rent(rent=Decimal("5400.00"), organisation=district)
    termination = services.notice_register(
        actor=officer, contract=contract, source=TerminationNotice.Source.DISTRICT_FORM,
        given_by=NoticeGiver.TENANT, notice_received_on=dt.date(2026, 11, 2),
        file=SimpleUploadedFile("u.pdf", PDF, content_type="application/pdf"))
    return contract, termination


def _settled(staff, contract):
    RentalContract.objects.filter(pk=contract.pk).update(state=RentalContract.State.TERMINATED,
                                                         end_date=dt.date(2026, 11, 15))
    return settlement.final_settlement_propose(actor=staff, contract_id=contract.pk)


def test_the_termination_links_to_its_settlement_and_back(client, staff, case):
    contract, termination = case
    client.force_login(staff)
    termination_url = f"/admin/contracts/termination/{termination.pk}/change/"
    contract_url = f"/admin/contracts/rentalcontract/{contract.pk}/change/"
    page = client.get(termination_url).content.decode()
    assert 'data-link="final_settlement"' not in page  # no settlement yet

    proposal = _settled(staff, contract)
    settlement_url = f"/admin/invoicing/finalsettlement/{proposal.pk}/change/"
    page = client.get(termination_url).content.decode()
    assert f'href="{settlement_url}"' in page and 'data-link="final_settlement"' in page

    page = client.get(settlement_url).content.decode()
    assert f'href="{termination_url}"' in page and f'href="{contract_url}"' in page

    page = client.get(contract_url).content.decode()
    assert f'href="{termination_url}"' in page and f'href="{settlement_url}"' in page
    assert 'id="related-links"' in page


def test_a_contract_without_a_termination_shows_no_related_cases(client, staff, district):
    contract = contract_with_rent(organisation=district)
    client.force_login(staff)
    page = client.get(f"/admin/contracts/rentalcontract/{contract.pk}/change/").content.decode()
    assert 'id="related-links"' not in page
