"""The staff side of the unpaid-rent reports: every organisation's reports, read-only, with their
downloads; making a month's reports again (the selected reports, or a whole month by a form).

Thin: both actions call ``unpaid_report.unpaid_reports_make``; made again, a report replaces the
month's earlier one of that organisation and its officers are told again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hyresadmin import audit
from hyresadmin.models import Organisation

from . import unpaid_report
from .report_models import UnpaidReport


class MakeReportsForm(forms.Form):
    month = forms.CharField(label=_("Month"), max_length=7, help_text=_("As YYYY-MM, e.g. 2026-12."))
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), required=False, queryset=Organisation.objects.none(),
        help_text=_("Empty: every administration's report of the month."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            kind__in=unpaid_report.REPORTED_KINDS).order_by("name")

    def clean_month(self) -> date:
        try:
            month = unpaid_report.parse_month(self.cleaned_data["month"])
        except ValueError:
            raise forms.ValidationError(_("Write the month as YYYY-MM, e.g. 2026-12."), code="invalid")
        day = unpaid_report.report_day(month)
        if day > timezone.localdate():
            raise forms.ValidationError(
                _("The report of %(month)s can be made from its report day, %(day)s.")
                % {"month": f"{month:%Y-%m}", "day": day.isoformat()}, code="too_early")
        return month


@admin.register(UnpaidReport)
class UnpaidReportAdmin(admin.ModelAdmin):
    list_display = ("organisation", "month_label", "report_date", "customer_count", "invoice_count",
                    "total", "downloads", "made_at", "notified_at")
    list_filter = ("organisation",)
    list_select_related = ("organisation",)
    search_fields = ("organisation__name", "organisation__code")
    date_hierarchy = "month"
    ordering = ("-month", "organisation__name")
    fields = ("organisation", "month", "report_date", "customer_count", "invoice_count", "total",
              "summary", "downloads", "pdf_sha256", "xlsx_sha256", "made_at", "made_by", "notified_at")
    readonly_fields = fields
    actions = ["make_again"]
    change_list_template = "debt_collection/report/admin_change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_make_permission(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("make/", self.admin_site.admin_view(self.make_view), name=f"{info}_make"),
            path("<path:object_id>/download/<str:fmt>/", self.admin_site.admin_view(self.download_view),
                 name=f"{info}_download"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_make": self.has_make_permission(request)}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("month"), ordering="month")
    def month_label(self, obj):
        return obj.month_label

    @admin.display(description=_("files"))
    def downloads(self, obj):
        if not obj.pk:
            return "–"
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">Excel</a>',
            reverse("admin:debt_collection_unpaidreport_download", args=[obj.pk, "pdf"]),
            reverse("admin:debt_collection_unpaidreport_download", args=[obj.pk, "xlsx"]))

    def _make(self, request, month: date, organisation_ids) -> None:
        try:
            reports = unpaid_report.unpaid_reports_make(actor=request.user, month=month,
                                                        organisation_ids=organisation_ids)
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, gettext("%(count)s reports for %(month)s were made.") % {
            "count": len(reports), "month": f"{month:%Y-%m}"}, messages.SUCCESS)

    @admin.action(description=_("Make the selected reports again"), permissions=["make"])
    def make_again(self, request, queryset):
        by_month: dict[date, list[int]] = defaultdict(list)
        for month, organisation_id in queryset.values_list("month", "organisation_id"):
            by_month[month].append(organisation_id)
        for month, organisation_ids in sorted(by_month.items()):
            self._make(request, month, organisation_ids)

    def make_view(self, request):
        if not self.has_make_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = MakeReportsForm(request.POST)
            if form.is_valid():
                organisation = form.cleaned_data["organisation"]
                self._make(request, form.cleaned_data["month"], [organisation.pk] if organisation else None)
                return HttpResponseRedirect(reverse("admin:debt_collection_unpaidreport_changelist"))
        else:
            form = MakeReportsForm()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Make the unpaid-rent reports of a month"),
            "intro": gettext("The reports list the rent invoices due before today and not paid. A month's "
                             "report made again replaces the earlier one, and the officers are told again."),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "form": form,
            "submit_label": gettext("Make the reports"),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/form_page.html", context)

    def download_view(self, request, object_id, fmt):
        report = self.get_object(request, unquote(object_id))
        if report is None or not self.has_view_permission(request, report):
            raise Http404
        found = unpaid_report.stored_file(report, fmt)
        if found is None:
            raise Http404
        content, content_type, filename = found
        audit.record_export(actor=request.user, what=f"admin: unpaid-rent report {fmt}",
                            count=report.invoice_count, subject=report)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
