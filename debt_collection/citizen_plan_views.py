"""The citizen's deferrals and payment plans at ``/mina-sidor/avbetalningsplaner/``. Read only.

What to pay, by when and to which OCR reference: a granted deferral's new due date for each of its
invoices, and each instalment of a plan with its own invoice's OCR reference. Scoped by
``hyresadmin.permissions.citizen_person_ids`` (the citizen and whom they represent with the right to
see invoices), so nobody else's plan is ever listed.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from hyresadmin import permissions
from hyresadmin.decorators import citizen_required

from . import plans


@citizen_required
def plan_list(request):
    today = timezone.localdate()
    me_id = request.user.person.pk
    deferrals = list(plans.citizen_deferrals(request.user).order_by("-received_at", "-pk"))
    payment_plans = list(plans.citizen_payment_plans(request.user).order_by("-received_at", "-pk"))
    return render(request, "debt_collection/plans/citizen/plan_list.html", {
        "deferrals": [{"deferral": d, "is_mine": d.customer_id == me_id,
                       "invoices": list(d.invoices.all())} for d in deferrals],
        "plans": [{"plan": p, "is_mine": p.customer_id == me_id,
                   "instalments": [{"instalment": i, "invoice": i.invoice,
                                    "status": plans.instalment_status(i, today)}
                                   for i in p.instalments.all()]} for p in payment_plans],
        "represents_others": len(permissions.citizen_person_ids(request.user)) > 1,
        "bankgiro": settings.BANKGIRO_NUMBER,
    })
