"""Forms of the staff admin: the intermediate pages of the transitions and the contract's terms.

They only validate input; the admin hands the cleaned values to ``services``.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import ContractDocument, RentalContract


class ReasonForm(forms.Form):
    """A required reason: what is missing (return), why a dispute is opened or closed."""

    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 6, "cols": 80}), max_length=4000,
    )

    def __init__(self, *args, label=None, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text


class TenureWaiverForm(forms.Form):
    """FOT: when the waiver of security of tenure was signed and the rent tribunal approved it."""

    signed_on = forms.DateField(label=_("waiver of security of tenure signed"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    tribunal_approved_on = forms.DateField(label=_("rent tribunal approval"), required=False,
                                           widget=forms.DateInput(attrs={"type": "date"}))


class DocumentUploadForm(forms.Form):
    """A scanned or signed original; its content is checked by the service (``validate_upload``)."""

    KINDS = (
        (ContractDocument.Kind.SIGNED_ORIGINAL, ContractDocument.Kind.SIGNED_ORIGINAL.label),
        (ContractDocument.Kind.TENURE_WAIVER, ContractDocument.Kind.TENURE_WAIVER.label),
    )

    kind = forms.ChoiceField(label=_("kind"), choices=KINDS,
                             initial=ContractDocument.Kind.SIGNED_ORIGINAL)
    file = forms.FileField(label=_("file"),
                           help_text=_("PDF, JPEG or PNG, at most 10 MB."))


class RentalContractTermsForm(forms.ModelForm):
    """The terms staff may change on a contract; saved through ``services.contract_update``."""

    class Meta:
        model = RentalContract
        fields = ["start_date", "end_date", "notice_period_months", "collection_code",
                  "reminder_fee_agreed", "payment_plan_fee_agreed", "delivery_channel", "personal_contact"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        return cleaned


class ObjectImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"),
                           help_text=_("Semicolon-separated, UTF-8, with a header line. At most 10 MB."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_SIZE:
            raise forms.ValidationError(_("The file is too large. The largest allowed size is 10 MB."))
        return upload
