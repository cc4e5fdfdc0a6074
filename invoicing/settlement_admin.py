"""The staff queue of final settlements (admin): due in three working days, overdue marked, the
computed credits and final invoice shown before staff confirm ("Bekräfta slutreglering"), and the
refund of prepaid rent to the payee staff give. Thin: every button calls ``invoicing.settlement``.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.urls import path, reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contracts import related as contract_related
from contracts.related import Link
from hyresadmin.admin import OVERDUE, AuditHistoryMixin, OpenStatesFilter, OverdueFilter, TransitionAdminMixin

from . import selectors, settlement
from .models import FinalSettlement


def _money(value) -> str:
    return f"{formats.number_format(Decimal(value), 2, force_grouping=True)} kr"


def _date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "–"


class SettlementStateFilter(OpenStatesFilter):
    states = FinalSettlement.State
    open_states = FinalSettlement.OPEN_STATES




class ConfirmSettlementForm(forms.Form):
    internal_move = forms.BooleanField(
        label=_("Internal move within the same administration"), required=False,
        help_text=_("The days not yet invoiced are then charged to the administration by an accounting "
                    "order instead of a final invoice to the customer."))


class RefundForm(forms.Form):
    payee_name = forms.CharField(label=_("Payee"), max_length=100,
                                 help_text=_("The customer, or on death the estate's contact or representative."))
    payee_account = forms.CharField(label=_("Payee's account"), max_length=40,
                                    help_text=_("Clearing and account number, or a bankgiro or plusgiro number."))


@admin.register(FinalSettlement)
class FinalSettlementAdmin(TransitionAdminMixin, AuditHistoryMixin, admin.ModelAdmin):
    change_form_template = "admin/invoicing/finalsettlement/change_form.html"
    list_display = ("contract", "customer_name", "organisation_name", "end_date", "state", "to_credit",
                    "to_invoice", "due")
    list_filter = (SettlementStateFilter, OverdueFilter, "internal_move", "deceased",
                   ("contract__organisation", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("contract", "contract__customer", "contract__organisation", "contract__rental_object")
    search_fields = ("contract__number", "contract__customer__last_name", "contract__customer__first_name")
    ordering = ("due_date", "id")
    fields = ("contract", "state", "end_date", "deceased", "internal_move", "received_at", "due_date",
              "final_invoice", "accounting_order", "refund_order", "settled_by", "settled_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.settlements_visible_to(request.user).select_related(
            "contract", "contract__customer", "contract__organisation", "contract__rental_object")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def _may_act(self, request, obj) -> bool:
        return self.has_change_permission(request)

    @admin.display(description=_("customer"), ordering="contract__customer__last_name")
    def customer_name(self, obj):
        return obj.contract.customer.full_name if obj.contract.customer_id else "–"

    @admin.display(description=_("organisation"), ordering="contract__organisation__name")
    def organisation_name(self, obj):
        return obj.contract.organisation.name

    @admin.display(description=_("to credit"), ordering="credit_total")
    def to_credit(self, obj):
        return _money(obj.credit_total)

    @admin.display(description=_("to invoice"), ordering="invoice_total")
    def to_invoice(self, obj):
        return _money(obj.invoice_total)

    @admin.display(description=_("due date"), ordering="due_date")
    def due(self, obj):
        if obj.is_overdue:
            return format_html('<span class="overdue"><span aria-hidden="true">⚠</span> {} <strong>{}</strong>'
                               '</span>', _date(obj.due_date), OVERDUE)
        return _date(obj.due_date)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/compute/", view(self.compute_view), name=self._url_name("compute")),
            path("<path:object_id>/confirm/", view(self.confirm_view), name=self._url_name("confirm")),
            path("<path:object_id>/refund/", view(self.refund_view), name=self._url_name("refund")),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra = {}
        if obj is not None and self.has_view_permission(request, obj):
            extra = self._page_context(request, obj)
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _page_context(self, request, obj: FinalSettlement) -> dict:
        buttons = []
        refund_available = settlement.refund_available(obj) if obj.state == FinalSettlement.State.SETTLED \
            else Decimal("0.00")
        if self._may_act(request, obj):
            if obj.state == FinalSettlement.State.PROPOSED:
                buttons.append({"label": _("Compute again"), "url": self._url("compute", obj.pk), "post": True})
                buttons.append({"label": _("Confirm final settlement"), "url": self._url("confirm", obj.pk),
                                "post": False, "default": True})
            elif obj.refund_order_id is None and refund_available > 0:
                buttons.append({"label": _("Refund prepaid rent"), "url": self._url("refund", obj.pk),
                                "post": False, "default": True})
        proposal = obj.proposal or {}
        return {
            "transition_buttons": buttons,
            "related_links": [Link(label=gettext("Contract"), key="contract", url=reverse(
                                  "admin:contracts_rentalcontract_change", args=[obj.contract_id]),
                                   text=str(obj.contract.number or obj.contract_id)),
                              *contract_related.termination_links(obj.contract, request.user)],
            "credits": proposal.get("credits", []),
            "missing": proposal.get("missing", []),
            "problems": proposal.get("problems", []),
            "notes": proposal.get("notes", []),
            "refund_available": refund_available,
        }

    def compute_view(self, request, object_id):
        def run(obj):
            settlement.final_settlement_propose(actor=request.user, contract_id=obj.contract_id)
            return gettext("The settlement was computed again.")

        return self._post_transition(request, object_id, run)

    def confirm_view(self, request, object_id):
        obj = self._get_for_action(request, object_id)

        def handle(obj, data):
            settlement.final_settlement_confirm(actor=request.user, settlement=obj,
                                                internal_move=data["internal_move"])
            return gettext("The final settlement is confirmed.")

        return self._form_transition(
            request, object_id, form_class=ConfirmSettlementForm, title=gettext("Confirm final settlement"),
            submit_label=gettext("Confirm final settlement"), handle=handle,
            form_kwargs={"initial": {"internal_move": obj.internal_move}},
            intro=gettext("The credits and the final invoice are computed again and made as shown on the "
                          "settlement's page."))

    def refund_view(self, request, object_id):
        obj = self._get_for_action(request, object_id)
        facts = settlement.termination_facts(obj.contract)
        payee = facts.estate_contact_name if obj.deceased else (
            obj.contract.customer.full_name if obj.contract.customer_id else "")

        def handle(obj, data):
            refunded = settlement.final_settlement_refund(actor=request.user, settlement=obj,
                                                          payee_name=data["payee_name"],
                                                          payee_account=data["payee_account"])
            if refunded.refund_order.within_delegation:
                return gettext("The refund order is made: a second person approves it.")
            return gettext("The refund is beyond delegation: it was referred to the district.")

        return self._form_transition(
            request, object_id, form_class=RefundForm, title=gettext("Refund prepaid rent"),
            submit_label=gettext("Make the refund order"), handle=handle,
            form_kwargs={"initial": {"payee_name": payee}},
            intro=gettext("The customer's credit balance is %(amount)s. It is first set against their open "
                          "invoices; what is left is refunded to the payee.")
            % {"amount": _money(settlement.refund_available(obj))})
