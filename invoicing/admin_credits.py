"""The staff side of credits and refunds: the credit notes (read only; made from an invoice's
"Kreditera" and "Makulera"), and the queue of refund orders.

The refund queue is sorted by due date (3 working days) with the overdue marked, open orders by
default (``OpenStatesFilter``), and counted in "Mitt arbete". Its buttons call ``invoicing.credits``:
create a refund of a person's credit balance, approve it (a second person: refused for the one who
prepared it), refer it to the district, mark it paid, cancel it (with a reason). Marking one order
paid by hand bypasses the payout file, so that button is for the service administration's admins
only (``permissions.is_service_admin``), with a note that the payout file is the normal way. Every step is audited
by the services; the history page shows the trail. The list's action "Skapa utbetalningsfil" makes one
supplier-payment file of the selected approved orders for the ERP and marks them paid out
(``credits.refund_payout_file_create``); the file is downloaded from Reports.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from hyresadmin import permissions
from hyresadmin.admin import OVERDUE, AuditHistoryMixin, OpenStatesFilter, TransitionAdminMixin
from hyresadmin.models import Person
from hyresadmin.transitions import TransitionRefused

from . import credits, selectors
from .admin import ReadOnlyAdminMixin, _money
from .forms_admin import CancelForm, RefundOrderForm
from .models import CreditNote, RefundOrder


@admin.register(CreditNote)
class CreditNoteAdmin(AuditHistoryMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Credit notes and cancellations, newest first; made from the invoice's page."""

    list_display = ("number", "kind", "issue_date", "invoice_link", "customer_name", "note_amount",
                    "to_credit_balance", "attested_by")
    list_filter = ("kind",)
    list_select_related = ("invoice", "invoice__customer", "attested_by")
    search_fields = ("=number", "=invoice__number", "=invoice__ocr_reference", "invoice__customer__last_name")
    ordering = ("-issue_date", "-number")
    list_per_page = 100
    fields = ("number", "kind", "issue_date", "invoice_link", "customer_name", "note_amount",
              "to_credit_balance", "reason", "attested_by", "actor_label", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.credit_notes_visible_to(request.user)

    def has_add_permission(self, request):
        return False  # made from the invoice ("Kreditera", "Makulera")

    @admin.display(description=_("invoice"), ordering="invoice__number")
    def invoice_link(self, obj):
        url = reverse("admin:invoicing_invoice_change", args=[obj.invoice_id])
        return format_html('<a href="{}">{}</a>', url, obj.invoice.number)

    @admin.display(description=_("customer"), ordering="invoice__customer__last_name")
    def customer_name(self, obj):
        customer = obj.invoice.customer
        return customer.full_name if customer else "–"

    @admin.display(description=_("amount"), ordering="amount")
    def note_amount(self, obj):
        return _money(obj.amount)


class RefundStateFilter(OpenStatesFilter):
    states = RefundOrder.State
    open_states = RefundOrder.OPEN_STATES


def _is_overdue(order: RefundOrder) -> bool:
    return order.state in RefundOrder.OPEN_STATES and order.due_date < timezone.localdate()


@admin.register(RefundOrder)
class RefundOrderAdmin(TransitionAdminMixin, AuditHistoryMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "customer_name", "refund_amount", "payee_name", "state", "delegation",
                    "organisation", "due", "requested_by")
    list_display_links = ("id", "customer_name")
    list_filter = (RefundStateFilter, "within_delegation", ("organisation", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("person", "organisation", "requested_by")
    search_fields = ("=id", "person__first_name", "person__last_name", "payee_name")
    ordering = ("due_date", "id")
    list_per_page = 100
    change_form_template = "admin/invoicing/refundorder/change_form.html"
    fieldsets = (
        (None, {"fields": ("state", "customer_name", "refund_amount", "reason", "due", "payment",
                           "customer_ledger")}),
        (_("Payee"), {"fields": ("payee_name", "payee_account")}),
        (_("Delegation"), {"fields": ("delegation", "monthly_rent", "organisation", "district_decided_by",
                                      "district_decided_at", "district_note")}),
        (_("Approval"), {"fields": ("requested_by", "actor_label", "approved_by", "approved_at", "paid_at",
                                    "created_at")}),
    )
    readonly_fields = ("state", "customer_name", "refund_amount", "reason", "due", "payment",
                       "customer_ledger", "payee_name", "payee_account", "delegation", "monthly_rent",
                       "organisation", "district_decided_by", "district_decided_at", "district_note",
                       "requested_by", "actor_label", "approved_by", "approved_at", "paid_at", "created_at")

    actions = ["make_payout_file"]

    def get_queryset(self, request):
        return selectors.refund_orders_visible_to(request.user)

    def _may_act(self, request, obj=None) -> bool:
        return request.user.has_perm("invoicing.change_refundorder")

    def has_pay_out_permission(self, request) -> bool:
        return self._may_act(request)

    @admin.action(description=_("Create payout file"), permissions=["pay_out"])
    def make_payout_file(self, request, queryset):
        """One supplier-payment file for the selected approved refunds, which are marked paid out."""
        try:
            stored = credits.refund_payout_file_create(actor=request.user, orders=list(queryset))
        except TransitionRefused as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        url = reverse("admin:invoicing_reportfile_download", args=[stored.pk])
        self.message_user(request, format_html(
            '{} <a href="{}">{}</a>',
            gettext("The payout file of %(count)s refunds (%(total)s) is made and the refunds are marked "
                    "paid out.") % {"count": stored.summary["rows"],
                                                       "total": _money(Decimal(stored.summary["total"]))},
            url, gettext("Download the payout file")), messages.SUCCESS)
        return None

    def has_add_permission(self, request):
        return request.user.has_perm("invoicing.add_refundorder")

    # --- columns

    @admin.display(description=_("customer"), ordering="person__last_name")
    def customer_name(self, obj):
        return obj.person.full_name

    @admin.display(description=_("amount"), ordering="amount")
    def refund_amount(self, obj):
        return _money(obj.amount)

    @admin.display(description=_("delegation"), ordering="within_delegation")
    def delegation(self, obj):
        return gettext("Within delegation") if obj.within_delegation else gettext("Beyond delegation: the "
                                                                                  "district decides")

    @admin.display(description=_("due date"), ordering="due_date")
    def due(self, obj):
        text = formats.date_format(obj.due_date, "SHORT_DATE_FORMAT")
        if _is_overdue(obj):
            return format_html('<span class="overdue"><span aria-hidden="true">⚠</span> {} <strong>{}'
                               '</strong></span>', text, OVERDUE)
        return text

    @admin.display(description=_("customer ledger"))
    def customer_ledger(self, obj):
        url = reverse("admin:invoicing_invoice_ledger", args=[obj.person_id])
        return format_html('<a href="{}">{}</a>', url, gettext("Open the customer ledger"))

    # --- pages

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/approve/", view(self.approve_view), name=self._url_name("approve")),
            path("<path:object_id>/refer/", view(self.refer_view), name=self._url_name("refer")),
            path("<path:object_id>/mark-paid/", view(self.mark_paid_view), name=self._url_name("mark_paid")),
            path("<path:object_id>/cancel/", view(self.cancel_view), name=self._url_name("cancel")),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        buttons = []
        mark_paid_note = ""
        if order is not None and self._may_act(request, order):
            if order.state in (RefundOrder.State.PROPOSED, RefundOrder.State.DISTRICT_APPROVED):
                buttons.append({"label": gettext("Approve"), "url": self._url("approve", order.pk),
                                "post": True, "default": True})
            if can_proceed(order.refer):
                buttons.append({"label": gettext("Refer to the district"), "url": self._url("refer", order.pk),
                                "post": True})
            if can_proceed(order.mark_paid) and self._may_mark_paid(request):
                buttons.append({"label": gettext("Mark as paid out"), "url": self._url("mark_paid", order.pk),
                                "post": True, "default": True})
                mark_paid_note = gettext(
                    "The normal way to pay out a refund is the payout file (the list's action \"Create "
                    "payout file\"). Mark a single refund as paid out only when it was paid in another way.")
            if can_proceed(order.cancel):
                buttons.append({"label": gettext("Cancel the refund"), "url": self._url("cancel", order.pk),
                                "post": False})
        return super().change_view(request, object_id, form_url,
                                   {"transition_buttons": buttons, "mark_paid_note": mark_paid_note,
                                    **(extra_context or {})})

    @staticmethod
    def _may_mark_paid(request) -> bool:
        """Marking one order paid bypasses the payout file: the service administration's admins only."""
        return permissions.is_service_admin(request.user)

    def approve_view(self, request, object_id):
        def run(order):
            credits.refund_order_approve(actor=request.user, order=order)
            return gettext("The refund is approved for payment.")

        return self._post_transition(request, object_id, run)

    def refer_view(self, request, object_id):
        def run(order):
            credits.refund_order_refer(actor=request.user, order=order)
            return gettext("The refund was referred to the district for decision.")

        return self._post_transition(request, object_id, run)

    def mark_paid_view(self, request, object_id):
        if not self._may_mark_paid(request):
            raise PermissionDenied

        def run(order):
            credits.refund_order_mark_paid(actor=request.user, order=order)
            return gettext("The refund is marked as paid out.")

        return self._post_transition(request, object_id, run)

    def cancel_view(self, request, object_id):
        def handle(order, data):
            credits.refund_order_cancel(actor=request.user, order=order, reason=data["reason"])
            return gettext("The refund was cancelled; the amount is back on the credit balance.")

        return self._form_transition(request, object_id, form_class=CancelForm, handle=handle,
                                     error_field="reason", title=gettext("Cancel the refund"),
                                     submit_label=gettext("Cancel the refund"),
                                     form_kwargs={})

    def add_view(self, request, form_url="", extra_context=None):
        """A refund of a person's credit balance: ``credits.refund_order_create``."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = RefundOrderForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    order = credits.refund_order_create(
                        actor=request.user, person=data["person"], payee_name=data["payee_name"],
                        payee_account=data["payee_account"], reason=data["reason"], amount=data["amount"])
                except TransitionRefused as exc:
                    form.add_error(None, exc.message)
                else:
                    if order is None:
                        self.message_user(request, gettext(
                            "The credit balance was offset against the customer's open invoices: nothing is "
                            "left to refund."), messages.WARNING)
                        return HttpResponseRedirect(reverse("admin:invoicing_refundorder_changelist"))
                    if order.state == RefundOrder.State.REFERRED:
                        text = gettext("The refund of %(amount)s is beyond delegation and was referred to "
                                       "the district for decision.")
                    else:
                        text = gettext("The refund of %(amount)s waits for a second person's approval.")
                    self.message_user(request, text % {"amount": _money(order.amount)}, messages.SUCCESS)
                    return HttpResponseRedirect(self._change_url(order))
        else:
            initial = {}
            person = Person.objects.filter(pk=request.GET.get("person") or 0).first() \
                if str(request.GET.get("person", "")).isdigit() else None
            if person is not None:
                initial = {"person": person.formatted_personal_number, "payee_name": person.full_name}
            form = RefundOrderForm(initial=initial)
        return TemplateResponse(request, self.action_form_template, {
            **self.admin_site.each_context(request),
            "title": gettext("Refund a credit balance"),
            "subtitle": None,
            "intro": gettext("The customer's credit balance is first offset against their open invoices; "
                             "what is left, or the amount you give, is reserved for the refund. A second "
                             "person approves it; beyond two months' rent the district decides first."),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "form": form,
            "submit_label": gettext("Create the refund"),
            "media": self.media + form.media,
        })
