"""The whole path of a termination through the real doors, in a real browser (issue #7).

The district officer gives notice on the portal's termination form (the district's decision, with the
scanned decision); staff confirm the termination in the admin; the daily job's service ends the
contract the day after its end date (the dates are set so that the end date is already past: no clock
is moved and nothing sleeps), which makes the vacancy contract and, through ``contract_terminated``,
the final settlement's proposal; staff open the settlement, see the proposed credit and confirm it;
the termination is settled and staff close it; staff prepare the next internal run and its items list the vacancy.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts import termination as termination_services
from contracts.models import RentalContract, Termination
from invoicing import periods
from invoicing import services as invoicing_services
from invoicing.models import CreditNote, FinalSettlement, Invoice, InvoiceKind, RunItem, RunKind
from tests.factories import PersonFactory
from tests.invoicing.factories import contract_with_rent, issue_rent_run

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.e2e




def _login_portal(page, username):
    page.goto("/forvaltning/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/forvaltning/$"))


def _login_admin(page, username):
    page.goto("/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(page.locator("#my-work")).to_be_visible()


def test_notice_confirmation_end_settlement_and_the_vacancy_in_the_next_internal_run(
        page, new_page, officer, staff, district):
    today = timezone.localdate()
    end = today - dt.timedelta(days=1)          # the district decided an end date that is now past
    notice_on = end - dt.timedelta(days=9)
    end_month, after = periods.period_of(end), periods.next_period(periods.period_of(end))
    customer = PersonFactory(affiliation=district, email="kund@example.invalid")
    contract = contract_with_rent(rent=Decimal("5400.00"), organisation=district, customer=customer,
                                  number="2025-900002", year=end.year)
    # The month of the end date and the month after were invoiced by the real rent runs.
    for period in (end_month, after):
        issue_rent_run(period=period, actor=staff)
    after_invoice = Invoice.objects.get(contract=contract, period=after, kind=InvoiceKind.RENT)

    # 1. The officer gives notice from the contract's page: the district's decision, with its scan.
    _login_portal(page, "officer")
    page.goto(f"/forvaltning/avtal/{contract.pk}/")
    page.locator("#give-notice-link").click()
    expect(page.locator("#termination-form")).to_be_visible()
    page.locator("#id_given_by_2").check()  # the district's decision (FOT)
    page.locator("#id_notice_received_on").fill(notice_on.isoformat())
    page.locator("#id_requested_end_date").fill(end.isoformat())
    page.locator("#id_attachment").set_input_files(
        {"name": "beslut.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.locator("#submit-termination").click()
    expect(page).to_have_url(re.compile(rf"/forvaltning/avtal/{contract.pk}/$"))
    expect(page.locator("#termination-end-date")).to_have_text(end.isoformat())
    termination = Termination.objects.get(contract=contract)
    assert termination.state == Termination.State.DOCUMENTS_MATCHED

    # 2. Staff confirm the termination in the admin.
    staff_page = new_page()
    _login_admin(staff_page, "staff")
    change_url = f"/admin/contracts/termination/{termination.pk}/change/"
    staff_page.goto(change_url)
    expect(staff_page.locator("#checklist")).to_be_visible()
    staff_page.locator(f'form[action="/admin/contracts/termination/{termination.pk}/confirm/"] '
                       "button[type=submit]").click()
    expect(staff_page.locator(".messagelist .success")).to_be_visible()
    contract.refresh_from_db()
    assert contract.state == RentalContract.State.NOTICE_GIVEN and contract.end_date == end

    # 3. The daily job (its service, today: the end date has passed) ends the contract; the event
    #    makes the settlement's proposal.
    assert termination_services.contracts_end_due(today=today) == {"terminated": 1, "vacancies": 1}
    contract.refresh_from_db()
    assert contract.state == RentalContract.State.TERMINATED
    vacancy = RentalContract.objects.get(kind=RentalContract.Kind.VACANCY,
                                         rental_object=contract.rental_object)
    proposal = FinalSettlement.objects.get(contract=contract)
    assert proposal.state == FinalSettlement.State.PROPOSED and proposal.credit_total > 0

    # 4. Staff open the settlement from "Mitt arbete", see the proposed credit and confirm it.
    staff_page.goto("/admin/")
    staff_page.locator('#my-work a[href="/admin/invoicing/finalsettlement/"]').click()
    settlement_url = f"/admin/invoicing/finalsettlement/{proposal.pk}/change/"
    staff_page.locator(f'a[href="{settlement_url}"]').first.click()
    credits = staff_page.locator("#settlement-credits")
    expect(credits).to_contain_text(str(after_invoice.number))
    expect(staff_page.locator("#settlement-problems")).to_have_count(0)
    staff_page.locator(f'a[href="/admin/invoicing/finalsettlement/{proposal.pk}/confirm/"]').click()
    staff_page.locator("main form button[type=submit], #content form [type=submit]").first.click()
    expect(staff_page.locator(".messagelist .success")).to_be_visible()
    expect(staff_page.locator(".messagelist .error")).to_have_count(0)
    settled = FinalSettlement.objects.get(pk=proposal.pk)
    assert settled.state == FinalSettlement.State.SETTLED
    credited = sum((n.amount for n in CreditNote.objects.filter(invoice__contract=contract)), Decimal(0))
    # The month after the end date was never paid: cancelled; the end month credited pro rata.
    assert credited == settled.credit_total
    assert Invoice.objects.get(pk=after_invoice.pk).state == Invoice.State.CANCELLED
    assert Termination.objects.get(pk=termination.pk).state == Termination.State.SETTLED

    # The termination is settled: staff tick the to-do for the next tenant and close it.
    staff_page.goto(change_url)
    for step in ("terms", "close"):
        staff_page.locator(f'form[action="/admin/contracts/termination/{termination.pk}/{step}/"] '
                           "button[type=submit]").click()
        expect(staff_page.locator(".messagelist .success")).to_be_visible()
    assert Termination.objects.get(pk=termination.pk).state == Termination.State.CLOSED

    # 5. The next internal run: staff prepare it and its items list the vacancy contract.
    run = invoicing_services.run_for(period=periods.next_period(periods.period_of(today)),
                                     kind=RunKind.INTERNAL)
    staff_page.goto(f"/admin/invoicing/invoicerun/{run.pk}/change/")
    staff_page.locator(f'form[action="/admin/invoicing/invoicerun/{run.pk}/prepare/"] '
                       "button[type=submit]").click()
    expect(staff_page.locator(".messagelist .success")).to_be_visible()
    staff_page.locator("#run-summary a").first.click()
    expect(staff_page.locator("#result_list")).to_contain_text(str(vacancy.number))
    expect(staff_page.locator("#result_list")).not_to_contain_text(str(contract.number))
    item = RunItem.objects.get(run=run, contract=vacancy)
    assert item.included and item.organisation_id == contract.rental_object.owner_id
