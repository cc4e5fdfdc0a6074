"""The shared registry: organisations, users, persons and representatives; the audit trail; job runs.

Every app builds on these. Personal data lives on ``Person`` only; changes to it go through
``hyresadmin.services`` so that each one is in the audit trail.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMFieldMixin, transition

from .fields import StateField


class StatefulModel(ConcurrentTransitionMixin, models.Model):
    """Base of every model with a state machine: concurrent transitions give a clear conflict."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        """State fields are protected: they are never cleaned by assignment (transitions set them)."""
        exclude = set(exclude or ()) | {
            f.name for f in self._meta.concrete_fields if isinstance(f, FSMFieldMixin)
        }
        super().clean_fields(exclude=exclude)


class Organisation(models.Model):
    """A district or specialist administration, or the service administration itself."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("District administration")
        SPECIALIST = "specialist", _("Specialist administration")
        SERVICE = "service", _("Service administration")

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DISTRICT)
    shared_mailbox_email = models.EmailField(_("shared mailbox e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A login. Staff and officers belong to an organisation; a citizen is linked to a ``Person``."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")


class PersonQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deceased_on__isnull=True)


class Person(models.Model):
    """A person in the registry: customer, guardian, representative or a citizen who logs in."""

    personal_number = models.CharField(
        _("personal identity number"),
        max_length=12,
        unique=True,
        help_text=_("Stored as 12 digits, YYYYMMDDNNNN."),
    )
    is_coordination_number = models.BooleanField(_("coordination number"), default=False)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    care_of = models.CharField(_("c/o"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    town = models.CharField(_("town"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    protected_identity = models.BooleanField(
        _("protected identity"),
        default=False,
        help_text=_("The address is never shown, printed or exported to anyone who does not need it."),
    )
    deceased_on = models.DateField(_("deceased on"), null=True, blank=True)
    affiliation = models.ForeignKey(
        Organisation,
        verbose_name=_("affiliation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="affiliated_persons",
        help_text=_("The administration the customer belongs to."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            models.CheckConstraint(
                condition=Q(personal_number__regex=r"^[0-9]{12}$"),
                name="person_personal_number_12_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def formatted_personal_number(self) -> str:
        pn = self.personal_number
        return f"{pn[:8]}-{pn[8:]}" if len(pn) == 12 else pn

    @property
    def is_deceased(self) -> bool:
        return self.deceased_on is not None

    def postal_address_lines(self) -> list[str]:
        """The address to print; empty for a protected identity."""
        if self.protected_identity:
            return []
        lines = [self.full_name]
        if self.care_of:
            lines.append(f"c/o {self.care_of}")
        if self.street_address:
            lines.append(self.street_address)
        if self.postcode or self.town:
            lines.append(f"{self.postcode} {self.town}".strip())
        return lines


class RepresentativeQuerySet(models.QuerySet):
    def valid_on(self, day: date):
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class Representative(models.Model):
    """Someone who acts for a person or must be informed: god man, förvaltare, relative, …"""

    class Kind(models.TextChoices):
        TRUSTEE = "trustee", _("Trustee (god man)")
        ADMINISTRATOR = "administrator", _("Administrator (förvaltare)")
        RELATIVE = "relative", _("Relative")
        SOCIAL_SECRETARY = "social_secretary", _("Social secretary")

    person = models.ForeignKey(
        Person, verbose_name=_("represented person"), on_delete=models.CASCADE,
        related_name="representatives",
    )
    agent = models.ForeignKey(
        Person, verbose_name=_("representative"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="represents",
        help_text=_("The representative as a person in the registry (needed to log in)."),
    )
    contact_name = models.CharField(
        _("contact name"), max_length=200, blank=True,
        help_text=_("For a representative who is not in the registry, e.g. a social secretary."),
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    valid_from = models.DateField(_("valid from"), default=date.today)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    may_see_invoices = models.BooleanField(_("may see invoices"), default=False)
    receives_notices = models.BooleanField(_("receives copies of notices"), default=True)

    objects = RepresentativeQuerySet.as_manager()

    class Meta:
        ordering = ["person", "kind", "valid_from"]
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        constraints = [
            models.CheckConstraint(
                condition=Q(agent__isnull=False) | ~Q(contact_name=""),
                name="representative_agent_or_contact",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="representative_valid_period",
            ),
            models.CheckConstraint(
                condition=~Q(agent=models.F("person")), name="representative_not_self"
            ),
        ]

    def __str__(self) -> str:
        who = self.agent.full_name if self.agent_id else self.contact_name
        return f"{who} ({self.get_kind_display()}) för {self.person}"

    @property
    def display_name(self) -> str:
        return self.agent.full_name if self.agent_id else self.contact_name


class AuditQuerySet(models.QuerySet):
    """The trail is append-only: bulk update and delete are refused."""

    def update(self, **kwargs):
        raise PermissionError("The audit trail cannot be changed.")

    def delete(self):
        raise PermissionError("The audit trail cannot be deleted.")

    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        )


class AuditEvent(models.Model):
    """One row per state transition, change of personal data, view of a full record, or export."""

    class Type(models.TextChoices):
        TRANSITION = "transition", _("State transition")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        VIEW = "view", _("Viewed personal data")
        EXPORT = "export", _("Exported personal data")
        LOGIN = "login", _("Logged in")
        JOB = "job", _("Job")

    event_type = models.CharField(_("event"), max_length=16, choices=Type.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    actor_label = models.CharField(
        _("actor label"), max_length=100, blank=True, help_text=_("A job or system actor.")
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    from_state = models.CharField(_("from"), max_length=32, blank=True)
    to_state = models.CharField(_("to"), max_length=32, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    request_id = models.CharField(_("request or job id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()}: {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise PermissionError("The audit trail cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail cannot be deleted.")


class JobRun(StatefulModel):
    """One run of a periodic job for one period; unique, so a job runs once per period."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    job = models.CharField(_("job"), max_length=100)
    period = models.CharField(_("period"), max_length=32, help_text=_("E.g. 2026-11 or 2026-11-23."))
    state = StateField(_("state"), choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="jobrun_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"

    @transition(field=state, source=State.RUNNING, target=State.SUCCEEDED)
    def succeed(self, result: dict | None = None):
        self.finished_at = timezone.now()
        self.result = result or {}
        self.error = ""

    @transition(field=state, source=State.RUNNING, target=State.FAILED)
    def fail(self, error: str = ""):
        self.finished_at = timezone.now()
        self.error = error[:5000]

    @transition(field=state, source=[State.FAILED, State.SUCCEEDED], target=State.RUNNING)
    def rerun(self):
        self.started_at = timezone.now()
        self.finished_at = None
        self.attempts += 1


def _imported_file_path(instance, filename):
    return f"imports/{instance.kind}/{instance.sha256[:2]}/{instance.sha256}-{filename}"


class ImportedFile(models.Model):
    """The raw file of every import, kept; the same file (by checksum) is refused a second time."""

    kind = models.CharField(_("kind"), max_length=40)
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(_("file name"), max_length=200)
    file = models.FileField(_("file"), upload_to=_imported_file_path)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("imported file")
        verbose_name_plural = _("imported files")
        constraints = [
            models.UniqueConstraint(fields=["kind", "sha256"], name="import_file_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.original_name}"
