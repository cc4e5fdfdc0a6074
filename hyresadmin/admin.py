"""Staff admin for the registry: organisations, users, persons with representatives, the audit
trail and job runs. Every change to a person goes through ``services``; opening a person's record
and exporting persons are recorded in the audit trail.

Also the pieces every app's staff queues share: ``TransitionAdminMixin`` (buttons and intermediate
form pages that call a service and report its refusal), the queue filters ``OpenStatesFilter``,
``OverdueFilter`` and ``AssigneeFilter``, ``OVERDUE`` (the due-date marker), ``AuditHistoryMixin`` and
``ReadOnlyInlineMixin``."""

import csv

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from . import audit, jobs, permissions, services
from .forms import PersonAdminForm
from .models import AuditEvent, JobRun, Organisation, Person, Representative, User
from .transitions import ChecksFailed, TransitionRefused

OVERDUE = pgettext_lazy("due date marker", "Overdue")


def _date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "–"


def _add_errors(form, exc: ValidationError, field: str | None) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, exc)


class TransitionAdminMixin:
    """Buttons and intermediate pages that call a service and report its refusal."""

    action_form_template = "admin/form_page.html"

    def _change_url(self, obj) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])

    def _url_name(self, suffix: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{suffix}"

    def _url(self, suffix: str, *args) -> str:
        return reverse(f"admin:{self._url_name(suffix)}", args=args)

    def _may_act(self, request, obj) -> bool:
        return self.has_change_permission(request, obj)

    def _get_for_action(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self._may_act(request, obj):
            raise PermissionDenied
        return obj

    def _report_refusal(self, request, exc: TransitionRefused, prefix: str = "") -> None:
        self.message_user(request, prefix + exc.message, messages.ERROR)
        for check in exc.failed_checks if isinstance(exc, ChecksFailed) else ():
            text = f"{check.label}: {check.detail}" if check.detail else check.label
            self.message_user(request, prefix + text, messages.ERROR)

    def _post_transition(self, request, object_id, run):
        """POST only: ``run(obj)`` calls the service and returns the success message."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._get_for_action(request, object_id)
        try:
            message = run(obj)
        except TransitionRefused as exc:
            self._report_refusal(request, exc)
        except ValidationError as exc:
            for text in exc.messages:
                self.message_user(request, text, messages.ERROR)
        else:
            self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(obj))

    def _form_transition(self, request, object_id, *, form_class, title, submit_label, handle,
                         error_field=None, form_kwargs=None, intro=""):
        """An intermediate page: a form that must validate before ``handle(obj, data)`` runs."""
        obj = self._get_for_action(request, object_id)
        form_kwargs = form_kwargs or {}
        if request.method == "POST":
            form = form_class(request.POST, request.FILES, **form_kwargs)
            if form.is_valid():
                try:
                    message = handle(obj, form.cleaned_data)
                except TransitionRefused as exc:
                    self._report_refusal(request, exc)
                    return HttpResponseRedirect(self._change_url(obj))
                except ValidationError as exc:
                    _add_errors(form, exc, error_field)
                else:
                    self.message_user(request, message, messages.SUCCESS)
                    return HttpResponseRedirect(self._change_url(obj))
        else:
            form = form_class(**form_kwargs)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": str(obj),
            "intro": intro,
            "object": obj,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "form": form,
            "submit_label": submit_label,
            "change_url": self._change_url(obj),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, self.action_form_template, context)


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assignee"
    MINE = "mine"
    NONE = "none"

    def lookups(self, request, model_admin):
        staff = (User.objects.filter(groups__name__in=[permissions.SERVICE_STAFF, permissions.SERVICE_ADMIN],
                                     is_active=True)
                 .distinct().order_by("first_name", "last_name", "username"))
        return [(self.MINE, _("Assigned to me")), (self.NONE, _("Unassigned")),
                *((str(u.pk), u.get_full_name() or u.get_username()) for u in staff)]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value == self.MINE:
            return queryset.filter(assignee=request.user)
        if value == self.NONE:
            return queryset.filter(assignee__isnull=True)
        if value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset.none()


class OverdueFilter(admin.SimpleListFilter):
    """A queue's "overdue" filter: open items (the model's ``OPEN_STATES``) whose ``due_date`` has passed."""

    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        overdue = Q(state__in=queryset.model.OPEN_STATES, due_date__lt=timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


class OpenStatesFilter(admin.SimpleListFilter):
    """A queue's state filter: the open states by default; any one state, or all, on request.

    Subclasses set ``states`` (the model's ``State`` choices) and ``open_states``.
    """

    title = _("state")
    parameter_name = "state"
    OPEN = "open"
    ALL = "all"
    states: type = None
    open_states: tuple = ()

    def lookups(self, request, model_admin):
        return [(self.OPEN, _("Open")), *self.states.choices, (self.ALL, _("All"))]

    def queryset(self, request, queryset):
        value = self.value() or self.OPEN
        if value == self.OPEN:
            return queryset.filter(state__in=self.open_states)
        if value == self.ALL:
            return queryset
        if value in self.states.values:
            return queryset.filter(state=value)
        return queryset.none()

    def choices(self, changelist):
        current = self.value() or self.OPEN
        for lookup, title in self.lookup_choices:
            if lookup == self.OPEN:
                query_string = changelist.get_query_string(remove=[self.parameter_name])
            else:
                query_string = changelist.get_query_string({self.parameter_name: lookup})
            yield {"selected": current == str(lookup), "query_string": query_string, "display": title}


class ReadOnlyInlineMixin:
    """An inline that shows rows and never adds, changes or deletes them (issued documents, lines)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditHistoryMixin:
    """Replaces the admin's "history" page with the object's audit trail."""

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("History: %s") % obj,
            "subtitle": None,
            "object": obj,
            "events": audit.history_for(obj)[:500],
            "opts": self.opts,
            "app_label": self.opts.app_label,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/audit_history.html", context)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "shared_mailbox_email", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "organisation", "is_staff", "is_active")
    list_filter = ("groups", "organisation", "is_staff", "is_active")
    list_select_related = ("organisation",)
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Organisation"), {"fields": ("organisation",)}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("Organisation"), {"fields": ("organisation",)}),
    )


class RepresentativeInline(admin.TabularInline):
    model = Representative
    fk_name = "person"
    extra = 0
    autocomplete_fields = ("agent",)
    fields = ("kind", "agent", "contact_name", "contact_email", "contact_phone", "valid_from",
              "valid_to", "may_see_invoices", "receives_notices")


@admin.register(Person)
class PersonAdmin(AuditHistoryMixin, admin.ModelAdmin):
    form = PersonAdminForm
    list_display = ("full_name", "formatted_personal_number", "affiliation", "protected_identity",
                    "deceased_on")
    list_filter = ("affiliation", "protected_identity", "is_coordination_number",
                   ("deceased_on", admin.EmptyFieldListFilter))
    list_select_related = ("affiliation",)
    search_fields = ("first_name", "last_name", "personal_number")
    inlines = [RepresentativeInline]
    readonly_fields = ("is_coordination_number", "user", "created_at", "updated_at")
    actions = ["export_csv"]
    fieldsets = (
        (None, {"fields": ("personal_number", "is_coordination_number", "first_name", "last_name",
                           "affiliation")}),
        (_("Address and contact"), {"fields": ("street_address", "care_of", "postcode", "town",
                                                "email", "phone", "protected_identity")}),
        (_("Status"), {"fields": ("deceased_on", "user", "created_at", "updated_at")}),
    )

    @admin.display(description=_("personal identity number"), ordering="personal_number")
    def formatted_personal_number(self, obj):
        return obj.formatted_personal_number

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            person = self.get_object(request, object_id)
            if person is not None:
                services.person_record_viewed(actor=request.user, person=person,
                                              where="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.changed_data
                  if name in form.cleaned_data}
        if "affiliation" in fields:
            fields["affiliation_id"] = fields.pop("affiliation").pk if fields["affiliation"] else None
        if change:
            saved = services.person_update(actor=request.user, person=obj, **fields)
        else:
            data = {name: form.cleaned_data[name] for name in form.cleaned_data}
            affiliation = data.pop("affiliation", None)
            saved = services.person_create(
                actor=request.user, affiliation_id=affiliation.pk if affiliation else None, **data
            )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            services.representative_delete(actor=request.user, representative=deleted)
        for instance in instances:
            services.representative_save(actor=request.user, representative=instance)

    @admin.action(description=_("Export selected persons (CSV)"))
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="personer.csv"'
        writer = csv.writer(response, delimiter=";")
        writer.writerow([gettext("Personal identity number"), gettext("Name"),
                         gettext("Address"), gettext("Postcode"), gettext("Town"),
                         gettext("Affiliation")])
        count = 0
        for person in queryset.select_related("affiliation"):
            hidden = person.protected_identity
            writer.writerow([
                person.formatted_personal_number, person.full_name,
                "" if hidden else person.street_address, "" if hidden else person.postcode,
                "" if hidden else person.town,
                person.affiliation.name if person.affiliation else "",
            ])
            count += 1
        audit.record_export(actor=request.user, what="persons CSV (admin)", count=count)
        return response


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event_type", "actor", "actor_label", "object_repr",
                    "from_state", "to_state", "reason")
    list_filter = ("event_type", "content_type")
    list_select_related = ("actor", "content_type")
    search_fields = ("object_repr", "reason", "request_id", "actor__username")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JobRun)
class JobRunAdmin(AuditHistoryMixin, admin.ModelAdmin):
    list_display = ("job", "period", "state", "started_at", "finished_at", "attempts")
    list_filter = ("state", "job")
    search_fields = ("job", "period")
    readonly_fields = ("job", "period", "state", "started_at", "finished_at", "attempts", "result",
                       "error")
    actions = ["rerun_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Run the period again"))
    def rerun_selected(self, request, queryset):
        for run in queryset:
            if run.job not in jobs.REGISTRY:
                self.message_user(request, gettext("%(job)s cannot be run from here.") % {
                    "job": run.job}, messages.ERROR)
                continue
            try:
                jobs.rerun(job=run.job, period=run.period)
            except (ValidationError, Exception) as exc:  # shown to staff, recorded on the run
                self.message_user(request, gettext("%(job)s %(period)s failed: %(error)s") % {
                    "job": run.job, "period": run.period, "error": exc}, messages.ERROR)
            else:
                self.message_user(request, gettext("%(job)s %(period)s was run again.") % {
                    "job": run.job, "period": run.period}, messages.SUCCESS)
