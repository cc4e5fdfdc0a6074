"""The staff queue of rent reductions for double housing (admin): due in three working days, overdue
marked; the checks (authorised submitter, active contract, the customer's invoices paid or at
collection) shown before staff register or reject. Thin: the buttons call ``contracts.reduction``.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import FileResponse, Http404
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from hyresadmin import audit, permissions
from hyresadmin.admin import AuditHistoryMixin, OpenStatesFilter, OverdueFilter, TransitionAdminMixin

from . import reduction
from .admin import _due_display
from .forms_admin import ReasonForm
from .reduction_models import RentReduction


class ReductionStateFilter(OpenStatesFilter):
    states = RentReduction.State
    open_states = RentReduction.OPEN_STATES




@admin.register(RentReduction)
class RentReductionAdmin(TransitionAdminMixin, AuditHistoryMixin, admin.ModelAdmin):
    change_form_template = "admin/contracts/rentreduction/change_form.html"
    list_display = ("id", "contract", "customer_name", "organisation", "months", "state", "due")
    list_display_links = ("id", "contract")
    list_filter = (ReductionStateFilter, OverdueFilter, "lives_in_deciding_district",
                   ("organisation", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("contract", "contract__customer", "contract__rental_object", "organisation")
    search_fields = ("=id", "contract__number", "contract__customer__last_name")
    ordering = ("due_date", "received_at")
    fields = ("contract", "organisation", "state", "submitted_by", "received_at", "due_date", "first_month",
              "last_month", "amount", "percentage", "decision_date", "attester_name",
              "lives_in_deciding_district", "apply_from", "message", "registered_by", "registered_at",
              "rejection_reason", "booking", "applied_period", "booking_reference")
    readonly_fields = fields

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(permissions.organisation_q(request.user))

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

    @admin.display(description=_("months"), ordering="first_month")
    def months(self, obj):
        return f"{obj.first_month:%Y-%m} – {obj.last_month:%Y-%m}"

    @admin.display(description=_("due date"), ordering="due_date")
    def due(self, obj):
        return _due_display(obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/register/", view(self.register_view), name=self._url_name("register")),
            path("<path:object_id>/reject/", view(self.reject_view), name=self._url_name("reject")),
            path("<path:object_id>/attachment/", view(self.attachment_view), name=self._url_name("attachment")),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra = {}
        if obj is not None and self.has_view_permission(request, obj):
            buttons = []
            if self._may_act(request, obj):
                if can_proceed(obj.register):
                    buttons.append({"label": _("Register the reduction"), "url": self._url("register", obj.pk),
                                    "post": True, "default": True})
                if can_proceed(obj.reject):
                    buttons.append({"label": _("Reject"), "url": self._url("reject", obj.pk), "post": False})
            extra = {
                "transition_buttons": buttons,
                "checks": reduction.rent_reduction_checks(obj) if obj.state in obj.OPEN_STATES else None,
                "checks_title": _("Checks before registration"),
                "per_month": obj.amount_for_month(), "total": obj.total(),
                "attachment_url": self._url("attachment", obj.pk) if obj.attachment else "",
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def register_view(self, request, object_id):
        def run(obj):
            reduction.rent_reduction_register(actor=request.user, reduction=obj)
            return gettext("The reduction is registered: it is put on the customer's next invoice.")

        return self._post_transition(request, object_id, run)

    def reject_view(self, request, object_id):
        def handle(obj, data):
            reduction.rent_reduction_reject(actor=request.user, reduction=obj, reason=data["reason"])
            return gettext("The reduction was rejected; the submitter is told why.")

        return self._form_transition(request, object_id, form_class=ReasonForm,
                                     title=gettext("Reject the reduction"), submit_label=gettext("Reject"),
                                     handle=handle, error_field="reason")

    def attachment_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj) or not obj.attachment:
            raise Http404
        audit.record_view(actor=request.user, subject=obj, what=f"admin: attachment {obj.attachment_name}")
        return FileResponse(obj.attachment.open("rb"), as_attachment=True, filename=obj.attachment_name)
