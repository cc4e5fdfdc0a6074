"""The contract's documents as PDF: the rental contract and supplementary agreements (deductions).

WeasyPrint, imported lazily, renders ``templates/pdf/`` with an explicit base URL and the bundled
DejaVu fonts (å ä ö), as tagged PDF/UA-1 since citizens receive them.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import override

from .models import RentalContract, RentLine


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # lazy: heavy import, only in workers and on demand

    with override("sv"):
        html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(pdf_variant="pdf/ua-1")


def contract_pdf(contract: RentalContract) -> bytes:
    today = timezone.localdate()
    lines = [ln for ln in contract.rent_lines.all() if ln.rent_year == today.year] or list(
        contract.rent_lines.all())
    return render_pdf("pdf/contract.html", {
        "contract": contract,
        "customer": contract.customer,
        "object": contract.rental_object,
        "qualities": contract.rental_object.qualities.select_related("quality_type"),
        "lines": lines,
        "total": sum((ln.signed_amount for ln in lines), start=0),
        "today": today,
    })


def supplementary_agreement_pdf(contract: RentalContract, line: RentLine) -> bytes:
    return render_pdf("pdf/supplementary_agreement.html", {
        "contract": contract, "customer": contract.customer, "object": contract.rental_object,
        "line": line, "today": timezone.localdate(),
    })


def termination_confirmation_pdf(termination, recipients: list[dict]) -> bytes:
    """The confirmation of a termination, one page per recipient (the customer or the estate's
    contact, and each representative), with the end date and the move-out day."""
    from .termination_rules import move_out_day

    contract = termination.contract
    return render_pdf("pdf/termination_confirmation.html", {
        "termination": termination,
        "contract": contract,
        "customer": contract.customer,
        "object": contract.rental_object,
        "recipients": recipients or [{"name": "", "email": "", "address_lines": [], "role": ""}],
        "move_out": move_out_day(termination.end_date),
        "today": timezone.localdate(),
    })
