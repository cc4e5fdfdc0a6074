"""Forms of the staff admin for support cases: registering a call or an e-mail, and the intermediate
pages of the actions. They only validate input; the admin hands the cleaned values to ``services``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from contracts.models import RentalContract
from hyresadmin.models import Organisation, Person
from invoicing.models import Invoice

from .models import SupportCase

TEXTAREA = {"rows": 8, "cols": 80}


def _autocomplete(field_name: str, admin_site):
    return AutocompleteSelect(SupportCase._meta.get_field(field_name), admin_site)


class CaseOpenForm(forms.Form):
    """A phone call or an e-mail staff register: who asked, about what, and how to reach them."""

    channel = forms.ChoiceField(label=_("channel"), choices=SupportCase.Channel.choices,
                                initial=SupportCase.Channel.PHONE)
    asker = forms.ChoiceField(label=_("asked by"), choices=SupportCase.Asker.choices,
                              initial=SupportCase.Asker.CITIZEN)
    category = forms.ChoiceField(label=_("category"), choices=SupportCase.Category.choices)
    subject = forms.CharField(label=_("subject"), max_length=200)
    body = forms.CharField(label=_("The question"), max_length=10000,
                           widget=forms.Textarea(attrs=TEXTAREA),
                           help_text=_("What the person asked, in their own words where possible."))
    person = forms.ModelChoiceField(label=_("person"), queryset=Person.objects.all(), required=False,
                                    help_text=_("The customer or guardian the question is about."))
    organisation = forms.ModelChoiceField(
        label=_("district"), queryset=Organisation.objects.all(), required=False,
        help_text=_("Taken from the contract or the person when left empty."))
    contract = forms.ModelChoiceField(label=_("contract"), queryset=RentalContract.objects.all(),
                                      required=False)
    invoice = forms.ModelChoiceField(label=_("invoice"), queryset=Invoice.objects.all(), required=False)
    contact_name = forms.CharField(label=_("contact name"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=32, required=False)

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        site = admin_site or admin.site
        for name in ("person", "organisation", "contract", "invoice"):
            field = self.fields[name]
            field.widget = _autocomplete(name, site)
            field.widget.is_required = field.required
            field.widget.choices = field.choices

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("asker") == SupportCase.Asker.DISTRICT and not cleaned.get("organisation")
                and not cleaned.get("contract") and not cleaned.get("invoice")):
            self.add_error("organisation", _("Choose the district that asks."))
        if (cleaned.get("channel") == SupportCase.Channel.PHONE
                and cleaned.get("asker") != SupportCase.Asker.DISTRICT
                and not (cleaned.get("person") or cleaned.get("contact_phone")
                         or cleaned.get("contact_email"))):
            self.add_error("contact_phone", _("Note how to reach the person: choose the person or "
                                              "write a phone number or an e-mail address."))
        return cleaned


class MessageForm(forms.Form):
    """A required text: an answer, a question to the customer or an internal note."""

    body = forms.CharField(label=_("Message"), max_length=10000, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, label=None, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["body"].label = label
        self.fields["body"].help_text = help_text


class ForwardForm(forms.Form):
    """Forward to the district: what to answer, and a proposed solution (required for a disputed
    invoice)."""

    body = forms.CharField(label=_("Question to the district"), max_length=10000,
                           widget=forms.Textarea(attrs=TEXTAREA),
                           help_text=_("The district reads this in its portal."))
    proposed_solution = forms.CharField(label=_("proposed solution"), max_length=4000, required=False,
                                        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}))

    def __init__(self, *args, require_proposed_solution=False, **kwargs):
        super().__init__(*args, **kwargs)
        if require_proposed_solution:
            field = self.fields["proposed_solution"]
            field.required = True
            field.help_text = _("A disputed invoice goes to the district with a proposed solution.")
