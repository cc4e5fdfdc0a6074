"""Rent reduction for double housing (*nedsättning av hyra vid dubbelt boende*, DOMAIN.md).

A district decides that a customer who pays two rents while moving gets the rent of some months
reduced, and sends the underlag (a form in the district portal). Imported by ``contracts.models``.

RentReduction
  submitted → registered   staff checked it (attester, active contract, paid or at collection) and
                           registered it: invoicing puts it on the next invoice as negative lines and
                           books the cost (accounting order or payment order)
  submitted → rejected     wrong or incomplete underlag; the reason goes to the submitter
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import transition

from hyresadmin.fields import MoneyField, StateField
from hyresadmin.models import Organisation, StatefulModel


def _reduction_attachment_path(instance, filename):
    return f"reductions/{instance.contract_id}/{instance.attachment_sha256[:16]}-{filename}"


class RentReduction(StatefulModel):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        REGISTERED = "registered", _("Registered")
        REJECTED = "rejected", _("Rejected")

    class Booking(models.TextChoices):
        ACCOUNTING_ORDER = "accounting_order", _("Accounting order (the customer lives in the district)")
        PAYMENT_ORDER = "payment_order", _("Payment order (the customer lives in another district)")

    OPEN_STATES = (State.SUBMITTED,)

    state = StateField(_("state"), choices=State.choices, default=State.SUBMITTED)
    contract = models.ForeignKey("contracts.RentalContract", verbose_name=_("contract"),
                                 on_delete=models.PROTECT, related_name="rent_reductions")
    organisation = models.ForeignKey(Organisation, verbose_name=_("deciding district"),
                                     on_delete=models.PROTECT, related_name="rent_reductions")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"),
                                     on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    due_date = models.DateField(pgettext_lazy("reduction", "due date"), db_index=True)
    first_month = models.DateField(_("first month reduced"))
    last_month = models.DateField(_("last month reduced"))
    amount = MoneyField(_("reduction per month"), null=True, blank=True,
                        help_text=_("In kronor; or give a percentage of the rent."))
    percentage = models.DecimalField(_("reduction in per cent of the rent"), max_digits=5, decimal_places=2,
                                     null=True, blank=True)
    decision_date = models.DateField(_("date of the decision"))
    attester_name = models.CharField(_("signed by (attester)"), max_length=200)
    lives_in_deciding_district = models.BooleanField(
        _("the customer lives in the deciding district"), default=True,
        help_text=_("Then an accounting order books the cost; otherwise a payment order."))
    apply_from = models.DateField(_("first invoice to reduce"), null=True, blank=True,
                                  help_text=_("Empty: the next invoice."))
    message = models.TextField(_("message to the service administration"), blank=True)
    attachment = models.FileField(_("decision (attachment)"), upload_to=_reduction_attachment_path, blank=True)
    attachment_name = models.CharField(_("file name"), max_length=200, blank=True)
    attachment_sha256 = models.CharField(max_length=64, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"),
                                      on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True)
    rejection_reason = models.TextField(_("why it was rejected"), blank=True)
    booking = models.CharField(_("booking"), max_length=20, choices=Booking.choices, blank=True)
    applied_period = models.DateField(_("on the invoice of"), null=True, blank=True)
    booking_reference = models.CharField(_("booking reference"), max_length=100, blank=True,
                                         help_text=_("The accounting order's number, or the payment order."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["due_date", "received_at"]
        verbose_name = _("rent reduction (double housing)")
        verbose_name_plural = _("rent reductions (double housing)")
        constraints = [
            models.CheckConstraint(condition=Q(first_month__day=1) & Q(last_month__day=1)
                                   & Q(last_month__gte=models.F("first_month")),
                                   name="reduction_months_valid"),
            models.CheckConstraint(condition=(Q(amount__isnull=False, percentage__isnull=True, amount__gt=0)
                                              | Q(amount__isnull=True, percentage__isnull=False,
                                                  percentage__gt=0, percentage__lte=100)),
                                   name="reduction_amount_or_percentage"),
        ]

    def __str__(self) -> str:
        return _("Reduction %(first)s–%(last)s") % {"first": f"{self.first_month:%Y-%m}",
                                                     "last": f"{self.last_month:%Y-%m}"}

    @property
    def is_overdue(self) -> bool:
        return self.state in self.OPEN_STATES and self.due_date < timezone.localdate()

    def months(self) -> list:
        from datetime import date

        out, p = [], self.first_month
        while p <= self.last_month:
            out.append(p)
            p = date(p.year + p.month // 12, p.month % 12 + 1, 1)
        return out

    def amount_for_month(self) -> Decimal:
        """The reduction of one month: the amount, or the percentage of the contract's monthly rent."""
        if self.amount is not None:
            return self.amount
        rent = self.contract.monthly_rent()
        return (rent * self.percentage / Decimal(100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def total(self) -> Decimal:
        return self.amount_for_month() * len(self.months())

    @transition(field=state, source=State.SUBMITTED, target=State.REGISTERED)
    def register(self, registered_by=None):
        self.registered_by = registered_by
        self.registered_at = timezone.now()

    @transition(field=state, source=State.SUBMITTED, target=State.REJECTED)
    def reject(self, rejection_reason: str = ""):
        self.rejection_reason = rejection_reason
