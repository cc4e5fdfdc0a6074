"""Sending a batch: the invoices are reminded, agreed fees invoiced on their own, PDFs stored and
e-mailed where the customer chose e-mail, the districts and representatives told per the code."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from django.core import mail

from debt_collection import reminders
from debt_collection.reminder_models import Reminder, ReminderBatch, ReminderNotice
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused
from invoicing.models import Invoice, InvoiceKind
from tests.factories import OrganisationFactory, PersonFactory, RepresentativeFactory, UserFactory

from .factories import policy, rent_invoices

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 14)  # a Monday, 14 days after the due date


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split())


def _proposed(staff, specs):
    invoices = rent_invoices(actor=staff, specs=specs)
    reminders.overdue_mark(actor="job", today=TODAY)
    batch = reminders.reminder_batch_propose(actor="job", today=TODAY)
    return invoices, batch


def _officer(district, email):
    from django.contrib.auth.models import Group

    user = UserFactory(organisation=district, email=email)
    user.groups.add(Group.objects.get(name="district_officer"))
    return user


def test_sending_reminds_invoices_charges_fees_stores_pdfs_and_emails_where_chosen(
        staff, district, django_capture_on_commit_callbacks):
    policy(reminder_fee=Decimal("60.00"), notify_officer=False)
    by_mail = PersonFactory(email="karin@example.invalid", affiliation=district)
    by_post = PersonFactory(email="lars@example.invalid", affiliation=district)
    (emailed, posted), batch = _proposed(staff, [
        {"organisation": district, "customer": by_mail, "delivery_channel": "email"},
        {"organisation": district, "customer": by_post, "delivery_channel": "post"}])
    batch = reminders.reminder_batch_approve(actor=staff, batch=batch)
    assert batch.approved_by == staff
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        batch = reminders.reminder_batch_send(actor=staff, batch=batch, today=TODAY)

    assert batch.state == ReminderBatch.State.SENT and batch.sent_by == staff
    new_due = reminders.reminder_due_date(TODAY)
    assert new_due == dt.date(2026, 12, 24) + dt.timedelta(days=4)  # 24 Dec + 10 days falls on a holiday → 28 Dec
    for invoice in (emailed, posted):
        invoice.refresh_from_db()
        assert invoice.state == Invoice.State.REMINDED
        assert AuditEvent.objects.filter(object_id=str(invoice.pk), to_state="reminded",
                                         actor=staff).exists()
        item = Reminder.objects.get(invoice=invoice)
        assert item.outcome == Reminder.Outcome.SENT and item.new_due_date == new_due
        # The fee is its own invoice, with its own OCR reference, due on the new date.
        fee = item.fee_invoice
        assert fee.kind == InvoiceKind.FEE and fee.total == Decimal("60.00") and fee.due_date == new_due
        assert fee.ocr_reference != invoice.ocr_reference and fee.customer_id == invoice.customer_id
        assert [line.description for line in fee.lines.all()] == [f"Påminnelseavgift, faktura {invoice.number}"]
        # The PDF is stored with its checksum and says what to pay, by when, with the original OCR.
        with item.pdf.open("rb") as handle:
            data = handle.read()
        assert hashlib.sha256(data).hexdigest() == item.pdf_sha256
        text = _pdf_text(data)
        assert "Betalningspåminnelse" in text and invoice.ocr_reference in text and fee.ocr_reference in text
        assert "28 december 2026" in text
    assert Reminder.objects.get(invoice=emailed).delivery == Reminder.Delivery.EMAIL
    assert Reminder.objects.get(invoice=emailed).delivered_at is not None
    assert Reminder.objects.get(invoice=posted).delivery == Reminder.Delivery.POST
    assert Reminder.objects.get(invoice=posted).delivered_at is None  # in the print file
    assert [m.to for m in mail.outbox] == [["karin@example.invalid"]]
    assert mail.outbox[0].attachments[0][0] == f"paminnelse-{emailed.number}.pdf"


def test_an_invoice_paid_after_the_proposal_is_skipped(staff, district, django_capture_on_commit_callbacks):
    policy()
    (invoice,), batch = _proposed(staff, [{"organisation": district}])
    batch = reminders.reminder_batch_approve(actor=staff, batch=batch)
    Invoice.objects.filter(pk=invoice.pk).update(state=Invoice.State.PAID, balance=0)

    with django_capture_on_commit_callbacks(execute=True):
        batch = reminders.reminder_batch_send(actor=staff, batch=batch, today=TODAY)

    assert batch.summary["skipped"] == 1 and batch.summary["sent"] == 0
    item = Reminder.objects.get(invoice=invoice)
    assert item.outcome == Reminder.Outcome.SKIPPED and not item.pdf and item.fee_invoice is None
    assert Invoice.objects.get(pk=invoice.pk).state == Invoice.State.PAID


def test_a_batch_is_sent_only_once_and_only_after_approval(staff, district):
    policy()
    _, batch = _proposed(staff, [{"organisation": district}])
    with pytest.raises(TransitionRefused):
        reminders.reminder_batch_send(actor=staff, batch=batch, today=TODAY)
    batch = reminders.reminder_batch_approve(actor=staff, batch=batch)
    reminders.reminder_batch_send(actor=staff, batch=batch, today=TODAY)
    with pytest.raises(TransitionRefused):
        reminders.reminder_batch_send(actor=staff, batch=batch, today=TODAY)
    assert Invoice.objects.filter(kind="fee").count() == 1


def test_officers_get_one_mail_per_district_with_a_count_only(staff, district,
                                                              django_capture_on_commit_callbacks):
    policy(notify_officer=True)
    policy("K5", notify_officer=False)
    other = OrganisationFactory(code="NOR")
    _officer(district, "officer-sod@example.invalid")
    _officer(other, "officer-nor@example.invalid")
    _officer(district, "officer-sod2@example.invalid")
    people = [PersonFactory(affiliation=district, last_name="Hemlig") for _ in range(2)]
    _, batch = _proposed(staff, [{"organisation": district, "customer": people[0]},
                                 {"organisation": district, "customer": people[1]},
                                 {"organisation": other, "code": "K5"}])
    batch = reminders.reminder_batch_approve(actor=staff, batch=batch)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminder_batch_send(actor=staff, batch=batch, today=TODAY)

    officer_mails = [m for m in mail.outbox if m.subject == "Påminnelser om obetald hyra har skickats"]
    assert len(officer_mails) == 1  # the other district's code does not tell the officer
    message = officer_mails[0]
    assert sorted(message.to) == ["officer-sod2@example.invalid", "officer-sod@example.invalid"]
    assert "2 kunder" in message.body and "/forvaltning/" in message.body
    assert "Hemlig" not in message.body


def test_representatives_with_the_right_to_be_told_are_told(staff, district,
                                                            django_capture_on_commit_callbacks):
    policy(notify_representatives=True, notify_officer=False)
    customer = PersonFactory(affiliation=district)
    trustee = RepresentativeFactory(person=customer, agent=PersonFactory(email="godman@example.invalid"))
    secretary = RepresentativeFactory(person=customer, agent=None, contact_name="Socialsekreterare Ek",
                                      contact_email="", kind="social_secretary")
    RepresentativeFactory(person=customer, agent=PersonFactory(email="nej@example.invalid"),
                          receives_notices=False)
    RepresentativeFactory(person=customer, agent=PersonFactory(email="gammal@example.invalid"),
                          valid_to=dt.date(2025, 1, 1))
    _, batch = _proposed(staff, [{"organisation": district, "customer": customer}])
    batch = reminders.reminder_batch_approve(actor=staff, batch=batch)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminder_batch_send(actor=staff, batch=batch, today=TODAY)

    notices = {n.representative_id: n.channel for n in ReminderNotice.objects.all()}
    assert notices == {trustee.pk: ReminderNotice.Channel.EMAIL, secretary.pk: ReminderNotice.Channel.LETTER}
    told = [m for m in mail.outbox if m.to == ["godman@example.invalid"]]
    assert len(told) == 1 and customer.full_name in told[0].body
    assert not [m for m in mail.outbox if m.to in (["nej@example.invalid"], ["gammal@example.invalid"])]


def test_no_notices_when_the_code_does_not_say_so(staff, district, django_capture_on_commit_callbacks):
    policy(notify_representatives=False, notify_officer=False)
    customer = PersonFactory(affiliation=district, email="")
    RepresentativeFactory(person=customer, agent=PersonFactory(email="godman@example.invalid"))
    _officer(district, "officer-sod@example.invalid")
    _, batch = _proposed(staff, [{"organisation": district, "customer": customer}])
    batch = reminders.reminder_batch_approve(actor=staff, batch=batch)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminder_batch_send(actor=staff, batch=batch, today=TODAY)

    assert not ReminderNotice.objects.exists()
    assert mail.outbox == []


def test_delivery_runs_again_without_doing_anything_twice(staff, district, django_capture_on_commit_callbacks):
    policy()
    customer = PersonFactory(affiliation=district, email="karin@example.invalid")
    _, batch = _proposed(staff, [{"organisation": district, "customer": customer, "delivery_channel": "email"}])
    batch = reminders.reminder_batch_approve(actor=staff, batch=batch)
    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminder_batch_send(actor=staff, batch=batch, today=TODAY)
    sha = Reminder.objects.get().pdf_sha256
    sent = len(mail.outbox)

    reminders.reminders_deliver(batch_id=batch.pk)

    assert Reminder.objects.get().pdf_sha256 == sha and len(mail.outbox) == sent


def test_the_print_file_holds_the_posted_reminders_and_the_letters(client, staff, district,
                                                                   django_capture_on_commit_callbacks):
    import zipfile

    policy(notify_representatives=True, notify_officer=False)
    posted = PersonFactory(affiliation=district)
    emailed = PersonFactory(affiliation=district, email="karin@example.invalid")
    RepresentativeFactory(person=posted, agent=PersonFactory(email="", street_address="Storgatan 1",
                                                             first_name="Gun", last_name="Man"))
    (by_post, _by_mail), batch = _proposed(staff, [
        {"organisation": district, "customer": posted},
        {"organisation": district, "customer": emailed, "delivery_channel": "email"}])
    batch = reminders.reminder_batch_approve(actor=staff, batch=batch)
    client.force_login(staff)
    url = f"/admin/debt_collection/reminderbatch/{batch.pk}/print-file/"
    assert client.get(url, follow=True).status_code == 200  # not sent yet: refused, nothing written
    assert not AuditEvent.objects.filter(event_type="export").exists()
    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminder_batch_send(actor=staff, batch=batch, today=TODAY)

    response = client.get(url)

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["foretradare.csv", f"paminnelse-{by_post.number}.pdf"]
    letters = archive.read("foretradare.csv").decode()
    assert "Gun Man" in letters and "Storgatan 1" in letters and posted.full_name in letters
    assert Reminder.objects.get(invoice=by_post).delivered_at is not None
    assert AuditEvent.objects.filter(event_type="export", object_id=str(batch.pk)).exists()
