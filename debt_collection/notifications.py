"""E-mails of the reminders: to the customer (the reminder PDF attached), to the district officers (a
count and a link, no names), to representatives with the right to be told.

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
        rep = notice.representative
        address = (rep.agent.email if rep.agent_id else "") or rep.contact_email
        if not address:
            continue
        with override("sv"):
            body = render_to_string("debt_collection/email/representative_told.txt", {
                "name": notice.reminder.invoice.customer.full_name, "url": _url("/mina-sidor/")})
            send_mail(_("A reminder of unpaid rent"), body, settings.DEFAULT_FROM_EMAIL, [address])
        sent += 1
    return sent
