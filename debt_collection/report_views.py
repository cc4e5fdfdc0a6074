"""The district portal's unpaid-rent reports (``/forvaltning/obetalda-hyror/``): the list of the
administration's reports, one report's numbers per housing form, and the downloads (PDF, XLSX).

Thin: district case officers only (``officer_required``); reports are found only through
``unpaid_report.reports_visible_to``, so another administration's report is a 404. A download checks
the stored file against its checksum and is recorded in the audit trail as an export.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header

from contracts.models import HousingForm
from hyresadmin import audit
from hyresadmin.decorators import officer_required

from .unpaid_report import reports_visible_to, stored_file

PAGE_SIZE = 24


@officer_required
def report_list(request):
    """The administration's reports, newest month first."""
    reports = reports_visible_to(request.user).order_by("-month")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "debt_collection/report/list.html", {"page": page, "reports": list(page)})


@officer_required
def report_detail(request, pk: int):
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    labels = dict(HousingForm.choices)
    groups = [{**group, "label": labels.get(group["housing_form"], group["housing_form"] or "–")}
              for group in report.summary.get("housing_forms", [])]
    return render(request, "debt_collection/report/detail.html", {"report": report, "groups": groups})


@officer_required
def report_download(request, pk: int, fmt: str):
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    found = stored_file(report, fmt)
    if found is None:
        raise Http404
    content, content_type, filename = found
    audit.record_export(actor=request.user, what=f"unpaid-rent report {fmt}", count=report.invoice_count,
                        subject=report)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
