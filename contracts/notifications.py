"""E-mails to district officers and customers about submissions and contracts.

Called after commit, with ids. Messages are Swedish; no personal identity numbers in the mail.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from .models import DeliveryChannel, RentalContract, Submission


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


# --- Terminations --------------------------------------------------------------------------------------


def termination_letter_recipients(termination) -> list[dict]:
    """Who receives the confirmation: the customer (unless deceased), the estate's contact on a
    death, and the customer's representatives who receive copies of notices.

    Each is ``{"name", "email", "address_lines", "role"}``; ``email`` is empty where the letter goes by
    post. A protected identity's address is never printed (``postal_address_lines`` is empty).
    """
    from django.utils import timezone

    contract = termination.contract
    customer = contract.customer
    recipients = []
    if termination.is_death:
        if termination.estate_contact_name or termination.estate_contact_email:
            recipients.append({
                "name": termination.estate_contact_name or _("The estate of %(name)s") % {
                    "name": customer.full_name},
                "email": termination.estate_contact_email,
                "address_lines": [line for line in [termination.estate_contact_address] if line],
                "role": _("The estate's contact"),
            })
    else:
        chose_email = contract.delivery_channel == DeliveryChannel.EMAIL and bool(customer.email)
        recipients.append({"name": customer.full_name, "email": customer.email if chose_email else "",
                           "address_lines": customer.postal_address_lines(), "role": _("Tenant")})
    today = timezone.localdate()
    for rep in (customer.representatives.valid_on(today).filter(receives_notices=True)
                .select_related("agent")):
        email = (rep.agent.email if rep.agent_id else "") or rep.contact_email
        address = rep.agent.postal_address_lines() if rep.agent_id else []
        recipients.append({"name": rep.display_name, "email": email, "address_lines": address,
                           "role": rep.get_kind_display()})
    return recipients


def termination_confirmation(termination, pdf: bytes, recipients: list[dict]) -> int:
    """E-mail the confirmation to every recipient with an address. Returns how many were sent."""
    contract = termination.contract
    sent = 0
    with override("sv"):
        for recipient in recipients:
            if not recipient["email"]:
                continue
            body = render_to_string("contracts/email/termination_confirmation.txt", {
                "termination": termination, "contract": contract, "recipient": recipient})
            message = EmailMessage(_("Confirmation of termination"), body, settings.DEFAULT_FROM_EMAIL,
                                   [recipient["email"]])
            message.attach(f"bekraftelse-uppsagning-{contract.number}.pdf", pdf, "application/pdf")
            message.send()
            sent += 1
    return sent


def termination_to_district(termination) -> int:
    """Tell the contract's administration (its officers and shared mailbox) the end date."""
    from hyresadmin import permissions
    from hyresadmin.models import User

    contract = termination.contract
    organisation = contract.organisation
    addresses = set(User.objects.filter(organisation=organisation, is_active=True,
                                        groups__name=permissions.DISTRICT_OFFICER)
                    .exclude(email="").values_list("email", flat=True))
    if organisation.shared_mailbox_email:
        addresses.add(organisation.shared_mailbox_email)
    if not addresses:
        return 0
    with override("sv"):
        body = render_to_string("contracts/email/termination_to_district.txt", {
            "termination": termination, "contract": contract,
            "url": _portal_url(f"/forvaltning/avtal/{contract.pk}/"),
        })
        send_mail(_("Contract %(number)s ends on %(date)s") % {
            "number": contract.number, "date": termination.end_date.isoformat()},
            body, settings.DEFAULT_FROM_EMAIL, sorted(addresses))
    return len(addresses)
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
