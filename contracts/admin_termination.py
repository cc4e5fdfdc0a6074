"""The staff queue of terminations: sorted by due date with overdue marked, the checks before
confirmation, the transitions as buttons, and the register of a customer's written notice.

Thin: every button calls ``contracts.termination``; what staff see comes from ``selectors``.
Registered from ``contracts.admin``.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from hyresadmin import audit
from hyresadmin.admin import (
    OVERDUE,
    AssigneeFilter,
    AuditHistoryMixin,
    OpenStatesFilter,
    OverdueFilter,
    ReadOnlyInlineMixin,
    TransitionAdminMixin,
    _add_errors,
    _date,
)

from . import related, selectors
from . import termination as services
from .forms_admin import ReasonForm
from .models import RentalContract
from .termination_forms import EndDateForm, WrittenNoticeForm
from .termination_models import Termination, TerminationNotice

TERMS_TODO = Q(state__in=[Termination.State.CONFIRMED, Termination.State.SETTLED], terms_checked=False)


class TerminationStateFilter(OpenStatesFilter):
    """Open: waiting for confirmation, or with the to-do about the next tenant's terms."""

    states = Termination.State
    open_states = Termination.OPEN_STATES

    def queryset(self, request, queryset):
        if (self.value() or self.OPEN) == self.OPEN:
            return queryset.filter(Q(state__in=self.open_states) | TERMS_TODO)
        return super().queryset(request, queryset)




class TermsTodoFilter(admin.SimpleListFilter):
    title = _("terms to check for the next tenant")
    parameter_name = "terms"

    def lookups(self, request, model_admin):
        return [("open", _("To do")), ("done", _("Done"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(TERMS_TODO)
        if self.value() == "done":
            return queryset.filter(terms_checked=True)
        return queryset


class TerminationNoticeInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = TerminationNotice
    fields = ("source", "given_by", "notice_received_on", "deceased_on", "requested_end_date",
              "submitted_by", "received_at", "message", "download")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("submitted_by")

    @admin.display(description=_("file"))
    def download(self, obj):
        if not obj.pk or not obj.file:
            return "–"
        url = reverse("admin:contracts_termination_notice_file", args=[obj.termination_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name or gettext("Download"))


@admin.register(Termination)
class TerminationAdmin(TransitionAdminMixin, AuditHistoryMixin, admin.ModelAdmin):
    list_display = ("id", "contract_number", "customer_name", "organisation_name", "given_by", "state",
                    "end_date", "due", "terms_todo", "assignee_name")
    list_display_links = ("id", "contract_number")
    list_filter = (TerminationStateFilter, AssigneeFilter, OverdueFilter, TermsTodoFilter,
                   "given_by", ("contract__organisation", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("contract__customer", "contract__organisation", "assignee")
    search_fields = ("=id", "contract__number", "contract__customer__first_name",
                     "contract__customer__last_name", "contract__rental_object__object_number")
    ordering = ("due_date", "received_at")
    list_per_page = 100
    inlines = [TerminationNoticeInline]
    fieldsets = (
        (None, {"fields": ("contract", "state", "assignee", "received_at", "due_date")}),
        (_("The notice"), {"fields": ("given_by", "notice_received_on", "deceased_on",
                                      "requested_end_date")}),
        (_("End date"), {"fields": ("rule_end_date", "rule", "end_date", "end_date_override_reason")}),
        (_("On a death"), {"fields": ("estate_contact_name", "estate_contact_email",
                                      "estate_contact_address")}),
        (_("After the termination"), {"fields": ("internal_move", "internal_move_object",
                                                 "terms_checked", "vacancy_contract", "confirmed_at",
                                                 "confirmed_by", "closed_at")}),
    )

    def get_queryset(self, request):
        return selectors.terminations_visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        return [f for _name, opts in self.fieldsets for f in opts["fields"]]

    # Notices come from the doors (portal, the written-notice page); nothing is edited in place.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def _may_act(self, request, obj) -> bool:
        return self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    # --- columns

    @admin.display(description=_("contract"), ordering="contract__number")
    def contract_number(self, obj):
        return obj.contract.number

    @admin.display(description=_("customer"), ordering="contract__customer__last_name")
    def customer_name(self, obj):
        customer = obj.contract.customer
        return customer.full_name if customer else "–"

    @admin.display(description=_("organisation"), ordering="contract__organisation__name")
    def organisation_name(self, obj):
        return obj.contract.organisation.name

    @admin.display(description=_("due date"), ordering="due_date")
    def due(self, obj):
        if obj.is_overdue:
            return format_html('<span class="overdue"><span aria-hidden="true">⚠</span> {} <strong>{}'
                               '</strong></span>', _date(obj.due_date), OVERDUE)
        return _date(obj.due_date)

    @admin.display(description=_("terms for the next tenant"))
    def terms_todo(self, obj):
        if obj.terms_checked:
            return gettext("Checked")
        return format_html("<strong>{}</strong>", gettext("To do"))

    @admin.display(description=_("assignee"), ordering="assignee__first_name")
    def assignee_name(self, obj):
        if obj.assignee is None:
            return "–"
        return obj.assignee.get_full_name() or obj.assignee.get_username()

    # --- pages

    def get_urls(self):
        view = self.admin_site.admin_view
        steps = ("assign", "match", "end_date", "confirm", "withdraw", "terms", "close")
        return [
            path("notice/", view(self.notice_view), name=self._url_name("notice")),
            *(path(f"<path:object_id>/{step.replace('_', '-')}/", view(getattr(self, f"{step}_view")),
                   name=self._url_name(step)) for step in steps),
            path("<path:object_id>/notices/<int:notice_id>/", view(self.notice_file_view),
                 name=self._url_name("notice_file")),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"notice_url": self._url("notice")} if self.has_change_permission(request) else {}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        termination = self.get_object(request, unquote(object_id))
        extra = {}
        if termination is not None and self.has_view_permission(request, termination):
            extra = self._page_context(request, termination)
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _page_context(self, request, termination: Termination) -> dict:
        buttons = []
        if self._may_act(request, termination):
            pk = termination.pk
            if termination.state in Termination.OPEN_STATES and termination.assignee_id != request.user.pk:
                buttons.append({"label": _("Assign to me"), "url": self._url("assign", pk), "post": True})
            if termination.state in Termination.OPEN_STATES:
                buttons.append({"label": _("Register a written notice"), "post": False,
                                "url": f"{self._url('notice')}?contract={termination.contract.number}"})
            if can_proceed(termination.match_documents):
                buttons.append({"label": _("The documents are enough"), "url": self._url("match", pk),
                                "post": False})
            if termination.state in (*Termination.OPEN_STATES, Termination.State.CONFIRMED) and (
                    termination.contract.state != RentalContract.State.TERMINATED):
                buttons.append({"label": _("Change the end date"), "url": self._url("end_date", pk),
                                "post": False})
            if can_proceed(termination.confirm):
                buttons.append({"label": _("Confirm the termination"), "url": self._url("confirm", pk),
                                "post": True, "default": True})
            if can_proceed(termination.withdraw):
                buttons.append({"label": _("Withdraw"), "url": self._url("withdraw", pk), "post": False})
            if not termination.terms_checked and termination.state != Termination.State.WITHDRAWN:
                buttons.append({"label": _("The terms for the next tenant are checked"),
                                "url": self._url("terms", pk), "post": True})
            if can_proceed(termination.close):
                buttons.append({"label": _("Close"), "url": self._url("close", pk), "post": True})
        context = {"transition_buttons": buttons, "checks": None,
                   "related_links": related.higher_app_links(termination.contract, request.user)}
        if termination.state in Termination.OPEN_STATES:
            context["checks"] = services.termination_checks(termination)
            context["checks_title"] = gettext("Before confirmation")
        return context

    # --- the steps

    def assign_view(self, request, object_id):
        def run(termination):
            services.termination_assign(actor=request.user, termination=termination,
                                        assignee=request.user)
            return gettext("The termination was assigned to you.")

        return self._post_transition(request, object_id, run)

    def match_view(self, request, object_id):
        def handle(termination, data):
            services.termination_match_documents(actor=request.user, termination=termination,
                                                 reason=data["reason"])
            return gettext("The documents are matched.")

        return self._form_transition(
            request, object_id, form_class=ReasonForm, handle=handle, error_field="reason",
            title=gettext("The documents are enough"), submit_label=gettext("Save"),
            form_kwargs={"label": gettext("Why the documents are enough")})

    def end_date_view(self, request, object_id):
        def handle(termination, data):
            services.termination_set_end_date(actor=request.user, termination=termination,
                                              end_date=data["end_date"], reason=data["reason"])
            return gettext("The end date was changed.")

        return self._form_transition(request, object_id, form_class=EndDateForm, handle=handle,
                                     error_field="end_date", title=gettext("Change the end date"),
                                     submit_label=gettext("Save"))

    def confirm_view(self, request, object_id):
        def run(termination):
            confirmed = services.termination_confirm(actor=request.user, termination=termination)
            return gettext("The termination is confirmed. The contract ends on %(date)s; the "
                           "confirmation is sent and the district is told.") % {
                               "date": confirmed.end_date.isoformat()}

        return self._post_transition(request, object_id, run)

    def withdraw_view(self, request, object_id):
        def handle(termination, data):
            services.termination_withdraw(actor=request.user, termination=termination,
                                          reason=data["reason"])
            return gettext("The termination was withdrawn.")

        return self._form_transition(request, object_id, form_class=ReasonForm, handle=handle,
                                     error_field="reason", title=gettext("Withdraw"),
                                     submit_label=gettext("Withdraw"))

    def terms_view(self, request, object_id):
        def run(termination):
            services.termination_tick_terms(actor=request.user, termination=termination)
            return gettext("Done: the terms for the next tenant are checked.")

        return self._post_transition(request, object_id, run)

    def close_view(self, request, object_id):
        def run(termination):
            services.termination_close(actor=request.user, termination=termination)
            return gettext("The termination is closed.")

        return self._post_transition(request, object_id, run)

    def notice_view(self, request):
        """Register the customer's or a relative's written notice (a scan), by contract number."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = WrittenNoticeForm(request.POST, request.FILES)
            if form.is_valid():
                data = dict(form.cleaned_data)
                contract = (selectors.contracts_visible_to(request.user)
                            .filter(number=data.pop("contract_number").strip()).first())
                if contract is None:
                    form.add_error("contract_number", gettext("No such contract."))
                else:
                    try:
                        termination = services.notice_register(
                            actor=request.user, contract=contract,
                            source=TerminationNotice.Source.WRITTEN_NOTICE, **data)
                    except ValidationError as exc:
                        _add_errors(form, exc, "file")
                    else:
                        self.message_user(request, gettext("The notice was registered on termination "
                                                           "%(id)s.") % {"id": termination.pk},
                                          messages.SUCCESS)
                        return HttpResponseRedirect(self._change_url(termination))
        else:
            form = WrittenNoticeForm(initial={"contract_number": request.GET.get("contract", "")})
        return TemplateResponse(request, self.action_form_template, {
            **self.admin_site.each_context(request), "title": gettext("Register a written notice"),
            "intro": gettext("The customer's or a relative's written notice, scanned. A notice for a "
                             "contract with an open termination joins it."),
            "opts": self.opts, "app_label": self.opts.app_label, "form": form,
            "submit_label": gettext("Register"), "media": self.media + form.media,
        })

    def notice_file_view(self, request, object_id, notice_id):
        termination = self.get_object(request, unquote(object_id))
        if termination is None or not self.has_view_permission(request, termination):
            raise Http404
        notice = termination.notices.filter(pk=notice_id).first()
        if notice is None or not notice.file:
            raise Http404
        audit.record_view(actor=request.user, subject=termination,
                          what=f"admin: termination notice {notice.pk}")
        return FileResponse(notice.file.open("rb"), as_attachment=True,
                            filename=notice.original_name or "notice", content_type=notice.content_type)
