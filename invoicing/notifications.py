"""E-mails of invoicing: a refund beyond delegation waits for the district's decision.

Sent after commit, with ids. Swedish; no personal identity numbers or amounts per person in the mail,
only a link to the district portal where the officer signs in.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from hyresadmin.permissions import officer_emails


def refund_referred(order) -> None:
    """Tell the deciding district's officers that a refund waits for their decision."""
    order_id, organisation_id = order.pk, order.organisation_id

    def send() -> None:
        recipients = officer_emails(organisation_id)
        if not recipients:
            return
        with override("sv"):
            body = render_to_string("invoicing/email/refund_referred.txt", {
                "url": settings.SITE_URL.rstrip("/") + f"/forvaltning/aterbetalningar/{order_id}/",
            })
            send_mail(_("A refund waits for your decision"), body, settings.DEFAULT_FROM_EMAIL, recipients)

    transaction.on_commit(send)
