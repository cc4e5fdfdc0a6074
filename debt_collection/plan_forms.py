"""Forms of the deferral and payment-plan doors: form SF1015 in the district portal and the admin, and
the district's decision.

They only validate input (Swedish messages); ``debt_collection.plans`` decides and writes. The
attachment is PDF, JPEG or PNG, checked by its content (``hyresadmin.uploads.validate_upload``).
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from contracts.forms import DateInput, PortalFormMixin
from hyresadmin.uploads import validate_upload
from invoicing.models import Invoice

from .plans import DEFERRAL, MAX_INSTALMENTS, PAYMENT_PLAN

KIND_CHOICES = [(DEFERRAL, _("Deferral (anstånd)")), (PAYMENT_PLAN, _("Payment plan (avbetalningsplan)"))]


class InvoiceChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, invoice: Invoice) -> str:
        return _("%(number)s – %(customer)s – %(period)s – %(balance)s kr left, due %(due)s") % {
            "number": invoice.number, "customer": invoice.customer.full_name if invoice.customer else "–",
            "period": invoice.period_label, "balance": f"{invoice.balance:.2f}".replace(".", ","),
            "due": invoice.due_date.isoformat()}


class Sf1015Form(PortalFormMixin, forms.Form):
    """Form SF1015 "Anstånd och avbetalningsplan": which invoices, deferral or plan, and the terms."""

    invoices = InvoiceChoiceField(
        label=_("The customer's open invoices"), queryset=Invoice.objects.none(),
        help_text=_("Choose one or more invoices of one customer."),
        error_messages={"required": _("Choose at least one invoice."),
                        "invalid_choice": _("Choose among the invoices listed."),
                        "invalid_pk_value": _("Choose among the invoices listed.")})
    kind = forms.ChoiceField(label=_("What is asked for"), choices=KIND_CHOICES, widget=forms.RadioSelect,
                             error_messages={"required": _("Choose deferral or payment plan.")})
    new_due_date = forms.DateField(
        label=_("Deferral: new due date"), required=False, widget=DateInput(),
        help_text=_("Within delegation: at most one month after the due date (two months for a first "
                    "month's rent with double housing costs). Beyond it the district decides."))
    double_housing = forms.BooleanField(
        label=_("Deferral of the first month's rent: the customer has double housing costs"), required=False)
    instalment_count = forms.IntegerField(
        label=_("Payment plan: number of monthly instalments"), required=False, min_value=1,
        max_value=MAX_INSTALMENTS,
        help_text=_("Within delegation: at most three months. Beyond it the district decides."),
        error_messages={"min_value": _("Give at least 1 instalment."),
                        "max_value": _("Give at most %(limit_value)s instalments."),
                        "invalid": _("Give a whole number.")})
    first_due_date = forms.DateField(
        label=_("Payment plan: first instalment due"), required=False, widget=DateInput(),
        help_text=_("The same day each month; a day that is not a working day moves to the next working "
                    "day, or back to the working day before when the next one is in the next month."))
    reason = forms.CharField(label=_("Reason and how the plan is to be carried out"), max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 5}),
                             error_messages={"required": _("Say why the customer needs it.")})
    attachment = forms.FileField(label=_("Attachment (optional)"), required=False,
                                 help_text=_("PDF, JPEG or PNG, at most 10 MB."))

    def __init__(self, *args, invoices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if invoices is not None:
            self.fields["invoices"].queryset = invoices

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            validate_upload(upload)
        return upload

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == DEFERRAL and not data.get("new_due_date") and "new_due_date" not in self.errors:
            self.add_error("new_due_date", _("Give the new due date."))
        if kind == PAYMENT_PLAN:
            if not data.get("instalment_count") and "instalment_count" not in self.errors:
                self.add_error("instalment_count", _("Give the number of instalments."))
            if not data.get("first_due_date") and "first_due_date" not in self.errors:
                self.add_error("first_due_date", _("Give the first instalment's due date."))
        return data

    def has_any_errors(self) -> bool:
        return self.is_bound and bool(self.errors)

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc)

    def submit_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"kind": data["kind"], "invoices": list(data["invoices"]), "reason": data["reason"],
                "new_due_date": data.get("new_due_date"), "instalment_count": data.get("instalment_count"),
                "first_due_date": data.get("first_due_date"), "double_housing": data.get("double_housing"),
                "attachment": data.get("attachment")}


class Sf1015AdminForm(Sf1015Form):
    """The same SF1015 registered by staff: the invoices given by their numbers."""

    invoices = forms.CharField(label=_("Invoice numbers"), max_length=500,
                               help_text=_("One or more invoice numbers of one customer, separated by "
                                           "commas or spaces."))

    def clean_invoices(self):
        numbers = [n for n in re.split(r"[\s,;]+", self.cleaned_data.get("invoices") or "") if n]
        if not numbers or not all(n.isdigit() for n in numbers):
            raise ValidationError(_("Give invoice numbers (digits only)."))
        found = list(Invoice.objects.filter(number__in=[int(n) for n in numbers]))
        missing = sorted(set(numbers) - {str(i.number) for i in found})
        if missing:
            raise ValidationError(_("No such invoice: %(numbers)s.") % {"numbers": ", ".join(missing)})
        return found


class DistrictDecisionForm(PortalFormMixin, forms.Form):
    """The district's decision on a referred request."""

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve")), ("reject", _("Reject"))],
                                 error_messages={"required": _("Choose approve or reject.")})
    note = forms.CharField(label=_("Note (required when rejecting)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("Give a reason for rejecting the request."))
        return data

    def has_any_errors(self) -> bool:
        return self.is_bound and bool(self.errors)


class ReportMonthForm(forms.Form):
    month = forms.DateField(label=_("Month"), required=False, input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
