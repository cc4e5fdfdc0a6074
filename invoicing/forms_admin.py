"""Forms of the staff admin for credits, cancellations and refunds.

They only validate input; the admin hands the cleaned values to ``invoicing.credits``, which decides.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from contracts.forms import AmountField
from hyresadmin.identity import parse_personal_number
from hyresadmin.models import Person

from . import credits


def _reason_field(label):
    return forms.CharField(label=label, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
                           help_text=_("Recorded in the history."))


class PersonNumberField(forms.CharField):
    """A person chosen by their personal identity number, written in any accepted form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            digits = parse_personal_number(text).digits12
        except ValidationError:
            raise ValidationError(_("Write a valid personal identity number.")) from None
        person = Person.objects.filter(personal_number=digits).first()
        if person is None:
            raise ValidationError(_("No person has this personal identity number."))
        return person


def _clean_account(value: str) -> str:
    if not credits.valid_account(value):
        raise ValidationError(_("Write a clearing and account number (e.g. 8327-9, 123 456 7890), a "
                                "bankgiro or a plusgiro number."))
    return value.strip()


class CreditForm(forms.Form):
    amount = AmountField(label=_("Amount to credit (kr)"), min_value=None)
    reason = _reason_field(_("Why is the invoice credited?"))


class CancelForm(forms.Form):
    reason = _reason_field(_("Why is the invoice cancelled?"))


class PayeeFormMixin:
    def clean_payee_account(self):
        return _clean_account(self.cleaned_data["payee_account"])


class RefundOrderForm(PayeeFormMixin, forms.Form):
    person = PersonNumberField(label=_("The customer's personal identity number"))
    payee_name = forms.CharField(label=_("Payee"), max_length=100)
    payee_account = forms.CharField(label=_("Payee's account"), max_length=40,
                                    help_text=_("Clearing and account number, or a bankgiro or plusgiro "
                                                "number."))
    amount = AmountField(label=_("Amount (kr)"), required=False, min_value=None,
                         help_text=_("Leave empty to refund the whole credit balance (after it has been "
                                     "offset against the customer's open invoices)."))
    reason = _reason_field(_("Why is the money refunded?"))


class PaymentRefundForm(PayeeFormMixin, forms.Form):
    person = PersonNumberField(label=_("The customer's personal identity number"), required=False,
                               help_text=_("Leave empty when the payment's reference already names the "
                                           "customer. The payment is refunded to the payer."))
    payee_name = forms.CharField(label=_("Payee"), max_length=100)
    payee_account = forms.CharField(label=_("Payee's account"), max_length=40,
                                    help_text=_("Clearing and account number, or a bankgiro or plusgiro "
                                                "number."))
    reason = _reason_field(_("Why is the payment refunded?"))
