"""E-mails to district officers and customers about submissions and contracts.

Called after commit, with ids. Messages are Swedish; no personal identity numbers in the mail.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from .models import RentalContract, Submission


def _portal_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def submission_returned(submission_id: int) -> None:
    submission = Submission.objects.select_related("submitted_by").get(pk=submission_id)
    recipient = submission.submitted_by.email
    if not recipient:
        return
    with override("sv"):
        body = render_to_string("contracts/email/submission_returned.txt", {
            "submission": submission,
            "url": _portal_url(f"/forvaltning/underlag/{submission.pk}/"),
        })
        send_mail(_("Submission %(id)s needs completion") % {"id": submission.pk}, body,
                  settings.DEFAULT_FROM_EMAIL, [recipient])


def submission_completed(submission_id: int) -> None:
    submission = Submission.objects.select_related("submitted_by", "contract").get(pk=submission_id)
    recipient = submission.submitted_by.email
    if not recipient:
        return
    with override("sv"):
        body = render_to_string("contracts/email/submission_completed.txt", {
            "submission": submission,
            "contract": submission.contract,
            "url": _portal_url(f"/forvaltning/underlag/{submission.pk}/"),
        })
        send_mail(_("Submission %(id)s is done") % {"id": submission.pk}, body,
                  settings.DEFAULT_FROM_EMAIL, [recipient])


def contract_to_customer(contract: RentalContract, pdf: bytes) -> bool:
    """E-mail the contract to the customer. Returns False when there is no address to use."""
    customer = contract.customer
    if customer is None or not customer.email:
        return False
    with override("sv"):
        body = render_to_string("contracts/email/contract_to_customer.txt", {"contract": contract})
        message = EmailMessage(_("Your rental contract"), body, settings.DEFAULT_FROM_EMAIL,
                               [customer.email])
        message.attach(f"hyresavtal-{contract.number}.pdf", pdf, "application/pdf")
        message.send()
    return True


def rent_reduction_handled(reduction_id: int) -> None:
    """Tell the submitting officer that the rent reduction was registered (and on which invoice) or
    rejected (and why). Queued after commit."""
    from django.db import transaction

    def send() -> None:
        from .reduction_models import RentReduction

        reduction = RentReduction.objects.select_related("submitted_by").get(pk=reduction_id)
        recipient = reduction.submitted_by.email
        if not recipient:
            return
        with override("sv"):
            body = render_to_string("contracts/email/rent_reduction_handled.txt", {
                "reduction": reduction,
                "url": _portal_url(f"/forvaltning/avtal/{reduction.contract_id}/"),
            })
            subject = (_("The rent reduction is registered")
                       if reduction.state == reduction.State.REGISTERED else _("The rent reduction was rejected"))
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])

    transaction.on_commit(send)
