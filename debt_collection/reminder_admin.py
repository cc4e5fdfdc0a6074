"""The staff side of the reminders and of the collection codes' rules.

* **Collection code rules** (``CollectionPolicy``): one row per code with its steps, days, fees and
  notices, kept by staff; the fees are checked against the legal maxima with Swedish messages and
  saved through ``reminders.collection_policy_save`` (audited).
* **Reminder batches**: the queue of the days' proposals, by due date (the 3 working days of the
  service level), overdue marked. A batch's page lists its reminders with their flags; while it is
  under review staff tick items in or out and save (``reminders.reminder_set_included``), then
  approve and send it with the buttons (a second person is not required). A sent reminder's PDF opens
  from the page.
* **The invoice shows that it was reminded**: a read-only inline of its reminders is added to the
  invoice admin (``invoicing.admin.InvoiceAdmin``) from here, so that invoicing knows nothing of
  reminders.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from contracts.forms_admin import ReasonForm
from hyresadmin import audit
from hyresadmin.admin import OVERDUE, AuditHistoryMixin, ReadOnlyInlineMixin, TransitionAdminMixin
from hyresadmin.transitions import TransitionRefused
from invoicing.admin import InvoiceAdmin

from . import reminders, selectors
from .code_models import MAX_PAYMENT_PLAN_FEE, MAX_REMINDER_FEE, CollectionPolicy
from .reminder_models import Reminder, ReminderBatch


def _money(value) -> str:
    return formats.number_format(value, 2, use_l10n=True, force_grouping=True) + " kr"


def _yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


# --- Collection code rules --------------------------------------------------------------------------


class CollectionPolicyForm(forms.ModelForm):
    class Meta:
        model = CollectionPolicy
        fields = ("code", "reminds", "reminder_after_days", "reminder_fee", "to_agency", "agency_after_days",
                  "to_enforcement", "charges_interest", "payment_plan_fee", "notify_officer",
                  "notify_representatives")

    def clean_reminder_fee(self):
        fee = self.cleaned_data.get("reminder_fee")
        if fee is not None and fee > MAX_REMINDER_FEE:
            raise forms.ValidationError(
                _("The reminder fee may be at most %(max)s kr (inkassokostnadslagen 4 §)."),
                code="max_fee", params={"max": int(MAX_REMINDER_FEE)})
        if fee is not None and fee < 0:
            raise forms.ValidationError(_("A fee cannot be negative."), code="negative")
        return fee

    def clean_payment_plan_fee(self):
        fee = self.cleaned_data.get("payment_plan_fee")
        if fee is not None and fee > MAX_PAYMENT_PLAN_FEE:
            raise forms.ValidationError(
                _("The payment plan fee may be at most %(max)s kr (inkassokostnadslagen 4 §)."),
                code="max_fee", params={"max": int(MAX_PAYMENT_PLAN_FEE)})
        if fee is not None and fee < 0:
            raise forms.ValidationError(_("A fee cannot be negative."), code="negative")
        return fee


@admin.register(CollectionPolicy)
class CollectionPolicyAdmin(AuditHistoryMixin, admin.ModelAdmin):
    """Every collection code with its rules: what happens, after how many days, which fees, who is told."""

    form = CollectionPolicyForm
    list_display = ("code", "reminds", "reminder_after_days", "fee_column", "to_agency", "agency_after_days",
                    "to_enforcement", "charges_interest", "plan_fee_column", "notify_officer",
                    "notify_representatives")
    list_select_related = ("code",)
    search_fields = ("code__code", "code__name")
    fieldsets = (
        (None, {"fields": ("code",)}),
        (_("Reminder"), {"fields": ("reminds", "reminder_after_days", "reminder_fee")}),
        (_("Collection"), {"fields": ("to_agency", "agency_after_days", "to_enforcement")}),
        (_("Interest and payment plans"), {"fields": ("charges_interest", "payment_plan_fee")}),
        (_("Who is told"), {"fields": ("notify_officer", "notify_representatives")}),
    )

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()

    @admin.display(description=_("reminder fee"), ordering="reminder_fee")
    def fee_column(self, obj):
        return _money(obj.reminder_fee)

    @admin.display(description=_("payment plan fee"), ordering="payment_plan_fee")
    def plan_fee_column(self, obj):
        return _money(obj.payment_plan_fee)

    def save_model(self, request, obj, form, change):
        reminders.collection_policy_save(actor=request.user, policy=obj)


# --- Reminder batches -------------------------------------------------------------------------------


class ReminderItemInline(admin.TabularInline):
    """The items of a batch. Only "to be sent" can be changed, and only while the batch is under review."""

    model = Reminder
    extra = 0
    can_delete = False
    fields = ("invoice_link", "customer_name", "due_date", "left_to_pay", "fee_column", "flag_list",
              "included", "outcome", "delivery", "pdf_link")
    readonly_fields = ("invoice_link", "customer_name", "due_date", "left_to_pay", "fee_column", "flag_list",
                       "outcome", "delivery", "pdf_link")
    verbose_name = _("reminder")
    verbose_name_plural = _("reminders in the batch")

    def get_queryset(self, request):
        return (super().get_queryset(request)
                .select_related("batch", "invoice__customer", "fee_invoice").order_by("invoice__due_date", "id"))

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return (obj is not None and obj.state == ReminderBatch.State.PROPOSED
                and super().has_change_permission(request, obj))

    @admin.display(description=_("invoice"))
    def invoice_link(self, obj):
        url = reverse("admin:invoicing_invoice_change", args=[obj.invoice_id])
        return format_html('<a href="{}">{}</a>', url, obj.invoice.number)

    @admin.display(description=_("customer"))
    def customer_name(self, obj):
        return obj.invoice.customer.full_name if obj.invoice.customer_id else "–"

    @admin.display(description=_("due date"))
    def due_date(self, obj):
        return formats.date_format(obj.invoice.due_date, "SHORT_DATE_FORMAT")

    @admin.display(description=_("left to pay"))
    def left_to_pay(self, obj):
        return _money(obj.amount_due)

    @admin.display(description=_("reminder fee"))
    def fee_column(self, obj):
        return _money(obj.fee)

    @admin.display(description=_("flags"))
    def flag_list(self, obj):
        labels = obj.flag_labels()
        if not labels:
            return "–"
        return format_html('<ul class="flags">{}</ul>', format_html_join("", "<li>{}</li>",
                                                                         ((label,) for label in labels)))

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj):
        if obj.outcome != Reminder.Outcome.SENT:
            return "–"
        url = reverse("admin:debt_collection_reminderbatch_pdf", args=[obj.batch_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open the reminder (PDF)"))


@admin.register(ReminderBatch)
class ReminderBatchAdmin(TransitionAdminMixin, AuditHistoryMixin, admin.ModelAdmin):
    list_display = ("batch_name", "state", "due_column", "item_count", "included_count", "flagged_count",
                    "fee_total", "approved_by", "sent_at")
    list_display_links = ("batch_name",)
    list_filter = ("state",)
    list_select_related = ("approved_by", "sent_by")
    ordering = ("due_date", "id")
    list_per_page = 50
    inlines = [ReminderItemInline]
    fieldsets = (
        (None, {"fields": ("batch_name", "state", "due_column", "summary_text")}),
        (_("Review"), {"fields": ("approved_by", "approved_at", "sent_by", "sent_at")}),
    )
    readonly_fields = ("batch_name", "state", "due_column", "summary_text", "approved_by", "approved_at",
                       "sent_by", "sent_at")
    change_form_template = "admin/debt_collection/reminderbatch/change_form.html"

    def get_queryset(self, request):
        return selectors.reminder_batches_visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _may_act(self, request, obj) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    # --- columns

    @admin.display(description=_("proposed on"), ordering="proposed_on")
    def batch_name(self, obj):
        return str(obj)

    @admin.display(description=_("due date"), ordering="due_date")
    def due_column(self, obj):
        text = formats.date_format(obj.due_date, "SHORT_DATE_FORMAT")
        if obj.state in ReminderBatch.OPEN_STATES and obj.due_date < timezone.localdate():
            return format_html('<span class="overdue"><span aria-hidden="true">⚠</span> {} <strong>{}'
                               '</strong></span>', text, OVERDUE)
        return text

    @admin.display(description=_("items"))
    def item_count(self, obj):
        return obj.summary.get("items", "–")

    @admin.display(description=_("to be sent"))
    def included_count(self, obj):
        return obj.summary.get("sent", obj.summary.get("included", "–"))

    @admin.display(description=_("flagged"))
    def flagged_count(self, obj):
        return obj.summary.get("flagged", "–")

    @admin.display(description=_("fees"))
    def fee_total(self, obj):
        return _money(obj.summary["fees"]) if "fees" in obj.summary else "–"

    @admin.display(description=_("summary"))
    def summary_text(self, obj):
        summary = obj.summary or {}
        rows = [(gettext("Items"), summary.get("items", 0)), (gettext("To be sent"), summary.get("included", 0)),
                (gettext("Flagged"), summary.get("flagged", 0)),
                (gettext("Left to pay"), _money(summary.get("amount_due", "0"))),
                (gettext("Reminder fees"), _money(summary.get("fees", "0")))]
        if "sent" in summary:
            rows += [(gettext("Sent"), summary["sent"]), (gettext("Skipped (paid meanwhile)"), summary["skipped"]),
                     (gettext("Notices to representatives"), summary.get("notices", 0))]
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", rows))

    # --- pages

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/approve/", view(self.approve_view), name=self._url_name("approve")),
            path("<path:object_id>/send/", view(self.send_view), name=self._url_name("send")),
            path("<path:object_id>/discard/", view(self.discard_view), name=self._url_name("discard")),
            path("<path:object_id>/pdf/<int:reminder_id>/", view(self.pdf_view), name=self._url_name("pdf")),
            path("<path:object_id>/print-file/", view(self.print_file_view), name=self._url_name("print_file")),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self.get_object(request, unquote(object_id))
        extra = {}
        if batch is not None and self._may_act(request, batch):
            buttons = []
            if can_proceed(batch.approve):
                buttons.append({"label": gettext("Approve"), "url": self._url("approve", batch.pk), "post": True,
                                "default": True})
            if can_proceed(batch.send):
                buttons.append({"label": gettext("Send the reminders"), "url": self._url("send", batch.pk),
                                "post": True, "default": True})
            if can_proceed(batch.discard):
                buttons.append({"label": gettext("Discard"), "url": self._url("discard", batch.pk),
                                "post": False})
            if batch.state == ReminderBatch.State.SENT:
                buttons.append({"label": gettext("Download the print file"),
                                "url": self._url("print_file", batch.pk), "post": False})
            extra["transition_buttons"] = buttons
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def save_model(self, request, obj, form, change):
        pass  # the batch itself is never edited; the ticks are saved by ``save_formset``

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # for the admin's change message only; nothing is written here
        for item_form in formset.forms:
            if "included" in item_form.changed_data:
                reminders.reminder_set_included(actor=request.user, reminder=item_form.instance,
                                                included=item_form.cleaned_data["included"])

    def log_change(self, request, obj, message):
        pass  # recorded in the audit trail by the service

    def approve_view(self, request, object_id):
        def run(batch):
            reminders.reminder_batch_approve(actor=request.user, batch=batch)
            return gettext("The reminders were approved by %(name)s.") % {
                "name": request.user.get_full_name() or request.user.get_username()}

        return self._post_transition(request, object_id, run)

    def send_view(self, request, object_id):
        def run(batch):
            batch = reminders.reminder_batch_send(actor=request.user, batch=batch)
            return gettext("%(n)s reminders were sent; %(skipped)s were paid or changed meanwhile.") % {
                "n": batch.summary.get("sent", 0), "skipped": batch.summary.get("skipped", 0)}

        return self._post_transition(request, object_id, run)

    def discard_view(self, request, object_id):
        def handle(batch, data):
            reminders.reminder_batch_discard(actor=request.user, batch=batch, reason=data["reason"])
            return gettext("The batch was discarded.")

        return self._form_transition(
            request, object_id, form_class=ReasonForm, handle=handle, error_field="reason",
            title=gettext("Discard the reminders"), submit_label=gettext("Discard"),
            form_kwargs={"label": gettext("Why are the reminders discarded?"),
                         "help_text": gettext("Recorded in the batch's history.")})

    def print_file_view(self, request, object_id):
        batch = self._get_for_action(request, object_id)
        try:
            filename, data = reminders.reminder_print_file(actor=request.user, batch=batch)
        except TransitionRefused as exc:
            self._report_refusal(request, exc)
            return HttpResponseRedirect(self._change_url(batch))
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response

    def pdf_view(self, request, object_id, reminder_id):
        batch = self.get_object(request, unquote(object_id))
        if batch is None or not self.has_view_permission(request, batch):
            raise Http404
        reminder = (Reminder.objects.filter(batch=batch, pk=reminder_id, outcome=Reminder.Outcome.SENT)
                    .select_related("invoice").first())
        if reminder is None:
            raise Http404
        data = reminders.reminder_pdf_bytes(reminder)
        audit.record_view(actor=request.user, subject=reminder.invoice, what="admin: reminder PDF")
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            False, f"paminnelse-{reminder.invoice.number}.pdf")
        return response


# --- On the invoice: its reminders, read only --------------------------------------------------------


class InvoiceReminderInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Reminder
    fk_name = "invoice"
    fields = ("batch_link", "outcome", "sent_at", "new_due_date", "fee", "fee_invoice", "delivery", "pdf_link")
    readonly_fields = fields
    verbose_name = _("reminder")
    verbose_name_plural = _("reminders")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("batch", "fee_invoice")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("debt_collection.view_reminder")

    @admin.display(description=_("reminder batch"))
    def batch_link(self, obj):
        url = reverse("admin:debt_collection_reminderbatch_change", args=[obj.batch_id])
        return format_html('<a href="{}">{}</a>', url, obj.batch)

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj):
        if obj.outcome != Reminder.Outcome.SENT:
            return "–"
        url = reverse("admin:debt_collection_reminderbatch_pdf", args=[obj.batch_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open the reminder (PDF)"))


if InvoiceReminderInline not in InvoiceAdmin.inlines:
    InvoiceAdmin.inlines = [*InvoiceAdmin.inlines, InvoiceReminderInline]
