"""The district portal's refund pages (``/forvaltning/aterbetalningar/``): the refunds beyond the
service administration's delegation that were referred to the officer's own administration
(``RefundOrder.organisation``), and the decision on one of them (``credits.refund_order_decide``).

Thin: the scope comes from ``selectors.refund_orders_visible_to``, so another administration's order
answers 404; the decision is the service's, which refuses a rejection without a reason and an order
that is no longer waiting. The e-mail ``notifications.refund_referred`` links to the detail page.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.forms import PortalFormMixin
from hyresadmin import audit
from hyresadmin.decorators import officer_required
from hyresadmin.transitions import TransitionRefused

from . import credits, selectors
from .models import RefundOrder

PAGE_SIZE = 25


class DecisionForm(PortalFormMixin, forms.Form):
    APPROVE, REJECT = "approve", "reject"

    #: Given by the button pressed ("Approve" or "Reject"), not a field of its own.
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[(APPROVE, gettext_lazy("Approve the refund")), (REJECT, gettext_lazy("Reject the refund"))],
        error_messages={"required": gettext_lazy("Choose whether the refund is approved or rejected.")})
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Required when you reject: the service administration and the history "
                               "keep it."))

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REJECT and not (data.get("note") or "").strip():
            self.add_error("note", _("Give a reason for rejecting the refund."))
        return data

    def has_any_errors(self) -> bool:
        return self.is_bound and bool(self.errors)


def _person_name(order: RefundOrder) -> str:
    return "" if order.person.protected_identity else order.person.full_name


@officer_required
def refund_list(request):
    orders = selectors.refund_orders_visible_to(request.user).order_by("due_date", "pk")
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "invoicing/portal/refund_list.html", {
        "page": page,
        "rows": [{"order": o, "person_name": _person_name(o),
                  "waiting": o.state == RefundOrder.State.REFERRED} for o in page],
    })


@officer_required
def refund_detail(request, pk: int):
    order = get_object_or_404(selectors.refund_orders_visible_to(request.user), pk=pk)
    waiting = order.state == RefundOrder.State.REFERRED
    form = DecisionForm(request.POST or None) if waiting else None
    if request.method == "POST" and form is not None and form.is_valid():
        approve = form.cleaned_data["decision"] == DecisionForm.APPROVE
        try:
            credits.refund_order_decide(actor=request.user, order=order, approve=approve,
                                        note=form.cleaned_data["note"])
        except TransitionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The refund is approved. The service administration pays it out.")
                             if approve else _("The refund is rejected. The service administration has "
                                               "been told."))
            return redirect("invoicing_portal:refund_detail", pk=order.pk)
    if request.method == "GET":
        audit.record_view(actor=request.user, subject=order, what="portal: refund order")
    return render(request, "invoicing/portal/refund_detail.html", {
        "order": order, "person_name": _person_name(order), "waiting": waiting, "form": form,
    })
