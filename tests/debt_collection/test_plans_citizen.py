"""``/mina-sidor/avbetalningsplaner/``: a citizen sees their own deferrals and payment plans (and those
of whom they represent with the right to see invoices), each instalment with what to pay, by when and
the OCR reference; nobody else's. Linked from the citizen's start page."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from debt_collection import plans
from hyresadmin import navigation
from tests.debt_collection.plan_factories import TODAY, rent_invoices
from tests.factories import RepresentativeFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("plans_citizen:plan_list")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def test_the_citizen_sees_their_plan_with_ocr_references_and_not_others(client, citizen, staff, district):
    mine, theirs = rent_invoices(staff, {"organisation": district, "customer": citizen.person},
                                 {"organisation": district})
    plan = plans.payment_plan_approve(actor=staff, plan=plans.payment_plan_request(
        actor=staff, invoices=[mine], instalment_count=3, first_due_date=dt.date(2026, 12, 15), reason="x"))
    other = plans.deferral_request(actor=staff, invoices=[theirs], new_due_date=dt.date(2026, 12, 15),
                                   reason="x")
    client.force_login(citizen)
    page = client.get(PAGE).content.decode()
    for instalment in plan.instalments.select_related("invoice"):
        assert instalment.invoice.ocr_reference in page
    assert re.search(r"1\s?800,00 kr", page)  # what to pay per instalment
    assert f'id="deferral-{other.pk}"' not in page and theirs.ocr_reference not in page


def test_a_representative_with_the_right_to_see_invoices_sees_the_deferral(client, citizen, staff, district):
    [invoice] = rent_invoices(staff, {"organisation": district})
    RepresentativeFactory(person=invoice.customer, agent=citizen.person, may_see_invoices=True)
    deferral = plans.deferral_grant(actor=staff, deferral=plans.deferral_request(
        actor=staff, invoices=[invoice], new_due_date=dt.date(2026, 12, 15), reason="x"))
    client.force_login(citizen)
    page = client.get(PAGE).content.decode()
    assert f'id="deferral-{deferral.pk}"' in page and invoice.ocr_reference in page


def test_the_page_is_for_citizens_and_linked_from_their_start_page(client, officer):
    assert any(link.url_name == "plans_citizen:plan_list" for link in navigation.links(navigation.CITIZEN))
    assert client.get(PAGE).status_code == 302
    client.force_login(officer)
    assert client.get(PAGE).status_code == 403
