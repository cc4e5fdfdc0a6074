"""The staff side of contracts: the submission queue, contracts, objects and the lists staff keep.

Thin: every button, bulk action and save calls ``services``; what the staff may see comes from
``selectors``. Submissions are shown read-only (staff return underlag, they do not edit it);
attachments and contract documents are served through permission-checked views that are audited.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from hyresadmin import audit
from hyresadmin.admin import (
    OVERDUE,
    AssigneeFilter,
    AuditHistoryMixin,
    OpenStatesFilter,
    OverdueFilter,
    ReadOnlyInlineMixin,
    TransitionAdminMixin,
    _date,
)
from hyresadmin.identity import parse_personal_number
from hyresadmin.imports import ImportRefused
from hyresadmin.transitions import TransitionRefused

from . import checks, related, selectors, services
from .forms_admin import (
    DocumentUploadForm,
    ObjectImportForm,
    ReasonForm,
    RentalContractTermsForm,
    TenureWaiverForm,
)
from .imports import REQUIRED_COLUMNS, import_rental_objects
from .models import (
    CollectionCode,
    ContractDocument,
    Landlord,
    ObjectQuality,
    QualityType,
    RentalContract,
    RentalObject,
    RentLine,
    Submission,
)
from .services import RentLineData

# --- The submission queue ------------------------------------------------------------------------------


class SubmissionStateFilter(OpenStatesFilter):
    states = Submission.State
    open_states = Submission.OPEN_STATES


def _deleted_forms(formset) -> set[int]:
    return {id(f) for f in formset.deleted_forms} if formset.can_delete else set()


def _search_with_personal_number(admin_super, request, queryset, search_term, field):
    """The admin's search, plus a personal identity number written in any accepted form."""
    results, may_have_duplicates = admin_super.get_search_results(request, queryset, search_term)
    try:
        digits = parse_personal_number(search_term).digits12
    except ValidationError:
        return results, may_have_duplicates
    return results | queryset.filter(**{field: digits}), may_have_duplicates


def _due_display(obj) -> str:
    if obj.is_overdue:
        return format_html('<span class="overdue"><span aria-hidden="true">⚠</span> {} <strong>{}</strong>'
                           '</span>', _date(obj.due_date), OVERDUE)
    return _date(obj.due_date)


@admin.register(Submission)
class SubmissionAdmin(TransitionAdminMixin, AuditHistoryMixin, admin.ModelAdmin):
    list_display = ("id", "kind", "customer_name", "organisation", "state", "received", "due",
                    "assignee_name")
    list_display_links = ("id", "customer_name")
    list_filter = (SubmissionStateFilter, AssigneeFilter, OverdueFilter, "kind",
                   ("organisation", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("organisation", "assignee")
    search_fields = ("=id", "first_name", "last_name", "personal_number",
                     "rental_object__object_number")
    ordering = ("due_date", "received_at")
    list_per_page = 100
    actions = ["assign_to_me", "start_review_selected", "accept_selected"]
    readonly_fields = ("customer_personal_number",)
    fieldsets = (
        (None, {"fields": ("kind", "state", "organisation", "submitted_by", "assignee", "received_at",
                           "due_date")}),
        (_("Customer"), {"fields": ("customer_personal_number", "first_name", "last_name", "email",
                                    "phone")}),
        (_("Contract terms"), {"fields": ("rental_object", "contract", "start_date", "end_date",
                                          "notice_period_months", "collection_code",
                                          "delivery_channel", "personal_contact",
                                          "rent_difference_explanation")}),
        (_("Messages"), {"fields": ("message", "return_reason", "completed_at")}),
    )

    def get_queryset(self, request):
        return selectors.submissions_visible_to(request.user)

    def get_search_results(self, request, queryset, search_term):
        return _search_with_personal_number(super(), request, queryset, search_term, "personal_number")

    # Staff do not add, edit or delete underlag: it comes from the districts and is returned to them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def _may_act(self, request, obj) -> bool:
        return self.has_change_permission(request)

    # --- columns

    @admin.display(description=_("customer"), ordering="last_name")
    def customer_name(self, obj):
        return f"{obj.first_name} {obj.last_name}"

    @admin.display(description=_("received"), ordering="received_at")
    def received(self, obj):
        return _date(timezone.localtime(obj.received_at).date())

    @admin.display(description=_("due date"), ordering="due_date")
    def due(self, obj):
        return _due_display(obj)

    @admin.display(description=_("assignee"), ordering="assignee__first_name")
    def assignee_name(self, obj):
        if obj.assignee is None:
            return "–"
        return obj.assignee.get_full_name() or obj.assignee.get_username()

    @admin.display(description=_("personal identity number"))
    def customer_personal_number(self, obj):
        return obj.formatted_personal_number

    # --- the change page

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/assign-to-me/", view(self.assign_view),
                 name=self._url_name("assign")),
            path("<path:object_id>/start-review/", view(self.start_review_view),
                 name=self._url_name("start_review")),
            path("<path:object_id>/return/", view(self.return_view), name=self._url_name("return")),
            path("<path:object_id>/accept/", view(self.accept_view), name=self._url_name("accept")),
            path("<path:object_id>/attachments/<int:attachment_id>/", view(self.attachment_view),
                 name=self._url_name("attachment")),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        submission = self.get_object(request, unquote(object_id))
        extra = {}
        if submission is not None and self.has_view_permission(request, submission):
            extra = self._page_context(request, submission)
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _page_context(self, request, submission: Submission) -> dict:
        buttons = []
        if self._may_act(request, submission):
            if submission.state in Submission.OPEN_STATES and submission.assignee_id != request.user.pk:
                buttons.append({"label": _("Assign to me"), "url": self._url("assign", submission.pk),
                                "post": True})
            if can_proceed(submission.start_review):
                buttons.append({"label": _("Start review"),
                                "url": self._url("start_review", submission.pk), "post": True})
            if can_proceed(submission.return_for_completion):
                buttons.append({"label": _("Return for completion"),
                                "url": self._url("return", submission.pk), "post": False})
            if can_proceed(submission.accept):
                buttons.append({"label": _("Accept"), "url": self._url("accept", submission.pk),
                                "post": True, "default": True})
        rent_lines = list(submission.rent_lines.all())
        context = {
            "transition_buttons": buttons,
            "rent_lines": rent_lines,
            "attachments": [(a, self._url("attachment", submission.pk, a.pk))
                            for a in submission.attachments.all()],
            "checks": None,
        }
        if submission.state in (Submission.State.SUBMITTED, Submission.State.IN_REVIEW,
                                Submission.State.RETURNED):
            context["checks"] = checks.submission_checks(submission)
        return context

    # --- the transitions

    def assign_view(self, request, object_id):
        def run(submission):
            services.submission_assign(actor=request.user, submission=submission, assignee=request.user)
            return gettext("The submission was assigned to you.")

        return self._post_transition(request, object_id, run)

    def start_review_view(self, request, object_id):
        def run(submission):
            services.submission_start_review(actor=request.user, submission=submission)
            return gettext("The review has started.")

        return self._post_transition(request, object_id, run)

    def accept_view(self, request, object_id):
        def run(submission):
            contract = services.submission_accept(actor=request.user, submission=submission)
            return self._accepted_message(contract)

        return self._post_transition(request, object_id, run)

    def return_view(self, request, object_id):
        def handle(submission, data):
            services.submission_return(actor=request.user, submission=submission, reason=data["reason"])
            return gettext("The submission was returned to the district; the submitter gets an e-mail "
                           "saying what is missing.")

        return self._form_transition(
            request, object_id, form_class=ReasonForm, handle=handle, error_field="reason",
            title=gettext("Return for completion"), submit_label=gettext("Return to the district"),
            form_kwargs={"label": gettext("What is missing or wrong"),
                         "help_text": gettext("The submitting officer receives this text by e-mail.")},
        )

    def _accepted_message(self, contract: RentalContract):
        url = reverse("admin:contracts_rentalcontract_change", args=[contract.pk])
        return format_html(gettext("The submission was accepted. Draft contract {link} was created."),
                           link=format_html('<a href="{}">{}</a>', url, contract.number or contract.pk))

    def attachment_view(self, request, object_id, attachment_id):
        submission = self.get_object(request, unquote(object_id))
        if submission is None or not self.has_view_permission(request, submission):
            raise Http404
        attachment = submission.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise Http404
        audit.record_view(actor=request.user, subject=submission,
                          what=f"admin: attachment {attachment.original_name}")
        return FileResponse(attachment.file.open("rb"), as_attachment=True,
                            filename=attachment.original_name, content_type=attachment.content_type)

    # --- bulk actions

    def _bulk(self, request, queryset, run, done_message):
        done = 0
        for submission in queryset:
            prefix = gettext("Submission %(id)s: ") % {"id": submission.pk}
            try:
                message = run(submission)
            except TransitionRefused as exc:
                self._report_refusal(request, exc, prefix)
            except ValidationError as exc:
                for text in exc.messages:
                    self.message_user(request, prefix + text, messages.ERROR)
            else:
                done += 1
                if message:
                    self.message_user(request, message, messages.SUCCESS)
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        def run(submission):
            services.submission_assign(actor=request.user, submission=submission, assignee=request.user)

        self._bulk(request, queryset, run, gettext("%(n)s submissions were assigned to you."))

    @admin.action(description=_("Start review"), permissions=["change"])
    def start_review_selected(self, request, queryset):
        def run(submission):
            services.submission_start_review(actor=request.user, submission=submission)

        self._bulk(request, queryset, run, gettext("The review of %(n)s submissions has started."))

    @admin.action(description=_("Accept"), permissions=["change"])
    def accept_selected(self, request, queryset):
        def run(submission):
            return self._accepted_message(services.submission_accept(actor=request.user,
                                                                     submission=submission))

        self._bulk(request, queryset, run, gettext("%(n)s submissions were accepted."))


# --- Contracts -----------------------------------------------------------------------------------------


class RentLineInline(admin.TabularInline):
    model = RentLine
    extra = 0
    fields = ("rent_year", "kind", "description", "amount")
    verbose_name_plural = _("rent lines (saved per rent year)")


class ContractDocumentInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ContractDocument
    fields = ("kind", "created_at", "created_by", "download")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    @admin.display(description=_("file"))
    def download(self, obj):
        if not obj.pk:
            return "–"
        url = reverse("admin:contracts_rentalcontract_document", args=[obj.contract_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))


def _current_rent(contract: RentalContract):
    """This year's monthly rent, or that of the latest year with rent lines."""
    years = {ln.rent_year for ln in contract.rent_lines.all()}
    if not years:
        return None
    this_year = timezone.localdate().year
    return contract.monthly_rent(year=this_year if this_year in years else max(years))


@admin.register(RentalContract)
class RentalContractAdmin(TransitionAdminMixin, AuditHistoryMixin, admin.ModelAdmin):
    form = RentalContractTermsForm
    list_display = ("number", "customer", "object_number", "organisation", "kind", "state",
                    "start_date", "end_date", "rent")
    list_filter = ("state", "kind", "organisation", "rental_object__housing_form")
    list_select_related = ("customer", "rental_object", "organisation")
    search_fields = ("number", "customer__first_name", "customer__last_name",
                     "customer__personal_number", "rental_object__object_number")
    list_per_page = 100
    inlines = [RentLineInline, ContractDocumentInline]
    readonly_fields = ("number", "kind", "state", "customer", "rental_object", "organisation",
                       "tenure_waiver_signed_on", "tribunal_approved_on", "activated_at", "sent_at",
                       "created_at", "updated_at", "rent")
    fieldsets = (
        (None, {"fields": ("number", "kind", "state", "customer", "rental_object", "organisation")}),
        (_("Terms"), {"fields": ("start_date", "end_date", "notice_period_months", "collection_code",
                                 "reminder_fee_agreed", "payment_plan_fee_agreed",
                                 "delivery_channel", "personal_contact", "rent")}),
        (_("Security of tenure (FOT)"), {"fields": ("tenure_waiver_signed_on", "tribunal_approved_on")}),
        (_("Status"), {"fields": ("activated_at", "sent_at", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return selectors.contracts_visible_to(request.user).prefetch_related("rent_lines")

    # Contracts come from accepted submissions and are never deleted.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("object"), ordering="rental_object__object_number")
    def object_number(self, obj):
        return obj.rental_object.object_number

    @admin.display(description=_("monthly rent"))
    def rent(self, obj):
        amount = _current_rent(obj)
        return "–" if amount is None else formats.number_format(amount, 2, use_l10n=True,
                                                                 force_grouping=True)

    def get_search_results(self, request, queryset, search_term):
        return _search_with_personal_number(super(), request, queryset, search_term,
                                            "customer__personal_number")

    # --- saving: the terms and the rent lines go through the services

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        if fields:
            services.contract_update(actor=request.user, contract=obj, **fields)

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # for the admin's change message only; nothing is written here
        if formset.model is RentLine:
            self._save_rent_lines(request, form.instance, formset)

    def _save_rent_lines(self, request, contract, formset):
        touched, wanted = set(), defaultdict(list)
        deleted_forms = _deleted_forms(formset)
        for line_form in formset.forms:
            data = getattr(line_form, "cleaned_data", None)
            if not data:
                continue
            deleted = id(line_form) in deleted_forms
            if line_form.has_changed() or deleted:
                if line_form.instance.pk and line_form.initial.get("rent_year"):
                    touched.add(line_form.initial["rent_year"])
                if not deleted:
                    touched.add(data["rent_year"])
            if not deleted:
                wanted[data["rent_year"]].append(
                    RentLineData(kind=data["kind"], amount=data["amount"],
                                 description=data.get("description", "")))
        for year in sorted(touched):
            services.contract_set_rent_lines(actor=request.user, contract=contract, year=year,
                                             lines=wanted.get(year, []))

    # --- the change page

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/make-preliminary/", view(self.make_preliminary_view),
                 name=self._url_name("make_preliminary")),
            path("<path:object_id>/activate/", view(self.activate_view), name=self._url_name("activate")),
            path("<path:object_id>/tenure-waiver/", view(self.tenure_waiver_view),
                 name=self._url_name("tenure_waiver")),
            path("<path:object_id>/upload/", view(self.upload_view), name=self._url_name("upload")),
            path("<path:object_id>/open-dispute/", view(self.open_dispute_view),
                 name=self._url_name("open_dispute")),
            path("<path:object_id>/close-dispute/", view(self.close_dispute_view),
                 name=self._url_name("close_dispute")),
            path("<path:object_id>/documents/<int:document_id>/", view(self.document_view),
                 name=self._url_name("document")),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        contract = self.get_object(request, unquote(object_id))
        extra = {}
        if contract is not None and self.has_view_permission(request, contract):
            extra = self._page_context(request, contract)
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _page_context(self, request, contract: RentalContract) -> dict:
        buttons = []
        if self._may_act(request, contract):
            if can_proceed(contract.make_preliminary):
                buttons.append({"label": _("Make preliminary"),
                                "url": self._url("make_preliminary", contract.pk), "post": True})
            if can_proceed(contract.activate):
                buttons.append({"label": _("Activate"), "url": self._url("activate", contract.pk),
                                "post": True, "default": True})
            if contract.is_fot and contract.state != RentalContract.State.TERMINATED:
                buttons.append({"label": _("Record the waiver of security of tenure"),
                                "url": self._url("tenure_waiver", contract.pk), "post": False})
            buttons.append({"label": _("Upload a signed original"),
                            "url": self._url("upload", contract.pk), "post": False})
            if can_proceed(contract.open_dispute):
                buttons.append({"label": _("Open a rent tribunal dispute"),
                                "url": self._url("open_dispute", contract.pk), "post": False})
            if can_proceed(contract.close_dispute):
                buttons.append({"label": _("Close the dispute"),
                                "url": self._url("close_dispute", contract.pk), "post": False})
        context = {"transition_buttons": buttons, "checks": None,
                   "related_links": [*related.termination_links(contract, request.user),
                                     *related.higher_app_links(contract, request.user)]}
        if contract.state in (RentalContract.State.DRAFT, RentalContract.State.PRELIMINARY):
            context["checks"] = checks.activation_checks(contract)
            context["checks_title"] = gettext("Before activation")
        return context

    def make_preliminary_view(self, request, object_id):
        def run(contract):
            services.contract_make_preliminary(actor=request.user, contract=contract)
            return gettext("The contract is preliminary.")

        return self._post_transition(request, object_id, run)

    def activate_view(self, request, object_id):
        def run(contract):
            services.contract_activate(actor=request.user, contract=contract)
            return gettext("The contract is active.")

        return self._post_transition(request, object_id, run)

    def tenure_waiver_view(self, request, object_id):
        def handle(contract, data):
            services.contract_record_tenure_waiver(
                actor=request.user, contract=contract, signed_on=data["signed_on"],
                tribunal_approved_on=data["tribunal_approved_on"])
            return gettext("The waiver of security of tenure was recorded.")

        return self._form_transition(request, object_id, form_class=TenureWaiverForm, handle=handle,
                                     error_field="signed_on",
                                     title=gettext("Record the waiver of security of tenure"),
                                     submit_label=gettext("Save"))

    def upload_view(self, request, object_id):
        def handle(contract, data):
            services.contract_upload_document(actor=request.user, contract=contract, file=data["file"],
                                              kind=data["kind"])
            return gettext("The document was uploaded and is kept with the contract.")

        return self._form_transition(request, object_id, form_class=DocumentUploadForm, handle=handle,
                                     error_field="file", title=gettext("Upload a signed original"),
                                     submit_label=gettext("Upload"))

    def _dispute_view(self, request, object_id, service, title, done):
        def handle(contract, data):
            service(actor=request.user, contract=contract, reason=data["reason"])
            return done

        return self._form_transition(request, object_id, form_class=ReasonForm, handle=handle,
                                     error_field="reason", title=title, submit_label=title)

    def open_dispute_view(self, request, object_id):
        return self._dispute_view(request, object_id, services.contract_open_dispute,
                                  gettext("Open a rent tribunal dispute"),
                                  gettext("The contract is in dispute."))

    def close_dispute_view(self, request, object_id):
        return self._dispute_view(request, object_id, services.contract_close_dispute,
                                  gettext("Close the dispute"), gettext("The contract is active again."))

    def document_view(self, request, object_id, document_id):
        contract = self.get_object(request, unquote(object_id))
        if contract is None or not self.has_view_permission(request, contract):
            raise Http404
        document = contract.documents.filter(pk=document_id).first()
        if document is None or not document.file:
            raise Http404
        audit.record_view(actor=request.user, subject=contract,
                          what=f"admin: document {document.get_kind_display()}")
        name = document.file.name.rsplit("/", 1)[-1]
        return FileResponse(document.file.open("rb"), as_attachment=True, filename=name,
                            content_type=document.content_type)


# --- Objects and the lists staff keep ------------------------------------------------------------------


class ObjectQualityInline(admin.TabularInline):
    model = ObjectQuality
    extra = 1
    fields = ("quality_type", "value")


@admin.register(RentalObject)
class RentalObjectAdmin(AuditHistoryMixin, admin.ModelAdmin):
    list_display = ("object_number", "street_address", "housing_form", "landlord", "owner", "rent",
                    "rent_year", "is_active")
    list_filter = ("housing_form", "owner", "landlord__is_city_owned", "is_active", "rent_year")
    list_select_related = ("landlord", "owner")
    search_fields = ("object_number", "street_address", "landlord__name")
    list_per_page = 100
    inlines = [ObjectQualityInline]
    fieldsets = (
        (None, {"fields": ("object_number", "street_address", "postcode", "town", "housing_form",
                           "owner", "is_active")}),
        (_("Landlord and rent"), {"fields": ("landlord", "first_hand_rent",
                                             "first_hand_rent_negotiated", "rent", "rent_year")}),
        (_("Size"), {"fields": ("area", "rooms")}),
    )

    #: The CSV import's admin page (built in ``contracts.imports``' admin view, when it exists).
    import_url_name = "admin:contracts_rentalobject_import"

    def get_queryset(self, request):
        return selectors.objects_visible_to(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view),
                 name="contracts_rentalobject_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload a CSV of objects; refused files list every bad line and change nothing."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ObjectImportForm(request.POST or None, request.FILES or None)
        refusal = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = import_rental_objects(actor=request.user, name=upload.name, data=upload.read())
            except ImportRefused as exc:
                refusal = exc
            else:
                self.message_user(request, _("%(rows)s objects imported: %(created)s new, %(updated)s "
                                             "updated.") % result, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:contracts_rentalobject_changelist"))
        return TemplateResponse(request, "admin/contracts/rentalobject/import.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "form": form,
            "refusal": refusal, "title": _("Import objects from CSV"),
            "columns": ";".join(REQUIRED_COLUMNS) + ";qualities",
        })

    def changelist_view(self, request, extra_context=None):
        try:
            import_url = reverse(self.import_url_name)
        except NoReverseMatch:
            import_url = ""
        return super().changelist_view(request, {"import_url": import_url, **(extra_context or {})})

    def save_model(self, request, obj, form, change):
        services.rental_object_save(actor=request.user, rental_object=obj)

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # for the admin's change message only; nothing is written here
        if formset.model is not ObjectQuality:
            return
        values = {}
        deleted_forms = _deleted_forms(formset)
        for quality_form in formset.forms:
            data = getattr(quality_form, "cleaned_data", None)
            if not data:
                continue
            deleted = id(quality_form) in deleted_forms
            previous = quality_form.instance.pk and quality_form.initial.get("quality_type")
            if previous and (deleted or "quality_type" in quality_form.changed_data):
                values.setdefault(QualityType.objects.get(pk=previous), "")
            if not deleted and quality_form.has_changed():
                values[data["quality_type"]] = data["value"]
        if values:
            services.rental_object_set_qualities(actor=request.user, rental_object=form.instance,
                                                 values=values)


class MasterDataAdmin(AuditHistoryMixin, admin.ModelAdmin):
    """Lists staff keep; each save is audited through ``services.master_data_save``."""

    def save_model(self, request, obj, form, change):
        services.master_data_save(actor=request.user, instance=obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Landlord)
class LandlordAdmin(MasterDataAdmin):
    list_display = ("name", "organisation_number", "is_city_owned")
    list_filter = ("is_city_owned",)
    search_fields = ("name", "organisation_number")


@admin.register(QualityType)
class QualityTypeAdmin(MasterDataAdmin):
    list_display = ("name", "code", "required", "allowed_values")
    list_filter = ("required",)
    search_fields = ("name", "code")


@admin.register(CollectionCode)
class CollectionCodeAdmin(MasterDataAdmin):
    list_display = ("code", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")




# The termination and rent-reduction queues register themselves.
from . import admin_termination, reduction_admin  # noqa: E402, F401
