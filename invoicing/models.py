"""Invoicing runs, invoices with their lines, invoice notes, queued one-off lines, number series.

State machines (the edges and why they exist):

InvoiceRun (one per period and kind)
  planned  → prepared     every invoice computed and flagged, nothing issued
  prepared → prepared     prepared again after staff corrected contracts
  prepared → approved     a staff member reviewed the flags (recorded as approver)
  approved → issued       every invoice created (resumable: a half-issued run completes)
  planned/prepared → discarded   the run is not to be issued

Invoice
  issued → partly_paid → paid              payments (the payments issue)
  issued/partly_paid → overdue → reminded → at_collection   follow-up (debt_collection)
  issued/partly_paid/overdue/reminded → credited          a credit note took the balance to zero
  issued/overdue/reminded → cancelled                     voided before any payment (makulering)
  open → written_off                                      on the district's decision (debt_collection)
  at_collection → reminded                                 a claim withdrawn from collection

An issued invoice is never edited: it is credited, cancelled or written off and a new one issued.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import transition

from contracts.models import CollectionCode, DeliveryChannel, RentalContract
from hyresadmin.fields import MoneyField, StateField
from hyresadmin.models import Organisation, Person, StatefulModel


class RunKind(models.TextChoices):
    RENT = "rent", _("Rent (external and city-internal contracts)")
    INTERNAL = "internal", _("Accounting orders (vacancies and internal contracts)")


class InvoiceKind(models.TextChoices):
    """What an invoice charges: a run's kinds, and one-off invoices issued outside the runs."""

    RENT = "rent", _("Rent (external and city-internal contracts)")
    INTERNAL = "internal", _("Accounting orders (vacancies and internal contracts)")
    INTEREST = "interest", _("Late-payment interest")
    FEE = "fee", _("Fee (reminder, payment plan)")
    ONE_OFF = "one_off", _("One-off (final invoice, correction)")


#: The kinds a monthly run issues: at most one invoice per contract, period and kind.
RUN_KINDS = (InvoiceKind.RENT, InvoiceKind.INTERNAL)


class InvoiceRun(StatefulModel):
    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        PREPARED = "prepared", _("Prepared")
        APPROVED = "approved", _("Approved")
        ISSUED = "issued", _("Issued")
        DISCARDED = "discarded", _("Discarded")

    period = models.DateField(_("period"), help_text=_("The month invoiced: its first day."))
    kind = models.CharField(_("kind"), max_length=16, choices=RunKind.choices)
    state = StateField(_("state"), choices=State.choices, default=State.PLANNED)
    prepared_at = models.DateTimeField(_("prepared"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        ordering = ["-period", "kind"]
        verbose_name = _("invoicing run")
        verbose_name_plural = _("invoicing runs")
        constraints = [
            models.UniqueConstraint(fields=["period", "kind"], condition=~Q(state="discarded"),
                                    name="one_live_run_per_period_and_kind"),
            models.CheckConstraint(condition=Q(period__day=1), name="run_period_first_of_month"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period:%Y-%m}"

    @property
    def period_label(self) -> str:
        return f"{self.period:%Y-%m}"

    @transition(field=state, source=[State.PLANNED, State.PREPARED], target=State.PREPARED)
    def prepare(self):
        pass

    @transition(field=state, source=State.PREPARED, target=State.APPROVED)
    def approve(self, approver=None):
        from django.utils import timezone

        self.approved_by = approver
        self.approved_at = timezone.now()

    @transition(field=state, source=State.APPROVED, target=State.ISSUED)
    def issue(self):
        from django.utils import timezone

        self.issued_at = timezone.now()

    @transition(field=state, source=[State.PLANNED, State.PREPARED], target=State.DISCARDED)
    def discard(self):
        pass


class RunItem(models.Model):
    """The preview of one invoice in a prepared run, with its flags for review."""

    class Flag(models.TextChoices):
        OVER_LIMIT = "over_limit", _("Over 10 000 kr: check by hand")
        PRELIMINARY = "preliminary", _("The contract is preliminary: not invoiced")
        AMOUNT_CHANGED = "amount_changed", _("Differs from the previous invoice")
        NO_COLLECTION_CODE = "no_collection_code", _("No collection code")
        DECEASED = "deceased", _("The customer is deceased")
        PROTECTED_IDENTITY = "protected_identity", _("Protected identity: delivery handled apart")
        NO_RENT = "no_rent", _("No rent for the period")
        ALREADY_INVOICED = "already_invoiced", _("Invoiced since the run was prepared")

    run = models.ForeignKey(InvoiceRun, on_delete=models.CASCADE, related_name="items")
    contract = models.ForeignKey(RentalContract, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    total = MoneyField(_("total"))
    lines = models.JSONField(_("lines"), default=list)
    notes = models.JSONField(_("notes"), default=list)
    flags = models.JSONField(_("flags"), default=list)
    included = models.BooleanField(_("to be invoiced"), default=True)
    invoice = models.OneToOneField("Invoice", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="run_item")

    class Meta:
        ordering = ["id"]
        verbose_name = _("run item")
        verbose_name_plural = _("run items")
        constraints = [models.UniqueConstraint(fields=["run", "contract"], name="one_item_per_contract")]

    def __str__(self) -> str:
        return f"{self.run} {self.contract_id}"

    def flag_labels(self) -> list[str]:
        labels = dict(self.Flag.choices)
        return [str(labels.get(f, f)) for f in self.flags]


def _invoice_pdf_path(instance, filename):
    return f"invoices/{instance.period:%Y-%m}/{filename}"


class Invoice(StatefulModel):
    """A rent invoice to a customer (hyresavi) or an accounting order to an organisation."""

    class DocumentType(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        ACCOUNTING_ORDER = "accounting_order", _("Accounting order")

    class State(models.TextChoices):
        ISSUED = "issued", _("Unpaid")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")
        REMINDED = "reminded", _("Reminded")
        AT_COLLECTION = "at_collection", _("At collection")
        CREDITED = "credited", _("Credited")
        CANCELLED = "cancelled", _("Cancelled")
        WRITTEN_OFF = "written_off", _("Written off")

    OPEN_STATES = (State.ISSUED, State.PARTLY_PAID, State.OVERDUE, State.REMINDED, State.AT_COLLECTION)

    number = models.BigIntegerField(_("invoice number"), unique=True)
    ocr_reference = models.CharField(_("OCR reference"), max_length=25, unique=True)
    document_type = models.CharField(_("document"), max_length=20, choices=DocumentType.choices,
                                     default=DocumentType.INVOICE)
    kind = models.CharField(_("kind"), max_length=16, choices=InvoiceKind.choices)
    state = StateField(_("state"), choices=State.choices, default=State.ISSUED)
    run = models.ForeignKey(InvoiceRun, on_delete=models.PROTECT, null=True, blank=True,
                            related_name="invoices")
    contract = models.ForeignKey(RentalContract, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="invoices")
    customer = models.ForeignKey(Person, verbose_name=_("customer"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="invoices")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="invoices")
    collection_code = models.ForeignKey(CollectionCode, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    delivery_channel = models.CharField(_("delivery channel"), max_length=20,
                                        choices=DeliveryChannel.choices, default=DeliveryChannel.POST)
    period = models.DateField(_("period"))
    issue_date = models.DateField(_("invoice date"))
    due_date = models.DateField(pgettext_lazy("invoice", "due date"), db_index=True)
    total = MoneyField(_("total"))
    balance = MoneyField(_("balance"), help_text=_("Total less payments and credits."))
    is_pro_rata = models.BooleanField(_("part of a month"), default=False)
    notes = models.TextField(_("invoice notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The rendered PDF (``documents.get_or_render_invoice_pdf``), kept with its checksum. ``pdf_key``
    # is a checksum of what may change after issue (the recipient's address, what is left to pay):
    # when it no longer matches, the PDF is rendered afresh.
    pdf = models.FileField(_("PDF"), upload_to=_invoice_pdf_path, blank=True)
    pdf_sha256 = models.CharField(_("PDF checksum (SHA-256)"), max_length=64, blank=True)
    pdf_key = models.CharField(max_length=64, blank=True, editable=False)
    pdf_rendered_at = models.DateTimeField(_("PDF rendered"), null=True, blank=True)

    class Meta:
        ordering = ["-period", "-number"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["contract", "period", "kind"],
                                    condition=Q(contract__isnull=False, kind__in=["rent", "internal"]),
                                    name="one_invoice_per_contract_period_kind"),
            models.CheckConstraint(condition=Q(period__day=1), name="invoice_period_first_of_month"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="invoice_balance_not_negative"),
        ]
        indexes = [
            models.Index(fields=["customer", "period"]),
            models.Index(fields=["state", "due_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.number}"

    @property
    def period_label(self) -> str:
        return f"{self.period:%Y-%m}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    # Transitions used by payments and follow-up (later issues).
    @transition(field=state, source=[State.ISSUED, State.OVERDUE, State.REMINDED], target=State.PARTLY_PAID)
    def register_part_payment(self):
        pass

    @transition(field=state, source=[State.ISSUED, State.PARTLY_PAID, State.OVERDUE, State.REMINDED,
                                     State.AT_COLLECTION], target=State.PAID)
    def register_full_payment(self):
        pass

    @transition(field=state, source=[State.ISSUED, State.PARTLY_PAID], target=State.OVERDUE)
    def mark_overdue(self):
        pass

    @transition(field=state, source=[State.ISSUED, State.PARTLY_PAID, State.OVERDUE], target=State.REMINDED)
    def remind(self):
        pass

    @transition(field=state, source=[State.ISSUED, State.PARTLY_PAID, State.OVERDUE, State.REMINDED],
                target=State.AT_COLLECTION)
    def send_to_collection(self):
        pass

    @transition(field=state, source=State.AT_COLLECTION, target=State.REMINDED)
    def recall_from_collection(self):
        pass

    @transition(field=state, source=[State.ISSUED, State.PARTLY_PAID, State.OVERDUE, State.REMINDED,
                                     State.PAID], target=State.CREDITED)
    def credit(self):
        pass

    @transition(field=state, source=[State.ISSUED, State.OVERDUE, State.REMINDED], target=State.CANCELLED)
    def cancel(self):
        pass

    @transition(field=state, source=[State.ISSUED, State.PARTLY_PAID, State.OVERDUE, State.REMINDED,
                                     State.AT_COLLECTION], target=State.WRITTEN_OFF)
    def write_off(self):
        pass


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        BASE_RENT = "base_rent", _("Base rent")
        SUPPLEMENT = "supplement", _("Rent supplement")
        DEDUCTION = "deduction", _("Deduction")
        ONE_OFF = "one_off", _("One-off")
        INTEREST = "interest", _("Late-payment interest")
        FEE = "fee", _("Fee")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200)
    amount = MoneyField(_("amount"))
    account = models.CharField(_("account"), max_length=10)

    class Meta:
        ordering = ["id"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"


class InvoiceNote(models.Model):
    """Avispecifikation: a text printed on a contract's next N invoices (e.g. a rent change)."""

    contract = models.ForeignKey(RentalContract, on_delete=models.CASCADE, related_name="invoice_notes")
    text = models.CharField(_("text"), max_length=300)
    first_period = models.DateField(_("from period"))
    invoices_remaining = models.PositiveSmallIntegerField(_("invoices left"), default=2)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["first_period", "id"]
        verbose_name = _("invoice note")
        verbose_name_plural = _("invoice notes")

    def __str__(self) -> str:
        return self.text


class PendingLine(models.Model):
    """A one-off line queued for a contract's invoice of a period (a reduction, a correction)."""

    contract = models.ForeignKey(RentalContract, on_delete=models.CASCADE, related_name="pending_lines")
    period = models.DateField(_("period"))
    description = models.CharField(_("description"), max_length=200)
    amount = MoneyField(_("amount"), help_text=_("Negative for a reduction."))
    invoice = models.ForeignKey(Invoice, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["period", "id"]
        verbose_name = _("queued line")
        verbose_name_plural = _("queued lines")
        constraints = [models.CheckConstraint(condition=Q(period__day=1), name="pending_period_first")]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"


class NumberSeries(models.Model):
    """The invoice number series: numbers are taken in blocks under a row lock."""

    name = models.CharField(max_length=32, unique=True)
    next_number = models.BigIntegerField()

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")

    def __str__(self) -> str:
        return self.name


def _report_path(instance, filename):
    return f"reports/{instance.kind}/{filename}"


class ReportFile(models.Model):
    """A report made by a job, kept for staff to download (e.g. the quarterly proof of invoicing)."""

    class Kind(models.TextChoices):
        QUARTERLY_INVOICING = "quarterly_invoicing", _("Quarterly proof of invoicing")
        DAILY_LEDGER = "daily_ledger", _("Daily ledger file (outside the runs)")
        REFUND_PAYOUT = "refund_payout", _("Refund payout file")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    period = models.CharField(_("period"), max_length=16, help_text=_("E.g. 2026-Q3, or the day 2026-11-23."))
    file = models.FileField(_("file"), upload_to=_report_path)
    content_type = models.CharField(_("content type"), max_length=50, default="text/csv")
    sha256 = models.CharField(max_length=64)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [models.UniqueConstraint(fields=["kind", "period"], name="one_report_per_kind_and_period")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period}"


# --- Payments (BgMax) ----------------------------------------------------------------------------------
#
# Money in. ``invoicing.payments`` imports a BgMax file into a ``PaymentFile`` with its ``Payment`` rows
# and matches each payment: ``Allocation`` rows put money on invoices, ``CustomerCredit`` entries keep
# what is left over as the customer's credit balance (Σ entries), and a credit balance is offset
# against the customer's open invoices (an ``Allocation`` from a negative ``CustomerCredit`` entry).
#
# Invariants (the service keeps them, the tests check them with hypothesis):
#   Σ allocations of a payment ≤ its amount; for a matched or credited payment
#   Σ allocations + Σ credit entries from it = its amount;
#   an invoice's balance = total − Σ allocations to it (never below zero: a database constraint);
#   Σ payments − Σ deductions of a file = Σ of its deposits.


class PaymentFile(models.Model):
    """One imported BgMax file (its raw bytes are the linked ``ImportedFile``)."""

    imported_file = models.OneToOneField("hyresadmin.ImportedFile", verbose_name=_("imported file"),
                                         on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="payment_file")
    bankgiro = models.CharField(_("bankgiro number"), max_length=10)
    file_timestamp = models.DateTimeField(_("file written"), null=True, blank=True)
    deposits = models.PositiveIntegerField(_("deposits"), default=0)
    payments = models.PositiveIntegerField(_("payments"), default=0)
    deductions = models.PositiveIntegerField(_("deductions"), default=0)
    total = MoneyField(_("total deposited"), default=0)
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment file")
        verbose_name_plural = _("payment files")

    def __str__(self) -> str:
        return f"BgMax {self.created_at:%Y-%m-%d} ({self.payments})" if self.created_at else "BgMax"


class Payment(models.Model):
    """One payment (TK20) or deduction (TK21) of a BgMax file, and how it was matched."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        DEDUCTION = "deduction", _("Deduction")

    class Status(models.TextChoices):
        MATCHED = "matched", _("Matched")
        UNMATCHED = "unmatched", _("Unmatched")
        CREDIT = "credit", _("To credit balance")
        REFUNDED = "refunded", _("To be refunded")

    file = models.ForeignKey(PaymentFile, verbose_name=_("payment file"), on_delete=models.PROTECT,
                             related_name="payment_rows")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PAYMENT)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, db_index=True)
    deposit_serial = models.CharField(_("deposit serial number"), max_length=5, blank=True)
    line = models.PositiveIntegerField(_("line"))
    payment_date = models.DateField(_("payment date"))
    amount = MoneyField(_("amount"))
    reference = models.CharField(_("reference"), max_length=25, blank=True, db_index=True)
    reference_code = models.PositiveSmallIntegerField(_("reference code"), default=0)
    channel = models.CharField(_("payment channel"), max_length=1, blank=True)
    bgc_serial = models.CharField(_("Bankgirot serial number"), max_length=12, blank=True)
    payer_bankgiro = models.CharField(_("payer's bankgiro number"), max_length=10, blank=True)
    payer_name = models.CharField(_("payer's name"), max_length=70, blank=True)
    payer_address = models.CharField(_("payer's address"), max_length=35, blank=True)
    payer_postcode = models.CharField(_("payer's postcode"), max_length=9, blank=True)
    payer_town = models.CharField(_("payer's town"), max_length=35, blank=True)
    payer_org_number = models.CharField(_("payer's organisation number"), max_length=12, blank=True)
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="payments",
                                help_text=_("The invoice the reference names, if any."))
    customer = models.ForeignKey(Person, verbose_name=_("customer"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="payments")
    due_date = models.DateField(pgettext_lazy("payment", "due date"), null=True, blank=True,
                                help_text=_("Unmatched: to be handled by this day (10 working days)."))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-payment_date", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return f"{self.payment_date} {self.amount} {self.reference}".strip()


class CustomerCredit(models.Model):
    """An entry of a customer's credit balance (Σ entries): positive from a payment, negative when the
    balance is offset against an invoice (its ``Allocation``) or otherwise used."""

    class Kind(models.TextChoices):
        SURPLUS = "surplus", _("Paid more than the invoice")
        PAID_INVOICE = "paid_invoice", _("Paid to an invoice already paid")
        PREPAYMENT = "prepayment", _("Prepayment")
        CREDIT_NOTE = "credit_note", _("Credit note on a paid invoice")
        OFFSET = "offset", _("Offset against an invoice")
        REFUND = "refund", _("Refund")
        REFUND_RETURNED = "refund_returned", _("Refund not paid out")

    person = models.ForeignKey(Person, verbose_name=_("customer"), on_delete=models.PROTECT,
                               related_name="credit_entries")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = MoneyField(_("amount"), help_text=_("Positive adds to the credit balance, negative uses it."))
    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="credit_entries")
    credit_note = models.ForeignKey("CreditNote", verbose_name=_("credit note"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="credit_entries")
    refund_order = models.ForeignKey("RefundOrder", verbose_name=_("refund order"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="credit_entries")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("credit balance entry")
        verbose_name_plural = _("credit balance entries")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="credit_entry_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.amount}"


class Allocation(models.Model):
    """Money put on an invoice: from a payment, or from the customer's credit balance."""

    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="allocations")
    credit = models.OneToOneField(CustomerCredit, verbose_name=_("from credit balance"),
                                  on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="allocation")
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT,
                                related_name="allocations")
    amount = MoneyField(_("amount"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.CheckConstraint(
                condition=(Q(payment__isnull=False, credit__isnull=True)
                           | Q(payment__isnull=True, credit__isnull=False)),
                name="allocation_from_payment_or_credit"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.amount}"


# --- Credits, cancellations and refunds (the ledger rules) ---------------------------------------------
#
# ``invoicing.credits`` writes these. A credit note reverses all or part of one invoice: the part up to
# the invoice's balance lowers the balance (so balance = total − Σ allocations − Σ credit notes), and on
# a paid invoice (final settlement only) the rest goes to the customer's credit balance. A cancellation
# (makulering) is a credit note of kind ``cancellation`` for the whole total of an invoice nobody has
# paid on. A refund pays a customer's credit balance out: the amount is reserved from the credit balance
# at once (a negative ``CustomerCredit`` entry), given back if the order is rejected or cancelled.


class CreditNote(models.Model):
    """A credit note (kreditfaktura) or a cancellation (makulering), tied to the invoice it reverses."""

    class Kind(models.TextChoices):
        CREDIT = "credit", _("Credit note")
        CANCELLATION = "cancellation", _("Cancellation")

    number = models.BigIntegerField(_("credit note number"), unique=True)
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT,
                                related_name="credit_notes")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CREDIT)
    amount = MoneyField(_("amount"))
    to_credit_balance = MoneyField(_("to the credit balance"), default=0,
                                   help_text=_("The part of the credit that the invoice had already been "
                                               "paid with: it went to the customer's credit balance."))
    reason = models.TextField(_("reason"))
    attested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("attested by"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_label = models.CharField(_("made by (system)"), max_length=100, blank=True)
    issue_date = models.DateField(_("credit date"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-issue_date", "-number"]
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_note_amount_positive"),
            models.CheckConstraint(condition=Q(to_credit_balance__gte=0) & Q(to_credit_balance__lte=F("amount")),
                                   name="credit_note_to_credit_balance_within_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.number}"


class RefundOrder(StatefulModel):
    """Money paid back to a customer from their credit balance, to the payee's account.

    proposed → approved (a second person) → paid
    proposed → referred (beyond delegation: the district decides) → district_approved → approved → paid
    referred → rejected;  proposed/referred/district_approved → cancelled
    """

    class State(models.TextChoices):
        PROPOSED = "proposed", _("To be approved")
        REFERRED = "referred", _("With the district for decision")
        DISTRICT_APPROVED = "district_approved", _("Approved by the district")
        APPROVED = "approved", _("Approved for payment")
        PAID = "paid", _("Paid out")
        REJECTED = "rejected", _("Rejected by the district")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = (State.PROPOSED, State.REFERRED, State.DISTRICT_APPROVED, State.APPROVED)

    state = StateField(_("state"), choices=State.choices, default=State.PROPOSED)
    person = models.ForeignKey(Person, verbose_name=_("customer"), on_delete=models.PROTECT,
                               related_name="refund_orders")
    organisation = models.ForeignKey(Organisation, verbose_name=_("deciding district"),
                                     on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     help_text=_("The district that decides a refund beyond delegation."))
    amount = MoneyField(_("amount"))
    payee_name = models.CharField(_("payee"), max_length=100)
    payee_account = models.CharField(_("payee's account"), max_length=40,
                                     help_text=_("Clearing and account number, or a bankgiro or plusgiro "
                                                 "number."))
    reason = models.TextField(_("reason"))
    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="refund_orders",
                                help_text=_("The unmatched payment refunded, if any."))
    monthly_rent = MoneyField(_("monthly rent"), default=0,
                              help_text=_("The rent the delegation limit (two months' rent) is counted on."))
    within_delegation = models.BooleanField(_("within delegation"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("prepared by"),
                                     on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_label = models.CharField(_("prepared by (system)"), max_length=100, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    district_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by (district)"),
                                            on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="+")
    district_decided_at = models.DateTimeField(_("district's decision"), null=True, blank=True)
    district_note = models.TextField(_("district's note"), blank=True)
    paid_at = models.DateTimeField(_("paid out"), null=True, blank=True)
    due_date = models.DateField(pgettext_lazy("refund", "due date"), db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("refund order")
        verbose_name_plural = _("refund orders")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(condition=~Q(state="approved") | Q(approved_by__isnull=False),
                                   name="refund_approved_has_approver"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} → {self.payee_name}"

    def _second_person(self, approver=None) -> bool:
        return approver is None or self.requested_by_id is None or approver.pk != self.requested_by_id

    def _record_district_decision(self, decided_by, note: str) -> None:
        from django.utils import timezone

        self.district_decided_by = decided_by
        self.district_decided_at = timezone.now()
        self.district_note = note

    def _may_be_approved(self) -> bool:
        return self.within_delegation or self.state == self.State.DISTRICT_APPROVED

    @transition(field=state, source=State.PROPOSED, target=State.REFERRED)
    def refer(self):
        pass

    @transition(field=state, source=State.REFERRED, target=State.DISTRICT_APPROVED)
    def district_approve(self, decided_by=None, note: str = ""):
        self._record_district_decision(decided_by, note)

    @transition(field=state, source=State.REFERRED, target=State.REJECTED)
    def district_reject(self, decided_by=None, note: str = ""):
        self._record_district_decision(decided_by, note)

    @transition(field=state, source=[State.PROPOSED, State.DISTRICT_APPROVED], target=State.APPROVED,
                conditions=[_may_be_approved])
    def approve(self, approver=None):
        from django.utils import timezone

        self.approved_by = approver
        self.approved_at = timezone.now()

    @transition(field=state, source=State.APPROVED, target=State.PAID)
    def mark_paid(self):
        from django.utils import timezone

        self.paid_at = timezone.now()

    @transition(field=state, source=[State.PROPOSED, State.REFERRED, State.DISTRICT_APPROVED],
                target=State.CANCELLED)
    def cancel(self):
        pass


# The final settlement at termination (its own module; imported here so that migrations see it).
from .settlement_models import FinalSettlement  # noqa: E402,F401
