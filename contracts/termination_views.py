"""The district portal's termination form (``/forvaltning/avtal/uppsagning/``).

Thin: officers only, contracts found only through ``selectors`` (another administration's contract
is not in the menu, and a forged id is refused by the form), writes only through
``contracts.termination``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from hyresadmin.decorators import officer_required

from . import termination as services
from .termination_forms import TerminationForm


@officer_required
def termination_new(request):
    """The district's termination form, or the housing coordinator's, for one of its contracts."""
    if request.method == "POST":
        form = TerminationForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                termination = services.notice_register(actor=request.user, **form.notice_fields())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _(
                    "The notice has been sent to the service administration (termination %(id)s). "
                    "End date by the rules: %(end)s. It is due to be handled by %(due)s.") % {
                        "id": termination.pk, "end": termination.end_date.isoformat(),
                        "due": termination.due_date.isoformat()})
                return redirect("contracts:contract_detail", pk=termination.contract_id)
    else:
        initial = {}
        if request.GET.get("contract", "").isdigit():
            initial["contract"] = int(request.GET["contract"])
        form = TerminationForm(user=request.user, initial=initial)
    return render(request, "contracts/portal/termination_form.html", {"form": form})
