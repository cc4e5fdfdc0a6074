"""The district portal's form for a rent reduction for double housing (seed 001 "Nedsättning"): the
months reduced and the reduction (kronor per month, or a percentage of the rent), the decision's date
and attester, whether the customer lives in the deciding district, the first invoice to reduce (the
next one unless the underlag says otherwise), and the signed decision."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hyresadmin.uploads import validate_upload

from .forms import ATTACHMENT_ACCEPT, AmountField, DateInput, PortalFormMixin

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class MonthField(forms.CharField):
    """A month written ``YYYY-MM``; its value is the month's first day."""

    default_error_messages = {"invalid": _("Write the month as YYYY-MM, for example 2026-11.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "ÅÅÅÅ-MM",
                                                           "maxlength": "7",
                                                           "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        match = _MONTH.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return date(int(match.group(1)), int(match.group(2)), 1)

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, date) else value


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class RentReductionForm(PortalFormMixin, forms.Form):
    first_month = MonthField(label=_("First month reduced"), help_text=_("YYYY-MM"))
    last_month = MonthField(label=_("Last month reduced"), help_text=_("YYYY-MM; the same month for one month."))
    amount = AmountField(label=_("Reduction per month (kr, optional)"), required=False,
                         help_text=_("Give an amount or a percentage of the rent."))
    percentage = forms.DecimalField(label=_("Reduction in per cent of the rent (optional)"), required=False,
                                    max_digits=5, decimal_places=2, min_value=0, max_value=100, localize=True)
    decision_date = forms.DateField(label=_("Date of the decision"), widget=DateInput())
    attester_name = forms.CharField(label=_("Signed by (authorised attester)"), max_length=200)
    lives_in_deciding_district = forms.ChoiceField(
        label=_("Does the customer live in your district?"), choices=YES_NO, widget=forms.RadioSelect,
        help_text=_("If yes, the cost is booked to your administration by an accounting order; otherwise "
                    "a payment order is made."))
    apply_from = MonthField(label=_("First invoice to reduce (optional)"), required=False,
                            help_text=_("YYYY-MM. Empty: the customer's next invoice."))
    message = forms.CharField(label=_("Message to the service administration (optional)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    attachment = forms.FileField(label=_("The signed decision"), help_text=_("PDF, JPEG or PNG, at most 10 MB."),
                                 widget=forms.FileInput(attrs={"accept": ATTACHMENT_ACCEPT}))

    def clean_attachment(self):
        upload = self.cleaned_data["attachment"]
        validate_upload(upload)
        return upload

    def clean_decision_date(self):
        value = self.cleaned_data["decision_date"]
        if value > timezone.localdate():
            raise ValidationError(_("The date of the decision cannot be in the future."))
        return value

    def clean(self):
        data = super().clean()
        amount, percentage = data.get("amount"), data.get("percentage")
        if "amount" not in self.errors and "percentage" not in self.errors:
            if (amount is None) == (percentage is None):
                self.add_error("amount", _("Give either an amount per month or a percentage of the rent."))
            elif (amount is not None and amount <= 0) or (percentage is not None and percentage <= 0):
                self.add_error("amount" if amount is not None else "percentage",
                               _("The reduction must be more than zero."))
        first, last = data.get("first_month"), data.get("last_month")
        if first and last and last < first:
            self.add_error("last_month", _("The last month is before the first month."))
        return data
