"""The staff side of support cases: the queue by due date, registering a call or an e-mail, and the
case page with the conversation, the invoice facts that answer the common question, and the actions.

Thin: every button calls ``services``; what staff may see comes from ``selectors``. The case itself
is not edited in the admin: it changes only through the actions.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
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
    TransitionAdminMixin,
)
from hyresadmin.identity import parse_personal_number
from hyresadmin.transitions import TransitionRefused
from invoicing import selectors as invoicing_selectors
from invoicing.models import Invoice

from . import selectors, services
from .forms_admin import CaseOpenForm, ForwardForm, MessageForm
from .models import MessageAttachment, SupportCase

try:  # the ledger of payments arrives with the payments issue
    from invoicing.models import Allocation, CustomerCredit
except ImportError:  # pragma: no cover
    Allocation = CustomerCredit = None

#: How many of a customer's payments the case page shows.
LEDGER_ROWS = 10


def _date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "–"


def _status_label(invoice: Invoice) -> str:
    return Invoice.State(invoicing_selectors.citizen_status(invoice)).label


class CaseStateFilter(OpenStatesFilter):
    states = SupportCase.State
    open_states = SupportCase.OPEN_STATES




@admin.register(SupportCase)
class SupportCaseAdmin(TransitionAdminMixin, AuditHistoryMixin, admin.ModelAdmin):
    list_display = ("id", "subject", "category", "asker", "channel", "person_name", "organisation",
                    "state_label", "received", "due", "assignee_name")
    list_display_links = ("id", "subject")
    list_filter = (CaseStateFilter, AssigneeFilter, OverdueFilter, "category", "asker", "channel",
                   ("organisation", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("person", "organisation", "assignee")
    search_fields = ("=id", "subject", "person__first_name", "person__last_name", "contact_name",
                     "invoice__number__exact", "=invoice__ocr_reference")
    ordering = ("due_date", "received_at")
    list_per_page = 100
    actions = ["assign_to_me"]
    autocomplete_fields = ("person", "organisation", "contract", "invoice")
    fieldsets = (
        (None, {"fields": ("subject", "category", "state", "waiting_on", "channel", "asker",
                           "received_at", "due_date", "assignee", "opened_by", "closed_at")}),
        (_("What it concerns"), {"fields": ("person", "organisation", "contract", "invoice")}),
        (_("Contact details"), {"fields": ("contact_name", "contact_email", "contact_phone")}),
        (_("proposed solution"), {"fields": ("proposed_solution",)}),
    )

    def get_queryset(self, request):
        return selectors.cases_visible_to(request.user)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            digits = parse_personal_number(search_term).digits12
        except ValidationError:
            return results, may_have_duplicates
        return results | queryset.filter(person__personal_number=digits), may_have_duplicates

    # The case changes only through the actions; it is never deleted.
    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def _may_act(self, request, obj) -> bool:
        return self.has_change_permission(request)

    # --- columns

    @admin.display(description=_("person"), ordering="person__last_name")
    def person_name(self, obj):
        if obj.person is not None:
            return f"{obj.person.first_name} {obj.person.last_name}"
        return obj.contact_name or "–"

    @admin.display(description=_("state"), ordering="state")
    def state_label(self, obj):
        if obj.waiting_on:
            return f"{obj.get_state_display()} ({obj.get_waiting_on_display().lower()})"
        return obj.get_state_display()

    @admin.display(description=_("received"), ordering="received_at")
    def received(self, obj):
        return _date(timezone.localtime(obj.received_at).date())

    @admin.display(description=_("answer due"), ordering="due_date")
    def due(self, obj):
        if obj.is_overdue:
            return format_html('<span class="overdue"><span aria-hidden="true">⚠</span> {} <strong>{}'
                               '</strong></span>', _date(obj.due_date), OVERDUE)
        return _date(obj.due_date)

    @admin.display(description=_("assignee"), ordering="assignee__first_name")
    def assignee_name(self, obj):
        if obj.assignee is None:
            return "–"
        return obj.assignee.get_full_name() or obj.assignee.get_username()

    # --- URLs

    def get_urls(self):
        view = self.admin_site.admin_view
        routes = [
            ("assign-to-me", self.assign_view, "assign"),
            ("start", self.start_view, "start"),
            ("answer", self.answer_view, "answer"),
            ("ask-customer", self.ask_customer_view, "ask_customer"),
            ("forward", self.forward_view, "forward"),
            ("note", self.note_view, "note"),
            ("close", self.close_view, "close"),
        ]
        return [
            *(path(f"<path:object_id>/{slug}/", view(fn), name=self._url_name(name))
              for slug, fn, name in routes),
            path("<path:object_id>/attachments/<int:attachment_id>/", view(self.attachment_view),
                 name=self._url_name("attachment")),
            *super().get_urls(),
        ]

    # --- registering a call or an e-mail

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = CaseOpenForm(request.POST, admin_site=self.admin_site)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    case = services.case_open(
                        actor=request.user, channel=data["channel"], asker=data["asker"],
                        category=data["category"], subject=data["subject"], body=data["body"],
                        person=data["person"], organisation=data["organisation"],
                        contract=data["contract"], invoice=data["invoice"],
                        contact_name=data["contact_name"], contact_email=data["contact_email"],
                        contact_phone=data["contact_phone"])
                except ValidationError as exc:
                    if hasattr(exc, "error_dict"):
                        for name, errors in exc.message_dict.items():
                            form.add_error(name if name in form.fields else None, errors)
                    else:
                        form.add_error(None, exc)
                else:
                    self.message_user(request, gettext("The case was registered. Answer due %(date)s.")
                                      % {"date": _date(case.due_date)}, messages.SUCCESS)
                    return HttpResponseRedirect(self._change_url(case))
        else:
            form = CaseOpenForm(admin_site=self.admin_site)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Register a call or an e-mail"),
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "form": form,
            "submit_label": gettext("Register the case"),
            "media": self.media + form.media,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/support/supportcase/open_form.html", context)

    # --- the case page

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = self.get_object(request, unquote(object_id))
        extra = {}
        if case is not None and self.has_view_permission(request, case):
            extra = self._page_context(request, case)
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _buttons(self, request, case: SupportCase) -> list[dict]:
        if not self._may_act(request, case):
            return []
        buttons = []
        if case.state in SupportCase.OPEN_STATES and case.assignee_id != request.user.pk:
            buttons.append({"label": gettext("Assign to me"), "url": self._url("assign", case.pk),
                            "post": True})
        if can_proceed(case.start):
            buttons.append({"label": gettext("Start"), "url": self._url("start", case.pk), "post": True})
        if can_proceed(case.answer):
            buttons.append({"label": gettext("Answer"), "url": self._url("answer", case.pk),
                            "default": True})
        if can_proceed(case.wait):
            buttons.append({"label": gettext("Ask the customer"),
                            "url": self._url("ask_customer", case.pk)})
            buttons.append({"label": gettext("Forward to the district"),
                            "url": self._url("forward", case.pk)})
        buttons.append({"label": gettext("Internal note"), "url": self._url("note", case.pk)})
        if can_proceed(case.close):
            buttons.append({"label": gettext("Close"), "url": self._url("close", case.pk), "post": True})
        return buttons

    def _page_context(self, request, case: SupportCase) -> dict:
        conversation = [
            (message, [(a, self._url("attachment", case.pk, a.pk)) for a in message.attachments.all()])
            for message in selectors.messages_for(request.user, case)
        ]
        return {
            "transition_buttons": self._buttons(request, case),
            "conversation": conversation,
            "is_overdue": case.is_overdue,
            "overdue_label": OVERDUE,
            **self._invoice_context(case),
        }

    def _invoice_context(self, case: SupportCase) -> dict:
        """The answers that help: the invoice's OCR reference, whether it is paid, and the ledger."""
        invoice = case.invoice
        customer_id = invoice.customer_id if invoice is not None and invoice.customer_id else case.person_id
        if invoice is None and not (case.category in SupportCase.INVOICE_CATEGORIES and customer_id):
            return {"show_invoice": False}
        context = {"show_invoice": True, "invoice": invoice}
        if invoice is not None:
            context.update({
                "invoice_status": _status_label(invoice),
                "invoice_paid": invoice.state == Invoice.State.PAID,
                "invoice_url": reverse("admin:invoicing_invoice_change", args=[invoice.pk]),
            })
        if customer_id:
            others = Invoice.objects.filter(customer_id=customer_id, state__in=Invoice.OPEN_STATES)
            if invoice is not None:
                others = others.exclude(pk=invoice.pk)
            context["open_invoices"] = [(other, _status_label(other))
                                        for other in others.order_by("due_date", "number")]
            context["open_balance"] = sum((i.balance for i, _s in context["open_invoices"]),
                                          invoice.balance if invoice is not None and invoice.is_open
                                          else 0)
            if Allocation is not None:
                context["allocations"] = list(
                    Allocation.objects.filter(invoice__customer_id=customer_id)
                    .select_related("invoice", "payment")
                    .order_by("-created_at", "-id")[:LEDGER_ROWS])
                context["credit_balance"] = (CustomerCredit.objects.filter(person_id=customer_id)
                                             .aggregate(s=Sum("amount"))["s"] or 0)
        return context

    def attachment_view(self, request, object_id, attachment_id):
        case = self.get_object(request, unquote(object_id))
        if case is None or not self.has_view_permission(request, case):
            raise Http404
        attachment = MessageAttachment.objects.filter(
            pk=attachment_id, message__in=selectors.messages_for(request.user, case)).first()
        if attachment is None:
            raise Http404
        audit.record_view(actor=request.user, subject=case,
                          what=f"admin: attachment {attachment.original_name}")
        return FileResponse(attachment.file.open("rb"), as_attachment=True,
                            filename=attachment.original_name, content_type=attachment.content_type)

    # --- the actions

    def assign_view(self, request, object_id):
        def run(case):
            services.case_assign(actor=request.user, case=case, assignee=request.user)
            return gettext("The case was assigned to you.")

        return self._post_transition(request, object_id, run)

    def start_view(self, request, object_id):
        def run(case):
            services.case_start(actor=request.user, case=case)
            return gettext("The case is in progress.")

        return self._post_transition(request, object_id, run)

    def close_view(self, request, object_id):
        def run(case):
            services.case_close(actor=request.user, case=case)
            return gettext("The case was closed.")

        return self._post_transition(request, object_id, run)

    def answer_view(self, request, object_id):
        case = self._get_for_action(request, object_id)

        def handle(case, data):
            services.case_answer(actor=request.user, case=case, body=data["body"])
            return gettext("The answer was sent. The person is told by e-mail that it is waiting.")

        return self._form_transition(
            request, object_id, form_class=MessageForm, handle=handle, error_field="body",
            title=gettext("Answer"), submit_label=gettext("Send the answer"),
            form_kwargs={"label": gettext("Answer"),
                         "initial": {"body": services.prepared_answer(case.category)},
                         "help_text": gettext("The person reads the answer in Mina sidor; the e-mail "
                                              "only says that an answer is waiting.")},
        )

    def ask_customer_view(self, request, object_id):
        def handle(case, data):
            services.case_wait_on_customer(actor=request.user, case=case, body=data["body"])
            return gettext("The question was sent; the case waits on the customer.")

        return self._form_transition(
            request, object_id, form_class=MessageForm, handle=handle, error_field="body",
            title=gettext("Ask the customer"), submit_label=gettext("Send the question"),
            form_kwargs={"label": gettext("What the customer needs to tell us")},
        )

    def forward_view(self, request, object_id):
        case = self._get_for_action(request, object_id)

        def handle(case, data):
            services.case_forward_to_district(actor=request.user, case=case, body=data["body"],
                                              proposed_solution=data["proposed_solution"])
            return gettext("The case was forwarded to the district.")

        return self._form_transition(
            request, object_id, form_class=ForwardForm, handle=handle, error_field="body",
            title=gettext("Forward to the district"), submit_label=gettext("Forward"),
            form_kwargs={"require_proposed_solution":
                         case.category == SupportCase.Category.INVOICE_DISPUTED,
                         "initial": {"proposed_solution": case.proposed_solution}},
        )

    def note_view(self, request, object_id):
        def handle(case, data):
            services.case_note(actor=request.user, case=case, body=data["body"])
            return gettext("The note was added.")

        return self._form_transition(
            request, object_id, form_class=MessageForm, handle=handle, error_field="body",
            title=gettext("Internal note"), submit_label=gettext("Add the note"),
            form_kwargs={"label": gettext("Note"),
                         "help_text": gettext("Only staff see internal notes.")},
        )

    # --- bulk action

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        done = 0
        for case in queryset:
            try:
                services.case_assign(actor=request.user, case=case, assignee=request.user)
            except (TransitionRefused, ValidationError) as exc:
                text = exc.message if isinstance(exc, TransitionRefused) else "; ".join(exc.messages)
                self.message_user(request, gettext("Case %(id)s: ") % {"id": case.pk} + text,
                                  messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, gettext("%(n)s cases were assigned to you.") % {"n": done},
                              messages.SUCCESS)
