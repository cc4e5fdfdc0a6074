"""Overdue detection and reminders (påminnelser): every write of this part of the follow-up.

The daily job (``reminders_daily``, every working day, once per day) does two things:

1. **Overdue**: open invoices (unpaid or partly paid) whose due date has passed and that still have
   something left to pay go to *overdue* (``overdue_mark``): one SELECT … FOR UPDATE, one UPDATE and
   one ``bulk_create`` of the audit events, however many invoices (like ``invoicing.payments``).
   Accounting orders are left alone: they are booked in the city's ledger, not paid by bankgiro.
2. **Proposals** (``reminder_batch_propose``): overdue invoices (document type *invoice* only) whose
   collection code reminds and whose ``reminder_after_days`` have passed since the due date, that
   are not in an active deferral or payment plan (``excluded_invoice_ids``) and were not proposed
   before (in a batch that was not discarded), become the day's ``ReminderBatch``. A deceased
   customer, a protected identity (delivery must be handled apart) or an invoice without a customer
   is flagged and left out until staff tick it. The fee is the code's reminder fee only where the
   contract says one was agreed (inkassokostnadslagen 2 §), at most 60 kr (4 §, and a database
   constraint); a fee or interest invoice is reminded without a fee.

Staff review the batch in the admin (tick items in or out, see the flags), approve it (a second
person is not required) and send it (``reminder_batch_send``): each included invoice goes to
*reminded* (audited), the fee is issued as its own invoice with its own OCR reference
(``invoicing.services.invoice_issue_one_off``), the new due date is ``REMINDER_PAYMENT_DAYS`` ahead
(the next working day on or after), and after commit the PDFs are rendered, stored with their
checksum and e-mailed where the customer chose e-mail and has an address; the rest go in the print
file. The district officers get one e-mail per district with a count and a link (never names), and
representatives with the right to be told get an e-mail, or a letter in the print file.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_fsm import can_proceed, has_transition_perm

from hyresadmin import audit, calendar
from hyresadmin.jobs import periodic_job, run_once
from hyresadmin.middleware import current_request_id
from hyresadmin.models import AuditEvent, Representative
from hyresadmin.transitions import TransitionRefused, apply_transition
from invoicing.models import Invoice, InvoiceKind, InvoiceLine

from .code_models import MAX_REMINDER_FEE, CollectionPolicy, policy_for
from .reminder_models import Reminder, ReminderBatch, ReminderNotice

logger = logging.getLogger(__name__)

JOB = "debt_collection.reminders"
CHUNK = 2000
#: Service level of reminders (001, "Handläggningstider": Påminnelser 3 dagar).
REVIEW_WORKING_DAYS = 3
#: Invoices that are reminded without a fee of their own: a fee is never charged for a fee.
NO_FEE_KINDS = (InvoiceKind.FEE, InvoiceKind.INTEREST)
ZERO = Decimal("0.00")


def excluded_invoice_ids(today: dt.date | None = None) -> set[int]:
    """The invoices that must not be reminded now: those in a deferral (anstånd) or payment plan
    (avbetalningsplan) being decided, in a granted deferral not yet expired
    (``plans.deferred_or_planned_invoice_ids``), and the instalments of a running plan (a plan not kept
    is followed up as a broken plan, not by reminders). Three queries."""
    from .plan_models import Instalment, PaymentPlan
    from .plans import deferred_or_planned_invoice_ids

    instalments = (Instalment.objects.filter(plan__state__in=PaymentPlan.RUNNING_STATES, invoice__isnull=False)
                   .values_list("invoice_id", flat=True))
    return deferred_or_planned_invoice_ids(on=today or timezone.localdate()) | set(instalments)


def _actor_user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Collection codes' rules ----------------------------------------------------------------------------

POLICY_FIELDS = ("reminds", "reminder_after_days", "reminder_fee", "to_agency", "agency_after_days",
                 "to_enforcement", "charges_interest", "payment_plan_fee", "notify_officer",
                 "notify_representatives")


@transaction.atomic
def collection_policy_save(*, actor, policy: CollectionPolicy) -> CollectionPolicy:
    """Save a code's rules as staff set them (checked against the legal maxima); audited."""
    policy.full_clean()
    before = {}
    if policy.pk:
        stored = CollectionPolicy.objects.select_for_update().get(pk=policy.pk)
        before = audit.snapshot(stored, POLICY_FIELDS)
    created = policy.pk is None
    policy.save()
    changes = audit.diff(policy, before, POLICY_FIELDS) if not created else {
        name: str(getattr(policy, name)) for name in POLICY_FIELDS}
    audit.record(AuditEvent.Type.CREATE if created else AuditEvent.Type.UPDATE, actor=actor, subject=policy,
                 changes=changes)
    return policy


# --- 1. Overdue ------------------------------------------------------------------------------------------


def _overdue_queryset(today: dt.date):
    return Invoice.objects.filter(state__in=[Invoice.State.ISSUED, Invoice.State.PARTLY_PAID],
                                  document_type=Invoice.DocumentType.INVOICE,
                                  due_date__lt=today, balance__gt=0)


@transaction.atomic
def overdue_mark(*, actor, today: dt.date | None = None) -> int:
    """Move every open invoice whose due date has passed to *overdue*; return how many moved.

    The transition runs in memory on each locked row (so the state machine decides), the rows are
    written with one UPDATE and each change gets its audit event (one ``bulk_create``).
    """
    today = today or timezone.localdate()
    invoices = list(_overdue_queryset(today).select_for_update().only("pk", "number", "state"))
    if not invoices:
        return 0
    content_type = ContentType.objects.get_for_model(Invoice)
    request_id = current_request_id()
    user = _actor_user(actor)
    label = actor[:100] if isinstance(actor, str) else ""
    reason = _("The due date has passed")
    events, pks = [], []
    for invoice in invoices:
        before = invoice.state
        if not can_proceed(invoice.mark_overdue):
            continue
        invoice.mark_overdue()
        pks.append(invoice.pk)
        events.append(AuditEvent(
            event_type=AuditEvent.Type.TRANSITION, actor=user, actor_label=label, content_type=content_type,
            object_id=str(invoice.pk), object_repr=str(invoice)[:200], from_state=before,
            to_state=invoice.state, reason=reason, request_id=request_id))
    for start in range(0, len(pks), CHUNK):
        Invoice.objects.filter(pk__in=pks[start:start + CHUNK]).update(state=Invoice.State.OVERDUE)
    AuditEvent.objects.bulk_create(events, batch_size=CHUNK)
    return len(pks)


# --- 2. Proposals ----------------------------------------------------------------------------------------


def reminder_fee_for(invoice: Invoice, policy) -> Decimal:
    """The reminder fee to charge: the code's fee, only where the contract says a fee was agreed, never
    for a fee or interest invoice, and never above the legal maximum."""
    contract = invoice.contract
    if contract is None or not contract.reminder_fee_agreed or invoice.kind in NO_FEE_KINDS:
        return ZERO
    return max(ZERO, min(policy.reminder_fee or ZERO, MAX_REMINDER_FEE))


def _flags(invoice: Invoice, policy, fee: Decimal) -> list[str]:
    flags = []
    customer = invoice.customer
    if customer is None:
        flags.append(Reminder.Flag.NO_CUSTOMER)
    else:
        if customer.is_deceased:
            flags.append(Reminder.Flag.DECEASED)
        if customer.protected_identity:
            flags.append(Reminder.Flag.PROTECTED_IDENTITY)
    if fee == 0 and policy.reminder_fee and invoice.kind not in NO_FEE_KINDS:
        flags.append(Reminder.Flag.NO_FEE_AGREED)
    return flags


#: Flags that leave an item out of the batch until staff tick it in.
HOLD_FLAGS = {Reminder.Flag.NO_CUSTOMER, Reminder.Flag.DECEASED, Reminder.Flag.PROTECTED_IDENTITY}


def reminder_candidates(*, today: dt.date | None = None) -> list[tuple[Invoice, Decimal, list[str]]]:
    """The invoices to propose for a reminder today, each with its fee and flags (one query)."""
    today = today or timezone.localdate()
    proposed = Reminder.objects.filter(invoice=OuterRef("pk")).exclude(
        batch__state=ReminderBatch.State.DISCARDED)
    invoices = (Invoice.objects.filter(state=Invoice.State.OVERDUE, document_type=Invoice.DocumentType.INVOICE,
                                       balance__gt=0)
                .exclude(Exists(proposed))
                .select_related("customer", "contract", "collection_code__policy")
                .order_by("due_date", "number"))
    excluded = excluded_invoice_ids(today)
    out = []
    for invoice in invoices:
        if invoice.pk in excluded:
            continue
        policy = policy_for(invoice.collection_code)
        if not policy.reminds:
            continue
        if today < invoice.due_date + dt.timedelta(days=policy.reminder_after_days):
            continue
        fee = reminder_fee_for(invoice, policy)
        out.append((invoice, fee, _flags(invoice, policy, fee)))
    return out


@transaction.atomic
def reminder_batch_propose(*, actor, today: dt.date | None = None) -> ReminderBatch | None:
    """Put today's candidates in a batch to review (today's open proposal, or a new one); None when there
    is nothing to propose. Running it again the same day adds nothing: candidates exclude invoices
    already proposed."""
    today = today or timezone.localdate()
    candidates = reminder_candidates(today=today)
    if not candidates:
        return None
    batch = (ReminderBatch.objects.select_for_update()
             .filter(proposed_on=today, state=ReminderBatch.State.PROPOSED).first())
    if batch is None:
        batch = ReminderBatch.objects.create(
            proposed_on=today,
            due_date=calendar.add_working_days(calendar.next_working_day_on_or_after(today),
                                               REVIEW_WORKING_DAYS - 1))
        audit.record(AuditEvent.Type.CREATE, actor=actor, subject=batch, to_state=batch.state,
                     reason=_("Reminders proposed"))
    Reminder.objects.bulk_create([
        Reminder(batch=batch, invoice=invoice, amount_due=invoice.balance, fee=fee, flags=[str(f) for f in flags],
                 included=not (set(flags) & HOLD_FLAGS))
        for invoice, fee, flags in candidates
    ], batch_size=CHUNK)
    _refresh_summary(batch)
    return batch


def _refresh_summary(batch: ReminderBatch) -> dict:
    rows = list(batch.reminders.values_list("included", "fee", "amount_due", "flags"))
    summary = {
        "items": len(rows),
        "included": sum(1 for included, *_rest in rows if included),
        "flagged": sum(1 for *_rest, flags in rows if flags),
        "fees": str(sum((fee for included, fee, _a, _f in rows if included), ZERO)),
        "amount_due": str(sum((amount for included, _fee, amount, _f in rows if included), ZERO)),
    }
    summary.update({k: v for k, v in (batch.summary or {}).items() if k.startswith("sent") or k == "skipped"})
    ReminderBatch.objects.filter(pk=batch.pk).update(summary=summary)
    batch.summary = summary
    return summary


# --- Review --------------------------------------------------------------------------------------------


@transaction.atomic
def reminder_set_included(*, actor, reminder: Reminder, included: bool) -> Reminder:
    """Tick an item in or out of a batch under review (recorded in the batch's history)."""
    batch = ReminderBatch.objects.select_for_update().get(pk=reminder.batch_id)
    if batch.state != ReminderBatch.State.PROPOSED:
        raise TransitionRefused(_("Only a batch under review can be changed."))
    locked = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if locked.included != included:
        Reminder.objects.filter(pk=locked.pk).update(included=included)
        locked.included = included
        audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=batch,
                     changes={"invoice": locked.invoice_id, "included": [not included, included]},
                     reason=_("Included in the batch") if included else _("Left out of the batch"))
        _refresh_summary(batch)
    return locked


def reminder_batch_approve(*, actor, batch: ReminderBatch) -> ReminderBatch:
    """Approve a reviewed batch (a second person is not required)."""
    with transaction.atomic():
        if not batch.reminders.filter(included=True).exists():
            raise TransitionRefused(_("No reminder in the batch is ticked to be sent."))
        return apply_transition(batch, "approve", actor=actor, reason=_("Reminders approved"),
                                approver=_actor_user(actor))


def reminder_batch_discard(*, actor, batch: ReminderBatch, reason: str) -> ReminderBatch:
    """Throw a proposal away; its invoices may be proposed again by the next day's job."""
    return apply_transition(batch, "discard", actor=actor, reason=reason)


def reminder_due_date(today: dt.date) -> dt.date:
    """The new "pay by" date printed on a reminder: ``REMINDER_PAYMENT_DAYS`` ahead, on a working day."""
    return calendar.next_working_day_on_or_after(today + dt.timedelta(days=settings.REMINDER_PAYMENT_DAYS))


def _delivery(invoice: Invoice) -> str:
    customer = invoice.customer
    if invoice.delivery_channel == "email" and customer is not None and customer.email:
        return Reminder.Delivery.EMAIL
    return Reminder.Delivery.POST


def reminder_batch_send(*, actor, batch: ReminderBatch, today: dt.date | None = None) -> ReminderBatch:
    """Send an approved batch: remind each included invoice, charge the agreed fees, record the notices;
    after commit render, store and deliver the PDFs and tell the districts and representatives.

    An item whose invoice was paid, credited or otherwise moved on since the proposal is skipped (and
    counted), never reminded."""
    from invoicing.services import OneOffInvoice, OneOffLine, invoices_issue_one_off

    today = today or timezone.localdate()
    new_due = reminder_due_date(today)
    with transaction.atomic():
        batch = apply_transition(batch, "send", actor=actor, reason=_("Reminders sent"),
                                 sender=_actor_user(actor))
        # The invoices are locked first (one query per chunk), then read with the reminders, so what
        # is checked below is what is written.
        invoice_ids = list(batch.reminders.filter(included=True).order_by("invoice_id")
                           .values_list("invoice_id", flat=True))
        for start in range(0, len(invoice_ids), CHUNK):
            list(Invoice.objects.select_for_update().filter(pk__in=invoice_ids[start:start + CHUNK])
                 .values_list("pk", flat=True))
        reminders = list(batch.reminders.select_related("invoice__contract", "invoice__customer",
                                                         "invoice__collection_code__policy"))
        user = _actor_user(actor)
        now = timezone.now()
        counts: Counter = Counter()
        per_district: Counter = Counter()
        notify_reps: list[Reminder] = []
        reminded, fees = [], []
        for reminder in reminders:
            invoice = reminder.invoice
            if not reminder.included:
                reminder.outcome = Reminder.Outcome.LEFT_OUT
                counts["left_out"] += 1
                continue
            if invoice.balance <= 0 or not can_proceed(invoice.remind):
                reminder.outcome = Reminder.Outcome.SKIPPED
                counts["skipped"] += 1
                continue
            if user is not None and not has_transition_perm(invoice.remind, user):
                raise TransitionRefused(_("You do not have permission to do this."))
            before = invoice.state
            invoice.remind()
            reminded.append((invoice, before))
            policy = policy_for(invoice.collection_code)
            fee = min(reminder.fee, reminder_fee_for(invoice, policy))
            if fee > 0:
                with override("sv"):  # printed on the customer's invoice
                    description = _("Reminder fee, invoice %(number)s") % {"number": invoice.number}
                fees.append((reminder, OneOffInvoice(
                    lines=[OneOffLine(kind=InvoiceLine.Kind.FEE, description=description, amount=fee)],
                    organisation_id=invoice.organisation_id, customer_id=invoice.customer_id,
                    contract=invoice.contract, due_date=new_due)))
            reminder.fee = fee
            reminder.outcome = Reminder.Outcome.SENT
            reminder.sent_at = now
            reminder.new_due_date = new_due
            reminder.delivery = _delivery(invoice)
            counts["sent"] += 1
            counts["sent_fees"] += 1 if fee > 0 else 0
            if policy.notify_officer:
                per_district[invoice.organisation_id] += 1
            if policy.notify_representatives and invoice.customer_id:
                notify_reps.append(reminder)
        # Each reminded invoice as ``apply_transition(invoice, "remind")`` would leave it, in bulk: one
        # UPDATE per chunk and one insert of the audit events.
        pks = [invoice.pk for invoice, _before in reminded]
        for start in range(0, len(pks), CHUNK):
            Invoice.objects.filter(pk__in=pks[start:start + CHUNK]).update(state=Invoice.State.REMINDED)
        AuditEvent.objects.bulk_create([
            audit.build(AuditEvent.Type.TRANSITION, actor=actor, subject=invoice, from_state=before,
                        to_state=invoice.state, reason=_("Reminder sent"))
            for invoice, before in reminded], batch_size=CHUNK)
        issued = invoices_issue_one_off(actor=actor, kind=InvoiceKind.FEE, reason=_("Reminder fee"),
                                        invoices=[spec for _reminder, spec in fees])
        for (reminder, _spec), fee_invoice in zip(fees, issued, strict=True):
            reminder.fee_invoice = fee_invoice
        Reminder.objects.bulk_update(reminders, ["outcome", "fee", "fee_invoice", "sent_at", "new_due_date",
                                                 "delivery"])
        notices = _record_representative_notices(notify_reps, today)
        summary = {**(batch.summary or {}), "sent": counts["sent"], "sent_fees": counts["sent_fees"],
                   "skipped": counts["skipped"], "left_out": counts["left_out"],
                   "notified_districts": len(per_district), "notices": len(notices)}
        ReminderBatch.objects.filter(pk=batch.pk).update(summary=summary)
        batch.summary = summary
        batch_id = batch.pk
        transaction.on_commit(lambda: _after_send(batch_id, dict(per_district)))
    return batch


def representatives_to_tell(person_ids, today: dt.date) -> dict[int, list[Representative]]:
    """The representatives with the right to be told (valid ``today``, receiving copies of notices) of
    each of ``person_ids``, in one query. Shared by every notice of unpaid rent (reminders, handover)."""
    by_person: dict[int, list[Representative]] = defaultdict(list)
    for rep in (Representative.objects.valid_on(today).filter(person_id__in=set(person_ids),
                                                               receives_notices=True)
                .select_related("agent")):
        by_person[rep.person_id].append(rep)
    return by_person


def representative_address(rep: Representative) -> str:
    """Where a representative's e-mail goes (the agent's address first); empty: a letter."""
    return (rep.agent.email if rep.agent_id else "") or rep.contact_email


def _record_representative_notices(reminders: list[Reminder], today: dt.date) -> list[ReminderNotice]:
    """One notice per reminder and representative with the right to be told (valid today, receives
    copies of notices): by e-mail where there is an address, else a letter for the print file."""
    if not reminders:
        return []
    by_person = representatives_to_tell({r.invoice.customer_id for r in reminders}, today)
    notices = []
    for reminder in reminders:
        for rep in by_person.get(reminder.invoice.customer_id, []):
            email = representative_address(rep)
            notices.append(ReminderNotice(reminder=reminder, representative=rep,
                                          channel=ReminderNotice.Channel.EMAIL if email
                                          else ReminderNotice.Channel.LETTER))
    return ReminderNotice.objects.bulk_create(notices, batch_size=CHUNK)


def _after_send(batch_id: int, per_district: dict[int, int]) -> None:
    from . import notifications, tasks

    notifications.officers_reminded(per_district)
    notifications.representatives_told(batch_id)
    tasks.deliver_reminders.delay(batch_id)


# --- Delivery (after commit, in a task) -----------------------------------------------------------------


def reminder_store_pdf(*, reminder: Reminder) -> Reminder:
    """Render the reminder's PDF (if not yet stored) and keep it with its SHA-256."""
    import hashlib

    from django.core.files.base import ContentFile

    from . import documents

    if reminder.pdf and reminder.pdf_sha256:
        return reminder
    content = documents.render_reminder_pdf(reminder)
    with transaction.atomic():
        locked = Reminder.objects.select_for_update().select_related("batch", "invoice").get(pk=reminder.pk)
        if locked.pdf and locked.pdf_sha256:
            return locked
        locked.pdf.save(f"paminnelse-{locked.invoice.number}.pdf", ContentFile(content), save=False)
        locked.pdf_sha256 = hashlib.sha256(content).hexdigest()
        Reminder.objects.filter(pk=locked.pk).update(pdf=locked.pdf.name, pdf_sha256=locked.pdf_sha256)
    return locked


def reminder_pdf_bytes(reminder: Reminder) -> bytes:
    """The stored PDF of a sent reminder (rendered and stored first if missing)."""
    reminder = reminder_store_pdf(reminder=reminder)
    with reminder.pdf.open("rb") as handle:
        return handle.read()


#: How many reminders one delivery task renders (157–620 ms a PDF): a sent batch is shared out as
#: one ``deliver_reminders_chunk`` task per chunk, so several workers share the work.
DELIVERY_CHUNK = 200


def delivery_chunk_size() -> int:
    return max(1, int(getattr(settings, "REMINDER_DELIVERY_CHUNK", DELIVERY_CHUNK)))


def reminder_delivery_chunks(*, batch_id: int) -> list[list[int]]:
    """The ids of the batch's sent reminders still to deliver (no PDF stored yet, or an e-mail not yet
    sent), in chunks of ``delivery_chunk_size()`` (one query)."""
    from django.db.models import Q

    pending = (Reminder.objects.filter(batch_id=batch_id, outcome=Reminder.Outcome.SENT)
               .filter(Q(pdf="") | Q(pdf_sha256="")
                       | Q(delivery=Reminder.Delivery.EMAIL, delivered_at__isnull=True))
               .order_by("pk").values_list("pk", flat=True))
    ids = list(pending)
    size = delivery_chunk_size()
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def reminders_deliver_chunk(*, batch_id: int, ids) -> dict:
    """Render and store the PDFs of the given sent reminders of the batch and e-mail those to be
    e-mailed; safe to run again, also at the same time as another run (what is stored and delivered is
    not done twice). Post goes in the print file."""
    from . import notifications

    counts = Counter()
    reminders = (Reminder.objects.filter(batch_id=batch_id, outcome=Reminder.Outcome.SENT, pk__in=list(ids))
                 .select_related("batch", "invoice__customer", "invoice__organisation", "fee_invoice")
                 .order_by("pk"))
    for reminder in reminders:
        reminder = reminder_store_pdf(reminder=reminder)
        counts["pdf"] += 1
        if reminder.delivery == Reminder.Delivery.EMAIL and reminder.delivered_at is None:
            with transaction.atomic():
                # Locked and read again: a second run of the same chunk waits here and then sees it sent.
                locked = Reminder.objects.select_for_update().filter(pk=reminder.pk).values(
                    "delivery", "delivered_at").get()
                if locked["delivery"] != Reminder.Delivery.EMAIL or locked["delivered_at"] is not None:
                    continue
                with reminder.pdf.open("rb") as handle:
                    content = handle.read()
                if notifications.reminder_to_customer(reminder, content):
                    Reminder.objects.filter(pk=reminder.pk).update(delivered_at=timezone.now())
                    counts["emailed"] += 1
                else:
                    Reminder.objects.filter(pk=reminder.pk).update(delivery=Reminder.Delivery.POST)
                    counts["post"] += 1
        elif reminder.delivery == Reminder.Delivery.POST:
            counts["post"] += 1
    return dict(counts)


def reminders_deliver(*, batch_id: int) -> dict:
    """Deliver the whole batch here, chunk after chunk (the eager path and tests; the task shares the
    chunks out instead). Safe to run again."""
    counts = Counter()
    for ids in reminder_delivery_chunks(batch_id=batch_id):
        counts.update(reminders_deliver_chunk(batch_id=batch_id, ids=ids))
    return dict(counts)


def reminder_print_file(*, actor, batch: ReminderBatch) -> tuple[str, bytes]:
    """The print vendor's file of a sent batch, as (file name, bytes): a ZIP with the PDF of every
    reminder that goes by post (a protected identity's has no address printed: the vendor routes it
    through the tax agency) and ``foretradare.csv``, the letters to representatives (recipient, address
    lines, whom it is about). The reminders in it count as delivered; the export is audited."""
    import csv
    import io
    import zipfile

    batch = ReminderBatch.objects.get(pk=batch.pk)
    if batch.state != ReminderBatch.State.SENT:
        raise TransitionRefused(_("Only a sent batch has a print file."))
    posted = list(Reminder.objects.filter(batch=batch, outcome=Reminder.Outcome.SENT,
                                          delivery=Reminder.Delivery.POST)
                  .select_related("batch", "invoice").order_by("id"))
    letters = (ReminderNotice.objects.filter(reminder__batch=batch, channel=ReminderNotice.Channel.LETTER)
               .select_related("representative__agent", "reminder__invoice__customer").order_by("id"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for reminder in posted:
            archive.writestr(f"paminnelse-{reminder.invoice.number}.pdf", reminder_pdf_bytes(reminder))
        rows = io.StringIO()
        writer = csv.writer(rows, delimiter=";")
        writer.writerow(["mottagare", "adress", "avser"])
        for notice in letters:
            rep = notice.representative
            address = rep.agent.postal_address_lines()[1:] if rep.agent_id else []
            writer.writerow([rep.display_name, ", ".join(address), notice.reminder.invoice.customer.full_name])
        archive.writestr("foretradare.csv", rows.getvalue().encode("utf-8"))
    Reminder.objects.filter(pk__in=[r.pk for r in posted], delivered_at__isnull=True).update(
        delivered_at=timezone.now())
    audit.record_export(actor=actor, what=f"reminder print file {batch}", count=len(posted), subject=batch)
    return f"paminnelser-{batch.proposed_on:%Y-%m-%d}.zip", buffer.getvalue()


# --- The daily job -------------------------------------------------------------------------------------


@periodic_job(JOB)
def reminders_for_day(period: str) -> dict:
    """Mark overdue and propose reminders for the day ``period`` (YYYY-MM-DD)."""
    day = dt.date.fromisoformat(period)
    marked = overdue_mark(actor=JOB, today=day)
    batch = reminder_batch_propose(actor=JOB, today=day)
    return {"overdue": marked, "batch": batch.pk if batch else None,
            "proposed": batch.summary.get("items", 0) if batch else 0}


def reminders_daily(*, today: dt.date | None = None):
    """The job of each working day (does nothing on other days, and nothing the second time a day)."""
    today = today or timezone.localdate()
    if not calendar.is_working_day(today):
        return None
    period = today.isoformat()
    return run_once(job=JOB, period=period, func=lambda: reminders_for_day(period))
