"""Terminations (*avslut*): the notices that end a contract, matched into one case per contract.

Termination
  requested         → documents_matched   the district's side and the notice are both there (or staff
                                          judged the documents enough)
  documents_matched → confirmed           every check passed; the contract has notice given, end date set
  confirmed         → settled             the final settlement is done (the invoicing app calls
                                          ``termination_mark_settled``)
  settled           → closed              nothing is left to do
  requested/documents_matched → withdrawn the notice was taken back before it was confirmed

A ``TerminationNotice`` is one document that came in: the district's termination form (portal), the
customer's or a relative's written notice (scanned, uploaded by staff) or the housing coordinator's
form. Every notice for a contract with an open termination joins that termination.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from hyresadmin.fields import StateField
from hyresadmin.models import StatefulModel


class NoticeGiver(models.TextChoices):
    TENANT = "tenant", _("The tenant")
    RELATIVE = "relative", _("A relative for the tenant")
    DISTRICT = "district", _("The district's decision (FOT)")
    ESTATE = "estate", _("The estate (the tenant has died)")


class Termination(StatefulModel):
    """One termination of one contract, with its facts, its end date and its to-dos."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        DOCUMENTS_MATCHED = "documents_matched", _("Documents matched")
        CONFIRMED = "confirmed", _("Confirmed")
        SETTLED = "settled", _("Settled")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    #: Waiting for staff: in the queue, with a due date.
    OPEN_STATES = (State.REQUESTED, State.DOCUMENTS_MATCHED)
    #: Not finished: a new notice for the contract joins a termination in one of these states.
    ACTIVE_STATES = (State.REQUESTED, State.DOCUMENTS_MATCHED, State.CONFIRMED, State.SETTLED)

    contract = models.ForeignKey("contracts.RentalContract", verbose_name=_("contract"),
                                 on_delete=models.PROTECT, related_name="terminations")
    state = StateField(_("state"), choices=State.choices, default=State.REQUESTED)
    given_by = models.CharField(_("notice given by"), max_length=16, choices=NoticeGiver.choices)
    notice_received_on = models.DateField(_("notice received"))
    deceased_on = models.DateField(_("date of death"), null=True, blank=True)
    requested_end_date = models.DateField(_("requested end date"), null=True, blank=True)
    rule_end_date = models.DateField(_("end date by the rules"), null=True, blank=True)
    rule = models.CharField(_("rule"), max_length=200, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_date_override_reason = models.TextField(_("why the end date differs from the rules"),
                                                blank=True)
    estate_contact_name = models.CharField(_("estate's contact"), max_length=200, blank=True)
    estate_contact_email = models.EmailField(_("estate's contact e-mail"), blank=True)
    estate_contact_address = models.CharField(_("estate's contact address"), max_length=300,
                                              blank=True)
    internal_move = models.BooleanField(
        _("internal move within the administration"), default=False,
        help_text=_("The customer moves to another object of the same administration: a deduction "
                    "and an accounting order are made at the final settlement."))
    internal_move_object = models.ForeignKey(
        "contracts.RentalObject", verbose_name=_("object moved to"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+")
    terms_checked = models.BooleanField(
        _("terms checked for the next tenant"), default=False,
        help_text=_("To do: check whether the contract terms need updating for the next tenant."))
    vacancy_contract = models.ForeignKey(
        "contracts.RentalContract", verbose_name=_("vacancy contract"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    due_date = models.DateField(_("due date"), db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"),
                                 on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"),
                                     on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["due_date", "received_at"]
        verbose_name = _("termination")
        verbose_name_plural = _("terminations")
        constraints = [
            models.UniqueConstraint(
                fields=["contract"],
                condition=Q(state__in=["requested", "documents_matched", "confirmed", "settled"]),
                name="one_active_termination_per_contract",
            ),
        ]
        indexes = [models.Index(fields=["state", "due_date"])]

    def __str__(self) -> str:
        return str(_("Termination %(id)s of %(contract)s") % {
            "id": self.pk, "contract": self.contract.number or self.contract_id})

    @property
    def is_overdue(self) -> bool:
        return self.state in self.OPEN_STATES and self.due_date < timezone.localdate()

    @property
    def is_death(self) -> bool:
        return self.given_by == NoticeGiver.ESTATE or self.deceased_on is not None

    @transition(field=state, source=State.REQUESTED, target=State.DOCUMENTS_MATCHED)
    def match_documents(self):
        pass

    @transition(field=state, source=State.DOCUMENTS_MATCHED, target=State.CONFIRMED)
    def confirm(self, by=None):
        self.confirmed_at = timezone.now()
        self.confirmed_by = by

    @transition(field=state, source=State.CONFIRMED, target=State.SETTLED)
    def mark_settled(self):
        pass

    @transition(field=state, source=State.SETTLED, target=State.CLOSED)
    def close(self):
        self.closed_at = timezone.now()

    @transition(field=state, source=[State.REQUESTED, State.DOCUMENTS_MATCHED], target=State.WITHDRAWN)
    def withdraw(self):
        self.closed_at = timezone.now()


def _notice_path(instance, filename):
    return f"terminations/{instance.termination_id}/{instance.sha256[:16]}-{filename}"


class TerminationNotice(models.Model):
    """One document that came in for a termination, with what it says."""

    class Source(models.TextChoices):
        DISTRICT_FORM = "district_form", _("The district's termination form")
        WRITTEN_NOTICE = "written_notice", _("Written notice from the customer or a relative")
        COORDINATOR_FORM = "coordinator_form", _("The housing coordinator's form")

    #: Sources from the district's side (the underlag); the others come from the customer's side.
    DISTRICT_SOURCES = (Source.DISTRICT_FORM, Source.COORDINATOR_FORM)

    termination = models.ForeignKey(Termination, on_delete=models.CASCADE, related_name="notices")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    given_by = models.CharField(_("notice given by"), max_length=16, choices=NoticeGiver.choices)
    notice_received_on = models.DateField(_("notice received"))
    deceased_on = models.DateField(_("date of death"), null=True, blank=True)
    requested_end_date = models.DateField(_("requested end date"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"),
                                     on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    file = models.FileField(_("file"), upload_to=_notice_path, blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=50, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("termination notice")
        verbose_name_plural = _("termination notices")

    def __str__(self) -> str:
        return f"{self.get_source_display()} ({self.notice_received_on:%Y-%m-%d})"
