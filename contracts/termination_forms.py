"""Forms of terminations: the district portal's termination form and the admin's action pages.

They only validate input; ``contracts.termination`` decides and writes.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hyresadmin.uploads import validate_upload

from . import selectors
from .forms import ATTACHMENT_ACCEPT, DateInput, PortalFormMixin
from .models import RentalContract, RentalObject
from .termination import NOTICE_STATES
from .termination_models import NoticeGiver, TerminationNotice


class ContractChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RentalContract) -> str:
        return _("%(number)s – %(customer)s – %(address)s") % {
            "number": obj.number, "customer": obj.customer.full_name if obj.customer else "–",
            "address": obj.rental_object.street_address}


class TerminationForm(PortalFormMixin, forms.Form):
    """The termination form: the district's own form or the housing coordinator's, one page."""

    SOURCES = (
        (TerminationNotice.Source.DISTRICT_FORM, TerminationNotice.Source.DISTRICT_FORM.label),
        (TerminationNotice.Source.COORDINATOR_FORM, TerminationNotice.Source.COORDINATOR_FORM.label),
    )

    contract = ContractChoiceField(label=_("Contract"), queryset=RentalContract.objects.none(),
                                   empty_label=_("Choose a contract"),
                                   help_text=_("Your administration's current contracts."))
    source = forms.ChoiceField(label=_("Kind of form"), choices=SOURCES,
                               initial=TerminationNotice.Source.DISTRICT_FORM,
                               widget=forms.RadioSelect)
    given_by = forms.ChoiceField(label=_("Who gives notice"), choices=NoticeGiver.choices,
                                 widget=forms.RadioSelect)
    notice_received_on = forms.DateField(label=_("Date the notice was received"), widget=DateInput(),
                                         help_text=_("YYYY-MM-DD. The notice period runs from this day."))
    deceased_on = forms.DateField(label=_("Date of death (if the tenant has died)"), required=False,
                                  widget=DateInput(), help_text=_("YYYY-MM-DD"))
    requested_end_date = forms.DateField(
        label=_("Requested end date (optional)"), required=False, widget=DateInput(),
        help_text=_("For the district's decision: the decided end date. Otherwise the end date follows "
                    "the notice period; a later date asked for is kept."))
    estate_contact_name = forms.CharField(label=_("The estate's contact (on a death)"), required=False,
                                          max_length=200)
    estate_contact_email = forms.EmailField(label=_("The estate's contact e-mail (optional)"),
                                            required=False)
    estate_contact_address = forms.CharField(label=_("The estate's contact address (on a death)"),
                                             required=False, max_length=300)
    internal_move = forms.BooleanField(
        label=_("The customer moves to another object of our administration"), required=False)
    internal_move_object = forms.ModelChoiceField(
        label=_("The object the customer moves to (optional)"), required=False,
        queryset=RentalObject.objects.none(), empty_label=_("Choose an object"))
    message = forms.CharField(label=_("Message to the service administration (optional)"),
                              required=False, widget=forms.Textarea(attrs={"rows": 3}))
    attachment = forms.FileField(
        label=_("The scanned notice or decision"), required=False,
        widget=forms.FileInput(attrs={"accept": ATTACHMENT_ACCEPT}),
        help_text=_("PDF, JPEG or PNG, at most 10 MB. Required on the district's termination form."))

    FIELDSETS = (
        ("contract", _("The contract"), ("contract", "source")),
        ("notice", _("The notice"), ("given_by", "notice_received_on", "requested_end_date",
                                     "attachment")),
        ("death", _("If the tenant has died"), ("deceased_on", "estate_contact_name",
                                               "estate_contact_email", "estate_contact_address")),
        ("move", _("Internal move"), ("internal_move", "internal_move_object")),
        ("message", _("Message"), ("message",)),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = (
            selectors.contracts_visible_to(user).filter(state__in=NOTICE_STATES, customer__isnull=False)
            .order_by("number"))
        self.fields["internal_move_object"].queryset = (
            selectors.objects_visible_to(user).filter(is_active=True).order_by("object_number"))

    def fieldsets(self):
        for key, legend, names in self.FIELDSETS:
            yield key, legend, [self[name] for name in names]

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            validate_upload(upload)
        return upload

    def clean(self):
        data = super().clean()
        if (data.get("source") == TerminationNotice.Source.DISTRICT_FORM and not data.get("attachment")
                and "attachment" not in self.errors):
            self.add_error("attachment", _("Attach the scanned notice (or the district's decision)."))
        if data.get("given_by") == NoticeGiver.ESTATE:
            if not data.get("deceased_on") and "deceased_on" not in self.errors:
                self.add_error("deceased_on", _("Give the date of death when the estate gives notice."))
            if not data.get("estate_contact_name"):
                self.add_error("estate_contact_name", _("Give the estate's contact: the confirmation "
                                                        "is sent there."))
        return data

    def add_service_errors(self, exc) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc)

    def notice_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "contract": data["contract"], "source": data["source"], "given_by": data["given_by"],
            "notice_received_on": data["notice_received_on"], "deceased_on": data["deceased_on"],
            "requested_end_date": data["requested_end_date"], "message": data["message"],
            "file": data.get("attachment"), "estate_contact_name": data["estate_contact_name"],
            "estate_contact_email": data["estate_contact_email"],
            "estate_contact_address": data["estate_contact_address"],
            "internal_move": data["internal_move"],
            "internal_move_object": data["internal_move_object"],
        }

    @property
    def files_to_choose_again(self) -> list[str]:
        if not self.is_bound or not self.files:
            return []
        return [f.name for f in self.files.getlist("attachment") if f]


# --- The admin's action pages ----------------------------------------------------------------------------


class WrittenNoticeForm(forms.Form):
    """Staff register the customer's or a relative's written notice (scanned)."""

    contract_number = forms.CharField(label=_("contract number"), max_length=20)
    given_by = forms.ChoiceField(label=_("Who gives notice"), choices=NoticeGiver.choices)
    notice_received_on = forms.DateField(label=_("notice received"),
                                         widget=forms.DateInput(attrs={"type": "date"}))
    deceased_on = forms.DateField(label=_("date of death"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    requested_end_date = forms.DateField(label=_("requested end date"), required=False,
                                         widget=forms.DateInput(attrs={"type": "date"}))
    estate_contact_name = forms.CharField(label=_("estate's contact"), required=False, max_length=200)
    estate_contact_email = forms.EmailField(label=_("estate's contact e-mail"), required=False)
    estate_contact_address = forms.CharField(label=_("estate's contact address"), required=False,
                                             max_length=300)
    file = forms.FileField(label=_("The scanned notice"),
                           help_text=_("PDF, JPEG or PNG, at most 10 MB."))


class EndDateForm(forms.Form):
    end_date = forms.DateField(label=_("end date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Why the end date differs from the rules"),
                             widget=forms.Textarea(attrs={"rows": 4, "cols": 80}), max_length=4000)
