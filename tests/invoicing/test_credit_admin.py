"""The staff side of credits and refunds in the admin: "Kreditera" and "Makulera" on an invoice (with
the reasons a step would be refused shown before and after), the credit notes (inline and their own
read-only list), the refund queue (create, a second person's approval, refer, mark paid, cancel), the
third action of the unmatched queue ("Återbetala") and the credit-balance list's link to it."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from hyresadmin import audit, queues
from invoicing import credits, payments
from invoicing.models import CreditNote, CustomerCredit, Invoice, Payment, PaymentFile, RefundOrder
from tests.factories import UserFactory
from tests.invoicing.factories import issued_invoice, set_invoice_state

pytestmark = pytest.mark.django_db
D = Decimal
INVOICES = "/admin/invoicing/invoice/"
NOTES = "/admin/invoicing/creditnote/"
REFUNDS = "/admin/invoicing/refundorder/"
PAYMENTS = "/admin/invoicing/payment/"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def second_staff(staff):
    other = UserFactory(username="andra", is_staff=True)
    other.groups.set(staff.groups.all())
    return other


@pytest.fixture
def invoice(staff):
    return issued_invoice(actor=staff, rent=D("5400.00"))


def _credit(person, amount):
    CustomerCredit.objects.create(person=person, kind=CustomerCredit.Kind.PREPAYMENT, amount=amount)


# --- Kreditera and Makulera ------------------------------------------------------------------------------


def test_staff_credit_part_of_an_invoice_and_see_the_credit_note_on_it(staff_client, staff, invoice):
    page = staff_client.get(f"{INVOICES}{invoice.pk}/change/").content.decode()
    assert f"{INVOICES}{invoice.pk}/credit/" in page and f"{INVOICES}{invoice.pk}/cancel/" in page

    form = staff_client.get(f"{INVOICES}{invoice.pk}/credit/").content.decode()
    assert 'id="no-refusal"' in form and "400,00 kr" in form

    response = staff_client.post(f"{INVOICES}{invoice.pk}/credit/", {"amount": "400,00",
                                                                     "reason": "Fel tillägg"})
    assert response.status_code == 302
    note = CreditNote.objects.get()
    assert (note.amount, note.attested_by, fresh(invoice).balance) == (D("400.00"), staff, D("5000.00"))
    assert any(str(note.number) in m for m in _messages(response))
    page = staff_client.get(f"{INVOICES}{invoice.pk}/change/").content.decode()
    assert str(note.number) in page and "Fel tillägg" in page  # the read-only inline
    listing = staff_client.get(NOTES).content.decode()
    assert str(note.number) in listing and str(invoice.number) in listing
    assert 'name="_save"' not in staff_client.get(f"{NOTES}{note.pk}/change/").content.decode()
    assert staff_client.get(f"{NOTES}add/").status_code == 403


def test_a_credit_beyond_the_balance_is_refused_with_the_reason(staff_client, invoice):
    response = staff_client.post(f"{INVOICES}{invoice.pk}/credit/", {"amount": "5400,01", "reason": "x"},
                                 follow=True)
    assert "mer än" in " ".join(_messages(response))
    assert not CreditNote.objects.exists() and fresh(invoice).balance == D("5400.00")


def test_a_credit_needs_an_amount_and_a_reason(staff_client, invoice):
    response = staff_client.post(f"{INVOICES}{invoice.pk}/credit/", {"amount": "", "reason": ""})
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert not CreditNote.objects.exists()


def test_cancel_at_collection_is_refused_and_the_reason_shown(staff_client, invoice):
    invoice = set_invoice_state(invoice, Invoice.State.AT_COLLECTION)

    form = staff_client.get(f"{INVOICES}{invoice.pk}/cancel/").content.decode()
    assert 'id="refusal-reasons"' in form and "inkasso" in form

    response = staff_client.post(f"{INVOICES}{invoice.pk}/cancel/", {"reason": "Fel kund"}, follow=True)
    assert any("inkasso" in m for m in _messages(response))
    assert not CreditNote.objects.exists() and fresh(invoice).state == Invoice.State.AT_COLLECTION


def test_staff_cancel_an_unpaid_invoice(staff_client, invoice):
    response = staff_client.post(f"{INVOICES}{invoice.pk}/cancel/", {"reason": "Fel kund"})
    assert response.status_code == 302
    invoice = fresh(invoice)
    assert (invoice.state, invoice.balance) == (Invoice.State.CANCELLED, D("0.00"))
    assert CreditNote.objects.get().kind == CreditNote.Kind.CANCELLATION


def test_an_officer_or_citizen_reaches_none_of_it(client, officer, invoice):
    client.force_login(officer)
    assert client.post(f"{INVOICES}{invoice.pk}/credit/", {"amount": "1", "reason": "x"}).status_code in (302, 403)
    assert client.get(REFUNDS).status_code in (302, 403)
    assert not CreditNote.objects.exists()


# --- The refund queue --------------------------------------------------------------------------------------


def _refund_form(customer, **extra):
    return {**{"person": customer.formatted_personal_number, "payee_name": "Anna Andersson",
               "payee_account": "6000 123456789", "amount": "", "reason": "Utflyttning"}, **extra}


def test_staff_create_a_refund_and_a_second_person_approves_it(client, staff, second_staff, service_admin,
                                                               invoice):
    credits.invoice_cancel(actor=staff, invoice=invoice, reason="x")
    _credit(invoice.customer, D("1200.00"))
    client.force_login(staff)
    form = client.get(f"{REFUNDS}add/?person={invoice.customer_id}").content.decode()
    assert invoice.customer.full_name in form  # the payee is prefilled

    response = client.post(f"{REFUNDS}add/", _refund_form(invoice.customer))
    order = RefundOrder.objects.get()
    assert response.status_code == 302 and order.state == RefundOrder.State.PROPOSED
    assert (order.amount, order.requested_by) == (D("1200.00"), staff)

    response = client.post(f"{REFUNDS}{order.pk}/approve/", follow=True)
    assert any("andra person" in m for m in _messages(response))
    assert fresh(order).state == RefundOrder.State.PROPOSED

    client.force_login(second_staff)
    client.post(f"{REFUNDS}{order.pk}/approve/")
    assert fresh(order).state == RefundOrder.State.APPROVED
    client.force_login(service_admin)
    client.post(f"{REFUNDS}{order.pk}/mark-paid/")
    assert fresh(order).state == RefundOrder.State.PAID
    assert [e.to_state for e in audit.history_for(order) if e.to_state in ("approved", "paid")] != []
    assert {e.to_state for e in audit.history_for(order)} >= {"proposed", "approved", "paid"}
    history = client.get(f"{REFUNDS}{order.pk}/history/").content.decode()
    assert "approved" in history or "Godkänd" in history


def test_a_bad_refund_form_re_renders_with_the_errors(staff_client, invoice):
    response = staff_client.post(f"{REFUNDS}add/", _refund_form(invoice.customer, payee_account="abc",
                                                                person="19000101-0000"))
    content = response.content.decode()
    assert response.status_code == 200 and "errornote" in content
    assert not RefundOrder.objects.exists()


def test_a_refund_beyond_the_credit_balance_is_refused_on_the_form(staff_client, staff, invoice):
    credits.invoice_cancel(actor=staff, invoice=invoice, reason="x")
    _credit(invoice.customer, D("100.00"))
    response = staff_client.post(f"{REFUNDS}add/", _refund_form(invoice.customer, amount="200"))
    assert response.status_code == 200 and "tillgodohavandet" in response.content.decode()
    assert not RefundOrder.objects.exists()


def test_the_queue_lists_open_refunds_by_due_date_marks_overdue_and_is_in_my_work(staff_client, staff, invoice):
    credits.invoice_cancel(actor=staff, invoice=invoice, reason="x")
    _credit(invoice.customer, D("300.00"))
    first = credits.refund_order_create(actor=staff, person=invoice.customer, payee_name="A",
                                        payee_account="5050-1055", reason="x", amount=D("100.00"))
    second = credits.refund_order_create(actor=staff, person=invoice.customer, payee_name="B",
                                         payee_account="5050-1055", reason="x", amount=D("100.00"))
    done = credits.refund_order_create(actor=staff, person=invoice.customer, payee_name="C",
                                       payee_account="5050-1055", reason="x", amount=D("100.00"))
    credits.refund_order_cancel(actor=staff, order=done, reason="Fel")
    RefundOrder.objects.filter(pk=second.pk).update(due_date="2020-01-01")

    content = staff_client.get(REFUNDS).content.decode()
    assert content.index(f"{REFUNDS}{second.pk}/change/") < content.index(f"{REFUNDS}{first.pk}/change/")
    assert f"{REFUNDS}{done.pk}/change/" not in content  # open ones by default
    assert 'class="overdue"' in content
    row = next(r for r in queues.my_work(staff) if r["queue"].key == "refund_orders")
    assert (row["open"], row["overdue"]) == (2, 1)


def test_staff_refer_and_cancel_a_refund_and_the_money_comes_back(staff_client, staff, invoice, mailoutbox):
    credits.invoice_cancel(actor=staff, invoice=invoice, reason="x")
    _credit(invoice.customer, D("300.00"))
    order = credits.refund_order_create(actor=staff, person=invoice.customer, payee_name="A",
                                        payee_account="5050-1055", reason="x")
    staff_client.post(f"{REFUNDS}{order.pk}/refer/")
    assert fresh(order).state == RefundOrder.State.REFERRED
    assert staff_client.get(f"{REFUNDS}{order.pk}/cancel/").status_code == 200
    staff_client.post(f"{REFUNDS}{order.pk}/cancel/", {"reason": "Kunden ångrade sig"})
    assert fresh(order).state == RefundOrder.State.CANCELLED
    assert payments.credit_balance(person_id=invoice.customer_id) == D("300.00")


# --- The unmatched queue's refund and the credit balances ---------------------------------------------


def _unmatched(**kwargs):
    file = PaymentFile.objects.create(bankgiro="50501055")
    return Payment.objects.create(file=file, status=Payment.Status.UNMATCHED, line=1,
                                  payment_date="2026-11-23", amount=D("700.00"), payer_name="Okänd Betalare",
                                  **kwargs)


def test_staff_refund_an_unmatched_payment_to_the_payer(staff_client, staff, invoice):
    credits.invoice_cancel(actor=staff, invoice=invoice, reason="x")
    payment = _unmatched()
    response = staff_client.post(f"{PAYMENTS}{payment.pk}/refund/", {
        "person": invoice.customer.formatted_personal_number, "payee_name": "Okänd Betalare",
        "payee_account": "6000 123456789", "reason": "Betalade fel"})
    assert response.status_code == 302
    order = RefundOrder.objects.get()
    assert (order.amount, order.payment, order.payee_name) == (D("700.00"), payment, "Okänd Betalare")
    assert fresh(payment).status == Payment.Status.REFUNDED


def test_a_payment_refund_without_a_known_customer_is_refused(staff_client):
    payment = _unmatched()
    response = staff_client.post(f"{PAYMENTS}{payment.pk}/refund/", {
        "person": "", "payee_name": "Okänd", "payee_account": "6000 123456789", "reason": "x"}, follow=True)
    assert any("personnummer" in m for m in _messages(response))
    assert not RefundOrder.objects.exists() and fresh(payment).status == Payment.Status.UNMATCHED


def test_a_payment_refund_defaults_to_the_customer_the_reference_named(staff_client, staff, invoice):
    credits.invoice_cancel(actor=staff, invoice=invoice, reason="x")
    payment = _unmatched(customer=invoice.customer)
    staff_client.post(f"{PAYMENTS}{payment.pk}/refund/", {
        "person": "", "payee_name": "X", "payee_account": "6000 123456789", "reason": "x"})
    assert RefundOrder.objects.get().person == invoice.customer


def test_the_credit_balance_list_links_to_a_refund(staff_client, invoice):
    _credit(invoice.customer, D("100.00"))
    content = staff_client.get(f"{PAYMENTS}credit-balances/").content.decode()
    assert f"{REFUNDS}add/?person={invoice.customer_id}" in content


def test_the_demo_has_a_credited_invoice_and_a_refund_waiting_for_approval():
    from hyresadmin import demo

    demo.seed_demo(password="demo")
    # (besides the invoices the demo's payment plan replaced)
    assert CreditNote.objects.filter(kind=CreditNote.Kind.CREDIT, invoice__payment_plans__isnull=True).count() == 1
    order = RefundOrder.objects.get()
    assert order.state == RefundOrder.State.PROPOSED and order.amount == D("500.00")
    assert order.requested_by.username == "service"


def test_the_refund_queue_and_the_credit_notes_are_a_constant_number_of_queries(
        staff_client, staff, invoice, django_assert_max_num_queries):
    credits.invoice_cancel(actor=staff, invoice=invoice, reason="x")
    _credit(invoice.customer, D("1000.00"))
    for _ in range(5):
        credits.refund_order_create(actor=staff, person=invoice.customer, payee_name="A",
                                    payee_account="5050-1055", reason="x", amount=D("100.00"))
    with django_assert_max_num_queries(15):
        assert staff_client.get(REFUNDS).status_code == 200
    with django_assert_max_num_queries(15):
        assert staff_client.get(NOTES).status_code == 200


def test_only_a_service_admin_may_mark_a_single_refund_paid_out_with_the_payout_file_as_the_norm(
        client, staff, second_staff, service_admin, invoice):
    credits.invoice_cancel(actor=staff, invoice=invoice, reason="x")
    _credit(invoice.customer, D("1200.00"))
    order = credits.refund_order_create(actor=staff, person=invoice.customer, payee_name="Anna",
                                        payee_account="6000 123456789", reason="Dubbelbetalning")
    credits.refund_order_approve(actor=second_staff, order=order)
    client.force_login(second_staff)
    page = client.get(f"{REFUNDS}{order.pk}/change/").content.decode()
    assert f"{REFUNDS}{order.pk}/mark-paid/" not in page and 'id="mark-paid-note"' not in page
    assert client.post(f"{REFUNDS}{order.pk}/mark-paid/").status_code == 403
    assert fresh(order).state == RefundOrder.State.APPROVED

    client.force_login(service_admin)
    page = client.get(f"{REFUNDS}{order.pk}/change/").content.decode()
    assert f"{REFUNDS}{order.pk}/mark-paid/" in page
    assert 'id="mark-paid-note"' in page and "utbetalningsfil" in page
    client.post(f"{REFUNDS}{order.pk}/mark-paid/")
    assert fresh(order).state == RefundOrder.State.PAID
