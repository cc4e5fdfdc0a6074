"""The citizen's view of their contracts at ``/mina-sidor/avtal/``: their own and those of the
people they represent. Read only; the contract PDF is served through a permission-checked view."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from hyresadmin import audit
from hyresadmin.decorators import citizen_required

from . import selectors
from .models import ContractDocument, RentalContract, Termination
from .termination_rules import move_out_day

#: A termination is shown to the citizen once it is confirmed (the notice and the end date).
CONFIRMED_STATES = (Termination.State.CONFIRMED, Termination.State.SETTLED, Termination.State.CLOSED)


@citizen_required
def contract_list(request):
    contracts = (selectors.contracts_visible_to(request.user)
                 .exclude(state=RentalContract.State.DRAFT)
                 .prefetch_related("rent_lines").order_by("-start_date"))
    year = timezone.localdate().year
    rows = [{"contract": c, "rent": c.monthly_rent(year) if any(
        ln.rent_year == year for ln in c.rent_lines.all()) else c.monthly_rent()} for c in contracts]
    return render(request, "contracts/citizen/contract_list.html", {"rows": rows})


@citizen_required
def contract_detail(request, pk: int):
    contract = get_object_or_404(
        selectors.contracts_visible_to(request.user).exclude(state=RentalContract.State.DRAFT), pk=pk)
    year = timezone.localdate().year
    lines = [ln for ln in contract.rent_lines.all() if ln.rent_year == year]
    document = contract.documents.filter(kind=ContractDocument.Kind.CONTRACT).first()
    termination = (contract.terminations.filter(state__in=CONFIRMED_STATES)
                   .order_by("-received_at").first())
    return render(request, "contracts/citizen/contract_detail.html", {
        "contract": contract, "lines": lines, "rent": contract.monthly_rent(year if lines else None),
        "document": document, "termination": termination,
        "move_out": move_out_day(termination.end_date) if termination and termination.end_date else None,
    })


@citizen_required
def contract_pdf(request, pk: int):
    contract = get_object_or_404(
        selectors.contracts_visible_to(request.user).exclude(state=RentalContract.State.DRAFT), pk=pk)
    document = contract.documents.filter(kind=ContractDocument.Kind.CONTRACT).first()
    if document is None:
        raise Http404
    audit.record_export(actor=request.user, what="contract PDF (citizen)", count=1, subject=contract)
    return FileResponse(document.file.open("rb"), as_attachment=True,
                        filename=f"hyresavtal-{contract.number}.pdf", content_type="application/pdf")
