"""Forms of the support-case doors: a question from a citizen (``/mina-sidor/arenden/``) or a district
(``/forvaltning/arenden/``), and a reply in a case's conversation.

The forms only validate input (Swedish messages, each refused file named); the services in
``support.services`` decide and write. Attachments are PDF, JPEG or PNG of at most
``MAX_UPLOAD_SIZE`` (10 MB), checked by their content with ``hyresadmin.uploads.validate_upload``.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from contracts.forms import MultipleFileField, PortalFormMixin

from .models import SupportCase

#: The categories in the menus, in the order a person looks for them.
CATEGORY_CHOICES = [("", _("Choose what your question is about"))] + [
    (value, SupportCase.Category(value).label) for value in (
        SupportCase.Category.TERMINATION,
        SupportCase.Category.CONTRACT,
        SupportCase.Category.INVOICE,
        SupportCase.Category.INVOICE_MISSING,
        SupportCase.Category.INVOICE_DEFERRAL,
        SupportCase.Category.INVOICE_INSTALMENTS,
        SupportCase.Category.INVOICE_DISPUTED,
        SupportCase.Category.FEE,
    )
]


class CaseFormBase(PortalFormMixin, forms.Form):
    """Errors in Swedish, an error summary, and the names of files that must be chosen again."""

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show a service's ``ValidationError`` on the fields it names (or at the top)."""
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc)

    @property
    def files_to_choose_again(self) -> list[str]:
        """The names of files sent with a form that had errors: they were not kept."""
        if not self.is_bound or not self.files or "attachments" not in self.fields:
            return []
        return [f.name for f in self.files.getlist("attachments") if f]

    def has_any_errors(self) -> bool:
        return self.is_bound and bool(self.errors)

    def clean_body(self):
        body = (self.cleaned_data.get("body") or "").strip()
        if not body:
            raise ValidationError(_("Write your message."), code="required")
        return body


def _attachments_field():
    return MultipleFileField(
        label=_("Attachments (optional)"), required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB each. You can choose several files."),
    )


class CaseForm(CaseFormBase):
    """A new question: what it is about, a subject, the message and optional attachments."""

    category = forms.ChoiceField(label=_("What is your question about?"), choices=CATEGORY_CHOICES,
                                 error_messages={"required": _("Choose what your question is about."),
                                                 "invalid_choice": _("Choose what your question is about.")})
    subject = forms.CharField(label=_("Subject"), max_length=200,
                              help_text=_("A few words, for example “Question about the December invoice”."),
                              error_messages={"required": _("Write a subject."),
                                              "max_length": _("Write at most %(limit_value)d characters.")})
    body = forms.CharField(label=_("Your question"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 8}),
                           error_messages={"required": _("Write your message."),
                                           "max_length": _("Write at most %(limit_value)d characters.")})
    attachments = _attachments_field()

    def __init__(self, *args, people=None, **kwargs):
        """``people``: the persons a citizen may ask about (themselves first, then whom they
        represent); a menu is shown only when there is more than one."""
        super().__init__(*args, **kwargs)
        people = list(people or [])
        self.people = {str(person.pk): person for person in people}
        if len(people) > 1:
            self.fields = {"about": forms.ChoiceField(
                label=_("Who is the question about?"),
                choices=[(str(person.pk), person.full_name) for person in people],
                initial=str(people[0].pk),
                error_messages={"required": _("Choose who the question is about."),
                                "invalid_choice": _("Choose who the question is about.")},
            ), **self.fields}

    def about(self):
        """The person the question is about (the first of ``people`` when there is no menu)."""
        if "about" in self.fields:
            return self.people[self.cleaned_data["about"]]
        return next(iter(self.people.values()), None)

    def clean_subject(self):
        subject = (self.cleaned_data.get("subject") or "").strip()
        if not subject:
            raise ValidationError(_("Write a subject."), code="required")
        return subject


class ReplyForm(CaseFormBase):
    """A new message in a case's conversation, with optional attachments."""

    body = forms.CharField(label=_("Your message"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           error_messages={"required": _("Write your message."),
                                           "max_length": _("Write at most %(limit_value)d characters.")})
    attachments = _attachments_field()


class DistrictReplyForm(CaseFormBase):
    """The district's answer to a case the service administration forwarded to it (text only)."""

    body = forms.CharField(label=_("Your answer to the service administration"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           error_messages={"required": _("Write your message."),
                                           "max_length": _("Write at most %(limit_value)d characters.")})
