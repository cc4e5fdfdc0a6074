"""E-mails of unpaid-rent follow-up: the reminders (to the customer with the reminder PDF attached, to
the district officers a count and a link, no names, to representatives with the right to be told), the
handover to the collection agency (officers and representatives likewise), and a write-down request
waiting for the district's decision (only a link to the portal).

Called after commit, with ids. Swedish; no personal identity numbers or amounts in the mails to
officers and representatives.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from hyresadmin.permissions import officer_emails
from invoicing.documents import period_label

from .reminder_models import Reminder, ReminderNotice
from .reminders import representative_address, representatives_to_tell


def _url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def reminder_to_customer(reminder: Reminder, pdf: bytes) -> bool:
    """E-mail the reminder to the customer; False when there is no address to use."""
    customer = reminder.invoice.customer
    if customer is None or not customer.email:
        return False
    with override("sv"):
        body = render_to_string("debt_collection/email/reminder_to_customer.txt", {
            "period": period_label(reminder.invoice.period),
            "url": _url(f"/mina-sidor/fakturor/{reminder.invoice_id}/"),
        })
        message = EmailMessage(_("Payment reminder"), body, settings.DEFAULT_FROM_EMAIL, [customer.email])
        message.attach(f"paminnelse-{reminder.invoice.number}.pdf", pdf, "application/pdf")
        message.send()
    return True


def officers_reminded(per_district: dict[int, int]) -> int:
    """One e-mail per district: how many of its customers were reminded, and a link to the portal."""
    sent = 0
    for organisation_id, count in sorted(per_district.items()):
        recipients = officer_emails(organisation_id)
        if not recipients or not count:
            continue
        with override("sv"):
            body = render_to_string("debt_collection/email/officers_reminded.txt", {
                "count": count, "url": _url("/forvaltning/")})
            send_mail(_("Reminders of unpaid rent were sent"), body, settings.DEFAULT_FROM_EMAIL, recipients)
        sent += 1
    return sent


def representatives_told(batch_id: int) -> int:
    """E-mail each representative whose notice of the batch goes by e-mail (letters go in the print
    file)."""
    sent = 0
    notices = (ReminderNotice.objects.filter(reminder__batch_id=batch_id, channel=ReminderNotice.Channel.EMAIL)
               .select_related("representative__agent", "reminder__invoice__customer"))
    for notice in notices:
        address = representative_address(notice.representative)
        if not address:
            continue
        with override("sv"):
            body = render_to_string("debt_collection/email/representative_told.txt", {
                "name": notice.reminder.invoice.customer.full_name, "url": _url("/mina-sidor/")})
            send_mail(_("A reminder of unpaid rent"), body, settings.DEFAULT_FROM_EMAIL, [address])
        sent += 1
    return sent


def officers_handed_over(per_district: dict[int, int]) -> int:
    """One e-mail per district: how many of its customers' claims went to the collection agency, and a
    link to the portal's collection page."""
    sent = 0
    for organisation_id, count in sorted(per_district.items()):
        recipients = officer_emails(organisation_id)
        if not recipients or not count:
            continue
        with override("sv"):
            body = render_to_string("debt_collection/email/officers_handed_over.txt", {
                "count": count, "url": _url("/forvaltning/inkasso/")})
            send_mail(_("Unpaid rent was handed over to the collection agency"), body,
                      settings.DEFAULT_FROM_EMAIL, recipients)
        sent += 1
    return sent


def representatives_handed_over(customer_ids) -> int:
    """E-mail each representative with the right to be told (and an e-mail address) of a customer whose
    claim went to the collection agency."""
    from django.utils import timezone

    from hyresadmin.models import Person

    customer_ids = set(customer_ids)
    if not customer_ids:
        return 0
    names = {p.pk: p.full_name for p in Person.objects.filter(pk__in=customer_ids)}
    sent = 0
    for person_id, reps in sorted(representatives_to_tell(customer_ids, timezone.localdate()).items()):
        for rep in reps:
            address = representative_address(rep)
            if not address:
                continue
            with override("sv"):
                body = render_to_string("debt_collection/email/representative_handed_over.txt", {
                    "name": names.get(person_id, ""), "url": _url("/mina-sidor/")})
                send_mail(_("Unpaid rent was handed over to the collection agency"), body,
                          settings.DEFAULT_FROM_EMAIL, [address])
            sent += 1
    return sent


def officers_write_down_requested(organisation_id: int) -> int:
    """Tell the district's officers a write-down waits for their decision: only the portal link."""
    recipients = officer_emails(organisation_id)
    if not recipients:
        return 0
    with override("sv"):
        body = render_to_string("debt_collection/email/officers_write_down_requested.txt", {
            "url": _url("/forvaltning/avskrivningar/")})
        send_mail(_("A write-down waits for your decision"), body, settings.DEFAULT_FROM_EMAIL, recipients)
    return 1
