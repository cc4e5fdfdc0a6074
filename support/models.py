"""Support cases: a question from a citizen, a representative or a district, and its messages.

State machine (the edges and why they exist):

  new         → in_progress   staff take the case up
  in_progress → waiting       waiting on the district (forwarded) or on the customer
  waiting     → in_progress   the district or the customer answered
  in_progress → answered      staff answered the person who asked
  answered    → closed        nothing more to do
  answered/closed/waiting → in_progress   reopened: the person wrote again
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from contracts.models import RentalContract
from hyresadmin.fields import StateField
from hyresadmin.models import Organisation, Person, StatefulModel
from invoicing.models import Invoice


class SupportCase(StatefulModel):
    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        WEB = "web", _("Web form")
        LETTER = "letter", _("Letter")

    class Asker(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        REPRESENTATIVE = "representative", _("Representative")
        DISTRICT = "district", _("District officer")

    class Category(models.TextChoices):
        TERMINATION = "termination", _("Termination of a contract")
        CONTRACT = "contract", _("Other question about the contract")
        INVOICE = "invoice", _("Invoice question (OCR reference, paid or not, explanation)")
        INVOICE_MISSING = "invoice_missing", _("Missing invoice")
        INVOICE_DEFERRAL = "invoice_deferral", _("Deferral of an invoice")
        INVOICE_INSTALMENTS = "invoice_instalments", _("Paying in instalments")
        INVOICE_DISPUTED = "invoice_disputed", _("Disputed or wrong invoice")
        FEE = "fee", _("Preschool or after-school fee")

    class State(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    class WaitingOn(models.TextChoices):
        NOTHING = "", _("–")
        DISTRICT = "district", _("The district")
        CUSTOMER = "customer", _("The customer")

    OPEN_STATES = (State.NEW, State.IN_PROGRESS, State.WAITING)
    INVOICE_CATEGORIES = (Category.INVOICE, Category.INVOICE_MISSING, Category.INVOICE_DEFERRAL,
                          Category.INVOICE_INSTALMENTS, Category.INVOICE_DISPUTED)

    state = StateField(_("state"), choices=State.choices, default=State.NEW)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    asker = models.CharField(_("asked by"), max_length=16, choices=Asker.choices)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    subject = models.CharField(_("subject"), max_length=200)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, null=True,
                               blank=True, related_name="support_cases",
                               help_text=_("The customer or guardian the question is about."))
    organisation = models.ForeignKey(Organisation, verbose_name=_("district"), on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="support_cases")
    contract = models.ForeignKey(RentalContract, verbose_name=_("contract"), on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="support_cases")
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="support_cases")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opened by"),
                                  on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    due_date = models.DateField(_("answer due"), db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"),
                                 on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    waiting_on = models.CharField(_("waiting on"), max_length=10, choices=WaitingOn.choices, blank=True)
    proposed_solution = models.TextField(_("proposed solution"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "received_at"]
        verbose_name = _("support case")
        verbose_name_plural = _("support cases")
        indexes = [models.Index(fields=["state", "due_date"])]

    def __str__(self) -> str:
        return f"{self.pk}: {self.subject}"

    @property
    def is_overdue(self) -> bool:
        return self.state in self.OPEN_STATES and self.due_date < timezone.localdate()

    @transition(field=state, source=State.NEW, target=State.IN_PROGRESS)
    def start(self):
        pass

    @transition(field=state, source=[State.NEW, State.IN_PROGRESS], target=State.WAITING)
    def wait(self, waiting_on: str = ""):
        self.waiting_on = waiting_on

    @transition(field=state, source=State.WAITING, target=State.IN_PROGRESS)
    def resume(self):
        self.waiting_on = ""

    @transition(field=state, source=[State.NEW, State.IN_PROGRESS, State.WAITING], target=State.ANSWERED)
    def answer(self):
        self.waiting_on = ""

    @transition(field=state, source=[State.ANSWERED, State.IN_PROGRESS, State.NEW], target=State.CLOSED)
    def close(self):
        self.closed_at = timezone.now()

    @transition(field=state, source=[State.ANSWERED, State.CLOSED], target=State.IN_PROGRESS)
    def reopen(self):
        self.closed_at = None


class Message(models.Model):
    class Direction(models.TextChoices):
        IN = "in", _("From the person who asked")
        OUT = "out", _("Answer to the person who asked")
        TO_DISTRICT = "to_district", _("To the district")
        FROM_DISTRICT = "from_district", _("From the district")
        NOTE = "note", _("Internal note")

    VISIBLE_TO_ASKER = (Direction.IN, Direction.OUT)
    VISIBLE_TO_DISTRICT = (Direction.TO_DISTRICT, Direction.FROM_DISTRICT)

    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"),
                               on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.created_at:%Y-%m-%d}"


def _attachment_path(instance, filename):
    return f"support/{instance.message.case_id}/{instance.sha256[:16]}-{filename}"


class MessageAttachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=_attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name
