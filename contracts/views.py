"""The district portal for contracts (``/forvaltning/``): submissions (underlag) and contracts.

Thin doors: every view is for district case officers only (``officer_required``), finds records only
through ``selectors`` (so another administration's record is a 404, and acting on it changes
nothing), validates with ``forms`` and writes only through ``services``.
"""

from __future__ import annotations

import os

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_fsm import can_proceed

from hyresadmin import audit
from hyresadmin.decorators import officer_required
from hyresadmin.models import AuditEvent
from hyresadmin.permissions import can_see_address
from hyresadmin.transitions import TransitionRefused

from . import selectors, services
from .forms import (
    ContractDocumentUploadForm,
    SubmissionForm,
    WithdrawForm,
    initial_from_contract,
    initial_from_submission,
)
from .models import RentalContract, Submission, Termination
from .termination import NOTICE_STATES

PAGE_SIZE = 50

FORM_TEMPLATE = "contracts/portal/submission_form.html"


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- Submissions ---------------------------------------------------------------------------------------


@officer_required
def submission_list(request):
    """The administration's submissions (officers of one district share them), newest first."""
    visible = selectors.submissions_visible_to(request.user)
    state = request.GET.get("state", "")
    submissions = visible.order_by("-received_at", "-pk")
    if state in Submission.State.values:
        submissions = submissions.filter(state=state)
    else:
        state = ""
    return render(request, "contracts/portal/submission_list.html", {
        "page": _page(request, submissions),
        "query": _query_without_page(request),
        "states": Submission.State.choices,
        "state": state,
        "returned_count": visible.filter(state=Submission.State.RETURNED).count(),
    })


def _submission_form_context(form, *, title, submit_label, submission=None, contract=None):
    return {"form": form, "title": title, "submit_label": submit_label, "submission": submission,
            "contract": contract, "fixed_object": form.fixed_object}


@officer_required
def submission_new(request):
    """A new tenant: the customer, the object, the period, the rent terms, collection and delivery."""
    if request.method == "POST":
        form = SubmissionForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                submission = services.submission_create(
                    actor=request.user, organisation=request.user.organisation,
                    kind=Submission.Kind.NEW_TENANT, rent_lines=form.rent_lines(),
                    attachments=form.uploaded_files(), **form.submission_fields(),
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                _sent_message(request, submission)
                return redirect("contracts:submission_detail", pk=submission.pk)
    else:
        form = SubmissionForm(user=request.user)
    return render(request, FORM_TEMPLATE, _submission_form_context(
        form, title=_("New tenant"), submit_label=_("Send the submission")))


def _sent_message(request, submission: Submission) -> None:
    messages.success(request, _(
        "Submission %(id)s has been sent to the service administration. It is due to be handled by "
        "%(due)s.") % {"id": submission.pk, "due": submission.due_date.isoformat()})


@officer_required
def submission_detail(request, pk: int):
    submission = get_object_or_404(
        selectors.submissions_visible_to(request.user).prefetch_related("rent_lines", "attachments"),
        pk=pk,
    )
    contract = submission.contract
    delivery = None
    if contract is not None and submission.state == Submission.State.COMPLETED:
        if contract.sent_at:
            delivery = "sent"
        elif contract.is_fot or contract.personal_contact:
            delivery = "district"
        else:
            delivery = "pending"
    history = [
        {"when": event.created_at, "from": _state_label(event.from_state),
         "to": _state_label(event.to_state), "reason": event.reason}
        for event in AuditEvent.objects.for_object(submission).filter(
            event_type__in=[AuditEvent.Type.TRANSITION, AuditEvent.Type.CREATE]).order_by("created_at", "pk")
    ]
    return render(request, "contracts/portal/submission_detail.html", {
        "submission": submission,
        "contract": contract,
        "delivery": delivery,
        "history": history,
        "can_complete": can_proceed(submission.resubmit),
        "can_withdraw": can_proceed(submission.withdraw),
        "withdraw_form": WithdrawForm(),
    })


def _state_label(value: str) -> str:
    return Submission.State(value).label if value in Submission.State.values else ""


@officer_required
def submission_complete(request, pk: int):
    """A returned submission, prefilled, completed and sent again."""
    submission = get_object_or_404(
        selectors.submissions_visible_to(request.user).prefetch_related("rent_lines", "attachments"),
        pk=pk,
    )
    if not can_proceed(submission.resubmit):
        messages.info(request, _("Only a submission that has been returned for completion can be "
                                 "completed."))
        return redirect("contracts:submission_detail", pk=submission.pk)
    is_change = submission.kind == Submission.Kind.CHANGE
    initial, lines = initial_from_submission(submission)
    options = {"user": request.user, "initial": initial, "lines_initial": lines,
               "fixed_object": submission.rental_object if is_change else None,
               "fixed_personal_number": is_change}
    if request.method == "POST":
        form = SubmissionForm(request.POST, request.FILES, **options)
        if form.is_valid():
            try:
                submission = services.submission_resubmit(
                    actor=request.user, submission=submission, rent_lines=form.rent_lines(),
                    attachments=form.uploaded_files(), **form.submission_fields(),
                )
            except TransitionRefused as exc:
                messages.error(request, exc.message)
                return redirect("contracts:submission_detail", pk=submission.pk)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                _sent_message(request, submission)
                return redirect("contracts:submission_detail", pk=submission.pk)
    else:
        form = SubmissionForm(**options)
    return render(request, FORM_TEMPLATE, _submission_form_context(
        form, title=_("Complete submission %(id)s") % {"id": submission.pk},
        submit_label=_("Send the completed submission"), submission=submission,
        contract=submission.contract))


@officer_required
@require_POST
def submission_withdraw(request, pk: int):
    submission = get_object_or_404(selectors.submissions_visible_to(request.user), pk=pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.submission_withdraw(actor=request.user, submission=submission, reason=reason)
    except TransitionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Submission %(id)s has been withdrawn.") % {"id": submission.pk})
    return redirect("contracts:submission_detail", pk=submission.pk)


@officer_required
def submission_attachment(request, pk: int, attachment_pk: int):
    submission = get_object_or_404(selectors.submissions_visible_to(request.user), pk=pk)
    attachment = get_object_or_404(submission.attachments, pk=attachment_pk)
    response = _file_response(attachment.file, filename=attachment.original_name,
                              content_type=attachment.content_type)
    audit.record_export(actor=request.user, what="submission attachment", count=1, subject=submission)
    return response


def _file_response(field_file, *, filename: str, content_type: str) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


# --- Contracts -----------------------------------------------------------------------------------------


@officer_required
def contract_list(request):
    """The administration's contracts with customer, object, state and this year's rent."""
    year = timezone.localdate().year
    contracts = selectors.contracts_visible_to(request.user).prefetch_related("rent_lines")
    state = request.GET.get("state", "")
    if state in RentalContract.State.values:
        contracts = contracts.filter(state=state)
    else:
        state = ""
    search = request.GET.get("q", "").strip()
    if search:
        contracts = contracts.filter(
            Q(number__icontains=search) | Q(rental_object__object_number__icontains=search)
            | Q(rental_object__street_address__icontains=search)
            | Q(customer__first_name__icontains=search) | Q(customer__last_name__icontains=search)
        )
    page = _page(request, contracts.order_by("-start_date", "pk"))
    rows = [{"contract": c, "rent": _rent_of_year(c, year)} for c in page.object_list]
    return render(request, "contracts/portal/contract_list.html", {
        "page": page, "rows": rows, "query": _query_without_page(request), "year": year,
        "states": RentalContract.State.choices, "state": state, "search": search,
    })


def _rent_of_year(contract: RentalContract, year: int):
    if not any(line.rent_year == year for line in contract.rent_lines.all()):
        return None
    return contract.monthly_rent(year)


def _contract_detail_context(request, contract: RentalContract, upload_form=None) -> dict:
    year = timezone.localdate().year
    lines = list(contract.rent_lines.all())
    year_lines = [ln for ln in lines if ln.rent_year == year]
    customer = contract.customer
    return {
        "contract": contract,
        "customer": customer,
        "show_address": customer is not None and can_see_address(request.user, customer),
        "year": year,
        "lines": year_lines,
        "rent": contract.monthly_rent(year) if year_lines else None,
        "documents": contract.documents.all(),
        "submissions": selectors.submissions_visible_to(request.user).filter(contract=contract)
        .order_by("-received_at"),
        "may_change": _may_submit_change(contract),
        "upload_form": upload_form or ContractDocumentUploadForm(contract=contract),
        "open_change": selectors.open_submissions(request.user).filter(contract=contract)
        .aggregate(n=Count("pk"))["n"],
        "termination": selectors.terminations_visible_to(request.user).filter(contract=contract)
        .exclude(state=Termination.State.WITHDRAWN).order_by("-received_at").first(),
        "may_give_notice": contract.customer_id is not None and contract.state in NOTICE_STATES,
    }


def _may_submit_change(contract: RentalContract) -> bool:
    """A change is sent for a customer contract that has not ended."""
    return contract.customer_id is not None and contract.state != RentalContract.State.TERMINATED


@officer_required
def contract_detail(request, pk: int):
    contract = get_object_or_404(
        selectors.contracts_visible_to(request.user).prefetch_related("rent_lines"), pk=pk)
    return render(request, "contracts/portal/contract_detail.html",
                  _contract_detail_context(request, contract))


@officer_required
def contract_change(request, pk: int):
    """A change of an existing contract: the same form, prefilled from the contract."""
    contract = get_object_or_404(
        selectors.contracts_visible_to(request.user).prefetch_related("rent_lines"), pk=pk)
    if not _may_submit_change(contract):
        messages.error(request, _("A change can be sent only for a customer contract that has not "
                                  "ended."))
        return redirect("contracts:contract_detail", pk=contract.pk)
    initial, lines = initial_from_contract(contract, year=timezone.localdate().year)
    options = {"user": request.user, "initial": initial, "lines_initial": lines,
               "fixed_object": contract.rental_object, "fixed_personal_number": True}
    if request.method == "POST":
        form = SubmissionForm(request.POST, request.FILES, **options)
        if form.is_valid():
            try:
                submission = services.submission_create(
                    actor=request.user, organisation=request.user.organisation,
                    kind=Submission.Kind.CHANGE, contract=contract, rent_lines=form.rent_lines(),
                    attachments=form.uploaded_files(), **form.submission_fields(),
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                _sent_message(request, submission)
                return redirect("contracts:submission_detail", pk=submission.pk)
    else:
        form = SubmissionForm(**options)
    return render(request, FORM_TEMPLATE, _submission_form_context(
        form, title=_("Change contract %(number)s") % {"number": contract.number or contract.pk},
        submit_label=_("Send the change"), contract=contract))


@officer_required
def contract_document(request, pk: int, document_pk: int):
    """A permission-checked download of one of the contract's documents; recorded as an export."""
    contract = get_object_or_404(selectors.contracts_visible_to(request.user), pk=pk)
    document = get_object_or_404(contract.documents, pk=document_pk)
    response = _file_response(document.file, filename=os.path.basename(document.file.name),
                              content_type=document.content_type)
    audit.record_export(actor=request.user, what="contract document", count=1, subject=contract)
    return response


@officer_required
@require_POST
def contract_document_upload(request, pk: int):
    """Keep a signed original (or the FOT waiver of security of tenure) on the contract."""
    contract = get_object_or_404(
        selectors.contracts_visible_to(request.user).prefetch_related("rent_lines"), pk=pk)
    form = ContractDocumentUploadForm(request.POST, request.FILES, contract=contract)
    if form.is_valid():
        try:
            document = services.contract_upload_document(
                actor=request.user, contract=contract, file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, _("The document “%(kind)s” has been saved on the contract.")
                             % {"kind": document.get_kind_display()})
            return redirect("contracts:contract_detail", pk=contract.pk)
    return render(request, "contracts/portal/contract_detail.html",
                  _contract_detail_context(request, contract, upload_form=form))
