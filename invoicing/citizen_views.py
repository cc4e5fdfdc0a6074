"""The citizen's invoices at ``/mina-sidor/fakturor/``: their own and those of the people they represent
with the right to see invoices (``selectors.invoices_visible_to``). Read only.

Thin, like every door: which invoices a citizen may see and what their status reads as come from
``selectors``; the invoice PDF is rendered (and cached) by ``documents`` and served only through the
scoped lookup, so another person's invoice answers 404 and its download is never recorded.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from hyresadmin import audit, permissions
from hyresadmin.decorators import citizen_required

from . import selectors
from .models import Invoice

PAGE_SIZE = 20

#: Facts that apps above invoicing add to the invoice page (debt_collection: "Påminnelse skickad …"),
#: registered in their ``AppConfig.ready``: ``func(request, invoice)`` returns None or a dict with
#: ``id``, ``label``, ``text`` and optionally ``detail``, ``url`` and ``link_text``.
INVOICE_DETAIL_EXTRAS: list = []


#: How a status is marked beside its words: something to do, or done.
_TONES = {
    Invoice.State.OVERDUE: "action",
    Invoice.State.REMINDED: "action",
    Invoice.State.AT_COLLECTION: "action",
    Invoice.State.PAID: "done",
}


def _status(invoice: Invoice, today) -> dict:
    """The status a citizen reads: its code, its plain Swedish label and how it is marked."""
    code = selectors.citizen_status(invoice, today)
    return {"code": code, "label": Invoice.State(code).label, "tone": _TONES.get(code, "")}


def _row(invoice: Invoice, today, me_id: int) -> dict:
    return {"invoice": invoice, "status": _status(invoice, today), "is_mine": invoice.customer_id == me_id}


@citizen_required
def invoice_list(request):
    invoices = selectors.invoices_visible_to(request.user).order_by("-period", "-number")
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    me_id = request.user.person.pk
    return render(request, "invoicing/citizen/invoice_list.html", {
        "page": page,
        "rows": [_row(invoice, today, me_id) for invoice in page],
        "represents_others": len(permissions.citizen_person_ids(request.user)) > 1,
    })


@citizen_required
def invoice_detail(request, pk: int):
    invoice = get_object_or_404(selectors.invoices_visible_to(request.user).prefetch_related("lines"),
                                pk=pk)
    row = _row(invoice, timezone.localdate(), request.user.person.pk)
    return render(request, "invoicing/citizen/invoice_detail.html", {
        **row,
        "lines": list(invoice.lines.all()),
        "notes": [line for line in invoice.notes.splitlines() if line.strip()],
        "to_pay": invoice.is_open and invoice.balance > 0,
        "show_address": invoice.contract_id is not None and (
            invoice.customer is None or permissions.can_see_address(request.user, invoice.customer)),
        "bankgiro": settings.BANKGIRO_NUMBER,
        "extras": [extra for extra in (func(request, invoice) for func in INVOICE_DETAIL_EXTRAS) if extra],
    })


@citizen_required
def invoice_pdf(request, pk: int):
    invoice = get_object_or_404(selectors.invoices_visible_to(request.user), pk=pk)
    from .documents import get_or_render_invoice_pdf

    pdf = get_or_render_invoice_pdf(invoice)
    audit.record_export(actor=request.user, what="invoice PDF (citizen)", count=1, subject=invoice)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="faktura-{invoice.number}.pdf"'
    return response


# --- The ledger (kontoutdrag) ------------------------------------------------------------------------


@citizen_required
def ledger(request):
    """``/mina-sidor/kontoutdrag/``: the citizen's own ledger, or (``?person=``) that of someone they
    represent with the right to see invoices; anyone else's answers 404."""
    from hyresadmin.models import Person

    from .ledger import ledger_balance, ledger_for

    ids = permissions.citizen_person_ids(request.user)
    me_id = request.user.person.pk
    wanted = request.GET.get("person") or me_id
    try:
        wanted = int(wanted)
    except (TypeError, ValueError):
        wanted = -1
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    person = people.get(wanted) if wanted in ids else None
    if person is None:
        from django.http import Http404

        raise Http404
    rows = ledger_for(person)
    balance = ledger_balance(rows)
    return render(request, "invoicing/citizen/ledger.html", {
        "person": person,
        "is_mine": person.pk == me_id,
        "others": [p for pk, p in people.items() if pk != me_id],
        "rows": list(reversed(rows)),
        "balance": balance,
        "owes": balance > 0,
        "to_get_back": -balance if balance < 0 else None,
    })
