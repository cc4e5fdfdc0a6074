"""Interest, collection cases, the collection-agency file, Kronofogden and write-downs (the tables).

* ``ReferenceRate``: Riksbank's reference rate per calendar half-year (1 January, 1 July), dated data
  staff maintain in the admin; a rate not confirmed by a source is ``provisional`` (FACTS.md §2 and the
  second part's §3). Late-payment interest is this rate + 8 percentage points (räntelagen 6 §).
* ``InterestBatch`` with its ``InterestProposal`` rows: the interest-invoice proposal (räntefakturaförslag)
  staff review, then issue as one-off interest invoices. A proposal that was invoiced is ``charged`` and
  says up to which day: the next proposal for the same invoice starts there, and the database refuses a
  second charge from the same day.

  InterestBatch   proposed → issued (interest invoices made) · proposed → discarded

* ``CollectionCase`` with its ``CollectionClaim`` rows (one per invoice handed over), the
  ``AgencyFile`` per collection code, ``EnforcementApplication`` (Kronofogden) and ``WriteDown``.

  CollectionCase  open (proposed, waiting for staff review)
                    → sent_to_agency   approved: the invoices went to collection, the claims into a file
                    → at_enforcement   an application to Kronofogden was made
                    → closed           paid (a daily job), written off (a write-down), withdrawn (recalled)
                  open → closed        paid before handover, or the proposal withdrawn
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import transition

from contracts.models import CollectionCode
from hyresadmin.fields import MoneyField, StateField
from hyresadmin.models import Organisation, Person, StatefulModel
from invoicing.models import Invoice

__all__ = [
    "AgencyFile",
    "CollectionCase",
    "CollectionClaim",
    "EnforcementApplication",
    "InterestBatch",
    "InterestProposal",
    "ReferenceRate",
    "WriteDown",
    "WriteDownRequest",
]


class ReferenceRate(models.Model):
    """Riksbankens referensränta from ``valid_from`` (1 January or 1 July) until the next row."""

    valid_from = models.DateField(_("valid from"), unique=True,
                                  help_text=_("1 January or 1 July: the rate holds for the half-year."))
    rate = models.DecimalField(_("reference rate (%)"), max_digits=5, decimal_places=2,
                               help_text=_("Per cent a year. Late-payment interest is this rate plus 8 "
                                           "percentage points."))
    provisional = models.BooleanField(_("provisional"), default=False,
                                      help_text=_("Not confirmed by a source: check it against the "
                                                  "Riksbank's announcement and clear the mark."))
    source = models.TextField(_("source"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("reference rate")
        verbose_name_plural = _("reference rates")
        constraints = [
            models.CheckConstraint(condition=Q(valid_from__day=1) & Q(valid_from__month__in=[1, 7]),
                                   name="reference_rate_from_half_year_start"),
            models.CheckConstraint(condition=Q(rate__gte=-10) & Q(rate__lte=50), name="reference_rate_sane"),
        ]

    def __str__(self) -> str:
        return f"{self.valid_from:%Y-%m-%d} {self.rate} %"


# --- Interest-invoice proposals --------------------------------------------------------------------------


class InterestBatch(StatefulModel):
    """One interest-invoice proposal: computed up to ``until``, reviewed, issued or discarded."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("To review")
        ISSUED = "issued", _("Issued")
        DISCARDED = "discarded", _("Discarded")

    state = StateField(_("state"), choices=State.choices, default=State.PROPOSED)
    until = models.DateField(_("interest up to"))
    minimum = MoneyField(_("minimum per invoice"))
    due_date = models.DateField(pgettext_lazy("review", "review by"), db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("proposed by"),
                                   on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_label = models.CharField(_("proposed by (system)"), max_length=100, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"),
                                  on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("interest-invoice proposal")
        verbose_name_plural = _("interest-invoice proposals")
        constraints = [
            models.UniqueConstraint(fields=["state"], condition=Q(state="proposed"),
                                    name="one_interest_batch_under_review"),
        ]

    def __str__(self) -> str:
        return f"{_('Interest up to')} {self.until:%Y-%m-%d}"

    @transition(field=state, source=State.PROPOSED, target=State.ISSUED)
    def issue(self, issued_by=None):
        from django.utils import timezone

        self.issued_by = issued_by
        self.issued_at = timezone.now()

    @transition(field=state, source=State.PROPOSED, target=State.DISCARDED)
    def discard(self):
        pass


class InterestProposal(models.Model):
    """The interest of one late invoice from ``from_date`` to ``until``; ``charged`` once invoiced."""

    batch = models.ForeignKey(InterestBatch, verbose_name=_("proposal"), on_delete=models.CASCADE,
                              related_name="proposals")
    invoice = models.ForeignKey(Invoice, verbose_name=_("late invoice"), on_delete=models.PROTECT,
                                related_name="interest_proposals")
    customer = models.ForeignKey(Person, verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="+")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT,
                                     related_name="+")
    from_date = models.DateField(_("interest from"))
    until = models.DateField(_("interest up to"))
    days = models.PositiveIntegerField(_("days"))
    amount = MoneyField(_("interest"))
    basis = models.JSONField(_("basis"), default=list, blank=True,
                             help_text=_("The periods: from, to, days, balance, interest rate."))
    included = models.BooleanField(_("to be invoiced"), default=True)
    charged = models.BooleanField(_("invoiced"), default=False)
    interest_invoice = models.ForeignKey(Invoice, verbose_name=_("interest invoice"), on_delete=models.PROTECT,
                                         null=True, blank=True, related_name="interest_charges")

    class Meta:
        ordering = ["batch", "customer__last_name", "invoice__number"]
        verbose_name = _("interest proposal")
        verbose_name_plural = _("interest proposals")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "from_date"], condition=Q(charged=True),
                                    name="interest_charged_once_per_period"),
            models.UniqueConstraint(fields=["batch", "invoice"], name="one_interest_proposal_per_invoice"),
            models.CheckConstraint(condition=Q(until__gt=models.F("from_date")), name="interest_period_forward"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="interest_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} {self.from_date:%Y-%m-%d}–{self.until:%Y-%m-%d}"


# --- Collection cases --------------------------------------------------------------------------------------


def _agency_file_path(instance, filename):
    return f"collection/agency/{filename}"


class AgencyFile(models.Model):
    """The collection-agency file of one handover for one collection code (``agency_file``)."""

    collection_code = models.ForeignKey(CollectionCode, verbose_name=_("collection code"),
                                        on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("file"), upload_to=_agency_file_path)
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    rows = models.PositiveIntegerField(_("claims"))
    total = MoneyField(_("total handed over"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("made by"),
                                   on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("collection-agency file")
        verbose_name_plural = _("collection-agency files")

    def __str__(self) -> str:
        return f"{self.collection_code.code} {self.created_at:%Y-%m-%d %H:%M}" if self.created_at else "–"


class CollectionCase(StatefulModel):
    """A customer's unpaid invoices (of one organisation and collection code) handed to collection."""

    class State(models.TextChoices):
        OPEN = "open", _("Proposed for collection")
        SENT_TO_AGENCY = "sent_to_agency", _("At the collection agency")
        AT_ENFORCEMENT = "at_enforcement", _("At Kronofogden")
        CLOSED = "closed", _("Closed")

    class CloseReason(models.TextChoices):
        PAID = "paid", _("Paid")
        WRITTEN_OFF = "written_off", _("Written off")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATES = (State.OPEN, State.SENT_TO_AGENCY, State.AT_ENFORCEMENT)

    state = StateField(_("state"), choices=State.choices, default=State.OPEN)
    close_reason = models.CharField(_("closed because"), max_length=16, choices=CloseReason.choices,
                                    blank=True)
    customer = models.ForeignKey(Person, verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="collection_cases")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT,
                                     related_name="collection_cases")
    collection_code = models.ForeignKey(CollectionCode, verbose_name=_("collection code"),
                                        on_delete=models.PROTECT, related_name="collection_cases")
    due_date = models.DateField(pgettext_lazy("review", "review by"), db_index=True)
    total = MoneyField(_("handed over"), default=0,
                       help_text=_("What was left to pay on the invoices when they were handed over."))
    agency_file = models.ForeignKey(AgencyFile, verbose_name=_("collection-agency file"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("collection case")
        verbose_name_plural = _("collection cases")
        constraints = [
            models.CheckConstraint(condition=Q(state="closed") | Q(close_reason=""),
                                   name="collection_case_reason_only_when_closed"),
            models.CheckConstraint(condition=~Q(state="closed") | ~Q(close_reason=""),
                                   name="collection_case_closed_has_reason"),
        ]
        indexes = [models.Index(fields=["state", "due_date"])]

    def __str__(self) -> str:
        return f"{_('Collection case')} {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @transition(field=state, source=State.OPEN, target=State.SENT_TO_AGENCY)
    def send_to_agency(self, approved_by=None, agency_file=None):
        from django.utils import timezone

        self.approved_by = approved_by
        self.agency_file = agency_file
        self.sent_at = timezone.now()

    @transition(field=state, source=[State.SENT_TO_AGENCY, State.AT_ENFORCEMENT], target=State.AT_ENFORCEMENT)
    def apply_for_enforcement(self):
        pass

    @transition(field=state, source=[State.OPEN, State.SENT_TO_AGENCY, State.AT_ENFORCEMENT],
                target=State.CLOSED)
    def close(self, reason: str = ""):
        from django.utils import timezone

        self.close_reason = reason
        self.closed_at = timezone.now()


class CollectionClaim(models.Model):
    """One invoice of a collection case: one record of the agency file."""

    case = models.ForeignKey(CollectionCase, verbose_name=_("collection case"), on_delete=models.CASCADE,
                             related_name="claims")
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT,
                                related_name="collection_claims")
    amount = MoneyField(_("handed over"), help_text=_("What was left to pay when handed over."))
    reminded_on = models.DateField(_("reminded"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True,
                                 help_text=_("The case is not closed: the invoice is in no other case."))

    class Meta:
        ordering = ["invoice__due_date", "invoice__number"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.UniqueConstraint(fields=["invoice"], condition=Q(active=True),
                                    name="invoice_in_one_open_collection_case"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="claim_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.invoice}"


class EnforcementApplication(models.Model):
    """An application to Kronofogden for a case, its fee (by ``collection.enforcement_fee``) and the
    decision when it comes."""

    class Kind(models.TextChoices):
        PAYMENT_ORDER = "payment_order", _("Order to pay (betalningsföreläggande)")
        EVICTION = "eviction", _("Ordinary assistance (vanlig handräckning, eviction)")
        PAYMENT_ORDER_AND_EVICTION = "payment_order_and_eviction", _(
            "Order to pay and ordinary assistance in one application")
        ENFORCEMENT = "enforcement", _("Enforcement (verkställighet)")

    class Decision(models.TextChoices):
        PENDING = "", _("Waiting for the decision")
        GRANTED = "granted", _("Granted")
        DISPUTED = "disputed", _("Disputed by the debtor")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    case = models.ForeignKey(CollectionCase, verbose_name=_("collection case"), on_delete=models.PROTECT,
                             related_name="enforcement_applications")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    applied_on = models.DateField(_("applied on"))
    fee = MoneyField(_("fee"))
    reference = models.CharField(_("Kronofogden's reference"), max_length=50, blank=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True,
                                default=Decision.PENDING)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"),
                                   on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        ordering = ["applied_on", "id"]
        verbose_name = _("application to Kronofogden")
        verbose_name_plural = _("applications to Kronofogden")
        constraints = [
            models.CheckConstraint(condition=Q(decision="") | Q(decided_on__isnull=False),
                                   name="enforcement_decision_has_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.applied_on:%Y-%m-%d}"


class WriteDownRequest(StatefulModel):
    """Staff's proposal to write an invoice down, decided by the invoice's district in its portal.

      proposed → approved (the district's officer, with a note) → done (staff carried it out: a WriteDown)
      proposed → rejected (the district's officer, with a note)
      proposed | approved → withdrawn (staff)
    """

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for the district's decision")
        APPROVED = "approved", _("Approved by the district")
        REJECTED = "rejected", _("Rejected by the district")
        DONE = "done", _("Written down")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATES = (State.PROPOSED, State.APPROVED)

    state = StateField(_("state"), choices=State.choices, default=State.PROPOSED)
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT,
                                related_name="write_down_requests")
    case = models.ForeignKey(CollectionCase, verbose_name=_("collection case"), on_delete=models.PROTECT,
                             null=True, blank=True, related_name="write_down_requests")
    organisation = models.ForeignKey(Organisation, verbose_name=_("deciding district"), on_delete=models.PROTECT,
                                     related_name="write_down_requests")
    amount = MoneyField(_("amount proposed"), help_text=_("What was left to pay when it was proposed."))
    reason = models.TextField(_("why it is proposed"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("proposed by"),
                                    on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("the district's note"), blank=True)
    due_date = models.DateField(_("carry out by"), null=True, blank=True, db_index=True,
                                help_text=_("Set when the district approves: staff write the invoice down by "
                                            "then."))
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("write-down request")
        verbose_name_plural = _("write-down requests")
        constraints = [
            models.UniqueConstraint(fields=["invoice"], condition=Q(state__in=["proposed", "approved"]),
                                    name="one_open_write_down_request_per_invoice"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="write_down_request_amount_positive"),
            models.CheckConstraint(condition=Q(state__in=["proposed", "withdrawn"])
                                   | Q(decided_at__isnull=False, decided_by__isnull=False),
                                   name="write_down_request_decided_has_who_and_when"),
        ]

    def __str__(self) -> str:
        return str(_("Write-down request %(id)s") % {"id": self.pk})

    @property
    def decision_reference(self) -> str:
        return str(_("Portal decision %(id)s") % {"id": self.pk})

    def _decide(self, decided_by, note):
        from django.utils import timezone

        self.decided_by = decided_by
        self.decided_at = timezone.now()
        self.decision_note = note

    @transition(field=state, source=State.PROPOSED, target=State.APPROVED)
    def approve(self, decided_by=None, note: str = "", due_date=None):
        self._decide(decided_by, note)
        self.due_date = due_date

    @transition(field=state, source=State.PROPOSED, target=State.REJECTED)
    def reject(self, decided_by=None, note: str = ""):
        self._decide(decided_by, note)

    @transition(field=state, source=State.APPROVED, target=State.DONE)
    def carry_out(self):
        pass

    @transition(field=state, source=[State.PROPOSED, State.APPROVED], target=State.WITHDRAWN)
    def withdraw(self):
        pass


class WriteDown(models.Model):
    """A receivable written down (nedskrivning) on the district's decision, checked and attested."""

    invoice = models.OneToOneField(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT,
                                   related_name="write_down")
    case = models.ForeignKey(CollectionCase, verbose_name=_("collection case"), on_delete=models.PROTECT,
                             null=True, blank=True, related_name="write_downs")
    amount = MoneyField(_("amount written down"))
    decision_reference = models.CharField(_("the district's decision (reference)"), max_length=100)
    decision_date = models.DateField(_("date of the district's decision"))
    decided_by = models.ForeignKey(Organisation, verbose_name=_("deciding district"), on_delete=models.PROTECT,
                                   related_name="+")
    attested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("attested by"),
                                    on_delete=models.PROTECT, related_name="+")
    request = models.OneToOneField(WriteDownRequest, verbose_name=_("the district's decision in the portal"),
                                   on_delete=models.PROTECT, null=True, blank=True, related_name="write_down")
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("write-down")
        verbose_name_plural = _("write-downs")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="write_down_amount_positive")]

    def __str__(self) -> str:
        return f"{self.invoice} {self.amount}"
