"""Deferrals and payment plans (form SF1015): every write, the jobs' work, and the reads the doors share.

**Requests.** A district officer (portal) or service staff (admin) register an SF1015 for one or more
open invoices of one customer (``deferral_request``, ``payment_plan_request``, or ``sf1015_submit`` for
either). An invoice already in another open request, or an instalment of a running plan, is refused
(a field error on ``invoices``). Each is due in its service level (a deferral in 1 working day, a plan in 2:
``hyresadmin.calendar.service_level_due``). The delegation (``invoicing.delegation`` only: a deferral of
one month; a first month's rent two months with double housing costs; a plan of at most three months)
is judged when the request arrives: beyond it the request is **referred** to the district at once, and
the district's officers are told by e-mail (a portal link only).

**Decisions.** Staff grant a deferral or approve a plan (``deferral_grant``, ``payment_plan_approve``)
after the checks (``plan_checks``: unpaid, not at collection, payment method, reminder level,
protected identity, delegation); a failed blocking check refuses with every reason (``ChecksFailed``).
The district decides a referred request in its portal (``*_district_decide``): approved, it comes back
to staff, who grant or approve it; rejected, it is closed.

**A granted deferral** records its new due date; the invoice itself is never edited. Until then the
overdue and reminder job must skip the invoice: ``deferred_or_planned_invoice_ids(on=…)``. A daily job
moves deferrals past their new due date to ``expired`` (``deferrals_expire``); an invoice still unpaid
then is overdue as usual.

**An approved plan** (the ledger stays right, and every step is auditable): each original invoice's
balance is credited (``invoicing.credits.credit_note_create``, "Ersatt av avbetalningsplan N"), and each
instalment is issued as a one-off invoice (``invoicing.services.invoice_issue_one_off``) with its own
number, OCR reference and due date, so that BgMax matches its payment like any invoice. The plan fee (at
most 170 kr, ``policy_for(code).payment_plan_fee``) is added to the first instalment as a fee line, only
where the contract says it was agreed. Instalments fall due on the chosen day of each month, moved to
the next working day when that is not one (or, when that is in the next month, the last working day
before it).

**Follow-up.** A daily job (``payment_plans_follow_up``) completes a plan whose instalments are all paid,
and marks a plan **broken** when an instalment is unpaid ``PAYMENT_PLAN_BROKEN_AFTER_DAYS`` (default
10) days after its due date; it shows in the admin queue until staff cancel it
(``payment_plan_cancel``), when the district is told. The remaining instalment invoices then follow the
normal collection path. A plan caught up before that may be resumed (``payment_plan_resume``). A
monthly report per district lists the plans (``payment_plan_report``), and a monthly job tells each
district it is there.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from contracts.services import ChecksFailed
from hyresadmin import audit, calendar, permissions
from hyresadmin.models import AuditEvent, Organisation
from hyresadmin.transitions import TransitionRefused, apply_transition
from hyresadmin.uploads import validate_upload
from invoicing import delegation
from invoicing.credits import credit_note_create
from invoicing.models import Invoice, InvoiceKind, InvoiceLine
from invoicing.periods import period_of
from invoicing.services import OneOffLine, invoice_issue_one_off

from . import plan_checks
from .code_models import MAX_PAYMENT_PLAN_FEE, policy_for
from .plan_models import Deferral, Instalment, PaymentPlan

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
#: Working days to register a request (DOMAIN.md "Unpaid-rent follow-up", seed 001 service levels).
DEFERRAL_WORKING_DAYS = Deferral.SERVICE_LEVEL_DAYS
PAYMENT_PLAN_WORKING_DAYS = PaymentPlan.SERVICE_LEVEL_DAYS
MAX_INSTALMENTS = 36
DEFERRAL, PAYMENT_PLAN = "deferral", "payment_plan"
JOB = "debt_collection.plans"


def broken_after_days() -> int:
    return int(getattr(settings, "PAYMENT_PLAN_BROKEN_AFTER_DAYS", 10))


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Reads shared by the doors ---------------------------------------------------------------------------


def deferrals_visible_to(user) -> QuerySet[Deferral]:
    """All for staff, the own organisation's for a district officer, none for anyone else."""
    qs = Deferral.objects.select_related("organisation", "customer", "contract")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user):
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def payment_plans_visible_to(user) -> QuerySet[PaymentPlan]:
    qs = PaymentPlan.objects.select_related("organisation", "customer", "contract")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user):
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def open_deferrals(user) -> QuerySet[Deferral]:
    """Staff's queue: requests to decide (new, or back from the district)."""
    return deferrals_visible_to(user).filter(state__in=[Deferral.State.REQUESTED,
                                                        Deferral.State.DECIDED_BY_DISTRICT])


def open_payment_plans(user) -> QuerySet[PaymentPlan]:
    return payment_plans_visible_to(user).filter(state__in=[PaymentPlan.State.REQUESTED,
                                                            PaymentPlan.State.DECIDED_BY_DISTRICT])


def broken_payment_plans(user) -> QuerySet[PaymentPlan]:
    """Staff's queue of plans not kept, to cancel (or resume), due the day they were found broken."""
    return payment_plans_visible_to(user).filter(state=PaymentPlan.State.BROKEN)


def citizen_deferrals(user) -> QuerySet[Deferral]:
    """A citizen's deferrals (their own and those of whom they represent with the right to see invoices)."""
    return (Deferral.objects.filter(customer_id__in=permissions.citizen_person_ids(user))
            .exclude(state=Deferral.State.REJECTED).select_related("customer")
            .prefetch_related("invoices"))


def citizen_payment_plans(user) -> QuerySet[PaymentPlan]:
    return (PaymentPlan.objects.filter(customer_id__in=permissions.citizen_person_ids(user))
            .exclude(state=PaymentPlan.State.REJECTED).select_related("customer")
            .prefetch_related("invoices", Prefetch("instalments",
                                                   queryset=Instalment.objects.select_related("invoice"))))


def deferred_or_planned_invoice_ids(*, on: dt.date) -> set[int]:
    """The ids of invoices the overdue and reminder job must skip on ``on``.

    * an invoice in a deferral or a payment plan that is still being decided (requested, with the
      district, approved by the district, or approved and about to be issued): it is held while the
      request is handled, within its service level;
    * an invoice in a **granted** deferral whose new due date is on or after ``on``.

    The originals of an active plan are credited (closed), and its instalments are ordinary invoices
    followed up by this app's own job (broken plans), so neither is listed. Two queries.
    """
    deferred = Deferral.invoices.through.objects.filter(
        Q(deferral__state__in=Deferral.HOLDING_STATES)
        | Q(deferral__state=Deferral.State.GRANTED, deferral__new_due_date__gte=on)
    ).values_list("invoice_id", flat=True)
    planned = PaymentPlan.invoices.through.objects.filter(
        paymentplan__state__in=PaymentPlan.HOLDING_STATES).values_list("invoice_id", flat=True)
    return set(deferred) | set(planned)


def instalment_status(instalment: Instalment, today: dt.date | None = None) -> str:
    """``paid``, ``unpaid``, ``overdue`` or ``closed`` (credited, cancelled or written off), or ``planned``
    before the invoice is issued."""
    invoice = instalment.invoice
    if invoice is None:
        return "planned"
    if invoice.state == Invoice.State.PAID:
        return "paid"
    if invoice.state in (Invoice.State.CREDITED, Invoice.State.CANCELLED, Invoice.State.WRITTEN_OFF):
        return "closed"
    today = today or timezone.localdate()
    return "overdue" if invoice.due_date < today else "unpaid"


# --- The schedule of a plan ------------------------------------------------------------------------------


def instalment_due_dates(*, first_due_date: dt.date, count: int) -> list[dt.date]:
    """The chosen day of each month from ``first_due_date`` (``add_months`` clamps the 31st to a shorter
    month's last day), moved to the next working day when it is not one — unless that is in the next
    month: then the last working day before it (the "modified following" rule), so that each instalment
    stays in its own month and the plan spans the months the delegation counts."""
    dues = []
    for k in range(count):
        nominal = delegation.add_months(first_due_date, k)
        due = calendar.next_working_day_on_or_after(nominal)
        if due.month != nominal.month:
            due = calendar.last_working_day_before(nominal)
        dues.append(due)
    return dues


def instalment_amounts(total: Decimal, count: int) -> list[Decimal]:
    """``total`` split in ``count`` instalments: equal whole kronor, the remainder on the last."""
    base = (total / count).quantize(Decimal("1"), rounding=ROUND_DOWN)
    if base <= 0:
        base = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    amounts = [base] * (count - 1)
    amounts.append(total - base * (count - 1))
    return amounts


# --- Registering a request -------------------------------------------------------------------------------


def _open_request_invoice_ids(invoice_ids) -> set[int]:
    """Invoices already in a deferral or plan that is being decided, granted or running."""
    in_deferral = Deferral.invoices.through.objects.filter(
        invoice_id__in=invoice_ids,
        deferral__state__in=[*Deferral.HOLDING_STATES, Deferral.State.GRANTED],
    ).values_list("invoice_id", flat=True)
    in_plan = PaymentPlan.invoices.through.objects.filter(
        invoice_id__in=invoice_ids,
        paymentplan__state__in=[*PaymentPlan.HOLDING_STATES, *PaymentPlan.RUNNING_STATES],
    ).values_list("invoice_id", flat=True)
    return set(in_deferral) | set(in_plan)


def _running_instalment_invoice_ids(invoice_ids) -> set[int]:
    """Invoices that are instalments of a plan still running (they follow that plan, not a new one)."""
    return set(Instalment.objects.filter(invoice_id__in=invoice_ids,
                                         plan__state__in=PaymentPlan.RUNNING_STATES)
               .values_list("invoice_id", flat=True))


def _checked_invoices(invoices, organisation: Organisation | None) -> list[Invoice]:
    """The invoices of a request, locked: one customer's, open, of the organisation, in no other request,
    and no instalment of a running payment plan."""
    ids = sorted({inv.pk for inv in invoices})
    if not ids:
        raise ValidationError({"invoices": _("Choose at least one invoice.")})
    locked = list(Invoice.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    locked = list(Invoice.objects.filter(pk__in=[i.pk for i in locked])
                  .select_related("contract", "contract__collection_code", "customer", "organisation")
                  .order_by("due_date", "number"))
    problems = []
    customers = {inv.customer_id for inv in locked}
    if None in customers or len(customers) != 1:
        problems.append(_("Choose invoices of one customer only."))
    if organisation is not None and any(inv.organisation_id != organisation.pk for inv in locked):
        problems.append(_("Choose invoices of your own administration only."))
    closed = [inv for inv in locked if not inv.is_open or inv.balance <= 0]
    if closed:
        problems.append(_("These invoices have nothing left to pay: %(numbers)s.")
                        % {"numbers": ", ".join(str(i.number) for i in closed)})
    taken = _open_request_invoice_ids(ids)
    if taken:
        numbers = ", ".join(str(i.number) for i in locked if i.pk in taken)
        problems.append(_("These invoices already have a deferral or payment plan: %(numbers)s.")
                        % {"numbers": numbers})
    instalments = _running_instalment_invoice_ids(ids)
    if instalments:
        numbers = ", ".join(str(i.number) for i in locked if i.pk in instalments)
        problems.append(_("These invoices are instalments of a running payment plan and cannot be "
                          "deferred or put into a new plan: %(numbers)s.") % {"numbers": numbers})
    if problems:
        raise ValidationError({"invoices": problems})
    return locked


def _common_fields(*, actor, invoices: list[Invoice], reason: str, attachment, working_days: int) -> dict:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the customer needs it.")})
    first = invoices[0]
    contract = next((inv.contract for inv in invoices if inv.contract_id), None)
    now = timezone.now()
    fields = {
        "organisation_id": first.organisation_id, "customer_id": first.customer_id, "contract": contract,
        "reason": reason.strip(), "requested_by": _user(actor), "received_at": now,
        "due_date": calendar.service_level_due(now, working_days),
    }
    if attachment:
        try:
            checked = validate_upload(attachment)
        except ValidationError as exc:
            raise ValidationError({"attachment": exc.messages}) from exc
        fields.update(attachment=attachment, attachment_name=getattr(attachment, "name", "")[:200],
                      attachment_content_type=checked.content_type)
    return fields


def _is_first_rent(invoice: Invoice) -> bool:
    contract = invoice.contract
    return (invoice.kind == InvoiceKind.RENT and contract is not None
            and invoice.period == period_of(contract.start_date))


def deferral_decision(*, invoices: list[Invoice], new_due_date: dt.date,
                      double_housing: bool = False) -> delegation.Decision:
    """The delegation's answer for deferring each of ``invoices`` to ``new_due_date``."""
    for invoice in invoices:
        decision = delegation.deferral(due_date=invoice.due_date, new_due_date=new_due_date,
                                       first_rent=_is_first_rent(invoice), double_housing=double_housing)
        if not decision:
            return decision
    return delegation.Decision(True)


def _after_create(request, *, actor, decision: delegation.Decision):
    audit.record(AuditEvent.Type.CREATE, actor=actor, subject=request, to_state=request.state,
                 reason=request.reason,
                 changes={"invoices": [i.number for i in request.invoices.all()],
                          "within_delegation": decision.within})
    if not decision.within:
        request = apply_transition(request, "refer", actor=actor, reason=decision.reason,
                                   check_permission=False)
        _notify_referred(request)
    return request


@transaction.atomic
def deferral_request(*, actor, invoices, new_due_date: dt.date, reason: str, double_housing: bool = False,
                     organisation: Organisation | None = None, attachment=None) -> Deferral:
    """Register an SF1015 deferral; referred to the district at once when beyond delegation."""
    invoices = _checked_invoices(invoices, organisation)
    if new_due_date is None:
        raise ValidationError({"new_due_date": _("Give the new due date.")})
    if new_due_date < timezone.localdate():
        raise ValidationError({"new_due_date": _("The new due date cannot be in the past.")})
    late = [inv for inv in invoices if new_due_date <= inv.due_date]
    if late:
        raise ValidationError({"new_due_date": _("The new due date must be after the invoice's due date "
                                                 "(%(due)s).") % {"due": late[-1].due_date.isoformat()}})
    decision = deferral_decision(invoices=invoices, new_due_date=new_due_date, double_housing=double_housing)
    fields = _common_fields(actor=actor, invoices=invoices, reason=reason, attachment=attachment,
                            working_days=DEFERRAL_WORKING_DAYS)
    deferral = Deferral.objects.create(
        new_due_date=new_due_date, double_housing=bool(double_housing),
        first_rent=any(_is_first_rent(inv) for inv in invoices),
        within_delegation=decision.within, delegation_reason=decision.reason[:300], **fields)
    deferral.invoices.set(invoices)
    return _after_create(deferral, actor=actor, decision=decision)


def plan_fee_for(contract) -> Decimal:
    """The plan fee: the collection code's (at most 170 kr), only where the contract says it was agreed."""
    if contract is None or not contract.payment_plan_fee_agreed:
        return ZERO
    return min(policy_for(contract.collection_code).payment_plan_fee, MAX_PAYMENT_PLAN_FEE)


@transaction.atomic
def payment_plan_request(*, actor, invoices, instalment_count: int, first_due_date: dt.date, reason: str,
                         organisation: Organisation | None = None, attachment=None) -> PaymentPlan:
    """Register an SF1015 payment plan with its schedule; referred at once when beyond delegation."""
    invoices = _checked_invoices(invoices, organisation)
    errors = {}
    if not instalment_count or not 1 <= int(instalment_count) <= MAX_INSTALMENTS:
        errors["instalment_count"] = _("Give between 1 and %(max)s instalments.") % {"max": MAX_INSTALMENTS}
    if first_due_date is None:
        errors["first_due_date"] = _("Give the first instalment's due date.")
    elif first_due_date < timezone.localdate():
        errors["first_due_date"] = _("The first instalment cannot fall due in the past.")
    if errors:
        raise ValidationError(errors)
    count = int(instalment_count)
    amount = sum((inv.balance for inv in invoices), ZERO)
    if amount < count:
        raise ValidationError({"instalment_count": _("Too many instalments for %(amount)s kr: each must be at "
                                                     "least 1 kr.") % {"amount": amount}})
    dues = instalment_due_dates(first_due_date=first_due_date, count=count)
    decision = delegation.payment_plan(first_due=dues[0], last_due=dues[-1])
    fields = _common_fields(actor=actor, invoices=invoices, reason=reason, attachment=attachment,
                            working_days=PAYMENT_PLAN_WORKING_DAYS)
    fee = plan_fee_for(fields["contract"])
    plan = PaymentPlan.objects.create(
        instalment_count=count, first_due_date=first_due_date, amount=amount, fee=fee,
        within_delegation=decision.within, delegation_reason=decision.reason[:300], **fields)
    plan.invoices.set(invoices)
    amounts = instalment_amounts(amount, count)
    Instalment.objects.bulk_create([
        Instalment(plan=plan, number=n, due_date=due, amount=part + (fee if n == 1 else ZERO),
                   fee=fee if n == 1 else ZERO)
        for n, (due, part) in enumerate(zip(dues, amounts, strict=True), start=1)
    ])
    return _after_create(plan, actor=actor, decision=decision)


def sf1015_submit(*, actor, kind: str, invoices, reason: str, organisation: Organisation | None = None,
                  new_due_date: dt.date | None = None, instalment_count: int | None = None,
                  first_due_date: dt.date | None = None, double_housing: bool = False, attachment=None):
    """Form SF1015 "Anstånd och avbetalningsplan": a deferral or a payment plan."""
    if kind == DEFERRAL:
        return deferral_request(actor=actor, invoices=invoices, new_due_date=new_due_date, reason=reason,
                                double_housing=double_housing, organisation=organisation,
                                attachment=attachment)
    if kind == PAYMENT_PLAN:
        return payment_plan_request(actor=actor, invoices=invoices, instalment_count=instalment_count,
                                    first_due_date=first_due_date, reason=reason, organisation=organisation,
                                    attachment=attachment)
    raise ValidationError({"kind": _("Choose deferral or payment plan.")})


# --- Decisions -------------------------------------------------------------------------------------------


def _require_staff(actor) -> None:
    user = _user(actor)
    if user is not None and not permissions.is_service_staff(user):
        raise TransitionRefused(_("Only the service administration decides this."))


def _require_district(actor, request) -> None:
    user = _user(actor)
    if user is None:
        raise TransitionRefused(_("The district's decision is made by a person."))
    if permissions.is_service_staff(user):
        return
    if not (permissions.is_district_officer(user) and user.organisation_id == request.organisation_id):
        raise TransitionRefused(_("Only an officer of the customer's district decides this."))


def _run_checks(request) -> list:
    checks = plan_checks.request_checks(request)
    failing = plan_checks.failed(checks)
    if failing:
        raise ChecksFailed(_("It cannot be approved: %(n)s checks failed.") % {"n": len(failing)},
                           failed_checks=failing)
    return checks


@transaction.atomic
def deferral_grant(*, actor, deferral: Deferral, note: str = "") -> Deferral:
    """Staff grant the deferral (within delegation, or after the district approved it)."""
    _require_staff(actor)
    deferral = Deferral.objects.select_for_update().get(pk=deferral.pk)
    _run_checks(deferral)
    return apply_transition(deferral, "grant", actor=actor,
                            reason=note or _("Granted until %(date)s") % {"date": deferral.new_due_date},
                            decided_by=_user(actor), note=note)


def _reject(request, *, actor, reason: str):
    _require_staff(actor)
    if not (reason or "").strip():
        raise TransitionRefused(_("Give a reason for the rejection."))
    return apply_transition(request, "reject", actor=actor, reason=reason, decided_by=_user(actor), note=reason)


@transaction.atomic
def deferral_reject(*, actor, deferral: Deferral, reason: str) -> Deferral:
    return _reject(deferral, actor=actor, reason=reason)


def _refer(request, *, actor, reason: str):
    _require_staff(actor)
    request = apply_transition(request, "refer", actor=actor, reason=reason or _("Referred to the district"))
    _notify_referred(request)
    return request


@transaction.atomic
def deferral_refer(*, actor, deferral: Deferral, reason: str = "") -> Deferral:
    """Staff send a deferral to the district for decision (within delegation too, if they wish)."""
    return _refer(deferral, actor=actor, reason=reason)


def _district_decide(request, *, actor, approve: bool, note: str):
    _require_district(actor, request)
    note = (note or "").strip()
    if not approve and not note:
        raise TransitionRefused(_("Give a reason for rejecting the request."))
    if approve:
        request = apply_transition(request, "district_approve", actor=actor,
                                   reason=note or _("Approved by the district"), decided_by=_user(actor),
                                   note=note, check_permission=False)
    else:
        request = apply_transition(request, "district_reject", actor=actor, reason=note,
                                   decided_by=_user(actor), note=note, check_permission=False)
    return request


@transaction.atomic
def deferral_district_decide(*, actor, deferral: Deferral, approve: bool, note: str = "") -> Deferral:
    """The district's decision on a referred deferral; approved, it comes back to staff to grant."""
    return _district_decide(deferral, actor=actor, approve=approve, note=note)


@transaction.atomic
def payment_plan_district_decide(*, actor, plan: PaymentPlan, approve: bool, note: str = "") -> PaymentPlan:
    return _district_decide(plan, actor=actor, approve=approve, note=note)


@transaction.atomic
def payment_plan_reject(*, actor, plan: PaymentPlan, reason: str) -> PaymentPlan:
    return _reject(plan, actor=actor, reason=reason)


@transaction.atomic
def payment_plan_refer(*, actor, plan: PaymentPlan, reason: str = "") -> PaymentPlan:
    return _refer(plan, actor=actor, reason=reason)


@transaction.atomic
def payment_plan_approve(*, actor, plan: PaymentPlan, note: str = "") -> PaymentPlan:
    """Approve the plan and put it to work: credit the originals, issue one invoice per instalment."""
    _require_staff(actor)
    plan = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    _run_checks(plan)
    user = _user(actor)
    if plan.state == PaymentPlan.State.REQUESTED:
        plan = apply_transition(plan, "approve", actor=actor, reason=note or _("Approved within delegation"),
                                decided_by=user, note=note)
    with override(settings.LANGUAGE_CODE):  # printed on the ledger and the invoices: Swedish
        label = _("Replaced by payment plan %(id)s") % {"id": plan.pk}
    for invoice in plan.invoices.order_by("due_date", "number"):
        invoice.refresh_from_db()
        if invoice.balance > 0:
            credit_note_create(actor=actor, invoice=invoice, amount=invoice.balance, reason=label)
    _issue_instalments(plan, actor=actor)
    return apply_transition(plan, "activate", actor=actor, reason=_("Instalments issued"),
                            decided_by=user, note=note)


def _issue_instalments(plan: PaymentPlan, *, actor) -> None:
    contract = plan.contract
    count = plan.instalment_count
    with override(settings.LANGUAGE_CODE):
        fee_text = _("Payment plan fee")
    for instalment in plan.instalments.filter(invoice__isnull=True).order_by("number"):
        with override(settings.LANGUAGE_CODE):
            text = _("Instalment %(n)s of %(count)s, payment plan %(id)s") % {
                "n": instalment.number, "count": count, "id": plan.pk}
        lines = [OneOffLine(kind=InvoiceLine.Kind.ONE_OFF, description=text,
                            amount=instalment.amount - instalment.fee)]
        if instalment.fee:
            lines.append(OneOffLine(kind=InvoiceLine.Kind.FEE, description=fee_text,
                                    amount=instalment.fee))
        invoice = invoice_issue_one_off(
            actor=actor, kind=InvoiceKind.ONE_OFF, lines=lines, organisation_id=plan.organisation_id,
            customer_id=plan.customer_id, contract=contract, period=period_of(instalment.due_date),
            due_date=instalment.due_date, notes=text, reason=text)
        Instalment.objects.filter(pk=instalment.pk).update(invoice=invoice)


@transaction.atomic
def payment_plan_cancel(*, actor, plan: PaymentPlan, reason: str) -> PaymentPlan:
    """Staff confirm that a plan not kept is cancelled; the district is told (a portal link only)."""
    _require_staff(actor)
    if not (reason or "").strip():
        raise TransitionRefused(_("Give a reason for cancelling the plan."))
    plan = apply_transition(plan, "cancel", actor=actor, reason=reason)
    _notify_district(plan, template="debt_collection/plans/email/plan_cancelled.txt",
                     subject=gettext_lazy("A payment plan has been cancelled"),
                     url=reverse("plans:plan_detail", args=[plan.pk]))
    return plan


@transaction.atomic
def payment_plan_resume(*, actor, plan: PaymentPlan, reason: str = "") -> PaymentPlan:
    """A plan marked not kept, caught up by the customer: running again."""
    _require_staff(actor)
    return apply_transition(plan, "resume", actor=actor, reason=reason or _("The customer has caught up"))


# --- The jobs --------------------------------------------------------------------------------------------


#: Rows per statement in the daily job.
BULK_CHUNK = 2000


def _transitions_in_bulk(changes: list[tuple], *, actor, fields: list[str]) -> None:
    """Each ``(object, transition, kwargs, reason)`` as ``apply_transition`` leaves it, for rows the
    caller has locked in its transaction: the transitions run in memory, the rows are written with one
    ``bulk_update`` per chunk and the audit events with one insert (no query per row)."""
    if not changes:
        return
    events = []
    for obj, name, kwargs, reason in changes:
        before = obj.state
        getattr(obj, name)(**kwargs)
        events.append(audit.build(AuditEvent.Type.TRANSITION, actor=actor, subject=obj, from_state=before,
                                  to_state=obj.state, reason=reason))
    type(changes[0][0]).objects.bulk_update([obj for obj, *_rest in changes], fields, batch_size=BULK_CHUNK)
    AuditEvent.objects.bulk_create(events, batch_size=BULK_CHUNK)


@transaction.atomic
def deferrals_expire(*, today: dt.date | None = None, actor=JOB) -> int:
    """Granted deferrals whose new due date has passed become ``expired``. Idempotent."""
    today = today or timezone.localdate()
    deferrals = list(Deferral.objects.select_for_update().filter(state=Deferral.State.GRANTED,
                                                                 new_due_date__lt=today))
    _transitions_in_bulk([(deferral, "expire", {}, _("The new due date has passed")) for deferral in deferrals],
                         actor=actor, fields=["state", "expired_at"])
    return len(deferrals)


@transaction.atomic
def payment_plans_follow_up(*, today: dt.date | None = None, actor=JOB) -> dict:
    """Complete active plans with every instalment paid; mark broken those with an instalment unpaid
    ``PAYMENT_PLAN_BROKEN_AFTER_DAYS`` days after its due date. Idempotent."""
    today = today or timezone.localdate()
    limit = today - dt.timedelta(days=broken_after_days())
    plans = PaymentPlan.objects.select_for_update().filter(state=PaymentPlan.State.ACTIVE).prefetch_related(
        Prefetch("instalments", queryset=Instalment.objects.select_related("invoice")))
    changes = []
    result = {"completed": 0, "broken": 0}
    for plan in plans:
        instalments = list(plan.instalments.all())
        if instalments and all(i.invoice is not None and not i.invoice.is_open for i in instalments):
            changes.append((plan, "complete", {}, _("Every instalment is paid")))
            result["completed"] += 1
            continue
        late = [i for i in instalments if i.invoice is not None and i.invoice.is_open
                and i.invoice.balance > 0 and i.due_date < limit]
        if late:
            changes.append((plan, "mark_broken", {"on": today},
                            _("Instalment %(n)s is unpaid %(days)s days after its due date")
                            % {"n": late[0].number, "days": broken_after_days()}))
            result["broken"] += 1
    _transitions_in_bulk(changes, actor=actor, fields=["state", "completed_at", "broken_on"])
    return result


def report_rows(*, organisation_id: int | None, month: dt.date) -> list[dict]:
    """The monthly report of payment plans: every plan made by the end of ``month`` that was running
    in it (still running, closed during or after it, or made in it), of one district
    (``organisation_id``) or of all (None). A fixed number of queries."""
    start = period_of(month)
    end = delegation.add_months(start, 1)
    qs = (PaymentPlan.objects.select_related("organisation", "customer", "contract")
          .prefetch_related(Prefetch("instalments", queryset=Instalment.objects.select_related("invoice")))
          .filter(created_at__date__lt=end)
          .filter(Q(state__in=PaymentPlan.RUNNING_STATES) | Q(completed_at__date__gte=start)
                  | Q(cancelled_at__date__gte=start) | Q(created_at__date__gte=start))
          .order_by("organisation__name", "pk"))
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    today = timezone.localdate()
    rows = []
    for plan in qs:
        instalments = list(plan.instalments.all())
        issued = [i for i in instalments if i.invoice is not None]
        left = sum((i.invoice.balance for i in issued if i.invoice.is_open), ZERO)
        paid_count = sum(1 for i in issued if i.invoice.state == Invoice.State.PAID)
        upcoming = [i.due_date for i in issued if i.invoice.is_open and i.due_date >= today]
        overdue = [i for i in issued if i.invoice.is_open and i.due_date < today]
        rows.append({
            "plan": plan, "organisation": plan.organisation.name, "customer": plan.customer.full_name,
            "contract": plan.contract.number if plan.contract else "", "state": plan.get_state_display(),
            "total": plan.total, "left": left if issued else plan.total, "paid_count": paid_count,
            "count": plan.instalment_count, "next_due": min(upcoming) if upcoming else None,
            "overdue_count": len(overdue),
        })
    return rows


def report_month_notify(*, month: dt.date) -> dict:
    """Tell each district that has plans in the report of ``month`` that it is in the portal."""
    start = period_of(month)
    org_ids = sorted({row["plan"].organisation_id for row in report_rows(organisation_id=None, month=start)})
    told = 0
    url = reverse("plans:report") + f"?month={start:%Y-%m}"
    for org_id in org_ids:
        recipients = permissions.officer_emails(org_id)
        if not recipients:
            continue
        with override("sv"):
            body = render_to_string("debt_collection/plans/email/report_ready.txt",
                                    {"url": _site(url), "month": start})
            send_mail(_("The report of payment plans for %(month)s") % {"month": f"{start:%Y-%m}"}, body,
                      settings.DEFAULT_FROM_EMAIL, recipients)
        told += 1
    return {"districts": told}


# --- Notices to the district -----------------------------------------------------------------------------


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _notify_referred(request) -> None:
    _notify_district(request, template="debt_collection/plans/email/referred.txt",
                     subject=gettext_lazy("A request for your decision: deferral or payment plan"),
                     url=reverse("plans:decision_list"))


def _notify_district(request, *, template: str, subject, url: str) -> None:
    """E-mail the district's officers after commit: no personal data, only what happened and a link."""
    organisation_id = request.organisation_id
    verbose_name = request._meta.verbose_name
    number = request.pk

    def send():
        recipients = permissions.officer_emails(organisation_id)
        if not recipients:
            return
        with override("sv"):
            body = render_to_string(template, {"url": _site(url), "kind": str(verbose_name).lower(),
                                               "number": number})
            send_mail(str(subject), body, settings.DEFAULT_FROM_EMAIL, recipients)

    transaction.on_commit(send)
