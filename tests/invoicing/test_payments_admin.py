"""The staff side of payments in the admin: the BgMax upload (all or nothing), the payment files
(read-only), the unmatched queue (default filter, order, overdue marker, search), matching by hand to
an invoice or keeping as a prepayment (services in ``invoicing.payments``, audited), the credit
balances to follow up, "my work", query counts, and who may not reach any of it."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hyresadmin import queues
from hyresadmin.models import AuditEvent, ImportedFile
from invoicing import payments
from invoicing.models import Allocation, CustomerCredit, Invoice, Payment, PaymentFile
from tests.factories import PersonFactory
from tests.invoicing.factories import issued_invoice
from tests.invoicing.test_payments import bgmax, pay

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
FILES = "/admin/invoicing/paymentfile/"
UPLOAD = f"{FILES}upload/"
PAYMENTS = "/admin/invoicing/payment/"
CREDITS = f"{PAYMENTS}credit-balances/"
TODAY = dt.date(2026, 11, 23)  # a Monday


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=STOCKHOLM), tick=False):
        yield


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def invoice(staff):
    return issued_invoice(actor=staff)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _ids(response) -> list[int]:
    return [obj.pk for obj in response.context["cl"].result_list]


def _file() -> PaymentFile:
    return PaymentFile.objects.create(bankgiro="0050501055")


def _payment(file, *, amount="100.00", status=Payment.Status.UNMATCHED, due=TODAY, kind=Payment.Kind.PAYMENT,
             **kwargs) -> Payment:
    line = Payment.objects.count() + 1
    return Payment.objects.create(file=file, line=line, payment_date=TODAY, amount=Decimal(amount),
                                  status=status, due_date=due, kind=kind, **kwargs)


def _upload(client, data: bytes, name="bgmax.txt"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data)})


# --- Upload --------------------------------------------------------------------------------------------


def test_staff_upload_a_bgmax_file_and_see_the_counts(staff_client, invoice):
    response = staff_client.get(FILES)
    assert response.status_code == 200 and UPLOAD in response.content.decode()
    assert staff_client.get(UPLOAD).status_code == 200

    response = _upload(staff_client, pay((invoice.ocr_reference, invoice.total), ("12345", "250.00")))

    assert response.status_code == 302 and response["Location"] == FILES
    assert any("2" in m and "1" in m for m in _messages(response))
    file = PaymentFile.objects.get()
    assert file.payment_rows.count() == 2
    assert Invoice.objects.get(pk=invoice.pk).state == Invoice.State.PAID
    assert ImportedFile.objects.filter(kind="bgmax").count() == 1
    # The file's page is read-only and lists its payments.
    response = staff_client.get(f"{FILES}{file.pk}/change/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "12345" in content and 'name="_save"' not in content


def test_a_refused_upload_lists_every_bad_line_and_writes_nothing(staff_client, invoice):
    data = bgmax([("12345", "100.00", {})], [("12346", "200.00", {})], bankgiro="0001234567")

    response = _upload(staff_client, data)

    assert response.status_code == 200
    errors = response.context["refusal"].errors
    assert len(errors) == 2 and all(e.line for e in errors)
    content = response.content.decode()
    assert 'id="import-errors"' in content and content.count("<li>Line") + content.count("<li>Rad") == 2
    assert not PaymentFile.objects.exists() and not Payment.objects.exists()
    assert not ImportedFile.objects.exists()


def test_the_same_file_twice_is_refused_in_the_admin(staff_client, invoice):
    data = pay((invoice.ocr_reference, invoice.total))
    _upload(staff_client, data)
    response = _upload(staff_client, data)
    assert response.status_code == 200 and response.context["refusal"]
    assert PaymentFile.objects.count() == 1 and Payment.objects.count() == 1


# --- The queue -----------------------------------------------------------------------------------------


def test_the_queue_shows_unmatched_payments_by_due_date_and_marks_the_overdue(staff_client):
    file = _file()
    later = _payment(file, due=TODAY + dt.timedelta(days=5))
    overdue = _payment(file, due=TODAY - dt.timedelta(days=1))
    today = _payment(file, due=TODAY)
    matched = _payment(file, status=Payment.Status.MATCHED, due=None)
    credit = _payment(file, status=Payment.Status.CREDIT, due=None)

    response = staff_client.get(PAYMENTS)

    assert _ids(response) == [overdue.pk, today.pk, later.pk]
    assert response.content.decode().count('class="overdue"') == 1
    assert set(_ids(staff_client.get(PAYMENTS, {"status": "all"}))) == {
        later.pk, overdue.pk, today.pk, matched.pk, credit.pk}
    assert _ids(staff_client.get(PAYMENTS, {"status": "matched"})) == [matched.pk]
    assert _ids(staff_client.get(PAYMENTS, {"status": "nonsense"})) == []


def test_the_queue_is_searched_by_reference_payer_and_amount(staff_client):
    file = _file()
    by_ref = _payment(file, reference="ABC123")
    by_name = _payment(file, payer_name="Anna Svensson")
    by_amount = _payment(file, amount="1234.50")

    assert _ids(staff_client.get(PAYMENTS, {"q": "abc1"})) == [by_ref.pk]
    assert _ids(staff_client.get(PAYMENTS, {"q": "svensson"})) == [by_name.pk]
    assert _ids(staff_client.get(PAYMENTS, {"q": "1 234,50"})) == [by_amount.pk]
    assert _ids(staff_client.get(PAYMENTS, {"q": "1234.5"})) == [by_amount.pk]


def test_the_payment_page_shows_the_payer_and_the_actions(staff_client):
    payment = _payment(_file(), reference="99 88", payer_name="Anna Svensson", payer_address="Storgatan 1",
                       payer_postcode="11122", payer_town="Stockholm", note="No valid OCR reference.")

    response = staff_client.get(f"{PAYMENTS}{payment.pk}/change/")

    content = response.content.decode()
    for text in ("Anna Svensson", "Storgatan 1, 11122 Stockholm", "99 88", "100,00", "No valid OCR reference."):
        assert text in content
    assert f"{PAYMENTS}{payment.pk}/match/" in content and f"{PAYMENTS}{payment.pk}/to-credit/" in content
    assert f"{PAYMENTS}{payment.pk}/refund/" in content
    assert 'name="payee_name" value="Anna Svensson"' in content  # prefilled from the payer
    assert 'name="_save"' not in content


def test_a_handled_payment_has_no_action_buttons(staff_client):
    payment = _payment(_file(), status=Payment.Status.MATCHED, due=None)
    content = staff_client.get(f"{PAYMENTS}{payment.pk}/change/").content.decode()
    assert "/match/" not in content


# --- Matching by hand ------------------------------------------------------------------------------------


def test_match_by_hand_the_exact_amount_pays_the_invoice(staff_client, staff, invoice):
    payment = _payment(_file(), amount=str(invoice.total))

    response = staff_client.post(f"{PAYMENTS}{payment.pk}/match/", {"invoice": invoice.number})

    assert response.status_code == 302 and response["Location"] == PAYMENTS
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.MATCHED and payment.invoice == invoice
    assert payment.customer_id == invoice.customer_id and payment.due_date is None
    assert invoice.balance == 0 and invoice.state == Invoice.State.PAID
    assert Allocation.objects.get(payment=payment).amount == invoice.total
    event = AuditEvent.objects.get(object_id=str(payment.pk), content_type__model="payment")
    assert event.actor == staff and (event.from_state, event.to_state) == ("unmatched", "matched")
    assert event.changes["invoice"] == invoice.pk
    assert AuditEvent.objects.filter(content_type__model="invoice", object_id=str(invoice.pk),
                                     to_state=Invoice.State.PAID, actor=staff).exists()


def test_match_by_hand_less_leaves_a_balance(staff_client, invoice):
    payment = _payment(_file(), amount="1000.00")
    staff_client.post(f"{PAYMENTS}{payment.pk}/match/", {"invoice": invoice.ocr_reference})
    invoice.refresh_from_db()
    assert invoice.balance == invoice.total - Decimal("1000.00")
    assert invoice.state == Invoice.State.PARTLY_PAID


def test_match_by_hand_more_puts_the_surplus_on_the_credit_balance(staff, invoice):
    payment = _payment(_file(), amount=str(invoice.total + Decimal("600.00")))

    payments.payment_match_to_invoice(actor=staff, payment=payment, invoice=invoice)

    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID and invoice.balance == 0
    assert payments.credit_balance(person_id=invoice.customer_id) == Decimal("600.00")
    assert CustomerCredit.objects.get(payment=payment).kind == CustomerCredit.Kind.SURPLUS


def test_keep_as_prepayment(staff_client, staff):
    person = PersonFactory()
    payment = _payment(_file(), amount="750.00")

    response = staff_client.post(f"{PAYMENTS}{payment.pk}/to-credit/", {"person": person.personal_number})

    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CREDIT and payment.customer == person
    assert payments.credit_balance(person_id=person.pk) == Decimal("750.00")
    event = AuditEvent.objects.get(object_id=str(payment.pk), content_type__model="payment")
    assert event.actor == staff and (event.from_state, event.to_state) == ("unmatched", "credit")


def test_a_prepayment_is_offset_against_the_customers_open_invoice(staff, invoice):
    payment = _payment(_file(), amount="1000.00")
    payments.payment_to_credit(actor=staff, payment=payment, person=invoice.customer)
    invoice.refresh_from_db()
    assert invoice.balance == invoice.total - Decimal("1000.00")
    assert payments.credit_balance(person_id=invoice.customer_id) == 0


def test_a_handled_payment_is_refused_and_nothing_changes(staff_client, staff, invoice):
    payment = _payment(_file(), status=Payment.Status.CREDIT, due=None)
    events = AuditEvent.objects.count()

    response = staff_client.post(f"{PAYMENTS}{payment.pk}/match/", {"invoice": invoice.number})

    assert response["Location"] == f"{PAYMENTS}{payment.pk}/change/"
    assert _messages(response)
    invoice.refresh_from_db()
    assert invoice.balance == invoice.total and not Allocation.objects.exists()
    assert AuditEvent.objects.count() == events
    with pytest.raises(payments.PaymentRefused):
        payments.payment_to_credit(actor=staff, payment=payment, person=invoice.customer)
    assert not CustomerCredit.objects.exists()


def test_a_paid_invoice_or_a_deduction_is_refused(staff, invoice):
    paid = _payment(_file(), amount=str(invoice.total))
    payments.payment_match_to_invoice(actor=staff, payment=paid, invoice=invoice)
    second = _payment(paid.file, amount="10.00")
    with pytest.raises(payments.PaymentRefused):
        payments.payment_match_to_invoice(actor=staff, payment=second, invoice=invoice)
    deduction = _payment(paid.file, kind=Payment.Kind.DEDUCTION)
    with pytest.raises(payments.PaymentRefused):
        payments.payment_to_credit(actor=staff, payment=deduction, person=invoice.customer)
    second.refresh_from_db()
    deduction.refresh_from_db()
    assert second.status == deduction.status == Payment.Status.UNMATCHED


def test_an_unknown_invoice_or_person_is_refused_with_a_message(staff_client):
    payment = _payment(_file())
    response = staff_client.post(f"{PAYMENTS}{payment.pk}/match/", {"invoice": "9999999"})
    assert response["Location"].endswith("/change/") and _messages(response)
    response = staff_client.post(f"{PAYMENTS}{payment.pk}/to-credit/", {"person": "not a number"})
    assert response["Location"].endswith("/change/") and _messages(response)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.UNMATCHED


def test_the_actions_only_accept_post(staff_client, invoice):
    payment = _payment(_file())
    assert staff_client.get(f"{PAYMENTS}{payment.pk}/match/").status_code == 405


# --- Credit balances and my work -------------------------------------------------------------------------


def test_the_credit_balances_list(staff_client, staff):
    rich, nil = PersonFactory(), PersonFactory()
    file = _file()
    for person, amount in ((rich, "500.00"), (nil, "200.00")):
        payments.payment_to_credit(actor=staff, payment=_payment(file, amount=amount), person=person)
    CustomerCredit.objects.create(person=nil, kind=CustomerCredit.Kind.OFFSET, amount=Decimal("-200.00"))

    response = staff_client.get(CREDITS)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["person_id"] for r in rows] == [rich.pk]
    assert rows[0]["balance"] == Decimal("500.00")
    assert f"/admin/hyresadmin/person/{rich.pk}/change/" in response.content.decode()
    assert CREDITS in staff_client.get(PAYMENTS).content.decode()


def test_the_credit_balances_are_one_query(staff):
    file = _file()
    for _ in range(5):
        payments.payment_to_credit(actor=staff, payment=_payment(file), person=PersonFactory())
    with CaptureQueriesContext(connection) as queries:
        rows = list(payments.credit_balances())
    assert len(rows) == 5 and len(queries) == 1


def test_the_queue_is_in_my_work(staff, officer):
    file = _file()
    _payment(file, due=TODAY - dt.timedelta(days=1))
    _payment(file, due=TODAY)
    _payment(file, status=Payment.Status.MATCHED, due=None)
    row = next(r for r in queues.my_work(staff) if r["queue"].key == "unmatched_payments")
    assert (row["open"], row["due_today"], row["overdue"]) == (2, 1, 1)
    assert row["url"] == PAYMENTS
    row = next(r for r in queues.my_work(officer) if r["queue"].key == "unmatched_payments")
    assert row["open"] == 0


# --- Performance ---------------------------------------------------------------------------------------------


def _count_queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_the_pages_run_a_constant_number_of_queries(staff_client, staff):
    file = _file()
    persons = []
    for _ in range(10):
        payment = _payment(file)
        person = PersonFactory()
        persons.append(person)
        payments.payment_to_credit(actor=staff, payment=payment, person=person)
        _payment(file)
    queue_10 = _count_queries(staff_client, PAYMENTS)
    all_10 = _count_queries(staff_client, PAYMENTS, status="all")
    credits_10 = _count_queries(staff_client, CREDITS)
    file_10 = _count_queries(staff_client, f"{FILES}{file.pk}/change/")
    for _ in range(90):
        payment = _payment(file)
        payments.payment_to_credit(actor=staff, payment=payment, person=PersonFactory())
        _payment(file)
    assert _count_queries(staff_client, PAYMENTS) == queue_10
    assert _count_queries(staff_client, PAYMENTS, status="all") == all_10
    assert _count_queries(staff_client, CREDITS) == credits_10
    assert _count_queries(staff_client, f"{FILES}{file.pk}/change/") == file_10


# --- Who may not ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "citizen"])
def test_officers_and_citizens_cannot_reach_the_payment_pages(client, request, who, invoice):
    client.force_login(request.getfixturevalue(who))
    payment = _payment(_file())
    for url in (FILES, UPLOAD, PAYMENTS, CREDITS, f"{PAYMENTS}{payment.pk}/change/"):
        assert client.get(url).status_code in (302, 403), url
    client.post(f"{PAYMENTS}{payment.pk}/match/", {"invoice": invoice.number})
    client.post(f"{PAYMENTS}{payment.pk}/to-credit/", {"person": invoice.customer.personal_number})
    client.post(UPLOAD, {"file": SimpleUploadedFile("b.txt", pay((invoice.ocr_reference, invoice.total)))})
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.UNMATCHED and invoice.balance == invoice.total
    assert PaymentFile.objects.count() == 1 and not CustomerCredit.objects.exists()


def test_staff_without_the_change_permission_cannot_act(client, staff, invoice):
    from django.contrib.auth.models import Permission

    staff.groups.clear()
    staff.user_permissions.add(Permission.objects.get(codename="view_payment"))
    client.force_login(staff)
    payment = _payment(_file())
    assert client.post(f"{PAYMENTS}{payment.pk}/match/", {"invoice": invoice.number}).status_code in (302, 403)
    assert client.get(UPLOAD).status_code in (302, 403)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.UNMATCHED


def test_the_admin_index_shows_the_queue(staff_client):
    _payment(_file())
    response = staff_client.get("/admin/")
    assert response.status_code == 200 and PAYMENTS in response.content.decode()
