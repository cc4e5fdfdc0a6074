"""The district portal's collection pages: ``/forvaltning/inkasso/`` (the administration's collection
cases, read only) and ``/forvaltning/avskrivningar/`` (the write-downs the service administration
proposes, for the district's decision).

Thin: for district officers only; every record found through the scoped reads of ``collection`` and
``writedowns`` (another administration's record is a 404); the decision goes through ``writedowns``.
Lists run a constant number of queries however long they are.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hyresadmin.decorators import officer_required
from hyresadmin.transitions import TransitionRefused

from . import collection, writedowns
from .collection_models import CollectionClaim, WriteDownRequest
from .plan_forms import DistrictDecisionForm

PAGE_SIZE = 50


@officer_required
def case_list(request):
    """The administration's collection cases, open ones first, with their invoices and Kronofogden."""
    cases = (collection.cases_visible_to(request.user)
             .prefetch_related(Prefetch("claims", queryset=CollectionClaim.objects.select_related("invoice")),
                               "enforcement_applications")
             .order_by("closed_at", "-sent_at", "-created_at", "-pk"))
    return render(request, "debt_collection/collection/portal/case_list.html", {
        "cases": Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page")),
    })


@officer_required
def write_down_list(request):
    """The write-downs waiting for the district's decision, then those decided."""
    visible = writedowns.write_down_requests_visible_to(request.user)
    return render(request, "debt_collection/collection/portal/write_down_list.html", {
        "waiting": visible.filter(state=WriteDownRequest.State.PROPOSED).order_by("created_at", "pk"),
        "decided": Paginator(visible.exclude(state=WriteDownRequest.State.PROPOSED)
                             .order_by("-decided_at", "-created_at", "-pk"), PAGE_SIZE)
        .get_page(request.GET.get("page")),
    })


def _detail_context(request, pk: int) -> dict:
    obj = get_object_or_404(writedowns.write_down_requests_visible_to(request.user), pk=pk)
    return {"write_down": obj, "may_decide": obj.state == WriteDownRequest.State.PROPOSED}


@officer_required
def write_down_detail(request, pk: int):
    return render(request, "debt_collection/collection/portal/write_down_detail.html",
                  {**_detail_context(request, pk), "decision_form": DistrictDecisionForm()})


@officer_required
@require_POST
def write_down_decide(request, pk: int):
    context = _detail_context(request, pk)
    obj = context["write_down"]
    form = DistrictDecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            writedowns.write_down_request_decide(actor=request.user, request=obj, approve=approve,
                                                 note=form.cleaned_data["note"])
        except TransitionRefused as exc:
            messages.error(request, exc.message)
            return redirect("collection_portal:write_down_detail", pk=obj.pk)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("The write-down is approved; the service administration carries it out.")
                             if approve else _("The write-down is rejected."))
            return redirect("collection_portal:write_down_list")
    return render(request, "debt_collection/collection/portal/write_down_detail.html",
                  {**context, "decision_form": form})
