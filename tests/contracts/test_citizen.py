"""The citizen's contract pages: their own and represented persons' contracts, nobody else's."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from contracts.models import ContractDocument
from hyresadmin.models import AuditEvent
from tests.contracts.factories import active_contract
from tests.factories import RepresentativeFactory

pytestmark = pytest.mark.django_db


def _with_pdf(contract):
    document = ContractDocument(contract=contract, kind=ContractDocument.Kind.CONTRACT, sha256="0" * 64)
    document.file.save("hyresavtal.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    return contract


def test_citizen_sees_own_and_represented_contracts_only(client, citizen, district):
    mine = active_contract(organisation=district, customer=citizen.person)
    represented = RepresentativeFactory(agent=citizen.person, may_see_invoices=False).person
    theirs = active_contract(organisation=district, customer=represented)
    other = active_contract(organisation=district)
    client.force_login(citizen)
    page = client.get(reverse("contracts_citizen:contract_list")).content.decode()
    assert mine.number in page and theirs.number in page and other.number not in page
    assert client.get(reverse("contracts_citizen:contract_detail", args=[other.pk])).status_code == 404
    detail = client.get(reverse("contracts_citizen:contract_detail", args=[mine.pk]))
    assert detail.status_code == 200
    assert str(mine.monthly_rent()).replace(".", ",") in detail.content.decode()  # Swedish decimal comma


def test_pdf_download_is_scoped_and_recorded(client, citizen, district):
    mine = _with_pdf(active_contract(organisation=district, customer=citizen.person))
    other = _with_pdf(active_contract(organisation=district))
    client.force_login(citizen)
    response = client.get(reverse("contracts_citizen:contract_pdf", args=[mine.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(event_type="export", object_id=str(mine.pk)).exists()
    assert client.get(reverse("contracts_citizen:contract_pdf", args=[other.pk])).status_code == 404
    assert not AuditEvent.objects.filter(event_type="export", object_id=str(other.pk)).exists()


def test_officers_and_anonymous_cannot_use_the_citizen_pages(client, officer, district):
    contract = active_contract(organisation=district)
    url = reverse("contracts_citizen:contract_detail", args=[contract.pk])
    assert client.get(url).status_code == 302
    client.force_login(officer)
    assert client.get(url).status_code == 403


def test_start_page_links_to_the_contracts(client, citizen):
    client.force_login(citizen)
    assert reverse("contracts_citizen:contract_list") in client.get(reverse("citizen:home")).content.decode()
