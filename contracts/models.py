"""Rental objects, submissions (underlag), rental contracts and their documents.

State machines (the edges and why they exist):

Submission
  submitted → in_review        staff take it up
  in_review → returned         incomplete or wrong; the officer is told what is missing
  returned  → submitted        the officer completed it
  in_review → accepted         every check passed; customer and draft contract created
  accepted  → completed        the contract is active (and sent); the officer is told
  submitted/in_review/returned → withdrawn   the district takes it back

RentalContract
  draft       → preliminary    registered, waiting for signature or the district
  draft/preliminary → active   every activation check passed
  active      → notice_given   notice received (termination)
  notice_given → terminated    the end date has passed
  active      ⇄ in_dispute     a rent tribunal case is open

Termination and TerminationNotice live in ``termination_models`` (imported at the end of this module).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from hyresadmin.fields import MoneyField, StateField
from hyresadmin.models import Organisation, Person, StatefulModel


class HousingForm(models.TextChoices):
    CARE_HOME = "care_home", _("Care home (vård- och omsorgsboende)")
    SERVICE_HOUSE = "service_house", _("Service house (servicehus)")
    GROUP_HOME = "group_home", _("Group home (gruppbostad)")
    SERVICE_HOUSING = "service_housing", _("Service housing (serviceboende)")
    FOT = "fot", _("Trial and training apartment (FOT)")


class Landlord(models.Model):
    """The first-hand landlord of a rental object."""

    name = models.CharField(_("name"), max_length=200)
    organisation_number = models.CharField(_("organisation number"), max_length=11, unique=True)
    is_city_owned = models.BooleanField(_("city-owned company"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("landlord")
        verbose_name_plural = _("landlords")

    def __str__(self) -> str:
        return self.name


class QualityType(models.Model):
    """A quality an object can have (balcony, kitchen type, …), a list staff maintain."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    required = models.BooleanField(_("required"), default=False)
    allowed_values = models.CharField(
        _("allowed values"), max_length=500, blank=True,
        help_text=_("Separated by semicolons; empty means any value."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("quality")
        verbose_name_plural = _("qualities")

    def __str__(self) -> str:
        return self.name

    @property
    def choices(self) -> list[str]:
        return [v.strip() for v in self.allowed_values.split(";") if v.strip()]


class RentalObject(models.Model):
    """An apartment the city lets second-hand."""

    object_number = models.CharField(_("object number"), max_length=30, unique=True)
    street_address = models.CharField(_("address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=6)
    town = models.CharField(_("town"), max_length=100, default="Stockholm")
    housing_form = models.CharField(_("housing form"), max_length=20, choices=HousingForm.choices)
    landlord = models.ForeignKey(Landlord, verbose_name=_("landlord"), on_delete=models.PROTECT,
                                 related_name="rental_objects")
    first_hand_rent = MoneyField(_("first-hand rent (per month)"), non_negative=True)
    first_hand_rent_negotiated = models.BooleanField(_("first-hand rent negotiated"), default=False)
    rent = MoneyField(_("rent (per month)"), non_negative=True,
                      help_text=_("The second-hand base rent for the rent year."))
    rent_year = models.PositiveIntegerField(_("rent year"))
    area = models.DecimalField(_("area (m²)"), max_digits=6, decimal_places=1)
    rooms = models.DecimalField(_("rooms"), max_digits=3, decimal_places=1)
    owner = models.ForeignKey(Organisation, verbose_name=_("owning organisation"),
                              on_delete=models.PROTECT, related_name="rental_objects")
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["object_number"]
        verbose_name = _("rental object")
        verbose_name_plural = _("rental objects")
        constraints = [
            models.CheckConstraint(condition=Q(rent__gte=0) & Q(first_hand_rent__gte=0),
                                   name="rentalobject_rents_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.object_number} {self.street_address}"

    @property
    def is_fot(self) -> bool:
        return self.housing_form == HousingForm.FOT


class ObjectQuality(models.Model):
    rental_object = models.ForeignKey(RentalObject, on_delete=models.CASCADE, related_name="qualities")
    quality_type = models.ForeignKey(QualityType, verbose_name=_("quality"), on_delete=models.PROTECT)
    value = models.CharField(_("value"), max_length=100)

    class Meta:
        verbose_name = _("object quality")
        verbose_name_plural = _("object qualities")
        constraints = [
            models.UniqueConstraint(fields=["rental_object", "quality_type"], name="one_value_per_quality")
        ]

    def __str__(self) -> str:
        return f"{self.quality_type}: {self.value}"

    def clean(self):
        """A value must be one of the quality's allowed values (when the quality has a list)."""
        super().clean()
        if self.quality_type_id is None:
            return
        allowed = self.quality_type.choices
        if allowed and self.value not in allowed:
            raise ValidationError(
                {"value": _("“%(value)s” is not allowed for %(quality)s. Allowed: %(allowed)s.")
                 % {"value": self.value, "quality": self.quality_type.name,
                    "allowed": ", ".join(allowed)}},
                code="not_allowed",
            )


class CollectionCode(models.Model):
    """Kravkod: decides reminder and collection handling (its steps are kept by debt_collection)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("collection code")
        verbose_name_plural = _("collection codes")

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class DeliveryChannel(models.TextChoices):
    POST = "post", _("Post")
    EMAIL = "email", _("E-mail")
    DIGITAL_MAILBOX = "digital_mailbox", _("Digital mailbox")


class RentLineKind(models.TextChoices):
    BASE_RENT = "base_rent", _("Base rent")
    SUPPLEMENT = "supplement", _("Rent supplement")
    DEDUCTION = "deduction", _("Deduction")


class Submission(StatefulModel):
    """Underlag from a district: a new tenant, or a change of an existing contract."""

    class Kind(models.TextChoices):
        NEW_TENANT = "new_tenant", _("New tenant")
        CHANGE = "change", _("Change of contract")

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        RETURNED = "returned", _("Returned for completion")
        ACCEPTED = "accepted", _("Accepted")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATES = (State.SUBMITTED, State.IN_REVIEW, State.RETURNED, State.ACCEPTED)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = StateField(_("state"), choices=State.choices, default=State.SUBMITTED)
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="submissions")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"),
                                     on_delete=models.PROTECT, related_name="submissions")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"),
                                 on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    due_date = models.DateField(_("due date"), db_index=True)
    # The customer as the district gave it.
    personal_number = models.CharField(_("personal identity number"), max_length=12)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # The contract terms.
    rental_object = models.ForeignKey(RentalObject, verbose_name=_("rental object"),
                                      on_delete=models.PROTECT, related_name="submissions")
    contract = models.ForeignKey("RentalContract", verbose_name=_("contract"), on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="submissions")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    notice_period_months = models.PositiveSmallIntegerField(_("notice period (months)"), default=3)
    collection_code = models.ForeignKey(CollectionCode, verbose_name=_("collection code"),
                                        on_delete=models.PROTECT, null=True, blank=True)
    delivery_channel = models.CharField(_("delivery channel"), max_length=20,
                                        choices=DeliveryChannel.choices, default=DeliveryChannel.POST)
    personal_contact = models.BooleanField(
        _("the district wants personal contact"), default=False,
        help_text=_("The district hands over the contract itself instead of it being sent."),
    )
    rent_difference_explanation = models.TextField(_("explanation of a rent difference"), blank=True)
    message = models.TextField(_("message to the service administration"), blank=True)
    return_reason = models.TextField(_("what is missing"), blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "received_at"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        indexes = [models.Index(fields=["state", "due_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} – {self.first_name} {self.last_name}"

    @property
    def formatted_personal_number(self) -> str:
        pn = self.personal_number
        return f"{pn[:8]}-{pn[8:]}"

    @property
    def is_overdue(self) -> bool:
        return self.state in self.OPEN_STATES and self.due_date < timezone.localdate()

    @property
    def base_rent(self) -> Decimal:
        return sum((ln.amount for ln in self.rent_lines.all() if ln.kind == RentLineKind.BASE_RENT),
                   Decimal("0.00"))

    @transition(field=state, source=State.SUBMITTED, target=State.IN_REVIEW)
    def start_review(self):
        pass

    @transition(field=state, source=State.IN_REVIEW, target=State.RETURNED)
    def return_for_completion(self, return_reason: str):
        self.return_reason = return_reason

    @transition(field=state, source=State.RETURNED, target=State.SUBMITTED)
    def resubmit(self):
        pass

    @transition(field=state, source=State.IN_REVIEW, target=State.ACCEPTED)
    def accept(self):
        pass

    @transition(field=state, source=State.ACCEPTED, target=State.COMPLETED)
    def complete(self):
        self.completed_at = timezone.now()

    @transition(field=state, source=[State.SUBMITTED, State.IN_REVIEW, State.RETURNED],
                target=State.WITHDRAWN)
    def withdraw(self):
        self.completed_at = timezone.now()


class SubmissionRentLine(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="rent_lines")
    kind = models.CharField(_("kind"), max_length=16, choices=RentLineKind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = MoneyField(_("amount per month"), non_negative=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("submitted rent line")
        verbose_name_plural = _("submitted rent lines")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} kr"


def _attachment_path(instance, filename):
    return f"submissions/{instance.submission_id}/{instance.sha256[:16]}-{filename}"


class SubmissionAttachment(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=_attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class RentalContractQuerySet(models.QuerySet):
    def customer_contracts(self):
        return self.filter(kind__in=[RentalContract.Kind.EXTERNAL, RentalContract.Kind.CITY_INTERNAL])

    def current(self):
        return self.filter(state__in=RentalContract.CURRENT_STATES)


class RentalContract(StatefulModel):
    """Uthyrningsavtal: the second-hand contract (or a vacancy or internal contract)."""

    class Kind(models.TextChoices):
        EXTERNAL = "external", _("External")
        CITY_INTERNAL = "city_internal", _("City-internal")
        INTERNAL = "internal", _("Administration-internal")
        VACANCY = "vacancy", _("Vacancy")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PRELIMINARY = "preliminary", _("Preliminary")
        ACTIVE = "active", _("Active")
        NOTICE_GIVEN = "notice_given", _("Notice given")
        TERMINATED = "terminated", _("Terminated")
        IN_DISPUTE = "in_dispute", _("In dispute")

    #: States in which the contract binds the object and is invoiced.
    CURRENT_STATES = (State.ACTIVE, State.NOTICE_GIVEN, State.IN_DISPUTE)

    number = models.CharField(_("contract number"), max_length=20, unique=True, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.EXTERNAL)
    state = StateField(_("state"), choices=State.choices, default=State.DRAFT)
    customer = models.ForeignKey(Person, verbose_name=_("customer"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="contracts")
    rental_object = models.ForeignKey(RentalObject, verbose_name=_("rental object"),
                                      on_delete=models.PROTECT, related_name="contracts")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="contracts")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    notice_period_months = models.PositiveSmallIntegerField(_("notice period (months)"), default=3)
    collection_code = models.ForeignKey(CollectionCode, verbose_name=_("collection code"),
                                        on_delete=models.PROTECT, null=True, blank=True)
    delivery_channel = models.CharField(_("delivery channel"), max_length=20,
                                        choices=DeliveryChannel.choices, default=DeliveryChannel.POST)
    personal_contact = models.BooleanField(_("the district wants personal contact"), default=False)
    reminder_fee_agreed = models.BooleanField(
        _("reminder fee agreed"), default=False,
        help_text=_("The contract says a reminder fee may be charged (agreed when the debt arose)."))
    payment_plan_fee_agreed = models.BooleanField(
        _("payment plan fee agreed"), default=False,
        help_text=_("The contract says a fee may be charged for a payment plan."))
    tenure_waiver_signed_on = models.DateField(_("waiver of security of tenure signed"), null=True,
                                               blank=True)
    tribunal_approved_on = models.DateField(_("rent tribunal approval"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    sent_at = models.DateTimeField(_("contract sent to the customer"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RentalContractQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "id"]
        verbose_name = _("rental contract")
        verbose_name_plural = _("rental contracts")
        constraints = [
            models.UniqueConstraint(
                fields=["rental_object"],
                condition=Q(state__in=["active", "notice_given", "in_dispute"])
                & Q(kind__in=["external", "city_internal"]),
                name="one_current_customer_contract_per_object",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="contract_period_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["vacancy", "internal"]) | Q(customer__isnull=False),
                name="customer_contract_has_customer",
            ),
        ]
        indexes = [models.Index(fields=["state", "kind"])]

    def __str__(self) -> str:
        return f"{self.number or _('(draft)')} {self.rental_object.object_number}"

    @property
    def is_fot(self) -> bool:
        return self.rental_object.is_fot

    def monthly_rent(self, year: int | None = None) -> Decimal:
        """Base rent plus supplements minus deductions, for ``year`` (default: the latest lines)."""
        lines = list(self.rent_lines.all())
        if year is None and lines:
            year = max(ln.rent_year for ln in lines)
        lines = [ln for ln in lines if ln.rent_year == year]
        total = Decimal("0.00")
        for line in lines:
            total += -line.amount if line.kind == RentLineKind.DEDUCTION else line.amount
        return total

    @transition(field=state, source=State.DRAFT, target=State.PRELIMINARY)
    def make_preliminary(self):
        pass

    @transition(field=state, source=[State.DRAFT, State.PRELIMINARY], target=State.ACTIVE)
    def activate(self):
        self.activated_at = timezone.now()

    @transition(field=state, source=State.ACTIVE, target=State.NOTICE_GIVEN)
    def give_notice(self):
        pass

    @transition(field=state, source=State.NOTICE_GIVEN, target=State.TERMINATED)
    def terminate(self):
        pass

    @transition(field=state, source=State.ACTIVE, target=State.IN_DISPUTE)
    def open_dispute(self):
        pass

    @transition(field=state, source=State.IN_DISPUTE, target=State.ACTIVE)
    def close_dispute(self):
        pass


class RentLine(models.Model):
    """A part of the rent: base rent, a supplement, or a deduction (with its supplementary agreement)."""

    contract = models.ForeignKey(RentalContract, on_delete=models.CASCADE, related_name="rent_lines")
    kind = models.CharField(_("kind"), max_length=16, choices=RentLineKind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = MoneyField(_("amount per month"), non_negative=True)
    rent_year = models.PositiveIntegerField(_("rent year"))

    class Meta:
        ordering = ["rent_year", "kind", "id"]
        verbose_name = _("rent line")
        verbose_name_plural = _("rent lines")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="rentline_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} kr ({self.rent_year})"

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.kind == RentLineKind.DEDUCTION else self.amount


def _document_path(instance, filename):
    return f"contracts/{instance.contract_id}/{filename}"


class ContractDocument(models.Model):
    """A PDF made by the system (contract, supplementary agreement) or an uploaded signed original."""

    class Kind(models.TextChoices):
        CONTRACT = "contract", _("Contract")
        SUPPLEMENTARY_AGREEMENT = "supplementary_agreement", _("Supplementary agreement")
        SIGNED_ORIGINAL = "signed_original", _("Signed original")
        TENURE_WAIVER = "tenure_waiver", _("Waiver of security of tenure")
        TERMINATION_CONFIRMATION = "termination_confirmation", _("Confirmation of termination")

    contract = models.ForeignKey(RentalContract, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    rent_line = models.ForeignKey(RentLine, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="documents")
    file = models.FileField(_("file"), upload_to=_document_path)
    content_type = models.CharField(_("content type"), max_length=50, default="application/pdf")
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d})" if self.created_at else str(
            self.get_kind_display())



# The rent reduction for double housing (its own module; imported here so that migrations see it).
from .reduction_models import RentReduction  # noqa: E402,F401
from .termination_models import NoticeGiver, Termination, TerminationNotice  # noqa: E402, F401
