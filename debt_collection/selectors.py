"""Read queries of debt_collection that more than one door uses, scoped by what the user may see.

Reminders (``reminders_visible_to``): service staff see all; a district officer their own
administration's (by the invoice's organisation); a citizen none through the lists (the citizen's
invoice page shows the reminder of their own invoices through ``citizen_reminder_for_invoice``).
Reminder batches (``reminder_batches_visible_to``) are the staff's.
"""

from __future__ import annotations

from django.db.models import QuerySet

from hyresadmin import permissions

from .reminder_models import Reminder, ReminderBatch


def reminders_visible_to(user) -> QuerySet[Reminder]:
    qs = Reminder.objects.select_related("batch", "invoice", "fee_invoice")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user):
        return qs.filter(invoice__organisation_id=user.organisation_id)
    return qs.none()


def reminder_batches_visible_to(user) -> QuerySet[ReminderBatch]:
    if permissions.is_service_staff(user):
        return ReminderBatch.objects.select_related("approved_by", "sent_by")
    return ReminderBatch.objects.none()


def reminder_batches_to_review(user) -> QuerySet[ReminderBatch]:
    """The "my work" queue: batches proposed (to review and approve) or approved (to send), by due date."""
    return reminder_batches_visible_to(user).filter(state__in=ReminderBatch.OPEN_STATES).order_by("due_date", "id")


def sent_reminders_of_invoice(invoice_id: int) -> QuerySet[Reminder]:
    return (Reminder.objects.filter(invoice_id=invoice_id, outcome=Reminder.Outcome.SENT)
            .select_related("invoice").order_by("-sent_at"))


def citizen_reminder_for_invoice(user, invoice) -> Reminder | None:
    """The sent reminder of an invoice the citizen may see (their own or of whom they represent with
    the right to see invoices), or None."""
    if not permissions.is_citizen(user) or invoice.customer_id not in permissions.citizen_person_ids(user):
        return None
    return sent_reminders_of_invoice(invoice.pk).first()


def citizen_reminders(user) -> QuerySet[Reminder]:
    """Sent reminders of the invoices a citizen may see (for the reminder's PDF)."""
    if not permissions.is_citizen(user):
        return Reminder.objects.none()
    from invoicing.models import Invoice

    return (Reminder.objects.filter(outcome=Reminder.Outcome.SENT,
                                    invoice__customer_id__in=permissions.citizen_person_ids(user),
                                    invoice__document_type=Invoice.DocumentType.INVOICE)
            .select_related("batch", "invoice"))

