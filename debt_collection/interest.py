"""Late-payment interest (dröjsmålsränta): the pure computation, and the interest-invoice proposals.

The rule (FACTS.md §2, räntelagen 1975:635): rent has a due date fixed in advance, so interest runs
**from the due date** (3 §) — none before it (2 §) — at **the reference rate + 8 percentage points** a
year (6 §). The reference rate is set for each calendar half-year (1 January, 1 July, 9 §) and the
interest follows it **on a claim already running** (the rate changes on those days). The rates are
dated data (``ReferenceRate``, seeded from FACTS.md §2 and the second part's §3, the unconfirmed ones
marked provisional), never constants.

Conventions of ``interest`` (stated here because no source fixes them):

* **Day count actual/365**: every calendar day overdue earns 1/365 of the yearly rate, in leap years
  too (the usual Swedish practice for räntelagen claims).
* **Days overdue**: the days *after* the due date up to and including the day paid, i.e.
  ``payment date − due date``. Paid on the due date: no interest; paid the day after: one day.
* **Partial payments**: the interest of a day is on the balance left at the end of that day, so a
  payment stops interest on its amount from its payment date (the BgMax payment date of each
  allocation; for money from the credit balance, the day it was allocated). A credit note is not a
  payment: the credited part was never owed, so it is taken off the amount from the start.
* The sum is computed exactly (``Decimal``) and **rounded to öre once, at the end** (half up).

The service (``interest_proposals_create``) proposes, for invoices paid late or still open whose
collection code's policy ``charges_interest``, the interest since the last interest invoice (or the due
date) up to a day; a customer's proposals below ``settings.INTEREST_INVOICE_MINIMUM`` (kronor, 100 by
default) are left out (they are proposed later, when more has run). Staff review the proposal batch in
the admin, take out what should not be charged, and issue it (``interest_batch_issue``): one interest
invoice per customer and organisation (``invoices_issue_one_off(kind=InvoiceKind.INTEREST)``, in bulk), each line
the interest of one late invoice over its period. What was invoiced up to which day is kept on the
proposal (``charged``), so the same period of the same invoice is never charged twice. Interest is not
charged on interest or fee invoices (räntelagen 5 §: no interest on interest), nor on claims at the
collection agency (the agency claims it) or closed otherwise than paid.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from hyresadmin import audit, calendar
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused, apply_transition
from invoicing.models import Allocation, Invoice, InvoiceKind, InvoiceLine

from .code_models import policy_for
from .collection_models import InterestBatch, InterestProposal, ReferenceRate

__all__ = [
    "INTEREST_MARGIN",
    "MissingReferenceRate",
    "Segment",
    "balance_timeline",
    "batches_to_review",
    "interest",
    "interest_batch_discard",
    "interest_batch_issue",
    "interest_proposal_set_included",
    "interest_proposals_create",
    "interest_segments",
    "rates_from_table",
    "reference_rate_save",
]

#: Percentage points over the reference rate (räntelagen 6 §).
INTEREST_MARGIN = Decimal("8")
DAYS_IN_YEAR = Decimal("365")
ORE = Decimal("0.01")
ZERO = Decimal("0.00")
#: Working days staff have to review an interest proposal (the queue's due date).
REVIEW_WORKING_DAYS = 5

Rates = Sequence[tuple[date, Decimal]]
Timeline = Sequence[tuple[date, Decimal]]


class MissingReferenceRate(ValueError):
    """No reference rate is known for a day the interest runs."""


@dataclass(frozen=True)
class Segment:
    """Days ``start`` ≤ d < ``end`` (so ``end − start`` days) on one balance at one yearly rate (%)."""

    start: date
    end: date
    balance: Decimal
    rate: Decimal

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def exact(self) -> Decimal:
        return self.balance * self.rate / Decimal(100) * Decimal(self.days) / DAYS_IN_YEAR


def rates_from_table(rows: Iterable | None = None) -> list[tuple[date, Decimal]]:
    """``[(valid_from, reference rate %)]`` from ``ReferenceRate`` rows (all of them by default)."""
    rows = ReferenceRate.objects.order_by("valid_from") if rows is None else rows
    return sorted((row.valid_from, Decimal(row.rate)) for row in rows)


def _timeline(amount_or_timeline, due_date: date) -> list[tuple[date, Decimal]]:
    if isinstance(amount_or_timeline, (Decimal, int)) and not isinstance(amount_or_timeline, bool):
        return [(due_date, Decimal(amount_or_timeline))]
    if isinstance(amount_or_timeline, float):
        raise TypeError("amounts are Decimal, never float")
    timeline = sorted((d, Decimal(b)) for d, b in amount_or_timeline)
    if not timeline:
        return [(due_date, ZERO)]
    return timeline


def _rate_on(rates: Rates, day: date) -> Decimal:
    current = None
    for valid_from, rate in rates:
        if valid_from <= day:
            current = rate
        else:
            break
    if current is None:
        raise MissingReferenceRate(f"no reference rate for {day.isoformat()}")
    return current


def interest_segments(amount_or_balance_timeline, due_date: date, until: date, rates: Rates, *,
                      start: date | None = None) -> list[Segment]:
    """The pieces the interest is made of: each a run of days on one balance at one rate.

    ``amount_or_balance_timeline`` is the amount owed (a ``Decimal``), or ``[(day, balance)]``: the
    balance left at the end of ``day`` and after, until the next entry (the first entry holds for the
    days before it too). Interest runs on days ``due_date ≤ d < until`` (see the module's conventions),
    and from ``start`` when later than the due date (to count from where the last charge ended).
    """
    rates = sorted((d, Decimal(r)) for d, r in rates)
    timeline = _timeline(amount_or_balance_timeline, due_date)
    first = max(due_date, start) if start else due_date
    if until <= first:
        return []
    cuts = {first, until}
    cuts.update(d for d, _b in timeline if first < d < until)
    cuts.update(d for d, _r in rates if first < d < until)
    # A payment on day d changes the balance from day d on (the end-of-day balance).
    ordered = sorted(cuts)
    segments = []
    for seg_start, seg_end in zip(ordered, ordered[1:], strict=False):
        balance = timeline[0][1]
        for day, value in timeline:
            if day <= seg_start:
                balance = value
        if balance <= 0:
            continue
        rate = _rate_on(rates, seg_start) + INTEREST_MARGIN
        if rate <= 0:
            continue
        segments.append(Segment(seg_start, seg_end, balance, rate))
    return segments


def interest(amount_or_balance_timeline, due_date: date, until: date, rates: Rates, *,
             start: date | None = None) -> Decimal:
    """Late-payment interest on a claim due on ``due_date``, up to ``until``, in kronor (öre).

    Day count actual/365, the rate = reference rate in force that day + 8 percentage points, on the
    balance left at the end of each day overdue; rounded to öre at the end (see the module docstring
    and FACTS.md §2). ``rates`` is ``[(valid_from, reference rate %)]`` (``rates_from_table()``).
    Zero when ``until`` is on or before the due date.
    """
    with localcontext() as ctx:
        ctx.prec = 40
        total = sum((s.exact for s in interest_segments(amount_or_balance_timeline, due_date, until, rates,
                                                        start=start)), Decimal(0))
    return total.quantize(ORE, rounding=ROUND_HALF_UP)


# --- From the ledger: an invoice's balance day by day ----------------------------------------------------


def balance_timeline(invoice: Invoice) -> list[tuple[date, Decimal]]:
    """``[(day, balance)]`` of ``invoice`` from its payments: the total less credit notes from the
    start, less each allocation from its payment date (money from the credit balance: the day it was
    allocated). Reads the invoice's prefetched ``allocations`` (with ``payment``) and ``credit_notes``."""
    credited = sum((note.amount - note.to_credit_balance for note in invoice.credit_notes.all()), ZERO)
    principal = invoice.total - credited
    paid_by_day: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for allocation in invoice.allocations.all():
        if allocation.payment_id and allocation.payment is not None:
            day = allocation.payment.payment_date
        else:
            day = timezone.localdate(allocation.created_at)
        paid_by_day[day] += allocation.amount
    timeline = [(invoice.due_date, principal)]
    balance = principal
    for day in sorted(paid_by_day):
        balance -= paid_by_day[day]
        timeline.append((day, max(balance, ZERO)))
    # Money paid on or before the due date lowers the balance from the due date on.
    merged: dict[date, Decimal] = {}
    for day, value in timeline:
        merged[max(day, invoice.due_date)] = value
    return sorted(merged.items())


# --- The proposals ----------------------------------------------------------------------------------------

#: Interest is charged on these kinds only: not on interest (räntelagen 5 §) nor on fees.
INTEREST_BEARING_KINDS = (InvoiceKind.RENT, InvoiceKind.ONE_OFF)
#: States in which an invoice's interest is proposed. At collection the agency claims it; credited,
#: cancelled and written-off invoices carry none.
INTEREST_STATES = (Invoice.State.ISSUED, Invoice.State.PARTLY_PAID, Invoice.State.OVERDUE,
                   Invoice.State.REMINDED, Invoice.State.PAID)


def _minimum() -> Decimal:
    return Decimal(str(getattr(settings, "INTEREST_INVOICE_MINIMUM", "100")))


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _candidates(until: date):
    """Invoices whose interest may be due: past their due date, paid late or still open, with what
    was charged before (``charged_until``) and the day of the last money (``last_paid_at``)."""
    charged = (InterestProposal.objects.filter(invoice=OuterRef("pk"), charged=True).order_by()
               .values("invoice").annotate(m=Max("until")).values("m"))
    last_money = (Allocation.objects.filter(invoice=OuterRef("pk")).order_by()
                  .values("invoice").annotate(m=Max("created_at")).values("m"))
    return (Invoice.objects
            .filter(kind__in=INTEREST_BEARING_KINDS, document_type=Invoice.DocumentType.INVOICE,
                    customer__isnull=False, state__in=INTEREST_STATES, due_date__lt=until)
            .annotate(charged_until=Subquery(charged), last_paid_at=Subquery(last_money))
            # A paid invoice is looked at only if it was paid after its due date, and after what was
            # charged before.
            .filter(~Q(state=Invoice.State.PAID)
                    | (Q(last_paid_at__date__gt=F("due_date"))
                       & (Q(charged_until__isnull=True) | Q(last_paid_at__date__gt=F("charged_until")))))
            # Once handed over to the collection agency, the agency claims the interest.
            .exclude(collection_claims__case__agency_file__isnull=False)
            .select_related("collection_code__policy", "customer")
            .prefetch_related("allocations__payment", "credit_notes")
            .order_by("customer_id", "due_date", "number"))


@transaction.atomic
def interest_proposals_create(*, actor, until: date | None = None) -> InterestBatch | None:
    """Propose the interest due up to ``until`` (today by default) as one batch for staff to review.

    Refused while another proposal waits for review. Returns None when nothing reaches the minimum.
    """
    until = until or timezone.localdate()
    if InterestBatch.objects.filter(state=InterestBatch.State.PROPOSED).exists():
        raise TransitionRefused(_("An interest-invoice proposal is already waiting for review: issue or "
                                  "discard it first."))
    rates = rates_from_table()
    minimum = _minimum()
    by_customer: dict[tuple[int, int], list[InterestProposal]] = defaultdict(list)
    skipped = 0
    for invoice in _candidates(until):
        if not policy_for(invoice.collection_code).charges_interest:
            continue
        start = invoice.charged_until or invoice.due_date
        timeline = balance_timeline(invoice)
        try:
            segments = interest_segments(timeline, invoice.due_date, until, rates, start=start)
            amount = interest(timeline, invoice.due_date, until, rates, start=start)
        except MissingReferenceRate:
            skipped += 1
            continue
        if amount <= 0 or not segments:
            continue
        end = segments[-1].end
        by_customer[(invoice.customer_id, invoice.organisation_id)].append(InterestProposal(
            invoice=invoice, customer_id=invoice.customer_id, organisation_id=invoice.organisation_id,
            from_date=start, until=end, days=sum(s.days for s in segments), amount=amount,
            basis=[{"from": s.start.isoformat(), "to": s.end.isoformat(), "days": s.days,
                    "balance": str(s.balance), "rate": str(s.rate)} for s in segments]))
    proposals = [p for group in by_customer.values() if sum(p.amount for p in group) >= minimum
                 for p in group]
    if not proposals:
        return None
    batch = InterestBatch.objects.create(
        until=until, minimum=minimum, due_date=calendar.add_working_days(timezone.localdate(),
                                                                         REVIEW_WORKING_DAYS),
        created_by=_user(actor), actor_label=actor[:100] if isinstance(actor, str) else "")
    for proposal in proposals:
        proposal.batch = batch
    InterestProposal.objects.bulk_create(proposals)
    batch.summary = _summary(batch) | {"skipped_without_rate": skipped}
    batch.save(update_fields=["summary"])
    audit.record(AuditEvent.Type.CREATE, actor=actor, subject=batch, to_state=batch.state,
                 reason=_("Interest-invoice proposal"), changes=batch.summary)
    return batch


@transaction.atomic
def reference_rate_save(*, actor, rate: ReferenceRate, changed=()) -> ReferenceRate:
    """Save a reference rate staff added or corrected in the admin, with its audit event."""
    created = rate.pk is None
    rate.save()
    audit.record(AuditEvent.Type.CREATE if created else AuditEvent.Type.UPDATE, actor=actor, subject=rate,
                 reason=_("Reference rate"), changes={name: getattr(rate, name) for name in changed
                                                       if hasattr(rate, name)})
    return rate


def batches_to_review(user):
    """The "my work" queue: proposals waiting for review (staff only), by their review date."""
    from hyresadmin import permissions

    if not permissions.is_service_staff(user):
        return InterestBatch.objects.none()
    return InterestBatch.objects.filter(state=InterestBatch.State.PROPOSED)


def _summary(batch: InterestBatch) -> dict:
    included = [p for p in batch.proposals.all() if p.included]
    return {"proposals": batch.proposals.count(), "included": len(included),
            "customers": len({(p.customer_id, p.organisation_id) for p in included}),
            "total": str(sum((p.amount for p in included), ZERO))}


def _locked_proposed(batch: InterestBatch) -> InterestBatch:
    batch = InterestBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state != InterestBatch.State.PROPOSED:
        raise TransitionRefused(_("The proposal is %(state)s: it can no longer be changed.")
                                % {"state": batch.get_state_display().lower()})
    return batch


@transaction.atomic
def interest_proposal_set_included(*, actor, proposal: InterestProposal, included: bool) -> InterestProposal:
    """Take a late invoice's interest out of the proposal (or put it back) before it is issued."""
    batch = _locked_proposed(proposal.batch)
    proposal = InterestProposal.objects.get(pk=proposal.pk)
    if proposal.included != included:
        proposal.included = included
        proposal.save(update_fields=["included"])
        audit.record(AuditEvent.Type.UPDATE, actor=actor, subject=batch,
                     reason=(_("Interest on invoice %(number)s put back") if included
                             else _("Interest on invoice %(number)s taken out"))
                     % {"number": proposal.invoice.number},
                     changes={"invoice": proposal.invoice.number, "included": included})
        InterestBatch.objects.filter(pk=batch.pk).update(summary=_summary(batch))
    return proposal


def _line_text(proposal: InterestProposal) -> str:
    return _("Late-payment interest, invoice %(number)s, %(start)s–%(end)s (%(days)s days)") % {
        "number": proposal.invoice.number, "start": proposal.from_date.isoformat(),
        "end": (proposal.until - timedelta(days=1)).isoformat(), "days": proposal.days}


#: Customers issued per chunk: a fixed number of queries each (the clash check, the invoices with their
#: lines and audit events, the proposals marked as charged).
ISSUE_CHUNK = 500


def _charged_meanwhile(proposals: list[InterestProposal]) -> bool:
    """Whether part of a period of these proposals was charged meanwhile (one query)."""
    starts = defaultdict(list)
    for proposal in proposals:
        starts[proposal.invoice_id].append(proposal.from_date)
    charged = InterestProposal.objects.filter(invoice_id__in=list(starts), charged=True).values_list(
        "invoice_id", "until")
    return any(until > start for invoice_id, until in charged for start in starts[invoice_id])


@transaction.atomic
def interest_batch_issue(*, actor, batch: InterestBatch) -> InterestBatch:
    """Issue the reviewed proposal: one interest invoice per customer and organisation (of at least the
    minimum), each proposal marked as charged up to its day. Refused if a period was charged meanwhile.
    Bulk work: a fixed number of queries per chunk of ``ISSUE_CHUNK`` customers
    (``invoicing.services.invoices_issue_one_off``)."""
    from invoicing.services import OneOffInvoice, OneOffLine, invoices_issue_one_off

    batch = _locked_proposed(batch)
    groups: dict[tuple[int, int], list[InterestProposal]] = defaultdict(list)
    for proposal in (batch.proposals.filter(included=True).select_related("invoice__contract")
                     .order_by("customer_id", "organisation_id", "invoice__number")):
        groups[(proposal.customer_id, proposal.organisation_id)].append(proposal)
    billed = [(key, proposals) for key, proposals in groups.items()
              if sum(p.amount for p in proposals) >= batch.minimum]
    below = len(groups) - len(billed)
    reason = _("Interest-invoice proposal %(id)s") % {"id": batch.pk}
    issued = []
    for start in range(0, len(billed), ISSUE_CHUNK):
        chunk = billed[start:start + ISSUE_CHUNK]
        if _charged_meanwhile([p for _key, proposals in chunk for p in proposals]):
            raise TransitionRefused(_("Interest for part of this period was invoiced meanwhile: discard the "
                                      "proposal and make a new one."))
        specs = []
        for (customer_id, organisation_id), proposals in chunk:
            contracts = {p.invoice.contract_id for p in proposals}
            specs.append(OneOffInvoice(
                organisation_id=organisation_id, customer_id=customer_id,
                contract=proposals[0].invoice.contract if len(contracts) == 1 else None,
                lines=[OneOffLine(kind=InvoiceLine.Kind.INTEREST, description=_line_text(p)[:200],
                                  amount=p.amount) for p in proposals]))
        invoices = invoices_issue_one_off(actor=actor, kind=InvoiceKind.INTEREST, invoices=specs, reason=reason)
        charged = []
        for (_key, proposals), invoice in zip(chunk, invoices, strict=True):
            for proposal in proposals:
                proposal.charged = True
                proposal.interest_invoice = invoice
                charged.append(proposal)
        InterestProposal.objects.bulk_update(charged, ["charged", "interest_invoice"], batch_size=ISSUE_CHUNK * 10)
        issued.extend(invoice.pk for invoice in invoices)
    summary = {**_summary(batch), "invoices": len(issued), "below_minimum": below}
    batch = apply_transition(batch, "issue", actor=actor, reason=_("Interest invoices issued"),
                             issued_by=_user(actor))
    InterestBatch.objects.filter(pk=batch.pk).update(summary=summary)
    batch.summary = summary
    return batch


@transaction.atomic
def interest_batch_discard(*, actor, batch: InterestBatch, reason: str = "") -> InterestBatch:
    _locked_proposed(batch)
    return apply_transition(batch, "discard", actor=actor, reason=reason or _("Discarded"))
