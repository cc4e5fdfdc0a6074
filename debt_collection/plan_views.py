"""The district portal's deferral and payment-plan pages (``/forvaltning/anstand-och-avbetalning/``).

Form SF1015 (a deferral or a payment plan for the customer's open invoices), the administration's
requests with their state and instalments, the "Beslut" page where the district decides the requests
referred to it beyond the service administration's delegation, and the monthly report of payment
plans (page, CSV and Excel). Thin: for district officers only (the report also for staff), every record
found through the scoped reads of ``plans`` (another administration's record is a 404), every write
through ``plans``.
"""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hyresadmin import audit, permissions
from hyresadmin.decorators import officer_required
from hyresadmin.transitions import TransitionRefused
from invoicing.models import Invoice
from invoicing.periods import period_of

from . import plans, report_documents
from .plan_forms import DistrictDecisionForm, Sf1015Form
from .plan_models import Deferral, Instalment, PaymentPlan

PAGE_SIZE = 50
INVOICE_CHOICES_LIMIT = 200


def _open_invoices(request):
    """The officer's administration's invoices that may be chosen (open, something to pay)."""
    qs = (Invoice.objects.filter(organisation_id=request.user.organisation_id,
                                 state__in=Invoice.OPEN_STATES, balance__gt=0,
                                 document_type=Invoice.DocumentType.INVOICE, customer__isnull=False)
          .select_related("customer").order_by("customer__last_name", "customer__first_name", "due_date"))
    search = request.GET.get("q", "").strip()
    if search:
        qs = qs.filter(Q(customer__first_name__icontains=search) | Q(customer__last_name__icontains=search)
                       | Q(contract__number__icontains=search) | Q(number__icontains=search))
    contract = request.GET.get("contract", "")
    if contract.isdigit():
        qs = qs.filter(contract_id=int(contract))
    return qs, search


@officer_required
def request_new(request):
    """Form SF1015 for the officer's own administration."""
    invoices, search = _open_invoices(request)
    if request.method == "POST":
        form = Sf1015Form(request.POST, request.FILES, invoices=invoices)
        if form.is_valid():
            try:
                created = plans.sf1015_submit(actor=request.user, organisation=request.user.organisation,
                                              **form.submit_kwargs())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                _sent_message(request, created)
                return redirect(_detail_url_name(created), pk=created.pk)
    else:
        form = Sf1015Form(invoices=invoices)
    form.fields["invoices"].queryset = invoices[:INVOICE_CHOICES_LIMIT] if not form.is_bound else invoices
    return render(request, "debt_collection/plans/portal/request_form.html",
                  {"form": form, "search": search})


def _detail_url_name(obj) -> str:
    return "plans:deferral_detail" if isinstance(obj, Deferral) else "plans:plan_detail"


def _sent_message(request, created) -> None:
    if created.state == created.State.REFERRED:
        messages.success(request, _("%(what)s is registered. It is beyond the service administration's "
                                    "delegation, so your administration decides it under Decisions.")
                         % {"what": str(created)})
    else:
        messages.success(request, _("%(what)s has been sent to the service administration. It is due to be "
                                    "handled by %(due)s.") % {"what": str(created),
                                                              "due": created.due_date.isoformat()})


@officer_required
def request_list(request):
    """The administration's deferrals and payment plans, the newest first."""
    deferrals = (plans.deferrals_visible_to(request.user).prefetch_related("invoices")
                 .order_by("-received_at", "-pk"))
    payment_plans = (plans.payment_plans_visible_to(request.user).prefetch_related("invoices")
                     .order_by("-received_at", "-pk"))
    return render(request, "debt_collection/plans/portal/request_list.html", {
        "deferrals": Paginator(deferrals, PAGE_SIZE).get_page(request.GET.get("dpage")),
        "plans": Paginator(payment_plans, PAGE_SIZE).get_page(request.GET.get("ppage")),
        "referred_count": (plans.deferrals_visible_to(request.user).filter(state=Deferral.State.REFERRED).count()
                           + plans.payment_plans_visible_to(request.user)
                           .filter(state=PaymentPlan.State.REFERRED).count()),
    })


@officer_required
def deferral_detail(request, pk: int):
    deferral = get_object_or_404(plans.deferrals_visible_to(request.user).prefetch_related("invoices"), pk=pk)
    return render(request, "debt_collection/plans/portal/deferral_detail.html", {
        "deferral": deferral, "decision_form": DistrictDecisionForm(),
        "may_decide": deferral.state == Deferral.State.REFERRED,
    })


@officer_required
def plan_detail(request, pk: int):
    plan = get_object_or_404(
        plans.payment_plans_visible_to(request.user).prefetch_related(
            "invoices", Prefetch("instalments", queryset=Instalment.objects.select_related("invoice"))),
        pk=pk)
    today = timezone.localdate()
    return render(request, "debt_collection/plans/portal/plan_detail.html", {
        "plan": plan, "decision_form": DistrictDecisionForm(),
        "may_decide": plan.state == PaymentPlan.State.REFERRED,
        "instalments": [{"instalment": i, "status": plans.instalment_status(i, today)}
                        for i in plan.instalments.all()],
    })


@officer_required
def decision_list(request):
    """"Beslut": the requests referred to the administration for decision."""
    return render(request, "debt_collection/plans/portal/decision_list.html", {
        "deferrals": plans.deferrals_visible_to(request.user).filter(state=Deferral.State.REFERRED)
        .prefetch_related("invoices").order_by("due_date", "pk"),
        "plans": plans.payment_plans_visible_to(request.user).filter(state=PaymentPlan.State.REFERRED)
        .prefetch_related("invoices").order_by("due_date", "pk"),
    })


def _decide(request, obj, service, detail_template, context):
    form = DistrictDecisionForm(request.POST)
    if form.is_valid():
        try:
            service(actor=request.user, approve=form.cleaned_data["decision"] == "approve",
                    note=form.cleaned_data["note"])
        except TransitionRefused as exc:
            messages.error(request, exc.message)
        else:
            if form.cleaned_data["decision"] == "approve":
                messages.success(request, _("%(what)s is approved and goes back to the service "
                                            "administration.") % {"what": str(obj)})
            else:
                messages.success(request, _("%(what)s is rejected.") % {"what": str(obj)})
            return redirect("plans:decision_list")
        return redirect(_detail_url_name(obj), pk=obj.pk)
    return render(request, detail_template, {**context, "decision_form": form, "may_decide": True})


@officer_required
@require_POST
def deferral_decide(request, pk: int):
    deferral = get_object_or_404(plans.deferrals_visible_to(request.user).prefetch_related("invoices"), pk=pk)
    return _decide(request, deferral,
                   lambda **kw: plans.deferral_district_decide(deferral=deferral, **kw),
                   "debt_collection/plans/portal/deferral_detail.html", {"deferral": deferral})


@officer_required
@require_POST
def plan_decide(request, pk: int):
    plan = get_object_or_404(plans.payment_plans_visible_to(request.user).prefetch_related(
        "invoices", Prefetch("instalments", queryset=Instalment.objects.select_related("invoice"))), pk=pk)
    return _decide(request, plan, lambda **kw: plans.payment_plan_district_decide(plan=plan, **kw),
                   "debt_collection/plans/portal/plan_detail.html",
                   {"plan": plan, "instalments": [{"instalment": i, "status": plans.instalment_status(i)}
                                                  for i in plan.instalments.all()]})


@officer_required
def attachment(request, kind: str, pk: int):
    """The SF1015 attachment, for the administration that sent it (recorded as an export)."""
    reads = plans.deferrals_visible_to if kind == "anstand" else plans.payment_plans_visible_to
    obj = get_object_or_404(reads(request.user), pk=pk)
    if not obj.attachment:
        raise Http404
    audit.record_export(actor=request.user, what="SF1015 attachment", count=1, subject=obj)
    return FileResponse(obj.attachment.open("rb"), as_attachment=True,
                        filename=obj.attachment_name or f"sf1015-{pk}",
                        content_type=obj.attachment_content_type or "application/octet-stream")


# --- The monthly report ----------------------------------------------------------------------------------


def _report_month(request) -> dt.date:
    value = request.GET.get("month", "")
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return period_of(timezone.localdate())


def report(request):
    """The monthly report of payment plans: an officer's own administration, all for staff; ``?format=csv``
    or ``?format=xlsx`` downloads it (recorded as an export)."""
    user = request.user
    if not user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login
        from django.urls import reverse

        return redirect_to_login(request.get_full_path(), reverse("portal:login"))
    if permissions.is_service_staff(user):
        organisation_id = None
    elif permissions.is_district_officer(user):
        organisation_id = user.organisation_id
    else:
        raise PermissionDenied
    month = _report_month(request)
    rows = plans.report_rows(organisation_id=organisation_id, month=month)
    if request.GET.get("format") == "csv":
        return _report_csv(request, rows, month)
    if request.GET.get("format") == "xlsx":
        return _report_xlsx(request, rows, month)
    return render(request, "debt_collection/plans/portal/report.html", {
        "rows": rows, "month": month, "is_staff": organisation_id is None,
    })


def _report_headings() -> list[str]:
    return [_("Payment plan"), _("District"), _("Customer"), _("Contract"), _("State"),
            _("Amount (kr)"), _("Left to pay (kr)"), _("Instalments paid"), _("Instalments"),
            _("Next due date"), _("Instalments overdue")]


def _report_values(row) -> list:
    """One plan's cells, in the order of ``_report_headings``: amounts Decimal, the due date a date."""
    return [row["plan"].pk, row["organisation"], row["customer"], row["contract"], row["state"],
            row["total"], row["left"], row["paid_count"], row["count"], row["next_due"],
            row["overdue_count"]]


def _report_csv(request, rows, month) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="avbetalningsplaner-{month:%Y-%m}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(_report_headings())
    for row in rows:
        values = _report_values(row)
        values[5:7] = [f"{amount:.2f}".replace(".", ",") for amount in values[5:7]]
        values[9] = values[9].isoformat() if values[9] else ""
        writer.writerow(values)
    audit.record_export(actor=request.user, what=f"payment plan report {month:%Y-%m}", count=len(rows))
    return response


def _report_xlsx(request, rows, month) -> HttpResponse:
    """The same rows as the CSV in an Excel workbook: amounts numbers, the due date a date."""
    title = _("Report of payment plans")
    content = report_documents.table_xlsx(
        title=title, about=[(_("Month"), f"{month:%Y-%m}")], headings=_report_headings(),
        rows=[[str(value) if isinstance(value, Promise) else value for value in _report_values(row)]
              for row in rows],
        money_columns=(6, 7), date_columns=(10,), widths=(12, 28, 28, 14, 16, 14, 14, 12, 12, 14, 12))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="avbetalningsplaner-{month:%Y-%m}.xlsx"'
    audit.record_export(actor=request.user, what=f"payment plan report {month:%Y-%m} (xlsx)",
                        count=len(rows))
    return response
