"""The district portal's rent reduction for double housing: the form on a contract of the officer's own
administration (another administration's contract is a 404 and nothing is written)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from hyresadmin.decorators import officer_required
from hyresadmin.transitions import TransitionRefused

from . import reduction, selectors
from .models import RentalContract
from .reduction_forms import RentReductionForm


@officer_required
def reduction_new(request, pk: int):
    contract = get_object_or_404(
        selectors.contracts_visible_to(request.user).prefetch_related("rent_lines"), pk=pk)
    if contract.state not in RentalContract.CURRENT_STATES or contract.customer_id is None:
        messages.error(request, _("A rent reduction can be sent only for a customer's current contract."))
        return redirect("contracts:contract_detail", pk=contract.pk)
    form = RentReductionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reduction.rent_reduction_submit(
                actor=request.user, contract=contract, first_month=data["first_month"],
                last_month=data["last_month"], amount=data["amount"], percentage=data["percentage"],
                decision_date=data["decision_date"], attester_name=data["attester_name"],
                lives_in_deciding_district=data["lives_in_deciding_district"] == "yes",
                apply_from=data["apply_from"], message=data["message"], attachment=data["attachment"])
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        except TransitionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The rent reduction has been sent to the service administration."))
            return redirect("contracts:contract_detail", pk=contract.pk)
    return render(request, "contracts/portal/reduction_form.html", {"form": form, "contract": contract})
