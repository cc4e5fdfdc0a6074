"""The staff side of invoicing: runs, their items with the flags to review, issued invoices, invoice
notes and queued one-off lines.

Thin: every button and save calls ``services``; what staff may see comes from ``selectors``. A run is
never edited as a form: it moves by its buttons (prepare, approve, issue, discard), each a POST that
calls the service and shows its refusal. Issued invoices are read-only (they are credited or cancelled,
never edited). The downloads (the print vendor's file, the ledger export, an invoice's PDF) call
``services.run_export`` and ``documents.get_or_render_invoice_pdf`` when those exist.
"""

from __future__ import annotations

import mimetypes
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from contracts.forms_admin import ReasonForm
from contracts.selectors import contracts_visible_to
from hyresadmin import audit
from hyresadmin.admin import OVERDUE, AuditHistoryMixin, ReadOnlyInlineMixin, TransitionAdminMixin
from hyresadmin.identity import parse_personal_number
from hyresadmin.transitions import TransitionRefused

from . import periods, selectors, services
from .models import (
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceNote,
    InvoiceRun,
    PendingLine,
    ReportFile,
    RunItem,
    RunKind,
)

#: How many flagged items the run page lists; the rest are one click away in the items list.
FLAGGED_PREVIEW = 50
EXPORTS = {"print": _("File for the print vendor"), "ledger": _("Ledger export (Agresso)")}


def _money(value) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError):
        return "–"
    return formats.number_format(amount, 2, use_l10n=True, force_grouping=True) + " kr"


def _search_with_personal_number(admin_super, request, queryset, search_term, field):
    """The admin's search, plus a personal identity number written in any accepted form."""
    results, may_have_duplicates = admin_super.get_search_results(request, queryset, search_term)
    try:
        digits = parse_personal_number(search_term).digits12
    except ValidationError:
        return results, may_have_duplicates
    return results | queryset.filter(**{field: digits}), may_have_duplicates


def _pdf_renderer():
    """``documents.get_or_render_invoice_pdf`` when the documents module is there, else None."""
    try:
        from . import documents
    except ImportError:
        return None
    return getattr(documents, "get_or_render_invoice_pdf", None)


def _run_export():
    return getattr(services, "run_export", None)


# --- Forms -------------------------------------------------------------------------------------------


class PeriodField(forms.Field):
    """A month written as YYYY-MM; cleaned to its first day."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Write the period as YYYY-MM, for example 2026-12.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("The month, as YYYY-MM."))
        super().__init__(**kwargs)
        self.widget.attrs.update({"maxlength": "7", "size": "8", "placeholder": _("YYYY-MM"),
                                  "inputmode": "numeric"})

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, date) else value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return periods.period_of(value)
        text = str(value).strip()
        if not re.fullmatch(r"\d{4}-\d{1,2}", text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return periods.parse_period(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class StartRunForm(forms.Form):
    period = PeriodField(label=_("Period"))
    kind = forms.ChoiceField(label=_("Kind"), choices=RunKind.choices, initial=RunKind.RENT)


class InvoiceNoteForm(forms.ModelForm):
    first_period = PeriodField(label=_("From period"))

    class Meta:
        model = InvoiceNote
        fields = ("contract", "text", "first_period", "invoices_remaining")
        labels = {"invoices_remaining": _("Number of invoices")}
        help_texts = {"text": _("Printed on the contract's invoices (avispecifikation)."),
                      "invoices_remaining": _("The note is printed on this many invoices, then "
                                              "removed.")}


class PendingLineForm(forms.ModelForm):
    period = PeriodField(label=_("Period"))

    class Meta:
        model = PendingLine
        fields = ("contract", "period", "description", "amount")


# --- Filters -----------------------------------------------------------------------------------------


FLAGGED = ~Q(flags=[])


def _with_flag(queryset, flag: str):
    """Items carrying ``flag``: a JSON containment where the database has one, else a text match on
    the quoted flag (no flag's quoted name is part of another's)."""
    if connections[queryset.db].features.supports_json_field_contains:
        return queryset.filter(flags__contains=[flag])
    return queryset.filter(flags__icontains=f'"{flag}"')


class FlaggedFilter(admin.SimpleListFilter):
    title = _("flagged")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", _("Flagged only")), ("no", _("Not flagged"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(FLAGGED)
        if self.value() == "no":
            return queryset.exclude(FLAGGED)
        return queryset


class FlagFilter(admin.SimpleListFilter):
    title = _("flag")
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return RunItem.Flag.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value in RunItem.Flag.values:
            return _with_flag(queryset, value)
        return queryset.none()


class RunListFilter(admin.RelatedFieldListFilter):
    """The runs (a handful per month), titled in the users' words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("invoicing run")


class PeriodFilter(admin.SimpleListFilter):
    """The months that have invoices, newest first (one query)."""

    title = _("period")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        months = model_admin.get_queryset(request).order_by().dates("period", "month", order="DESC")
        return [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in months]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            return queryset.filter(period=periods.parse_period(self.value()))
        except ValueError:
            return queryset.none()


# --- Runs --------------------------------------------------------------------------------------------


class ReadOnlyAdminMixin:
    """Shown, never changed or deleted in the admin."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InvoiceRun)
class InvoiceRunAdmin(TransitionAdminMixin, AuditHistoryMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("run_name", "kind", "state", "item_count", "included_count", "flagged_count",
                    "run_total", "issued_count", "issue_day")
    list_display_links = ("run_name",)
    list_filter = ("state", "kind")
    list_select_related = ("approved_by",)
    ordering = ("-period", "kind")
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("run_name", "kind", "state", "issue_day")}),
        (_("Review"), {"fields": ("prepared_at", "approved_by", "approved_at", "issued_at")}),
    )
    readonly_fields = ("run_name", "kind", "state", "issue_day", "prepared_at", "approved_by",
                       "approved_at", "issued_at")
    start_template = "admin/invoicing/invoicerun/start.html"

    def get_queryset(self, request):
        return selectors.runs_visible_to(request.user)

    def _may_act(self, request, obj) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    # --- columns

    @admin.display(description=_("period"), ordering="period")
    def run_name(self, obj):
        return obj.period_label

    @admin.display(description=_("items"))
    def item_count(self, obj):
        return obj.summary.get("items", "–")

    @admin.display(description=_("to be invoiced"))
    def included_count(self, obj):
        return obj.summary.get("included", "–")

    @admin.display(description=_("flagged"))
    def flagged_count(self, obj):
        return obj.summary.get("flagged", "–")

    @admin.display(description=_("total"))
    def run_total(self, obj):
        return _money(obj.summary["total"]) if "total" in obj.summary else "–"

    @admin.display(description=_("issued"))
    def issued_count(self, obj):
        return obj.summary.get("issued", "–")

    @admin.display(description=_("issue day"))
    def issue_day(self, obj):
        day = selectors.run_issue_day(obj.period, obj.kind)
        text = formats.date_format(day, "SHORT_DATE_FORMAT")
        waiting = obj.state in (InvoiceRun.State.PLANNED, InvoiceRun.State.PREPARED,
                                InvoiceRun.State.APPROVED)
        if waiting and day < timezone.localdate():
            return format_html('<span class="overdue"><span aria-hidden="true">⚠</span> {} <strong>{}'
                               '</strong></span>', text, OVERDUE)
        return text

    # --- pages

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/prepare/", view(self.prepare_view), name=self._url_name("prepare")),
            path("<path:object_id>/approve/", view(self.approve_view), name=self._url_name("approve")),
            path("<path:object_id>/issue/", view(self.issue_view), name=self._url_name("issue")),
            path("<path:object_id>/discard/", view(self.discard_view), name=self._url_name("discard")),
            path("<path:object_id>/export/<str:which>/", view(self.export_view),
                 name=self._url_name("export")),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """Start (or find) the run of a period and kind: ``services.run_for``."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = StartRunForm(request.POST)
            if form.is_valid():
                run = services.run_for(period=form.cleaned_data["period"], kind=form.cleaned_data["kind"])
                self.message_user(request, gettext("The run %(run)s is %(state)s.") % {
                    "run": run, "state": run.get_state_display().lower()}, messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(run))
        else:
            form = StartRunForm(initial={"period": periods.next_period(timezone.localdate())})
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Start an invoicing run"),
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "form": form,
            "media": self.media + form.media,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.start_template, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, unquote(object_id))
        extra = {}
        if run is not None and self.has_view_permission(request, run):
            extra = self._page_context(request, run)
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _items_url(self, run, **params) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"run__id__exact": run.pk, **params}.items())
        return f"{reverse('admin:invoicing_runitem_changelist')}?{query}"

    def _page_context(self, request, run: InvoiceRun) -> dict:
        buttons = []
        if self._may_act(request, run):
            if can_proceed(run.prepare):
                label = _("Prepare again") if run.state == InvoiceRun.State.PREPARED else _("Prepare")
                buttons.append({"label": label, "url": self._url("prepare", run.pk), "post": True,
                                "default": run.state == InvoiceRun.State.PLANNED})
            if can_proceed(run.approve):
                buttons.append({"label": _("Approve"), "url": self._url("approve", run.pk), "post": True,
                                "default": True})
            if can_proceed(run.issue):
                buttons.append({"label": _("Issue"), "url": self._url("issue", run.pk), "post": True,
                                "default": True})
            if can_proceed(run.discard):
                buttons.append({"label": _("Discard"), "url": self._url("discard", run.pk),
                                "post": False})
        summary = run.summary or {}
        rows = []
        if summary:
            rows = [(_("Items"), summary.get("items", 0)),
                    (_("To be invoiced"), summary.get("included", 0)),
                    (_("Flagged"), summary.get("flagged", 0)),
                    (_("Total to be invoiced"), _money(summary.get("total", "0"))),
                    (_("Invoiced before the run was prepared"), summary.get("already_invoiced", 0))]
            if "issued" in summary:
                rows += [(_("Issued"), summary["issued"]),
                         (_("Issued total"), _money(summary.get("issued_total", "0")))]
        flag_rows = [(label, summary[f"flag_{flag}"], self._items_url(run, flag=flag))
                     for flag, label in RunItem.Flag.choices if summary.get(f"flag_{flag}")]
        flagged = list(
            run.items.filter(FLAGGED).select_related("contract__rental_object", "customer", "organisation")
            [:FLAGGED_PREVIEW]
        ) if summary.get("flagged") else []
        downloads = []
        if run.state == InvoiceRun.State.ISSUED and _run_export() is not None:
            downloads = [(label, self._url("export", run.pk, which)) for which, label in EXPORTS.items()]
        return {
            "transition_buttons": buttons,
            "summary_rows": rows,
            "flag_rows": flag_rows,
            "flagged_items": [(item, reverse("admin:contracts_rentalcontract_change", args=[item.contract_id]))
                              for item in flagged],
            "flagged_more": summary.get("flagged", 0) > len(flagged),
            "items_url": self._items_url(run),
            "flagged_url": self._items_url(run, flagged="yes"),
            "downloads": downloads,
        }

    # --- the transitions

    def prepare_view(self, request, object_id):
        def run(invoice_run):
            invoice_run = services.run_prepare(run=invoice_run, actor=request.user)
            summary = invoice_run.summary
            return gettext("The run was prepared: %(included)s of %(items)s items to be invoiced, "
                           "%(total)s, %(flagged)s flagged for review.") % {
                "included": summary.get("included", 0), "items": summary.get("items", 0),
                "total": _money(summary.get("total", "0")), "flagged": summary.get("flagged", 0)}

        return self._post_transition(request, object_id, run)

    def approve_view(self, request, object_id):
        def run(invoice_run):
            services.run_approve(run=invoice_run, actor=request.user)
            return gettext("The run was approved by %(name)s.") % {
                "name": request.user.get_full_name() or request.user.get_username()}

        return self._post_transition(request, object_id, run)

    def issue_view(self, request, object_id):
        def run(invoice_run):
            invoice_run = services.run_issue(run=invoice_run, actor=request.user)
            if invoice_run.state != InvoiceRun.State.ISSUED:
                return gettext("The run is still being issued. Reload the page in a while.")
            return gettext("%(n)s invoices were issued, %(total)s.") % {
                "n": invoice_run.summary.get("issued", 0),
                "total": _money(invoice_run.summary.get("issued_total", "0"))}

        return self._post_transition(request, object_id, run)

    def discard_view(self, request, object_id):
        def handle(invoice_run, data):
            services.run_discard(run=invoice_run, actor=request.user, reason=data["reason"])
            return gettext("The run was discarded.")

        return self._form_transition(
            request, object_id, form_class=ReasonForm, handle=handle, error_field="reason",
            title=gettext("Discard the run"), submit_label=gettext("Discard"),
            form_kwargs={"label": gettext("Why is the run discarded?"),
                         "help_text": gettext("Recorded in the run's history.")},
        )

    def export_view(self, request, object_id, which):
        run_export = _run_export()
        if which not in EXPORTS or run_export is None:
            raise Http404
        run = self.get_object(request, unquote(object_id))
        if run is None or not self.has_view_permission(request, run):
            raise Http404
        try:
            filename, data = run_export(actor=request.user, run=run, which=which)
        except TransitionRefused as exc:
            self._report_refusal(request, exc)
            return HttpResponseRedirect(self._change_url(run))
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


# --- The items of a run ------------------------------------------------------------------------------


@admin.register(RunItem)
class RunItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The items of a run, reached from the run's page: filter by flag, search by contract or customer,
    and open the contract to correct it."""

    list_display = ("contract_link", "customer_name", "organisation", "item_total", "included", "flag_list",
                    "run_name")
    list_display_links = None
    list_filter = (("run", RunListFilter), FlaggedFilter, FlagFilter, "included",
                   ("organisation", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("run", "contract__rental_object", "customer", "organisation")
    search_fields = ("contract__number", "customer__first_name", "customer__last_name",
                     "contract__rental_object__object_number")
    ordering = ("id",)
    list_per_page = 100
    fields = ("run_name", "contract", "customer", "organisation", "item_total", "included", "flag_list",
              "line_list", "note_list", "invoice")
    readonly_fields = fields

    def get_queryset(self, request):
        runs = selectors.runs_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(run__in=runs)

    def get_search_results(self, request, queryset, search_term):
        return _search_with_personal_number(super(), request, queryset, search_term,
                                            "customer__personal_number")

    def has_add_permission(self, request):
        return False

    def get_model_perms(self, request):
        return {}  # reached from a run's page, not from the index

    @admin.display(description=_("invoicing run"), ordering="run__period")
    def run_name(self, obj):
        return str(obj.run)

    @admin.display(description=_("contract"), ordering="contract__number")
    def contract_link(self, obj):
        url = reverse("admin:contracts_rentalcontract_change", args=[obj.contract_id])
        return format_html('<a href="{}">{}</a>', url, obj.contract)

    @admin.display(description=_("customer"), ordering="customer__last_name")
    def customer_name(self, obj):
        return obj.customer.full_name if obj.customer_id else "–"

    @admin.display(description=_("total"), ordering="total")
    def item_total(self, obj):
        return _money(obj.total)

    @admin.display(description=_("flags"))
    def flag_list(self, obj):
        labels = obj.flag_labels()
        if not labels:
            return "–"
        return format_html("<ul class=\"flags\">{}</ul>", format_html_join("", "<li>{}</li>",
                                                                          ((label,) for label in labels)))

    @admin.display(description=_("lines"))
    def line_list(self, obj):
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{}: {}</li>", ((line.get("description", ""), _money(line.get("amount")))
                                   for line in obj.lines)))

    @admin.display(description=_("invoice notes"))
    def note_list(self, obj):
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((n,) for n in obj.notes))) \
            if obj.notes else "–"


# --- Invoices ----------------------------------------------------------------------------------------


class InvoiceLineInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = InvoiceLine
    fields = ("kind", "description", "amount", "account")
    readonly_fields = fields


class CreditNoteInline(ReadOnlyInlineMixin, admin.TabularInline):
    """The credit notes and the cancellation of an invoice, read only."""

    model = CreditNote
    fields = ("number", "kind", "issue_date", "amount", "to_credit_balance", "reason", "attested_by")
    readonly_fields = fields
    verbose_name_plural = _("credit notes and cancellations")


@admin.register(Invoice)
class InvoiceAdmin(TransitionAdminMixin, AuditHistoryMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Issued invoices and accounting orders, read-only: they are credited or cancelled, never edited.

    "Kreditera" and "Makulera" are form pages that show ``credits.credit_checks`` / ``cancel_checks``
    and call ``credits.credit_note_create`` / ``credits.invoice_cancel``; a refusal is shown in Swedish.
    """

    list_display = ("number", "ocr_reference", "customer_name", "organisation", "period_column",
                    "invoice_total", "invoice_balance", "state", "due_date")
    list_filter = ("state", PeriodFilter, "kind", "document_type",
                   ("organisation", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("customer", "organisation")
    search_fields = ("number__exact", "=ocr_reference", "customer__first_name", "customer__last_name")
    ordering = ("-period", "-number")
    list_per_page = 100
    inlines = [InvoiceLineInline, CreditNoteInline]
    change_form_template = "admin/invoicing/invoice/change_form.html"
    check_form_template = "admin/invoicing/invoice/check_form.html"
    fieldsets = (
        (None, {"fields": ("number", "ocr_reference", "document_type", "kind", "state", "pdf_link")}),
        (_("Recipient"), {"fields": ("customer", "customer_ledger", "organisation", "contract",
                                     "delivery_channel", "collection_code")}),
        (_("Amounts and dates"), {"fields": ("period_column", "issue_date", "due_date", "invoice_total",
                                             "invoice_balance", "is_pro_rata", "notes", "run",
                                             "created_at")}),
    )
    readonly_fields = ("number", "ocr_reference", "document_type", "kind", "state", "pdf_link", "customer",
                       "customer_ledger", "organisation", "contract", "delivery_channel", "collection_code", "period_column",
                       "issue_date", "due_date", "invoice_total", "invoice_balance", "is_pro_rata", "notes",
                       "run", "created_at")

    def get_queryset(self, request):
        return selectors.invoices_visible_to(request.user).select_related("run", "collection_code")

    def get_search_results(self, request, queryset, search_term):
        return _search_with_personal_number(super(), request, queryset, search_term,
                                            "customer__personal_number")

    def has_add_permission(self, request):
        return False

    def _may_act(self, request, obj) -> bool:
        return request.user.has_perm("invoicing.add_creditnote")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, unquote(object_id))
        buttons = []
        if invoice is not None and self._may_act(request, invoice):
            buttons = [{"label": pgettext("invoice action", "Credit"), "url": self._url("credit", invoice.pk), "post": False},
                       {"label": gettext("Cancel the invoice"), "url": self._url("cancel", invoice.pk),
                        "post": False}]
        return super().change_view(request, object_id, form_url,
                                   {"transition_buttons": buttons, **(extra_context or {})})

    def credit_view(self, request, object_id):
        from . import credits
        from .forms_admin import CreditForm

        invoice = self._get_for_action(request, object_id)

        def handle(obj, data):
            note = credits.credit_note_create(actor=request.user, invoice=obj, amount=data["amount"],
                                              reason=data["reason"])
            return gettext("Credit note %(number)s: %(amount)s credited.") % {
                "number": note.number, "amount": _money(note.amount)}

        return self._check_form(request, object_id, form_class=CreditForm, handle=handle,
                                title=gettext("Credit the invoice"),
                                submit_label=pgettext("invoice action", "Credit"),
                                checks=credits.credit_checks(invoice),
                                intro=gettext("Left to pay on the invoice: %(balance)s of %(total)s.") % {
                                    "balance": _money(invoice.balance), "total": _money(invoice.total)})

    def cancel_view(self, request, object_id):
        from . import credits
        from .forms_admin import CancelForm

        invoice = self._get_for_action(request, object_id)

        def handle(obj, data):
            note = credits.invoice_cancel(actor=request.user, invoice=obj, reason=data["reason"])
            return gettext("The invoice was cancelled (%(number)s).") % {"number": note.number}

        return self._check_form(request, object_id, form_class=CancelForm, handle=handle,
                                title=gettext("Cancel the invoice"), submit_label=gettext("Cancel the invoice"),
                                checks=credits.cancel_checks(invoice),
                                intro=gettext("A cancellation voids the whole invoice (%(total)s).") % {
                                    "total": _money(invoice.total)})

    def _check_form(self, request, object_id, *, checks, **kwargs):
        """``_form_transition`` on a page that first lists why the step would be refused now."""
        response = self._form_transition(request, object_id, **kwargs)
        if isinstance(response, TemplateResponse):  # not rendered yet: the page with the checks
            response.template_name = self.check_form_template
            response.context_data["checks"] = checks
        return response

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/credit/", view(self.credit_view), name=self._url_name("credit")),
            path("<path:object_id>/cancel/", view(self.cancel_view), name=self._url_name("cancel")),
            path("<path:object_id>/pdf/", self.admin_site.admin_view(self.pdf_view),
                 name=f"{self.opts.app_label}_{self.opts.model_name}_pdf"),
            path("ledger/<int:person_id>/", self.admin_site.admin_view(self.ledger_view),
                 name=f"{self.opts.app_label}_{self.opts.model_name}_ledger"),
            *super().get_urls(),
        ]

    @admin.display(description=_("customer ledger"))
    def customer_ledger(self, obj):
        if not obj.customer_id:
            return "–"
        url = reverse("admin:invoicing_invoice_ledger", args=[obj.customer_id])
        return format_html('<a href="{}">{}</a>', url, gettext("Open the customer ledger"))

    def ledger_view(self, request, person_id: int):
        """The customer ledger (kundreskontra) of a person, read only (``invoicing.ledger``)."""
        from hyresadmin import permissions

        from .ledger import ledger_balance, ledger_for

        person = permissions.persons_visible_to(request.user).filter(pk=person_id).first()
        if person is None or not self.has_view_permission(request):
            raise Http404
        rows = ledger_for(person)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Customer ledger: %(name)s") % {"name": person.full_name},
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "person": person,
            "rows": rows,
            "balance": ledger_balance(rows),
        }
        return TemplateResponse(request, "admin/invoicing/invoice/ledger.html", context)

    @admin.display(description=_("customer"), ordering="customer__last_name")
    def customer_name(self, obj):
        return obj.customer.full_name if obj.customer_id else "–"

    @admin.display(description=_("period"), ordering="period")
    def period_column(self, obj):
        return obj.period_label

    @admin.display(description=_("total"), ordering="total")
    def invoice_total(self, obj):
        return _money(obj.total)

    @admin.display(description=_("balance"), ordering="balance")
    def invoice_balance(self, obj):
        return _money(obj.balance)

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj):
        if not obj.pk or _pdf_renderer() is None:
            return "–"
        url = reverse("admin:invoicing_invoice_pdf", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open the invoice (PDF)"))

    def pdf_view(self, request, object_id):
        render = _pdf_renderer()
        invoice = self.get_object(request, unquote(object_id))
        if render is None or invoice is None or not self.has_view_permission(request, invoice):
            raise Http404
        data = render(invoice)
        audit.record_view(actor=request.user, subject=invoice, what="admin: invoice PDF")
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(False, f"faktura-{invoice.number}.pdf")
        return response


# --- Invoice notes and queued lines: added through the services, then read-only ----------------------


class AddOnlyAdmin(AuditHistoryMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    autocomplete_fields = ("contract",)
    list_select_related = ("contract__rental_object",)
    search_fields = ("contract__number", "contract__customer__first_name", "contract__customer__last_name")
    list_per_page = 100

    def get_queryset(self, request):
        contracts = contracts_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(contract__in=contracts)

    def save_related(self, request, form, formsets, change):
        pass  # nothing besides the record itself, which the service saved


@admin.register(InvoiceNote)
class InvoiceNoteAdmin(AddOnlyAdmin):
    form = InvoiceNoteForm
    list_display = ("text", "contract", "first_period_column", "invoices_remaining", "created_at")
    search_fields = (*AddOnlyAdmin.search_fields, "text")

    @admin.display(description=_("from period"), ordering="first_period")
    def first_period_column(self, obj):
        return f"{obj.first_period:%Y-%m}"

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        data = form.cleaned_data
        note = services.invoice_note_add(actor=request.user, contract=data["contract"], text=data["text"],
                                         first_period=data["first_period"],
                                         invoices=data["invoices_remaining"])
        obj.pk = note.pk
        obj.refresh_from_db()


@admin.register(PendingLine)
class PendingLineAdmin(AddOnlyAdmin):
    form = PendingLineForm
    list_display = ("description", "contract", "period_column", "line_amount", "invoice", "created_at")
    list_select_related = ("contract__rental_object", "invoice")
    list_filter = (("invoice", admin.EmptyFieldListFilter),)
    search_fields = (*AddOnlyAdmin.search_fields, "description")

    @admin.display(description=_("period"), ordering="period")
    def period_column(self, obj):
        return f"{obj.period:%Y-%m}"

    @admin.display(description=_("amount"), ordering="amount")
    def line_amount(self, obj):
        return _money(obj.amount)

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        data = form.cleaned_data
        line = services.pending_line_add(actor=request.user, contract=data["contract"], period=data["period"],
                                         description=data["description"], amount=data["amount"])
        obj.pk = line.pk
        obj.refresh_from_db()


# --- Reports made by the jobs (the quarterly proof of invoicing) -----------------------------------------


@admin.register(ReportFile)
class ReportFileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "period", "created_at", "download")
    list_filter = ("kind",)
    search_fields = ("period",)
    fields = ("kind", "period", "created_at", "download", "sha256")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        return [
            path("<path:object_id>/download/", self.admin_site.admin_view(self.download_view),
                 name=f"{self.opts.app_label}_{self.opts.model_name}_download"),
            *super().get_urls(),
        ]

    @admin.display(description=_("file"))
    def download(self, obj):
        if not obj.pk or not obj.file:
            return "–"
        url = reverse("admin:invoicing_reportfile_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))

    def download_view(self, request, object_id):
        report = self.get_object(request, unquote(object_id))
        if report is None or not self.has_view_permission(request, report) or not report.file:
            raise Http404
        with report.file.open("rb") as file:
            data = file.read()
        audit.record_export(actor=request.user, what=f"admin: {report}", count=max(data.count(b"\n") - 1, 0),
                            subject=report)
        response = HttpResponse(data, content_type=report.content_type)
        response["Content-Disposition"] = content_disposition_header(True, report.file.name.rsplit("/", 1)[-1])
        return response

from . import admin_credits, admin_payments, settlement_admin  # noqa: E402,F401
