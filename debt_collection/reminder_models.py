"""Reminders (betalningspåminnelser): a day's proposal reviewed by staff, then sent.

ReminderBatch (one proposal a working day, made by the daily job ``reminders.reminders_daily``)
  proposed → approved     a staff member reviewed the items and their flags (recorded as approver;
                          a second person is not required)
  approved → sent         every included invoice reminded, its fee invoiced, its PDF made and delivered
  proposed/approved → discarded   the proposal is not to be sent (its invoices may be proposed again)

A ``Reminder`` is one invoice of a batch: the fee to charge (0 where the contract has no agreed
reminder fee; at most 60 kr by law, a database constraint), the flags staff review (deceased customer,
protected identity), whether it is included, and once sent: the new due date, the fee invoice (its
own invoice with its own OCR reference), the PDF with its checksum and how it was delivered
(e-mail where the customer chose e-mail and has an address, else the print file). A
``ReminderNotice`` is a copy of the news to a representative (god man, förvaltare, …).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import transition

from hyresadmin.fields import MoneyField, StateField
from hyresadmin.models import Representative, StatefulModel
from invoicing.models import Invoice

from .code_models import MAX_REMINDER_FEE

__all__ = ["Reminder", "ReminderBatch", "ReminderNotice"]


class ReminderBatch(StatefulModel):
    """The reminders proposed on one day, reviewed and sent together."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("To review")
        APPROVED = "approved", _("Approved, to send")
        SENT = "sent", _("Sent")
        DISCARDED = "discarded", _("Discarded")

    OPEN_STATES = (State.PROPOSED, State.APPROVED)

    state = StateField(_("state"), choices=State.choices, default=State.PROPOSED)
    proposed_on = models.DateField(_("proposed on"))
    due_date = models.DateField(pgettext_lazy("reminder batch", "due date"), db_index=True,
                                help_text=_("Reminders are handled within 3 working days."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sent by"),
                                on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        ordering = ["-proposed_on", "-id"]
        verbose_name = _("reminder batch")
        verbose_name_plural = _("reminder batches")
        constraints = [
            models.CheckConstraint(condition=~Q(state="approved") | Q(approved_at__isnull=False),
                                   name="reminder_batch_approved_has_time"),
        ]

    def __str__(self) -> str:
        return f"{_('Reminders')} {self.proposed_on:%Y-%m-%d}"

    @transition(field=state, source=State.PROPOSED, target=State.APPROVED)
    def approve(self, approver=None):
        from django.utils import timezone

        self.approved_by = approver
        self.approved_at = timezone.now()

    @transition(field=state, source=State.APPROVED, target=State.SENT)
    def send(self, sender=None):
        from django.utils import timezone

        self.sent_by = sender
        self.sent_at = timezone.now()

    @transition(field=state, source=[State.PROPOSED, State.APPROVED], target=State.DISCARDED)
    def discard(self):
        pass


def _reminder_pdf_path(instance, filename):
    return f"reminders/{instance.batch.proposed_on:%Y-%m}/{filename}"


class Reminder(models.Model):
    """One invoice in a batch of reminders."""

    class Flag(models.TextChoices):
        DECEASED = "deceased", _("The customer is deceased")
        PROTECTED_IDENTITY = "protected_identity", _("Protected identity: delivery handled apart")
        NO_CUSTOMER = "no_customer", _("No customer on the invoice")
        NO_FEE_AGREED = "no_fee_agreed", _("No reminder fee agreed: no fee")

    class Delivery(models.TextChoices):
        POST = "post", _("Post (print file)")
        EMAIL = "email", _("E-mail")

    class Outcome(models.TextChoices):
        PENDING = "", _("Not sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not sent: paid or changed meanwhile")
        LEFT_OUT = "left_out", _("Left out by staff")

    batch = models.ForeignKey(ReminderBatch, verbose_name=_("reminder batch"), on_delete=models.CASCADE,
                              related_name="reminders")
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT,
                                related_name="reminders")
    amount_due = MoneyField(_("left to pay"), help_text=_("The invoice's balance when it was proposed."))
    fee = MoneyField(_("reminder fee"), default=Decimal("0.00"),
                     help_text=_("Charged as its own invoice; 0 when no fee was agreed. At most 60 kr."))
    flags = models.JSONField(_("flags"), default=list, blank=True)
    included = models.BooleanField(_("to be sent"), default=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True,
                               default=Outcome.PENDING)
    new_due_date = models.DateField(_("new due date"), null=True, blank=True)
    fee_invoice = models.ForeignKey(Invoice, verbose_name=_("fee invoice"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    delivery = models.CharField(_("delivered by"), max_length=10, choices=Delivery.choices,
                                default=Delivery.POST)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=_reminder_pdf_path, blank=True)
    pdf_sha256 = models.CharField(_("PDF checksum (SHA-256)"), max_length=64, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True,
                                        help_text=_("E-mailed, or put in the print file."))

    class Meta:
        ordering = ["batch", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["batch", "invoice"], name="one_reminder_per_invoice_and_batch"),
            models.UniqueConstraint(fields=["invoice"], condition=Q(outcome="sent"),
                                    name="one_sent_reminder_per_invoice"),
            models.CheckConstraint(condition=Q(fee__gte=0, fee__lte=MAX_REMINDER_FEE),
                                   name="reminder_fee_charged_within_law"),
        ]
        indexes = [models.Index(fields=["invoice", "outcome"])]

    def __str__(self) -> str:
        return f"{self.batch} · {self.invoice_id}"

    def flag_labels(self) -> list[str]:
        labels = dict(self.Flag.choices)
        return [str(labels.get(f, f)) for f in self.flags]


class ReminderNotice(models.Model):
    """A representative told of a sent reminder (by e-mail, or by letter in the print file)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        LETTER = "letter", _("Letter (print file)")

    reminder = models.ForeignKey(Reminder, verbose_name=_("reminder"), on_delete=models.CASCADE,
                                 related_name="notices")
    representative = models.ForeignKey(Representative, verbose_name=_("representative"),
                                       on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("notice to a representative")
        verbose_name_plural = _("notices to representatives")
        constraints = [models.UniqueConstraint(fields=["reminder", "representative"],
                                               name="one_notice_per_reminder_and_representative")]

    def __str__(self) -> str:
        return f"{self.reminder_id} → {self.representative_id}"
