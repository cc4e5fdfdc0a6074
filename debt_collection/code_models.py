"""Collection codes as data staff maintain: what happens to an unpaid invoice, step by step.

A ``contracts.CollectionCode`` (kravkod) is carried by every contract and invoice. Its ``CollectionPolicy``
says, per code: after how many days past the due date an invoice is proposed for a reminder; after how
many days past the reminder the claim is proposed for the collection agency, and whether it may go on
to enforcement (Kronofogden); which fees may be charged (a reminder fee at most 60 kr, a payment-plan
fee at most 170 kr: inkassokostnadslagen 4 §; and only where the contract says it was agreed); whether
late-payment interest is charged; and who is told (the district officer, the representatives).
A code without a policy is handled by the defaults of ``policy_for``.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models import CollectionCode
from hyresadmin.fields import MoneyField

#: The legal maxima (inkassokostnadslagen 1981:739 4 §, FACTS.md §2).
__all__ = ["MAX_PAYMENT_PLAN_FEE", "MAX_REMINDER_FEE", "CollectionPolicy", "policy_for"]

MAX_REMINDER_FEE = Decimal("60.00")
MAX_PAYMENT_PLAN_FEE = Decimal("170.00")


class CollectionPolicy(models.Model):
    """The steps, days, fees and notices of one collection code."""

    code = models.OneToOneField(CollectionCode, verbose_name=_("collection code"), on_delete=models.CASCADE,
                                related_name="policy")
    reminds = models.BooleanField(_("send reminders"), default=True)
    reminder_after_days = models.PositiveSmallIntegerField(
        _("reminder after (days past due)"), default=10,
        help_text=_("Calendar days after the due date before a reminder is proposed."))
    reminder_fee = MoneyField(_("reminder fee"), default=Decimal("60.00"),
                              validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_REMINDER_FEE)],
                              help_text=_("At most 60 kr; charged only where the contract says it was agreed."))
    to_agency = models.BooleanField(_("hand over to the collection agency"), default=True)
    agency_after_days = models.PositiveSmallIntegerField(
        _("collection after (days past the reminder)"), default=14,
        help_text=_("Calendar days after the reminder before the claim is proposed for handover."))
    to_enforcement = models.BooleanField(_("may go to enforcement (Kronofogden)"), default=True)
    charges_interest = models.BooleanField(_("charge late-payment interest"), default=True)
    payment_plan_fee = MoneyField(_("payment plan fee"), default=Decimal("170.00"),
                                  validators=[MinValueValidator(Decimal("0")),
                                              MaxValueValidator(MAX_PAYMENT_PLAN_FEE)],
                                  help_text=_("At most 170 kr; charged only where the contract says it was "
                                              "agreed."))
    notify_officer = models.BooleanField(_("tell the district officer"), default=True)
    notify_representatives = models.BooleanField(_("tell the representatives"), default=False,
                                                 help_text=_("God man, förvaltare and others with the right "
                                                             "to be told of unpaid rent."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code__code"]
        verbose_name = _("collection code rules")
        verbose_name_plural = _("collection code rules")
        constraints = [
            models.CheckConstraint(condition=Q(reminder_fee__gte=0, reminder_fee__lte=MAX_REMINDER_FEE),
                                   name="reminder_fee_within_law"),
            models.CheckConstraint(condition=Q(payment_plan_fee__gte=0,
                                               payment_plan_fee__lte=MAX_PAYMENT_PLAN_FEE),
                                   name="payment_plan_fee_within_law"),
        ]

    def __str__(self) -> str:
        return str(self.code)


def policy_for(code: CollectionCode | None) -> CollectionPolicy:
    """The policy of ``code`` (unsaved defaults when the code has none, or for no code)."""
    if code is not None:
        try:
            return code.policy
        except CollectionPolicy.DoesNotExist:
            return CollectionPolicy(code=code)
    return CollectionPolicy()
