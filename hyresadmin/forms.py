"""Forms of the kernel: the person form used by staff, and the login forms of the portals."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .identity import PersonalNumberFormField
from .models import Person


class PersonAdminForm(forms.ModelForm):
    personal_number = PersonalNumberFormField(label=_("personal identity number"))

    class Meta:
        model = Person
        fields = [
            "personal_number", "first_name", "last_name", "affiliation", "street_address", "care_of",
            "postcode", "town", "email", "phone", "protected_identity", "deceased_on",
        ]

    def clean_personal_number(self):
        value = self.cleaned_data["personal_number"]
        clash = Person.objects.filter(personal_number=value)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("A person with this personal identity number already exists."))
        return value

    def clean_affiliation(self):
        from .services import check_affiliation_change

        value = self.cleaned_data.get("affiliation")
        if self.instance.pk:
            try:
                check_affiliation_change(self.instance, value.pk if value else None)
            except forms.ValidationError as exc:
                raise forms.ValidationError(exc.message_dict["affiliation"]) from exc
        return value


class OfficerLoginForm(AuthenticationForm):
    """Login for district case officers; refuses users who are not officers."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "not_officer": _("This account is not a district case officer's account."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        from .permissions import is_district_officer

        if not is_district_officer(user):
            raise forms.ValidationError(self.error_messages["not_officer"], code="not_officer")
