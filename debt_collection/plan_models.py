"""Deferrals (anstånd) and payment plans (avbetalningsplaner): the requests on form SF1015.

A district officer (in the portal) or service staff (in the admin) ask for one of the two for one or
more of a customer's open invoices. Within the service administration's delegation
(``invoicing.delegation``) staff decide; beyond it the request is referred to the district, whose
decision comes back to staff. Every state changes through ``hyresadmin.transitions.apply_transition``
(audited); the services are in ``debt_collection.plans``.

Deferral::

    requested → granted → expired            (within delegation: staff grant)
    requested → referred → decided_by_district → granted → expired
    requested / referred / decided_by_district → rejected

PaymentPlan::

    requested → approved → active → completed
    requested → referred → decided_by_district → active
    active → broken → cancelled  (broken → active when the customer catches up)
    requested / referred / decided_by_district → rejected

An issued invoice is never edited: a granted deferral records its new due date here (and the overdue
job skips the invoice until then, ``plans.deferred_or_planned_invoice_ids``); an approved plan credits
the original invoices ("Ersatt av avbetalningsplan …") and issues one invoice per instalment, each with
its own number and OCR reference.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import transition

from contracts.models import RentalContract
from hyresadmin import calendar
from hyresadmin.fields import MoneyField, StateField
from hyresadmin.models import Organisation, Person, StatefulModel

__all__ = ["Deferral", "Instalment", "PaymentPlan"]


def _attachment_path(instance, filename):
    return f"sf1015/{instance.__class__.__name__.lower()}/{timezone.now():%Y/%m}/{filename}"


class Sf1015Request(StatefulModel):
    """What a deferral and a payment plan share: who asks, for which invoices, why, and who decided."""

    organisation = models.ForeignKey(Organisation, verbose_name=_("district"), on_delete=models.PROTECT,
                                     related_name="+")
    customer = models.ForeignKey(Person, verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="+")
    contract = models.ForeignKey(RentalContract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    reason = models.TextField(_("reason"))
    attachment = models.FileField(_("attachment"), upload_to=_attachment_path, blank=True)
    attachment_name = models.CharField(_("attachment name"), max_length=200, blank=True)
    attachment_content_type = models.CharField(max_length=50, blank=True, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    due_date = models.DateField(_("handle by"), db_index=True,
                                help_text=_("The service level: a deferral in 1 working day, a payment "
                                            "plan in 2."))
    within_delegation = models.BooleanField(_("within delegation"))
    delegation_reason = models.CharField(_("why the district decides"), max_length=300, blank=True)
    district_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by (district)"),
                                            on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="+")
    district_decided_at = models.DateTimeField(_("district's decision"), null=True, blank=True)
    district_note = models.TextField(_("district's note"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by (staff)"),
                                   on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    #: Working days staff have to register the request (and again after the district approved it).
    SERVICE_LEVEL_DAYS = 1

    class Meta:
        abstract = True

    def _record_district_decision(self, decided_by, note: str) -> None:
        self.district_decided_by = decided_by
        self.district_decided_at = timezone.now()
        self.district_note = note

    def _record_staff_decision(self, decided_by, note: str) -> None:
        self.decided_by = decided_by
        self.decided_at = timezone.now()
        self.decision_note = note

    def _back_from_district(self, decided_by, note: str) -> None:
        """The district approved: staff register it within the service level, counted from now."""
        self._record_district_decision(decided_by, note)
        self.due_date = calendar.service_level_due(self.district_decided_at, self.SERVICE_LEVEL_DAYS)

    @property
    def is_overdue(self) -> bool:
        return self.state in self.OPEN_STATES and self.due_date < timezone.localdate()


class Deferral(Sf1015Request):
    """A deferral of payment (anstånd): the invoices may be paid by ``new_due_date``."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        REFERRED = "referred", _("With the district for decision")
        DECIDED_BY_DISTRICT = "decided_by_district", _("Approved by the district")
        GRANTED = "granted", _("Granted")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    #: States in which staff or the district still have something to do.
    OPEN_STATES = (State.REQUESTED, State.REFERRED, State.DECIDED_BY_DISTRICT)
    #: States in which the invoices are held from reminders (see ``plans.deferred_or_planned_invoice_ids``).
    HOLDING_STATES = (State.REQUESTED, State.REFERRED, State.DECIDED_BY_DISTRICT)

    state = StateField(_("state"), choices=State.choices, default=State.REQUESTED)
    invoices = models.ManyToManyField("invoicing.Invoice", verbose_name=_("invoices"), related_name="deferrals")
    new_due_date = models.DateField(_("new due date"))
    first_rent = models.BooleanField(_("first month's rent"), default=False,
                                     help_text=_("The invoice is for the contract's first month."))
    double_housing = models.BooleanField(_("double housing costs"), default=False,
                                         help_text=_("The customer pays for two homes in the first month "
                                                     "(a first month's rent may then be deferred two "
                                                     "months)."))
    expired_at = models.DateTimeField(_("expired"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("deferral")
        verbose_name_plural = _("deferrals")
        indexes = [models.Index(fields=["state", "due_date"])]

    def __str__(self) -> str:
        return _("Deferral %(id)s") % {"id": self.pk}

    @transition(field=state, source=State.REQUESTED, target=State.REFERRED)
    def refer(self):
        pass

    @transition(field=state, source=State.REFERRED, target=State.DECIDED_BY_DISTRICT)
    def district_approve(self, decided_by=None, note: str = ""):
        self._back_from_district(decided_by, note)

    @transition(field=state, source=State.REFERRED, target=State.REJECTED)
    def district_reject(self, decided_by=None, note: str = ""):
        self._record_district_decision(decided_by, note)

    @transition(field=state, source=[State.REQUESTED, State.DECIDED_BY_DISTRICT], target=State.GRANTED)
    def grant(self, decided_by=None, note: str = ""):
        self._record_staff_decision(decided_by, note)

    @transition(field=state, source=[State.REQUESTED, State.DECIDED_BY_DISTRICT], target=State.REJECTED)
    def reject(self, decided_by=None, note: str = ""):
        self._record_staff_decision(decided_by, note)

    @transition(field=state, source=State.GRANTED, target=State.EXPIRED)
    def expire(self):
        self.expired_at = timezone.now()


class PaymentPlan(Sf1015Request):
    """A payment plan (avbetalningsplan): the invoices' balance paid in instalments, each its own invoice."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        REFERRED = "referred", _("With the district for decision")
        DECIDED_BY_DISTRICT = "decided_by_district", _("Approved by the district")
        APPROVED = "approved", _("Approved")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        BROKEN = "broken", _("Not kept")
        CANCELLED = "cancelled", _("Cancelled")
        REJECTED = "rejected", _("Rejected")

    OPEN_STATES = (State.REQUESTED, State.REFERRED, State.DECIDED_BY_DISTRICT)
    HOLDING_STATES = (State.REQUESTED, State.REFERRED, State.DECIDED_BY_DISTRICT, State.APPROVED)
    RUNNING_STATES = (State.ACTIVE, State.BROKEN)
    SERVICE_LEVEL_DAYS = 2

    state = StateField(_("state"), choices=State.choices, default=State.REQUESTED)
    invoices = models.ManyToManyField("invoicing.Invoice", verbose_name=_("invoices"),
                                      related_name="payment_plans",
                                      help_text=_("The original invoices the plan replaces."))
    instalment_count = models.PositiveSmallIntegerField(_("number of instalments"))
    first_due_date = models.DateField(_("first instalment due"))
    amount = MoneyField(_("amount"), default=0, help_text=_("What is left to pay on the invoices when the "
                                                            "plan was requested."))
    fee = MoneyField(_("plan fee"), default=0,
                     help_text=_("At most 170 kr, only where the contract says it was agreed; on the first "
                                 "instalment."))
    broken_on = models.DateField(_("not kept since"), null=True, blank=True, db_index=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")
        indexes = [models.Index(fields=["state", "due_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(instalment_count__gte=1), name="plan_at_least_one_instalment"),
            models.CheckConstraint(condition=Q(fee__gte=0, fee__lte=170), name="plan_fee_within_law"),
        ]

    def __str__(self) -> str:
        return _("Payment plan %(id)s") % {"id": self.pk}

    @transition(field=state, source=State.REQUESTED, target=State.REFERRED)
    def refer(self):
        pass

    @transition(field=state, source=State.REFERRED, target=State.DECIDED_BY_DISTRICT)
    def district_approve(self, decided_by=None, note: str = ""):
        self._back_from_district(decided_by, note)

    @transition(field=state, source=State.REFERRED, target=State.REJECTED)
    def district_reject(self, decided_by=None, note: str = ""):
        self._record_district_decision(decided_by, note)

    @transition(field=state, source=State.REQUESTED, target=State.APPROVED)
    def approve(self, decided_by=None, note: str = ""):
        self._record_staff_decision(decided_by, note)

    @transition(field=state, source=[State.APPROVED, State.DECIDED_BY_DISTRICT], target=State.ACTIVE)
    def activate(self, decided_by=None, note: str = ""):
        if self.decided_by_id is None:
            self._record_staff_decision(decided_by, note)

    @transition(field=state, source=[State.REQUESTED, State.DECIDED_BY_DISTRICT], target=State.REJECTED)
    def reject(self, decided_by=None, note: str = ""):
        self._record_staff_decision(decided_by, note)

    @transition(field=state, source=State.ACTIVE, target=State.COMPLETED)
    def complete(self):
        self.completed_at = timezone.now()

    @transition(field=state, source=State.ACTIVE, target=State.BROKEN)
    def mark_broken(self, on=None):
        self.broken_on = on or timezone.localdate()

    @transition(field=state, source=State.BROKEN, target=State.ACTIVE)
    def resume(self):
        self.broken_on = None

    @transition(field=state, source=State.BROKEN, target=State.CANCELLED)
    def cancel(self):
        self.cancelled_at = timezone.now()

    @property
    def total(self):
        return self.amount + self.fee


class Instalment(models.Model):
    """One instalment of a plan: issued as its own invoice (number, OCR reference, due date)."""

    plan = models.ForeignKey(PaymentPlan, verbose_name=_("payment plan"), on_delete=models.CASCADE,
                             related_name="instalments")
    number = models.PositiveSmallIntegerField(_("instalment"))
    due_date = models.DateField(pgettext_lazy("instalment", "due date"))
    amount = MoneyField(_("amount"), help_text=_("Including the plan fee on the first instalment."))
    fee = MoneyField(_("of which plan fee"), default=0)
    invoice = models.OneToOneField("invoicing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="instalment")

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_instalment_number_per_plan"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.number}"
