"""Read queries of invoicing, scoped by what the user may see.

Staff see everything; a district officer their own administration's invoices (not the runs); a
citizen their own invoices and those of the persons they represent with the right to see invoices.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from contracts.related import Link
from hyresadmin import permissions

from .models import FinalSettlement, Invoice, InvoiceRun


def invoices_visible_to(user) -> QuerySet[Invoice]:
    qs = Invoice.objects.select_related("customer", "organisation", "contract", "contract__rental_object")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user):
        return qs.filter(organisation_id=user.organisation_id)
    if permissions.is_citizen(user):
        return qs.filter(customer_id__in=permissions.citizen_person_ids(user),
                         document_type=Invoice.DocumentType.INVOICE)
    return qs.none()


def runs_visible_to(user) -> QuerySet[InvoiceRun]:
    if permissions.is_service_staff(user):
        return InvoiceRun.objects.select_related("approved_by")
    return InvoiceRun.objects.none()


def run_issue_day(period, kind: str):
    """The day a run of ``kind`` for ``period`` is issued: the staff's deadline for approving it."""
    from . import schedule
    from .models import RunKind

    return schedule.rent_issue_day(period) if kind == RunKind.RENT else schedule.internal_issue_day(period)


def runs_to_review(user) -> QuerySet[InvoiceRun]:
    """The "my work" queue of runs: prepared (to review and approve) or approved (to issue), each
    annotated with ``issue_day``, its deadline. Open runs are few: one query finds them, and their
    issue days (from the calendar, not the database) are attached as a CASE over their ids."""
    from django.db.models import Case, DateField, Value, When

    runs = runs_visible_to(user).filter(state__in=[InvoiceRun.State.PREPARED, InvoiceRun.State.APPROVED])
    whens = [When(pk=pk, then=Value(run_issue_day(period, kind)))
             for pk, period, kind in runs.values_list("pk", "period", "kind")]
    return runs.annotate(issue_day=Case(*whens, default=Value(None), output_field=DateField()))


def citizen_status(invoice: Invoice, today=None) -> str:
    """The plain status a citizen reads: obetald, delvis betald, betald, förfallen (and the rest)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    if invoice.state in (Invoice.State.ISSUED, Invoice.State.PARTLY_PAID) and invoice.due_date < today:
        return Invoice.State.OVERDUE
    return invoice.state


def settlements_visible_to(user) -> QuerySet[FinalSettlement]:
    """Final settlements: service staff all; a district officer their own administration's contracts'."""
    return FinalSettlement.objects.filter(permissions.organisation_q(user, "contract__organisation"))


def settlement_links(contract, user) -> list:
    """The link to the contract's final settlement, for the contract's and the termination's admin
    pages (``contracts.related``), if the user may see it."""
    found = settlements_visible_to(user).filter(contract=contract).first()
    if found is None:
        return []
    return [Link(label=_("Final settlement"), key="final_settlement",
                 text=_("%(state)s, end date %(date)s") % {"state": found.get_state_display(),
                                                            "date": found.end_date.isoformat()},
                 url=reverse("admin:invoicing_finalsettlement_change", args=[found.pk]))]


def open_settlements(user) -> QuerySet[FinalSettlement]:
    """The "my work" queue of final settlements waiting for staff to confirm, by due date."""
    if not permissions.is_service_staff(user):
        return FinalSettlement.objects.none()
    return settlements_visible_to(user).filter(state__in=FinalSettlement.OPEN_STATES)


# --- Credit notes and refund orders ---------------------------------------------------------------------


def credit_notes_visible_to(user):
    """Credit notes and cancellations of the invoices the user may see (staff: all)."""
    from .models import CreditNote

    if not permissions.is_service_staff(user):
        return CreditNote.objects.none()
    return CreditNote.objects.select_related("invoice", "invoice__customer", "attested_by")


def _referred_to_a_district():
    from django.db.models import Q

    from .models import RefundOrder

    return (Q(within_delegation=False) | Q(state=RefundOrder.State.REFERRED)
            | Q(district_decided_at__isnull=False))


def refund_orders_visible_to(user):
    """Refund orders: every one for service staff; for a district officer those referred to their own
    administration for decision (``RefundOrder.organisation``); none for anyone else."""
    from .models import RefundOrder

    qs = RefundOrder.objects.select_related("person", "organisation", "requested_by", "approved_by")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user) and user.organisation_id:
        return qs.filter(_referred_to_a_district(), organisation_id=user.organisation_id)
    return qs.none()


def refund_orders_open_for(user):
    """The "my work" queue of refunds: the open orders (to approve, with the district, to pay out)."""
    from .models import RefundOrder

    if not permissions.is_service_staff(user):
        return RefundOrder.objects.none()
    return RefundOrder.objects.filter(state__in=RefundOrder.OPEN_STATES)


def refunds_waiting_for_district(user):
    """A district officer's refunds to decide: referred to their administration, not decided yet."""
    from .models import RefundOrder

    return refund_orders_visible_to(user).filter(state=RefundOrder.State.REFERRED)
