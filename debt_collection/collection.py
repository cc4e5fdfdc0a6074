"""Collection cases (inkasso), Kronofogden and write-downs: the services, and the reads the doors share.

* **Proposals** (``collection_proposals_create``, every working day): an invoice still unpaid (reminded,
  or partly paid since) ``policy.agency_after_days`` after its reminder, whose collection code's policy hands over to the
  agency (``to_agency``), is proposed for handover: it becomes a claim of an ``open`` collection case
  (one per customer, organisation and collection code). The reminder day is read from the audit trail
  (the last transition of the invoice to ``reminded``), so this part needs nothing from the reminders'
  own models. An invoice with a payment plan is not proposed (``payment_plan_exists``), nor one whose
  case was withdrawn since its last reminder.
* **Handover** (``collection_hand_over``, staff after review): the invoices go ``send_to_collection``
  (audited), the claims are written to the collection-agency file of their collection code
  (``agency_file``; stored with its checksum as an ``AgencyFile`` for staff to download), and the case
  is ``sent_to_agency``. Where the collection code's policy says so, each district's officers get one
  e-mail (a count and the portal link) and the customers' representatives with the right to be told one
  each (``notifications``).
* **Kronofogden** (``enforcement_apply``, ``enforcement_decision_record``): the applications and their
  decisions, with the fee by ``enforcement_fee`` (FACTS.md §2: betalningsföreläggande 300 kr, vanlig
  handräckning 300 kr, one fee when both are in one application, verkställighet 600 kr).
* **Closing**: a case whose invoices are all paid closes as paid (``collection_cases_close_settled``, a
  daily job: invoicing sends no event when an invoice is paid); a withdrawal recalls the invoices still at
  collection (``recall_from_collection``) and closes the case as withdrawn.
* **Write-downs** (``write_down_create``, nedskrivning): only on the district's decision — the write-down
  request (``writedowns``) its officer approved in the portal — after the checks
  of the ledger rules (DOMAIN.md, seed 001 "Kundreskontra"): the amount and the invoice number match the
  ledger, no payment plan exists, the collection code is the invoice's, and a member of the service
  staff attests it. Every failed check is listed in the refusal. The invoice goes ``write_off``
  (audited) and a case whose invoices are all settled closes as written off.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from hyresadmin import audit, calendar, permissions
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused, apply_transition
from invoicing.models import Invoice

from . import agency_file
from .code_models import policy_for
from .collection_models import (
    AgencyFile,
    CollectionCase,
    CollectionClaim,
    EnforcementApplication,
    WriteDown,
    WriteDownRequest,
)

ZERO = Decimal("0.00")
#: Rows per INSERT in the daily proposals.
BULK_CHUNK = 2000

#: Kronofogden's application fees (förordning 1992:1094 1 §; FACTS.md §2, confirmed).
ENFORCEMENT_FEES = {
    EnforcementApplication.Kind.PAYMENT_ORDER: Decimal("300.00"),
    EnforcementApplication.Kind.EVICTION: Decimal("300.00"),
    EnforcementApplication.Kind.PAYMENT_ORDER_AND_EVICTION: Decimal("300.00"),
    EnforcementApplication.Kind.ENFORCEMENT: Decimal("600.00"),
}
#: Invoice states in which a claim no longer needs collection, and why the case then closes.
SETTLED_STATES = (Invoice.State.PAID, Invoice.State.WRITTEN_OFF, Invoice.State.CREDITED,
                  Invoice.State.CANCELLED)
#: States of a reminded invoice (a part payment after the reminder leaves it partly paid).
REMINDED_STATES = (Invoice.State.REMINDED, Invoice.State.PARTLY_PAID)
#: States from which an invoice may still be handed over.
HANDOVER_STATES = (Invoice.State.ISSUED, Invoice.State.PARTLY_PAID, Invoice.State.OVERDUE,
                   Invoice.State.REMINDED)


def _review_days() -> int:
    return int(getattr(settings, "COLLECTION_REVIEW_WORKING_DAYS", 2))


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Hooks to other parts ------------------------------------------------------------------------------


def invoices_in_payment_plans(invoice_ids) -> set[int]:
    """Of ``invoice_ids``, those in a payment plan (see ``payment_plan_exists``), in two queries."""
    from .plan_models import Instalment, PaymentPlan

    ids = list(invoice_ids)
    if not ids:
        return set()
    live = (*PaymentPlan.HOLDING_STATES, *PaymentPlan.RUNNING_STATES)
    covered = PaymentPlan.invoices.through.objects.filter(invoice_id__in=ids, paymentplan__state__in=live)
    instalments = Instalment.objects.filter(invoice_id__in=ids, plan__state__in=PaymentPlan.RUNNING_STATES)
    return set(covered.values_list("invoice_id", flat=True)) | set(instalments.values_list("invoice_id", flat=True))


def payment_plan_exists(invoice: Invoice) -> bool:
    """Whether ``invoice`` is in a payment plan (then it is neither handed over nor written down): one
    of the invoices a plan being decided or running covers, or an instalment of a running plan."""
    return bool(invoices_in_payment_plans([invoice.pk]))


# --- Reads ----------------------------------------------------------------------------------------------


def cases_visible_to(user) -> QuerySet[CollectionCase]:
    """Collection cases the user may see: all for staff, their administration's for an officer, none
    for anyone else (a citizen included)."""
    qs = CollectionCase.objects.select_related("customer", "organisation", "collection_code")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user):
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def cases_to_review(user) -> QuerySet[CollectionCase]:
    """The "my work" queue: proposed cases waiting for staff review, by their review date."""
    return cases_visible_to(user).filter(state=CollectionCase.State.OPEN)


def reminded_on(invoice_ids) -> dict[int, date]:
    """The day each invoice was last reminded, from the audit trail (transitions to ``reminded``)."""
    ids = [str(pk) for pk in invoice_ids]
    if not ids:
        return {}
    content_type = ContentType.objects.get_for_model(Invoice)
    rows = (AuditEvent.objects.filter(content_type=content_type, object_id__in=ids,
                                      to_state=Invoice.State.REMINDED)
            .order_by().values("object_id").annotate(last=Max("created_at")))
    return {int(row["object_id"]): timezone.localdate(row["last"]) for row in rows}


# --- Proposals -------------------------------------------------------------------------------------------


def collection_candidates(today: date | None = None) -> list[tuple[Invoice, date]]:
    """Reminded invoices (partly paid since, too) whose reminder period has run out, with their reminder
    day."""
    today = today or timezone.localdate()
    active = CollectionClaim.objects.filter(invoice=OuterRef("pk"), active=True)
    invoices = list(Invoice.objects.filter(state__in=REMINDED_STATES, balance__gt=0, customer__isnull=False,
                                           document_type=Invoice.DocumentType.INVOICE,
                                           collection_code__isnull=False)
                    .exclude(Exists(active))
                    .select_related("collection_code__policy")
                    .order_by("customer_id", "due_date", "number"))
    reminded = reminded_on(inv.pk for inv in invoices)
    in_plans = invoices_in_payment_plans(inv.pk for inv in invoices)
    withdrawn = defaultdict(list)
    for invoice_id, closed_at in (CollectionClaim.objects
                                  .filter(invoice__in=invoices, case__close_reason=CollectionCase.CloseReason.WITHDRAWN)
                                  .values_list("invoice_id", "case__closed_at")):
        withdrawn[invoice_id].append(timezone.localdate(closed_at))
    out = []
    for invoice in invoices:
        day = reminded.get(invoice.pk)
        if day is None:
            continue
        policy = policy_for(invoice.collection_code)
        if not policy.to_agency or day + timedelta(days=policy.agency_after_days) > today:
            continue
        if any(closed >= day for closed in withdrawn.get(invoice.pk, ())):
            continue  # withdrawn since the last reminder: not proposed again until reminded again
        if invoice.pk in in_plans:
            continue
        out.append((invoice, day))
    return out


@transaction.atomic
def collection_proposals_create(*, actor, today: date | None = None) -> dict:
    """Propose every invoice whose reminder period ran out: a claim of the open case of its customer,
    organisation and collection code (made when there is none). Returns the counts."""
    today = today or timezone.localdate()
    due = calendar.add_working_days(today, _review_days())
    cases: dict[tuple[int, int, int], CollectionCase] = {
        (c.customer_id, c.organisation_id, c.collection_code_id): c
        for c in CollectionCase.objects.select_for_update().filter(state=CollectionCase.State.OPEN)}
    candidates = collection_candidates(today)
    # New cases first (one bulk insert), so that the claims and the audit trail can name them.
    new_cases: list[CollectionCase] = []
    for invoice, _day in candidates:
        key = (invoice.customer_id, invoice.organisation_id, invoice.collection_code_id)
        if key not in cases:
            cases[key] = CollectionCase(customer_id=invoice.customer_id, organisation_id=invoice.organisation_id,
                                        collection_code_id=invoice.collection_code_id, due_date=due)
            new_cases.append(cases[key])
        if cases[key].pk is None:
            cases[key].total = (cases[key].total or ZERO) + invoice.balance
    CollectionCase.objects.bulk_create(new_cases, batch_size=BULK_CHUNK)
    created_pks = {case.pk for case in new_cases}
    # Then the claims and the events, in the order one at a time would write them (one bulk insert each).
    claims, events, announced = [], [], set()
    for invoice, day in candidates:
        case = cases[(invoice.customer_id, invoice.organisation_id, invoice.collection_code_id)]
        if case.pk in created_pks and case.pk not in announced:
            announced.add(case.pk)
            events.append(audit.build(AuditEvent.Type.CREATE, actor=actor, subject=case, to_state=case.state,
                                      reason=_("Proposed for collection")))
        claims.append(CollectionClaim(case=case, invoice=invoice, amount=invoice.balance, reminded_on=day))
        events.append(audit.build(
            AuditEvent.Type.UPDATE, actor=actor, subject=case,
            reason=_("Invoice %(number)s proposed for collection") % {"number": invoice.number},
            changes={"invoice": invoice.number, "amount": invoice.balance, "reminded_on": day}))
    CollectionClaim.objects.bulk_create(claims, batch_size=BULK_CHUNK)
    AuditEvent.objects.bulk_create(events, batch_size=BULK_CHUNK)
    totals = dict(CollectionClaim.objects.filter(case__state=CollectionCase.State.OPEN).order_by()
                  .values("case").annotate(total=Sum("amount")).values_list("case", "total"))
    changed = []
    for case in {c.pk: c for c in cases.values()}.values():
        total = totals.get(case.pk) or ZERO
        if total != case.total:
            case.total = total
            changed.append(case)
    CollectionCase.objects.bulk_update(changed, ["total"], batch_size=BULK_CHUNK)
    created, claims = len(new_cases), len(claims)
    return {"cases": created, "claims": claims}


# --- Handover and the agency file -------------------------------------------------------------------------


def hand_over_problems(case: CollectionCase) -> list[str]:
    """Why ``case`` may not be handed over now (empty: it may)."""
    problems = []
    if case.state != CollectionCase.State.OPEN:
        problems.append(_("The case is %(state)s: only a proposed case is handed over.")
                        % {"state": case.get_state_display().lower()})
        return problems
    if not policy_for(case.collection_code).to_agency:
        problems.append(_("The collection code %(code)s does not hand claims over to the collection agency.")
                        % {"code": case.collection_code.code})
    claims = [c for c in case.claims.select_related("invoice")
              if c.invoice.state in HANDOVER_STATES and c.invoice.balance > 0]
    if not claims:
        problems.append(_("Nothing is left to pay on the case's invoices."))
    in_plans = invoices_in_payment_plans(claim.invoice_id for claim in claims)
    for claim in claims:
        if claim.invoice_id in in_plans:
            problems.append(_("Invoice %(number)s is in a payment plan.") % {"number": claim.invoice.number})
    return problems


@transaction.atomic
def collection_hand_over(*, actor, cases) -> list[AgencyFile]:
    """Hand the proposed ``cases`` to the collection agency: refused as a whole (every problem listed)
    if any may not be; else their invoices go to collection, their claims into one file per collection
    code, and the cases are ``sent_to_agency``. Returns the files made."""
    ids = list(CollectionCase.objects.select_for_update().filter(pk__in=[c.pk for c in cases])
               .order_by("pk").values_list("pk", flat=True))
    # Locked first, then read with their relations (a row lock cannot take the outer join to the policy).
    locked = list(CollectionCase.objects.select_related("collection_code__policy", "customer", "organisation")
                  .filter(pk__in=ids).order_by("pk"))
    problems = []
    for case in locked:
        problems += [_("Case %(id)s: %(problem)s") % {"id": case.pk, "problem": p} for p in hand_over_problems(case)]
    if problems or not locked:
        raise TransitionRefused(" ".join(problems) or _("No case was chosen."), failed_checks=problems)
    by_code: dict[int, list[CollectionCase]] = defaultdict(list)
    for case in locked:
        by_code[case.collection_code_id].append(case)
    files = []
    for code_cases in by_code.values():
        claims = []
        for case in code_cases:
            for claim in case.claims.select_related("invoice"):
                invoice = claim.invoice
                if invoice.state not in HANDOVER_STATES or invoice.balance <= 0:
                    claim.delete()  # paid or closed since it was proposed: not handed over
                    audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=case,
                                 reason=_("Invoice %(number)s left out: %(state)s since it was proposed")
                                 % {"number": invoice.number, "state": invoice.get_state_display().lower()})
                    continue
                apply_transition(invoice, "send_to_collection", actor=actor,
                                 reason=_("Handed over to the collection agency (case %(id)s)") % {"id": case.pk})
                if claim.amount != invoice.balance:
                    claim.amount = invoice.balance
                    claim.save(update_fields=["amount"])
                claim.case = case
                claims.append(claim)
        built = agency_file.build_agency_file(claims)
        code = code_cases[0].collection_code
        stored = AgencyFile(collection_code=code, rows=built.rows, created_by=_user(actor),
                            sha256=hashlib.sha256(built.content).hexdigest(),
                            total=sum((c.amount for c in claims), ZERO))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        stored.file.save(f"inkasso-{code.code}-{stamp}.csv", ContentFile(built.content), save=False)
        stored.save()
        audit.record_export(actor=actor, what=_("Collection-agency file %(code)s") % {"code": code.code},
                            count=built.rows, subject=stored)
        for case in code_cases:
            total = sum((c.amount for c in claims if c.case_id == case.pk), ZERO)
            CollectionCase.objects.filter(pk=case.pk).update(total=total)
            apply_transition(case, "send_to_agency", actor=actor, reason=_("Handed over to the collection agency"),
                             approved_by=_user(actor), agency_file=stored)
        files.append(stored)
    per_district: dict[int, int] = defaultdict(int)
    customers: set[int] = set()
    for case in locked:
        policy = policy_for(case.collection_code)
        if policy.notify_officer:
            per_district[case.organisation_id] += 1
        if policy.notify_representatives:
            customers.add(case.customer_id)
    if per_district or customers:
        transaction.on_commit(lambda: _after_hand_over(dict(per_district), customers))
    return files


def _after_hand_over(per_district: dict[int, int], customer_ids: set[int]) -> None:
    """After commit: one e-mail to each district's officers (a count and the portal link), one to each
    representative with the right to be told."""
    from . import notifications

    notifications.officers_handed_over(per_district)
    notifications.representatives_handed_over(customer_ids)


# --- Kronofogden -----------------------------------------------------------------------------------------


def enforcement_fee(kind: str) -> Decimal:
    """Kronofogden's fee for an application of ``kind``: 300 kr for an order to pay or for ordinary
    assistance, 300 kr once when both are in one application, 600 kr for enforcement (FACTS.md §2)."""
    return ENFORCEMENT_FEES[EnforcementApplication.Kind(kind)]


@transaction.atomic
def enforcement_apply(*, actor, case: CollectionCase, kind: str, applied_on: date, reference: str = "",
                      note: str = "") -> EnforcementApplication:
    """Record an application to Kronofogden for ``case`` (at the agency or already at Kronofogden)."""
    list(CollectionCase.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))
    case = CollectionCase.objects.select_related("collection_code__policy").get(pk=case.pk)
    if case.state not in (CollectionCase.State.SENT_TO_AGENCY, CollectionCase.State.AT_ENFORCEMENT):
        raise TransitionRefused(_("Only a case at the collection agency or at Kronofogden can go to "
                                  "Kronofogden."))
    if not policy_for(case.collection_code).to_enforcement:
        raise TransitionRefused(_("The collection code %(code)s does not allow enforcement (Kronofogden).")
                                % {"code": case.collection_code.code})
    if applied_on > timezone.localdate():
        from django.core.exceptions import ValidationError

        raise ValidationError({"applied_on": _("The day applied cannot be in the future.")})
    application = EnforcementApplication.objects.create(
        case=case, kind=kind, applied_on=applied_on, fee=enforcement_fee(kind), reference=reference,
        note=note, created_by=_user(actor))
    reason = _("Application to Kronofogden: %(kind)s, fee %(fee)s kr") % {
        "kind": application.get_kind_display(), "fee": application.fee}
    if case.state == CollectionCase.State.SENT_TO_AGENCY:
        apply_transition(case, "apply_for_enforcement", actor=actor, reason=reason)
    else:
        audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=case, reason=reason,
                     changes={"application": application.pk, "kind": kind})
    return application


@transaction.atomic
def enforcement_decision_record(*, actor, application: EnforcementApplication, decision: str,
                                decided_on: date, note: str = "") -> EnforcementApplication:
    """Record Kronofogden's decision on an application (once)."""
    from django.core.exceptions import ValidationError

    application = EnforcementApplication.objects.select_for_update().get(pk=application.pk)
    if application.decision:
        raise TransitionRefused(_("The decision on this application is already recorded."))
    errors = {}
    if decision not in EnforcementApplication.Decision.values or not decision:
        errors["decision"] = _("Choose the decision.")
    if decided_on < application.applied_on:
        errors["decided_on"] = _("The decision cannot be earlier than the application.")
    elif decided_on > timezone.localdate():
        errors["decided_on"] = _("The day of the decision cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    application.decision = decision
    application.decided_on = decided_on
    if note:
        application.note = "\n".join(filter(None, [application.note, note]))
    application.save(update_fields=["decision", "decided_on", "note"])
    audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=application.case,
                 reason=_("Kronofogden's decision: %(decision)s") % {"decision": application.get_decision_display()},
                 changes={"application": application.pk, "decision": decision, "decided_on": decided_on})
    return application


# --- Closing --------------------------------------------------------------------------------------------


def _settled_reason(states: list[str]) -> str | None:
    if not states or any(s not in SETTLED_STATES for s in states):
        return None
    if Invoice.State.WRITTEN_OFF in states:
        return CollectionCase.CloseReason.WRITTEN_OFF
    return CollectionCase.CloseReason.PAID


def _close(case: CollectionCase, *, actor, reason: str, text: str) -> CollectionCase:
    case = _close_transition(case, actor=actor, close_reason=reason, text=text)
    CollectionClaim.objects.filter(case=case).update(active=False)
    return case


def _close_transition(case, *, actor, close_reason: str, text: str) -> CollectionCase:
    """``apply_transition`` takes ``reason`` for the audit text; the case's ``close(reason=…)`` wants the
    close reason, so the transition runs here under the same lock and audit rules."""
    with transaction.atomic():
        locked = CollectionCase.objects.select_for_update().get(pk=case.pk)
        if not can_proceed(locked.close):
            raise TransitionRefused(_("This action is not possible in the state “%(state)s”.")
                                    % {"state": locked.get_state_display()})
        before = locked.state
        locked.close(reason=close_reason)
        locked.save()
        audit.record_transition(actor=actor, subject=locked, from_state=before, to_state=locked.state,
                                reason=text, changes={"close_reason": close_reason})
    return locked


def collection_case_close_if_settled(*, actor, case: CollectionCase) -> CollectionCase | None:
    """Close ``case`` when every invoice of it is settled: as written off if one was, else as paid."""
    states = list(case.claims.values_list("invoice__state", flat=True))
    reason = _settled_reason(states)
    if reason is None or case.state == CollectionCase.State.CLOSED:
        return None
    text = (_("Every invoice of the case is paid") if reason == CollectionCase.CloseReason.PAID
            else _("The case's invoices are written off or paid"))
    return _close(case, actor=actor, reason=reason, text=text)


@transaction.atomic
def collection_cases_close_settled(*, actor) -> int:
    """The daily job: close every open case whose invoices are all paid (or otherwise settled)."""
    unsettled = CollectionClaim.objects.filter(case=OuterRef("pk")).exclude(invoice__state__in=SETTLED_STATES)
    cases = (CollectionCase.objects.filter(state__in=CollectionCase.OPEN_STATES)
             .filter(Exists(CollectionClaim.objects.filter(case=OuterRef("pk"))))
             .exclude(Exists(unsettled)))
    closed = 0
    for case in cases:
        if collection_case_close_if_settled(actor=actor, case=case) is not None:
            closed += 1
    return closed


@transaction.atomic
def collection_case_withdraw(*, actor, case: CollectionCase, reason: str) -> CollectionCase:
    """Withdraw a case: its invoices still at collection are recalled (back to ``reminded``) and the
    case closes as withdrawn."""
    if not reason.strip():
        from django.core.exceptions import ValidationError

        raise ValidationError({"reason": _("Say why the case is withdrawn.")})
    case = CollectionCase.objects.select_for_update().get(pk=case.pk)
    if case.state == CollectionCase.State.CLOSED:
        raise TransitionRefused(_("The case is already closed."))
    for claim in case.claims.select_related("invoice"):
        if claim.invoice.state == Invoice.State.AT_COLLECTION:
            apply_transition(claim.invoice, "recall_from_collection", actor=actor,
                             reason=_("Recalled from the collection agency (case %(id)s): %(reason)s")
                             % {"id": case.pk, "reason": reason})
    return _close(case, actor=actor, reason=CollectionCase.CloseReason.WITHDRAWN,
                  text=_("Withdrawn: %(reason)s") % {"reason": reason})


# --- Write-downs -----------------------------------------------------------------------------------------


def write_down_checks(*, invoice: Invoice, amount: Decimal | None, invoice_number, request,
                      collection_code, attested_by) -> list[str]:
    """Every reason the write-down may not be made (empty: it may). DOMAIN.md "What the ledger rules say":
    the district's decision is ``request``, the write-down request its officer approved in the portal."""
    problems = []
    if request is None or request.state != WriteDownRequest.State.APPROVED or request.invoice_id != invoice.pk:
        problems.append(_("The district has not approved a write-down of this invoice in its portal."))
    if str(invoice_number or "").strip() != str(invoice.number):
        problems.append(_("The invoice number in the decision does not match the ledger (%(number)s).")
                        % {"number": invoice.number})
    if invoice.state not in Invoice.OPEN_STATES or not can_proceed(invoice.write_off):
        problems.append(_("The invoice is %(state)s: only an open invoice is written down.")
                        % {"state": invoice.get_state_display().lower()})
    elif amount is None or Decimal(amount) != invoice.balance:
        problems.append(_("The amount does not match what is left to pay in the ledger (%(balance)s kr).")
                        % {"balance": f"{invoice.balance:.2f}".replace(".", ",")})
    if payment_plan_exists(invoice):
        problems.append(_("The invoice is in a payment plan: a payment plan exists."))
    code_id = getattr(collection_code, "pk", collection_code)
    if code_id is None or code_id != invoice.collection_code_id:
        problems.append(_("The collection code does not match the invoice's."))
    if attested_by is None or not permissions.is_service_staff(attested_by):
        problems.append(_("The write-down must be attested by a member of the service staff."))
    return problems


def approved_write_down_request(invoice: Invoice) -> WriteDownRequest | None:
    """The district's approved, not yet carried out, write-down request of ``invoice``."""
    return WriteDownRequest.objects.filter(invoice=invoice, state=WriteDownRequest.State.APPROVED).first()


@transaction.atomic
def write_down_create(*, actor, invoice: Invoice, amount: Decimal | None, invoice_number, collection_code,
                      attested_by=None, reason: str = "") -> WriteDown:
    """Carry out the write-down the district approved in its portal (refused with every failed check):
    the invoice goes ``write_off`` and the request ``done``."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    request = approved_write_down_request(invoice)
    attested_by = attested_by if attested_by is not None else _user(actor)
    problems = write_down_checks(invoice=invoice, amount=amount, invoice_number=invoice_number, request=request,
                                 collection_code=collection_code, attested_by=attested_by)
    if problems:
        raise TransitionRefused(_("The invoice cannot be written down:") + " " + " ".join(problems),
                                failed_checks=problems)
    claim = invoice.collection_claims.filter(active=True).select_related("case").first()
    decision_date = timezone.localdate(request.decided_at)
    write_down = WriteDown.objects.create(
        invoice=invoice, case=claim.case if claim else request.case, amount=invoice.balance,
        decision_reference=request.decision_reference, decision_date=decision_date,
        decided_by_id=request.organisation_id, attested_by=attested_by, request=request,
        reason=reason or request.reason)
    apply_transition(invoice, "write_off", actor=actor,
                     reason=_("Written down on the district's decision %(ref)s of %(date)s") % {
                         "ref": write_down.decision_reference, "date": decision_date.isoformat()})
    apply_transition(request, "carry_out", actor=actor,
                     reason=_("Written down: %(amount)s kr") % {"amount": write_down.amount})
    if claim is not None:
        collection_case_close_if_settled(actor=actor, case=claim.case)
    return write_down
