"""Forms of the district portal for contracts.

``SubmissionForm`` is the one submission form (underlag): a new tenant, a change of an existing
contract (prefilled from it, the object and the customer fixed) and the completion of a returned
submission (prefilled from it). Its rent terms are a small formset (supplements and deductions) beside
the required base rent. Attachments are checked by their content (``hyresadmin.uploads``) so that each
refused file gets its own Swedish message. The forms only validate input; the services decide.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hyresadmin.identity import PersonalNumberFormField
from hyresadmin.uploads import validate_upload

from . import selectors
from .models import CollectionCode, ContractDocument, DeliveryChannel, RentalObject, RentLineKind
from .services import RentLineData

#: The notice periods offered in the menu (months); a contract's own value is added when it differs.
NOTICE_PERIODS = (1, 2, 3, 6, 9, 12)

#: The rent-line kinds of the formset rows; the base rent has a field of its own.
EXTRA_LINE_KINDS = (RentLineKind.SUPPLEMENT, RentLineKind.DEDUCTION)

ATTACHMENT_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def _notice_choice(months: int) -> tuple[int, str]:
    return months, ngettext("%(n)s month", "%(n)s months", months) % {"n": months}


def _active_or(current) -> Q:
    """In use, or the value the record already has."""
    q = Q(is_active=True)
    if current:
        q |= Q(pk=getattr(current, "pk", current))
    return q


class AmountField(forms.DecimalField):
    """Kronor per month: accepts ``5400``, ``5400,50`` and ``5 400,50`` (spaces are ignored)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("localize", True)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\xa0", "").replace(" ", "").removesuffix("kr").strip()
        return super().to_python(value)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files at once; each is checked by its content and size, each refusal names its file."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ATTACHMENT_ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        errors = []
        for upload in files:
            try:
                validate_upload(upload)
            except ValidationError as exc:
                errors.extend(
                    ValidationError(_("%(name)s: %(error)s"), code=exc.code or "invalid",
                                    params={"name": upload.name, "error": message})
                    for message in exc.messages
                )
        if errors:
            raise ValidationError(errors)
        return files


class RentalObjectChoiceField(forms.ModelChoiceField):
    """The administration's objects: number, address, housing form and the object's rent."""

    def label_from_instance(self, obj: RentalObject) -> str:
        return _("%(number)s – %(address)s, %(town)s – %(form)s – rent %(rent)s kr/month") % {
            "number": obj.object_number,
            "address": obj.street_address,
            "town": obj.town,
            "form": obj.get_housing_form_display(),
            "rent": number_format(obj.rent, decimal_pos=2, use_l10n=True, force_grouping=True),
        }


class CollectionCodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CollectionCode) -> str:
        return f"{obj.code} – {obj.name}"


class PortalFormMixin:
    """Swedish error texts without a label suffix; ``error_list`` feeds the error summary."""

    label_suffix = ""

    def error_list(self):
        """``(anchor id, label, message)`` for each error, in the order of the fields."""
        items = [("", "", str(message)) for message in self.non_field_errors()]
        for bound in self:
            items.extend((bound.id_for_label, str(bound.label), str(message)) for message in bound.errors)
        return items


class RentLineForm(PortalFormMixin, forms.Form):
    """One supplement or deduction; an empty row is ignored."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False,
        choices=[("", _("Choose supplement or deduction"))]
        + [(k.value, k.label) for k in EXTRA_LINE_KINDS],
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    amount = AmountField(label=_("Amount per month (kr)"), required=False)

    def clean(self):
        data = super().clean()
        used = any(data.get(name) not in (None, "") for name in ("kind", "description", "amount"))
        if used:
            if not data.get("kind"):
                self.add_error("kind", _("Choose whether the line is a supplement or a deduction."))
            if data.get("amount") is None and "amount" not in self.errors:
                self.add_error("amount", _("Enter the amount per month."))
            if data.get("kind") == RentLineKind.DEDUCTION and not data.get("description"):
                self.add_error("description", _("Say what the deduction is for: it is printed on the "
                                                "supplementary agreement."))
        return data

    def line(self) -> RentLineData | None:
        data = self.cleaned_data
        if not data.get("kind") or data.get("amount") is None:
            return None
        return RentLineData(kind=data["kind"], amount=data["amount"], description=data["description"])


RentLineFormSet = forms.formset_factory(RentLineForm, extra=2, max_num=12, validate_max=True)


class SubmissionForm(PortalFormMixin, forms.Form):
    """The submission form: new tenant, change of a contract, or completion of a returned submission.

    ``fixed_object`` (a change) removes the object menu; ``fixed_personal_number`` (a change) shows
    the customer's number without letting it be edited. The rent lines come from ``self.lines``.
    """

    LINES_PREFIX = "lines"

    personal_number = PersonalNumberFormField(
        label=_("Personal identity number"),
        help_text=_("YYYYMMDD-NNNN. A coordination number also works."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("E-mail (optional)"), required=False,
                             help_text=_("The contract is sent here when it is sent by e-mail."))
    phone = forms.CharField(label=_("Phone (optional)"), max_length=32, required=False)
    rental_object = RentalObjectChoiceField(
        label=_("Rental object"), queryset=RentalObject.objects.none(),
        empty_label=_("Choose an object"),
        help_text=_("Your administration's objects in use. FOT or care housing follows from the "
                    "object's housing form."),
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput(),
                                 help_text=_("YYYY-MM-DD"))
    end_date = forms.DateField(label=_("End date (optional)"), required=False, widget=DateInput(),
                               help_text=_("Leave empty for a contract until further notice."))
    notice_period_months = forms.TypedChoiceField(label=_("Notice period"), coerce=int, initial=3)
    base_rent = AmountField(label=_("Base rent per month (kr)"),
                            help_text=_("For example 5400 or 5400,50."))
    rent_difference_explanation = forms.CharField(
        label=_("Explanation if the rent differs from the object's rent (optional)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    collection_code = CollectionCodeChoiceField(
        label=_("Collection code"), queryset=CollectionCode.objects.none(),
        empty_label=_("Choose a collection code"),
    )
    delivery_channel = forms.ChoiceField(
        label=_("Delivery to the customer"), choices=DeliveryChannel.choices,
        initial=DeliveryChannel.POST,
        help_text=_("How the contract and the invoices reach the customer."),
    )
    personal_contact = forms.BooleanField(
        label=_("The district wants personal contact"), required=False,
        help_text=_("The district hands over the contract to the customer itself instead of it being "
                    "sent. FOT contracts are always handed over by the district."),
    )
    message = forms.CharField(label=_("Message to the service administration (optional)"),
                              required=False, widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(
        label=_("Attachments (optional)"), required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB per file. You can choose several files."),
    )

    FIELDSETS = (
        ("customer", _("The customer"), ("personal_number", "first_name", "last_name", "email", "phone")),
        ("object", _("The rental object"), ("rental_object",)),
        ("period", _("The contract period"), ("start_date", "end_date", "notice_period_months")),
        ("rent", _("The rent terms"), ("base_rent", "rent_difference_explanation")),
        ("handling", _("Collection and delivery"), ("collection_code", "delivery_channel",
                                                    "personal_contact")),
        ("message", _("Message and attachments"), ("message", "attachments")),
    )

    def __init__(self, *args, user, fixed_object: RentalObject | None = None,
                 fixed_personal_number: bool = False, lines_initial=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_object = fixed_object
        if fixed_object is not None:
            del self.fields["rental_object"]
        else:
            # A returned submission keeps its object (and code) even if no longer in use.
            self.fields["rental_object"].queryset = selectors.objects_visible_to(user).filter(
                _active_or(self.initial.get("rental_object"))).order_by("object_number")
        self.fields["collection_code"].queryset = CollectionCode.objects.filter(
            _active_or(self.initial.get("collection_code"))).order_by("code")
        if fixed_personal_number:
            field = self.fields["personal_number"]
            field.disabled = True
            field.help_text = _("The customer of the contract; it cannot be changed here.")
        periods = set(NOTICE_PERIODS)
        notice = self.initial.get("notice_period_months")
        if notice:
            periods.add(int(notice))
        self.fields["notice_period_months"].choices = [_notice_choice(m) for m in sorted(periods)]
        self.lines = RentLineFormSet(
            self.data if self.is_bound else None, prefix=self.LINES_PREFIX, initial=lines_initial,
        )

    # --- structure for the template -----------------------------------------------------------------

    def fieldsets(self):
        for key, legend, names in self.FIELDSETS:
            yield key, legend, [self[name] for name in names if name in self.fields]

    def error_list(self):
        items = super().error_list()
        items.extend(("", "", str(message)) for message in self.lines.non_form_errors())
        for number, row in enumerate(self.lines, start=1):
            for bound in row:
                items.extend(
                    (bound.id_for_label, _("Rent line %(n)s, %(label)s") % {
                        "n": number, "label": str(bound.label).lower()}, str(message))
                    for message in bound.errors
                )
        return items

    @property
    def files_to_choose_again(self) -> list[str]:
        """The names of files sent with a form that had errors: they were not kept."""
        if not self.is_bound or not self.files:
            return []
        return [f.name for f in self.files.getlist("attachments") if f]

    # --- validation ------------------------------------------------------------------------------------

    def is_valid(self) -> bool:
        form_ok = super().is_valid()
        lines_ok = self.lines.is_valid()
        return form_ok and lines_ok

    def has_any_errors(self) -> bool:
        return self.is_bound and (bool(self.errors) or not self.lines.is_valid())

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        return data

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show a service's ``ValidationError`` on the fields it names (or at the top)."""
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc)

    # --- values for the services -----------------------------------------------------------------------

    def rent_lines(self) -> list[RentLineData]:
        lines = [RentLineData(kind=RentLineKind.BASE_RENT, amount=self.cleaned_data["base_rent"])]
        lines.extend(line for row in self.lines for line in [row.line()] if line is not None)
        return lines

    def submission_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in (
            "personal_number", "first_name", "last_name", "email", "phone", "start_date", "end_date",
            "notice_period_months", "collection_code", "delivery_channel", "personal_contact",
            "rent_difference_explanation", "message",
        )}
        fields["rental_object"] = self.fixed_object or data["rental_object"]
        return fields

    def uploaded_files(self) -> list:
        return self.cleaned_data.get("attachments") or []


def initial_from_contract(contract, *, year: int) -> tuple[dict, list[dict]]:
    """The form's initial values from a contract: its customer, terms and the rent lines of ``year``
    (or of its latest year when there are none for ``year``)."""
    customer = contract.customer
    lines = list(contract.rent_lines.all())
    years = sorted({ln.rent_year for ln in lines})
    if years and year not in years:
        year = years[-1]
    lines = [ln for ln in lines if ln.rent_year == year]
    initial = {
        "personal_number": customer.formatted_personal_number if customer else "",
        "first_name": customer.first_name if customer else "",
        "last_name": customer.last_name if customer else "",
        "email": customer.email if customer else "",
        "phone": customer.phone if customer else "",
        "start_date": contract.start_date,
        "end_date": contract.end_date,
        "notice_period_months": contract.notice_period_months,
        "base_rent": sum((ln.amount for ln in lines if ln.kind == RentLineKind.BASE_RENT), Decimal("0.00")),
        "collection_code": contract.collection_code_id,
        "delivery_channel": contract.delivery_channel,
        "personal_contact": contract.personal_contact,
    }
    return initial, _extra_lines(lines)


def initial_from_submission(submission) -> tuple[dict, list[dict]]:
    lines = list(submission.rent_lines.all())
    initial = {
        "personal_number": submission.formatted_personal_number,
        "first_name": submission.first_name,
        "last_name": submission.last_name,
        "email": submission.email,
        "phone": submission.phone,
        "rental_object": submission.rental_object_id,
        "start_date": submission.start_date,
        "end_date": submission.end_date,
        "notice_period_months": submission.notice_period_months,
        "base_rent": sum((ln.amount for ln in lines if ln.kind == RentLineKind.BASE_RENT), Decimal("0.00")),
        "rent_difference_explanation": submission.rent_difference_explanation,
        "collection_code": submission.collection_code_id,
        "delivery_channel": submission.delivery_channel,
        "personal_contact": submission.personal_contact,
        "message": submission.message,
    }
    return initial, _extra_lines(lines)


def _extra_lines(lines) -> list[dict]:
    return [{"kind": ln.kind, "description": ln.description, "amount": ln.amount}
            for ln in lines if ln.kind != RentLineKind.BASE_RENT]


class ContractDocumentUploadForm(PortalFormMixin, forms.Form):
    """A signed original (a scan counts) or, for FOT, the signed waiver of security of tenure."""

    kind = forms.ChoiceField(label=_("Kind of document"))
    file = forms.FileField(
        label=_("File"), widget=forms.FileInput(attrs={"accept": ATTACHMENT_ACCEPT}),
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
    )

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [ContractDocument.Kind.SIGNED_ORIGINAL]
        if contract.is_fot:
            kinds.append(ContractDocument.Kind.TENURE_WAIVER)
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload(upload)
        return upload

    @property
    def files_to_choose_again(self) -> list[str]:
        if not self.is_bound or not self.files:
            return []
        return [f.name for f in self.files.getlist("file") if f]


class WithdrawForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why is it withdrawn? (optional)"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
