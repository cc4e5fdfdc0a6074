"""The staff queues of deferrals and payment plans in the admin: sorted by due date with overdue marked,
the checks before approval listed (a refusal names every failed check), the SF1015 registered by staff,
the decision buttons, and the queues on "Mitt arbete"."""

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail

from debt_collection import plans
from debt_collection.plan_models import Deferral, PaymentPlan
from invoicing.models import Invoice
from tests.debt_collection.plan_factories import TODAY, rent_invoice, rent_invoices
from tests.invoicing.factories import set_invoice_state

pytestmark = pytest.mark.django_db

DEFERRALS = "/admin/debt_collection/deferral/"
PLANS = "/admin/debt_collection/paymentplan/"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def invoice(staff, district):
    return rent_invoice(staff, organisation=district)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_queue_is_sorted_by_due_date_with_overdue_marked(staff_client, officer, staff, district):
    one, two = rent_invoices(staff, {"organisation": district}, {"organisation": district})
    late = plans.deferral_request(actor=officer, organisation=district, invoices=[one],
                                  new_due_date=dt.date(2026, 12, 15), reason="x")
    Deferral.objects.filter(pk=late.pk).update(due_date=dt.date(2026, 11, 10))
    fresh = plans.deferral_request(actor=officer, organisation=district, invoices=[two],
                                   new_due_date=dt.date(2026, 12, 15), reason="x")
    response = staff_client.get(DEFERRALS)
    assert [d.pk for d in response.context["cl"].result_list] == [late.pk, fresh.pk]
    assert 'class="overdue"' in response.content.decode()


def test_staff_register_an_sf1015_by_invoice_numbers(staff_client, invoice):
    response = staff_client.post(f"{PLANS}register/", {
        "invoices": f"{invoice.number}", "kind": "payment_plan", "instalment_count": 3,
        "first_due_date": "2026-12-15", "reason": "Telefonsamtal"}, follow=True)
    plan = PaymentPlan.objects.get()
    assert response.redirect_chain[-1][0] == f"{PLANS}{plan.pk}/change/"
    assert plan.state == PaymentPlan.State.REQUESTED and plan.organisation == invoice.organisation
    response = staff_client.post(f"{PLANS}register/", {"invoices": "12345", "kind": "deferral",
                                                        "new_due_date": "2026-12-15", "reason": "x"})
    assert response.status_code == 200 and not Deferral.objects.exists()


def test_the_page_lists_the_checks_and_approval_issues_the_instalments(staff_client, staff, invoice):
    invoice.customer.protected_identity = True
    invoice.customer.save()
    plan = plans.payment_plan_request(actor=staff, invoices=[invoice], instalment_count=2,
                                      first_due_date=dt.date(2026, 12, 15), reason="x")
    page = staff_client.get(f"{PLANS}{plan.pk}/change/").content.decode()
    for code in ("unpaid", "not_at_collection", "payment_method", "reminder_level", "protected_identity",
                 "delegation"):
        assert f'data-check="{code}"' in page
    assert 'class="warning" data-check="protected_identity"' in page
    staff_client.post(f"{PLANS}{plan.pk}/decide/")
    plan = PaymentPlan.objects.get()
    assert plan.state == PaymentPlan.State.ACTIVE
    page = staff_client.get(f"{PLANS}{plan.pk}/change/").content.decode()
    for instalment in plan.instalments.select_related("invoice"):
        assert instalment.invoice.ocr_reference in page


def test_approval_is_refused_at_collection_with_the_reasons(staff_client, staff, invoice):
    deferral = plans.deferral_request(actor=staff, invoices=[invoice], new_due_date=dt.date(2026, 12, 15),
                                      reason="x")
    set_invoice_state(invoice, Invoice.State.AT_COLLECTION)
    response = staff_client.post(f"{DEFERRALS}{deferral.pk}/decide/", follow=True)
    assert Deferral.objects.get().state == Deferral.State.REQUESTED
    assert any(str(invoice.number) in m for m in _messages(response))


def test_reject_and_refer_need_a_reason_and_referral_tells_the_district(
        staff_client, staff, officer, invoice, django_capture_on_commit_callbacks):
    deferral = plans.deferral_request(actor=staff, invoices=[invoice], new_due_date=dt.date(2026, 12, 15),
                                      reason="x")
    response = staff_client.post(f"{DEFERRALS}{deferral.pk}/refer/", {"reason": ""})
    assert response.status_code == 200 and Deferral.objects.get().state == Deferral.State.REQUESTED
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"{DEFERRALS}{deferral.pk}/refer/", {"reason": "Oklart"})
    assert Deferral.objects.get().state == Deferral.State.REFERRED
    assert [m.to for m in mail.outbox] == [[officer.email]]


def test_a_broken_plan_is_cancelled_from_its_page(staff_client, staff, officer, invoice,
                                                 django_capture_on_commit_callbacks):
    plan = plans.payment_plan_approve(actor=staff, plan=plans.payment_plan_request(
        actor=staff, invoices=[invoice], instalment_count=2, first_due_date=dt.date(2026, 12, 15), reason="x"))
    plans.payment_plans_follow_up(today=dt.date(2027, 1, 5))
    assert f"{plan.pk}/cancel/" in staff_client.get(f"{PLANS}{plan.pk}/change/").content.decode()
    assert [p.pk for p in staff_client.get(PLANS).context["cl"].result_list] == [plan.pk]  # open: broken too
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"{PLANS}{plan.pk}/cancel/", {"reason": "Ej följd"})
    assert PaymentPlan.objects.get().state == PaymentPlan.State.CANCELLED
    assert [m.to for m in mail.outbox] == [[officer.email]]


def test_requests_are_not_edited_or_deleted_in_the_admin(staff_client, staff, invoice):
    deferral = plans.deferral_request(actor=staff, invoices=[invoice], new_due_date=dt.date(2026, 12, 15),
                                      reason="x")
    staff_client.post(f"{DEFERRALS}{deferral.pk}/change/", {"reason": "ändrad"})
    assert Deferral.objects.get().reason == "x"
    assert staff_client.get(f"{DEFERRALS}{deferral.pk}/delete/").status_code == 403
    assert staff_client.get(f"{DEFERRALS}add/").status_code == 403


def test_the_queues_are_on_my_work(staff_client, staff, invoice):
    plans.deferral_request(actor=staff, invoices=[invoice], new_due_date=dt.date(2026, 12, 15), reason="x")
    rows = {r["queue"].key: r for r in staff_client.get("/admin/").context["my_work"]}
    assert rows["deferrals"]["open"] == 1 and rows["deferrals"]["due_today"] == 1
    assert rows["payment_plans"]["open"] == 0 and rows["broken_payment_plans"]["open"] == 0


def test_the_attachment_is_served_through_the_permission_check(staff_client, officer, invoice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    deferral = plans.deferral_request(
        actor=officer, organisation=officer.organisation, invoices=[invoice], new_due_date=dt.date(2026, 12, 15),
        reason="x", attachment=SimpleUploadedFile("intyg.pdf", b"%PDF-1.4 intyg", content_type="application/pdf"))
    page = staff_client.get(f"{DEFERRALS}{deferral.pk}/change/").content.decode()
    assert f"{DEFERRALS}{deferral.pk}/attachment/" in page and deferral.attachment.url not in page
    response = staff_client.get(f"{DEFERRALS}{deferral.pk}/attachment/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
