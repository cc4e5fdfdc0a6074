"""The citizen's side of the reminders: the reminder's PDF at ``/mina-sidor/paminnelser/<id>/``, and what
the invoice page (``invoicing.citizen_views``) shows of a sent reminder ("Påminnelse skickad …" and the
link), added through its ``INVOICE_DETAIL_EXTRAS`` hook in ``DebtCollectionConfig.ready``.

Scoped like the invoices: a reminder of anyone else's invoice answers 404 and its download is never
recorded; a download is recorded in the audit trail as an export.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from hyresadmin import audit
from hyresadmin.decorators import citizen_required

from . import reminders, selectors


def invoice_reminder_extra(request, invoice) -> dict | None:
    """What the citizen's invoice page shows of a sent reminder, or None."""
    reminder = selectors.citizen_reminder_for_invoice(request.user, invoice)
    if reminder is None:
        return None
    sent_on = formats.date_format(reminder.sent_at.date() if reminder.sent_at else None, "j F Y")
    return {
        "id": "invoice-reminder",
        "label": _("Reminder"),
        "text": _("Reminder sent %(date)s") % {"date": sent_on},
        "detail": (_("Pay by %(date)s.") % {"date": formats.date_format(reminder.new_due_date, "j F Y")}
                   if reminder.new_due_date else ""),
        "url": reverse("debt_collection_citizen:reminder_pdf", args=[reminder.pk]),
        "link_text": _("Download the reminder (PDF)"),
    }


@citizen_required
def reminder_pdf(request, pk: int):
    reminder = get_object_or_404(selectors.citizen_reminders(request.user), pk=pk)
    pdf = reminders.reminder_pdf_bytes(reminder)
    audit.record_export(actor=request.user, what="reminder PDF (citizen)", count=1, subject=reminder.invoice)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="paminnelse-{reminder.invoice.number}.pdf"'
    return response
