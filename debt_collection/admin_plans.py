"""The staff queues of deferrals and payment plans (imported by ``DebtCollectionConfig.ready``).

Sorted by due date (the service level: a deferral in 1 working day, a plan in 2), overdue marked,
filtered by state, district and overdue. A request is registered from form SF1015 ("Register SF1015"
on the list) and decided on its page: the checks before approval are listed (✔ passed, ⚠ warning,
✘ refusing), and the buttons call ``plans``: grant / approve, reject, refer to the district; for a plan
not kept, cancel (the district is told) or resume. Nothing is edited field by field.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from contracts.forms_admin import ReasonForm
from hyresadmin import audit
from hyresadmin.admin import (
    OVERDUE,
    AuditHistoryMixin,
    OpenStatesFilter,
    OverdueFilter,
    ReadOnlyInlineMixin,
    TransitionAdminMixin,
    _add_errors,
    _date,
)

from . import plan_checks, plans
from .plan_forms import Sf1015AdminForm
from .plan_models import Deferral, Instalment, PaymentPlan


class DeferralStateFilter(OpenStatesFilter):
    states = Deferral.State
    open_states = Deferral.OPEN_STATES


class PlanStateFilter(OpenStatesFilter):
    states = PaymentPlan.State
    open_states = (*PaymentPlan.OPEN_STATES, PaymentPlan.State.BROKEN)




def _due_display(obj) -> str:
    if obj.is_overdue:
        return format_html('<span class="overdue"><span aria-hidden="true">⚠</span> {} <strong>{}</strong>'
                           '</span>', _date(obj.due_date), OVERDUE)
    return _date(obj.due_date)


class _RequestAdmin(TransitionAdminMixin, AuditHistoryMixin, admin.ModelAdmin):
    """What the two queues share: columns, the SF1015 page, the checks and the decision buttons."""

    list_display_links = ("id", "customer_name")
    list_select_related = ("organisation", "customer")
    search_fields = ("=id", "customer__first_name", "customer__last_name", "customer__personal_number",
                     "invoices__number")
    ordering = ("due_date", "received_at")
    list_per_page = 100
    change_form_template = "admin/debt_collection/plans/change_form.html"
    change_list_template = "admin/debt_collection/plans/change_list.html"
    kind = ""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # Requests are decided by their buttons, never edited field by field.
    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def _may_act(self, request, obj) -> bool:
        return self.has_change_permission(request)

    def get_readonly_fields(self, request, obj=None):
        hidden = {"id", "attachment", "attachment_content_type"}
        return [f.name for f in self.model._meta.fields if f.name not in hidden] + ["invoice_numbers",
                                                                                     "attachment_link"]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description=_("attachment"))
    def attachment_link(self, obj):
        if not obj.attachment:
            return "–"
        return format_html('<a href="{}">{}</a>', self._url("attachment", obj.pk),
                           obj.attachment_name or gettext("Download"))

    def attachment_view(self, request, object_id):
        """The SF1015 attachment, through the permission check; recorded in the audit trail."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj) or not obj.attachment:
            raise Http404
        audit.record_view(actor=request.user, subject=obj, what="admin: SF1015 attachment")
        return FileResponse(obj.attachment.open("rb"), as_attachment=True,
                            filename=obj.attachment_name or f"sf1015-{obj.pk}",
                            content_type=obj.attachment_content_type or "application/octet-stream")

    @admin.display(description=_("customer"), ordering="customer__last_name")
    def customer_name(self, obj):
        return obj.customer.full_name

    @admin.display(description=_("handle by"), ordering="due_date")
    def due(self, obj):
        return _due_display(obj)

    @admin.display(description=_("invoices"))
    def invoice_numbers(self, obj):
        return ", ".join(str(i.number) for i in obj.invoices.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("invoices")

    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path("register/", view(self.register_view), name=self._url_name("register")),
            path("<path:object_id>/decide/", view(self.decide_view), name=self._url_name("decide")),
            path("<path:object_id>/reject/", view(self.reject_view), name=self._url_name("reject")),
            path("<path:object_id>/refer/", view(self.refer_view), name=self._url_name("refer")),
            path("<path:object_id>/attachment/", view(self.attachment_view), name=self._url_name("attachment")),
        ]
        return [*urls, *self.extra_urls(), *super().get_urls()]

    def extra_urls(self):
        return []

    def changelist_view(self, request, extra_context=None):
        extra = {"register_url": self._url("register") if self.has_change_permission(request) else "",
                 "report_url": reverse("plans:report") if self.model is PaymentPlan else ""}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def register_view(self, request):
        """Form SF1015 registered by staff (the invoices by number; any district)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        initial = {"kind": self.kind}
        if request.method == "POST":
            form = Sf1015AdminForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    created = plans.sf1015_submit(actor=request.user, **form.submit_kwargs())
                except ValidationError as exc:
                    _add_errors(form, exc, None)
                else:
                    self.message_user(request, gettext("%(what)s is registered.") % {"what": created})
                    opts = created._meta
                    return HttpResponseRedirect(
                        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[created.pk]))
        else:
            form = Sf1015AdminForm(initial=initial)
        context = {
            **self.admin_site.each_context(request), "title": gettext("Register SF1015"),
            "intro": gettext("A deferral or a payment plan for one customer's open invoices. Beyond "
                             "delegation it is referred to the district at once."),
            "opts": self.opts, "app_label": self.opts.app_label, "form": form,
            "submit_label": gettext("Register"), "media": self.media + form.media,
        }
        return TemplateResponse(request, self.action_form_template, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra = {}
        if obj is not None and self.has_view_permission(request, obj):
            extra = self._page_context(request, obj)
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _page_context(self, request, obj) -> dict:
        buttons = []
        if self._may_act(request, obj):
            buttons = self._buttons(obj)
        checks = None
        if obj.state in (obj.State.REQUESTED, obj.State.DECIDED_BY_DISTRICT):
            checks = plan_checks.request_checks(obj)
        return {"transition_buttons": buttons, "checks": checks,
                "checks_title": gettext("Checks before approval"),
                "invoices": list(obj.invoices.all())}

    def reject_view(self, request, object_id):
        def handle(obj, data):
            self.reject_service(actor=request.user, obj=obj, reason=data["reason"])
            return gettext("%(what)s is rejected.") % {"what": obj}

        return self._form_transition(request, object_id, form_class=ReasonForm, handle=handle,
                                     error_field="reason", title=gettext("Reject"),
                                     submit_label=gettext("Reject"))

    def refer_view(self, request, object_id):
        def handle(obj, data):
            self.refer_service(actor=request.user, obj=obj, reason=data["reason"])
            return gettext("%(what)s is referred to the district; its officers are told.") % {"what": obj}

        return self._form_transition(request, object_id, form_class=ReasonForm, handle=handle,
                                     error_field="reason", title=gettext("Refer to the district"),
                                     submit_label=gettext("Refer"))


@admin.register(Deferral)
class DeferralAdmin(_RequestAdmin):
    list_display = ("id", "customer_name", "organisation", "state", "new_due_date", "within_delegation", "due")
    list_filter = (DeferralStateFilter, OverdueFilter, "within_delegation",
                   ("organisation", admin.RelatedOnlyFieldListFilter))
    kind = plans.DEFERRAL

    def _buttons(self, obj):
        buttons = []
        if can_proceed(obj.grant):
            buttons.append({"label": _("Grant"), "url": self._url("decide", obj.pk), "post": True, "default": True})
        if can_proceed(obj.reject):
            buttons.append({"label": _("Reject"), "url": self._url("reject", obj.pk), "post": False})
        if can_proceed(obj.refer):
            buttons.append({"label": _("Refer to the district"), "url": self._url("refer", obj.pk), "post": False})
        return buttons

    def decide_view(self, request, object_id):
        def run(obj):
            plans.deferral_grant(actor=request.user, deferral=obj)
            return gettext("%(what)s is granted until %(date)s.") % {"what": obj, "date": obj.new_due_date}

        return self._post_transition(request, object_id, run)

    def reject_service(self, *, actor, obj, reason):
        return plans.deferral_reject(actor=actor, deferral=obj, reason=reason)

    def refer_service(self, *, actor, obj, reason):
        return plans.deferral_refer(actor=actor, deferral=obj, reason=reason)


class InstalmentInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Instalment
    fields = ("number", "due_date", "amount", "fee", "invoice", "ocr_reference", "status")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("invoice")

    @admin.display(description=_("OCR reference"))
    def ocr_reference(self, obj):
        return obj.invoice.ocr_reference if obj.invoice else "–"

    @admin.display(description=_("state"))
    def status(self, obj):
        return {"planned": gettext("Not issued yet"), "paid": gettext("Paid"), "unpaid": gettext("Unpaid"),
                "overdue": gettext("Overdue"), "closed": gettext("Closed")}[plans.instalment_status(obj)]


@admin.register(PaymentPlan)
class PaymentPlanAdmin(_RequestAdmin):
    list_display = ("id", "customer_name", "organisation", "state", "instalment_count", "total_display",
                    "within_delegation", "due", "broken_on")
    list_filter = (PlanStateFilter, OverdueFilter, "within_delegation",
                   ("organisation", admin.RelatedOnlyFieldListFilter))
    inlines = [InstalmentInline]
    kind = plans.PAYMENT_PLAN

    @admin.display(description=_("to pay"))
    def total_display(self, obj):
        return f"{obj.total:.2f}".replace(".", ",")

    def extra_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/cancel/", view(self.cancel_view), name=self._url_name("cancel")),
            path("<path:object_id>/resume/", view(self.resume_view), name=self._url_name("resume")),
        ]

    def _buttons(self, obj):
        buttons = []
        if obj.state in (PaymentPlan.State.REQUESTED, PaymentPlan.State.DECIDED_BY_DISTRICT):
            buttons.append({"label": _("Approve and issue the instalments"), "url": self._url("decide", obj.pk),
                            "post": True, "default": True})
        if can_proceed(obj.reject):
            buttons.append({"label": _("Reject"), "url": self._url("reject", obj.pk), "post": False})
        if can_proceed(obj.refer):
            buttons.append({"label": _("Refer to the district"), "url": self._url("refer", obj.pk), "post": False})
        if can_proceed(obj.cancel):
            buttons.append({"label": _("Cancel the plan"), "url": self._url("cancel", obj.pk), "post": False,
                            "default": True})
        if can_proceed(obj.resume):
            buttons.append({"label": _("Resume the plan"), "url": self._url("resume", obj.pk), "post": True})
        return buttons

    def decide_view(self, request, object_id):
        def run(obj):
            plans.payment_plan_approve(actor=request.user, plan=obj)
            return gettext("%(what)s is approved: the invoices are credited and %(n)s instalments issued.") % {
                "what": obj, "n": obj.instalment_count}

        return self._post_transition(request, object_id, run)

    def cancel_view(self, request, object_id):
        def handle(obj, data):
            plans.payment_plan_cancel(actor=request.user, plan=obj, reason=data["reason"])
            return gettext("%(what)s is cancelled; the district is told.") % {"what": obj}

        return self._form_transition(request, object_id, form_class=ReasonForm, handle=handle,
                                     error_field="reason", title=gettext("Cancel the plan"),
                                     submit_label=gettext("Cancel the plan"))

    def resume_view(self, request, object_id):
        def run(obj):
            plans.payment_plan_resume(actor=request.user, plan=obj)
            return gettext("%(what)s is active again.") % {"what": obj}

        return self._post_transition(request, object_id, run)

    def reject_service(self, *, actor, obj, reason):
        return plans.payment_plan_reject(actor=actor, plan=obj, reason=reason)

    def refer_service(self, *, actor, obj, reason):
        return plans.payment_plan_refer(actor=actor, plan=obj, reason=reason)
