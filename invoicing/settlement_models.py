"""The final settlement (*slutreglering*) of a terminated contract: one record per contract.

FinalSettlement
  proposed → settled   staff confirmed the computed credits and final invoice ("Bekräfta slutreglering");
                       the credits, cancellations, final invoice (or, for an internal move, the
                       accounting order) were made through the ledger services

``invoicing.settlement`` writes it; imported by ``invoicing.models`` so that migrations see it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import transition

from contracts.models import RentalContract
from hyresadmin.fields import MoneyField, StateField
from hyresadmin.models import StatefulModel


class FinalSettlement(StatefulModel):
    """The credits of what was invoiced after a contract's end date, the final invoice for days not
    yet invoiced before it, and the refund of what the customer paid in advance."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("To be confirmed")
        SETTLED = "settled", _("Settled")

    OPEN_STATES = (State.PROPOSED,)

    contract = models.OneToOneField(RentalContract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                    related_name="final_settlement")
    state = StateField(_("state"), choices=State.choices, default=State.PROPOSED)
    end_date = models.DateField(_("end date"))
    deceased = models.BooleanField(_("the customer is deceased"), default=False)
    internal_move = models.BooleanField(
        _("internal move within the same administration"), default=False,
        help_text=_("The customer moves to another apartment of the same administration: the days not "
                    "yet invoiced are deducted for the customer and charged to the administration by "
                    "an accounting order."))
    proposal = models.JSONField(_("computed settlement"), default=dict, blank=True)
    credit_total = MoneyField(_("to credit"), default=0)
    invoice_total = MoneyField(_("to invoice"), default=0)
    final_invoice = models.ForeignKey("invoicing.Invoice", verbose_name=_("final invoice"),
                                      on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    accounting_order = models.ForeignKey("invoicing.Invoice", verbose_name=_("accounting order"),
                                         on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    refund_order = models.ForeignKey("invoicing.RefundOrder", verbose_name=_("refund order"),
                                     on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    due_date = models.DateField(pgettext_lazy("settlement", "due date"), db_index=True)
    settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("settled by"),
                                   on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("final settlement")
        verbose_name_plural = _("final settlements")
        indexes = [models.Index(fields=["state", "due_date"])]

    def __str__(self) -> str:
        return str(self.contract)

    @property
    def is_overdue(self) -> bool:
        return self.state in self.OPEN_STATES and self.due_date < timezone.localdate()

    @transition(field=state, source=State.PROPOSED, target=State.SETTLED)
    def confirm(self, settled_by=None):
        self.settled_by = settled_by
        self.settled_at = timezone.now()
