"""The district portal's refunds at ``/forvaltning/aterbetalningar/``: the officer sees the refunds
beyond delegation referred to their own administration, decides them (approve, or reject with a
note), and another administration's refund answers 404; the portal's start page links there."""

from decimal import Decimal

import pytest
from django.urls import reverse

from hyresadmin.models import AuditEvent
from invoicing import credits, payments
from invoicing.models import CustomerCredit, RefundOrder
from tests.invoicing.factories import issued_invoice

pytestmark = pytest.mark.django_db
D = Decimal
LIST = reverse("invoicing_portal:refund_list")


def _detail(order):
    return reverse("invoicing_portal:refund_detail", args=[order.pk])


def _referred_refund(staff, organisation, amount=Decimal("20000.00")):
    invoice = issued_invoice(actor=staff, organisation=organisation)
    credits.invoice_cancel(actor=staff, invoice=invoice, reason="Fel")
    CustomerCredit.objects.create(person=invoice.customer, kind=CustomerCredit.Kind.PREPAYMENT, amount=amount)
    return credits.refund_order_create(actor=staff, person=invoice.customer, payee_name="Dödsboet efter A",
                                       payee_account="6000 123456789", reason="Dödsfall")


@pytest.fixture
def order(staff, district, mailoutbox):
    return _referred_refund(staff, district)


def test_the_referred_refund_is_e_mailed_and_listed_for_the_district(client, staff, officer, district,
                                                                    mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = _referred_refund(staff, district)
    assert order.state == RefundOrder.State.REFERRED
    assert [m.to for m in mailoutbox] == [[officer.email]] and _detail(order) in mailoutbox[0].body
    client.force_login(officer)
    content = client.get(LIST).content.decode()
    assert _detail(order) in content and ("20000,00 kr" in content or "20000.00 kr" in content)
    home = client.get(reverse("portal:home")).content.decode()
    assert LIST in home


def test_the_officer_approves_and_staff_may_then_approve_the_payment(client, officer, order):
    client.force_login(officer)
    page = client.get(_detail(order)).content.decode()
    assert 'id="decision-form"' in page and "Dödsboet efter A" in page

    response = client.post(_detail(order), {"decision": "approve", "note": ""})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == RefundOrder.State.DISTRICT_APPROVED and order.district_decided_by == officer
    assert 'id="decision-form"' not in client.get(_detail(order)).content.decode()
    assert AuditEvent.objects.filter(to_state=RefundOrder.State.DISTRICT_APPROVED, actor=officer).exists()


def test_a_rejection_needs_a_note_and_gives_the_money_back(client, officer, order):
    client.force_login(officer)
    response = client.post(_detail(order), {"decision": "reject", "note": "  "})
    content = response.content.decode()
    assert response.status_code == 200 and 'id="error-summary"' in content and "motivering" in content
    order.refresh_from_db()
    assert order.state == RefundOrder.State.REFERRED

    client.post(_detail(order), {"decision": "reject", "note": "Det finns en skuld hos förvaltningen"})
    order.refresh_from_db()
    assert order.state == RefundOrder.State.REJECTED and order.district_note.startswith("Det finns")
    assert payments.credit_balance(person_id=order.person_id) == D("20000.00")


def test_another_districts_refund_answers_404_and_is_not_listed(client, other_officer, order):
    client.force_login(other_officer)
    assert client.get(_detail(order)).status_code == 404
    assert client.post(_detail(order), {"decision": "approve"}).status_code == 404
    assert _detail(order) not in client.get(LIST).content.decode()
    order.refresh_from_db()
    assert order.state == RefundOrder.State.REFERRED


def test_a_refund_within_delegation_is_not_shown_to_the_district(client, staff, officer, district):
    small = _referred_refund(staff, district, amount=D("100.00"))
    assert small.state == RefundOrder.State.PROPOSED
    client.force_login(officer)
    assert client.get(_detail(small)).status_code == 404


def test_staff_and_citizens_are_not_let_in(client, staff, citizen, order):
    for user in (staff, citizen):
        client.force_login(user)
        assert client.get(LIST).status_code == 403
    client.logout()
    assert client.get(LIST).status_code == 302  # to the login page


def test_the_portal_list_is_a_constant_number_of_queries(client, staff, officer, district,
                                                         django_assert_max_num_queries):
    first = _referred_refund(staff, district)
    client.force_login(officer)
    with django_assert_max_num_queries(8):
        assert client.get(LIST).status_code == 200
    for _ in range(3):
        CustomerCredit.objects.create(person=first.person, kind=CustomerCredit.Kind.PREPAYMENT,
                                      amount=D("20000.00"))
        credits.refund_order_create(actor=staff, person=first.person, payee_name="B",
                                    payee_account="5050-1055", reason="x")
    with django_assert_max_num_queries(8):
        content = client.get(LIST).content.decode()
    assert content.count('<tr id="refund-') == 4
