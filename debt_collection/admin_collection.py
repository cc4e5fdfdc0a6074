"""The staff side of interest and collection: the reference rates, the interest-invoice proposals, the
collection cases (the queue of claims proposed for the agency, Kronofogden, write-downs) and the
collection-agency files to download.

Thin: every button calls ``interest`` or ``collection``; what staff see comes from their selectors.
Proposals and cases are never edited as forms: they move by their buttons, each refusal shown.
Imported by ``DebtCollectionConfig.ready``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from contracts.forms_admin import ReasonForm
from contracts.models import CollectionCode
from hyresadmin import audit
from hyresadmin.admin import (
    OVERDUE,
    AuditHistoryMixin,
    OpenStatesFilter,
    ReadOnlyInlineMixin,
    TransitionAdminMixin,
)
from hyresadmin.transitions import TransitionRefused
from invoicing.models import Invoice

from . import collection, interest, writedowns
from .collection_models import (
    AgencyFile,
    CollectionCase,
    CollectionClaim,
    EnforcementApplication,
    InterestBatch,
    InterestProposal,
    ReferenceRate,
    WriteDown,
    WriteDownRequest,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


def _date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "–"


def _money(value) -> str:
    return formats.number_format(value, 2, use_l10n=True, force_grouping=True) + " kr"


def _due(obj, open_: bool):
    if open_ and obj.due_date and obj.due_date < timezone.localdate():
        return format_html('<span class="overdue"><span aria-hidden="true">⚠</span> {} <strong>{}</strong></span>',
                           _date(obj.due_date), OVERDUE)
    return _date(obj.due_date)


# --- Forms -------------------------------------------------------------------------------------------


class InterestUntilForm(forms.Form):
    until = forms.DateField(label=_("Interest up to"), widget=DATE_WIDGET,
                            help_text=_("Interest is counted for the days before this day."))


class EnforcementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Application"), choices=EnforcementApplication.Kind.choices)
    applied_on = forms.DateField(label=_("Applied on"), widget=DATE_WIDGET)
    reference = forms.CharField(label=_("Kronofogden's reference"), max_length=50, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DecisionForm(forms.Form):
    application = forms.ModelChoiceField(label=_("Application"), queryset=EnforcementApplication.objects.none())
    decision = forms.ChoiceField(label=_("Decision"),
                                 choices=[c for c in EnforcementApplication.Decision.choices if c[0]])
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["application"].queryset = case.enforcement_applications.filter(decision="")


class WriteDownForm(forms.Form):
    """The write-down the district approved, as staff carry it out: what the decision says is checked
    against the ledger, and the staff member attests it."""

    invoice_number = forms.CharField(label=_("Invoice number in the decision"), max_length=20)
    amount = forms.DecimalField(label=_("Amount in the decision"), max_digits=12, decimal_places=2)
    collection_code = forms.ModelChoiceField(label=_("Collection code in the decision"),
                                             queryset=CollectionCode.objects.all())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class CaseWriteDownForm(WriteDownForm):
    """On a collection case: which of its invoices (the district must have approved its write-down)."""

    invoice = forms.ModelChoiceField(label=_("Invoice"), queryset=Invoice.objects.none())
    field_order = ["invoice"]

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["invoice"].queryset = Invoice.objects.filter(
                collection_claims__case=case, state__in=Invoice.OPEN_STATES).distinct()


class ProposeWriteDownForm(forms.Form):
    """Staff propose a write-down; the district decides it in its portal."""

    invoice = forms.ModelChoiceField(label=_("Invoice"), queryset=Invoice.objects.none())
    reason = forms.CharField(label=_("Why should the invoice be written down?"),
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["invoice"].queryset = Invoice.objects.filter(
                collection_claims__case=case, state__in=Invoice.OPEN_STATES).distinct()


class ProposeByNumberForm(forms.Form):
    """A write-down proposed on any invoice, found by its number."""

    invoice_number = forms.IntegerField(label=_("Invoice number"))
    reason = forms.CharField(label=_("Why should the invoice be written down?"),
                             widget=forms.Textarea(attrs={"rows": 3}))

    def clean_invoice_number(self):
        number = self.cleaned_data["invoice_number"]
        invoice = Invoice.objects.filter(number=number).first()
        if invoice is None:
            raise forms.ValidationError(_("There is no invoice with that number."))
        self.cleaned_data["invoice"] = invoice
        return number


# --- Reference rates ---------------------------------------------------------------------------------


@admin.register(ReferenceRate)
class ReferenceRateAdmin(AuditHistoryMixin, admin.ModelAdmin):
    list_display = ("valid_from", "rate", "interest_rate", "provisional_marker", "updated_at")
    list_filter = ("provisional",)
    ordering = ("-valid_from",)
    fields = ("valid_from", "rate", "provisional", "source")

    @admin.display(description=_("late-payment interest (%)"))
    def interest_rate(self, obj):
        return obj.rate + interest.INTEREST_MARGIN

    @admin.display(description=_("provisional"), ordering="provisional")
    def provisional_marker(self, obj):
        if obj.provisional:
            return format_html('<strong class="overdue"><span aria-hidden="true">⚠</span> {}</strong>',
                               gettext("Provisional: check it"))
        return gettext("Confirmed")

    def save_model(self, request, obj, form, change):
        interest.reference_rate_save(actor=request.user, rate=obj, changed=form.changed_data)

    def has_delete_permission(self, request, obj=None):
        return False


# --- Interest-invoice proposals ------------------------------------------------------------------------


class BatchStateFilter(OpenStatesFilter):
    states = InterestBatch.State
    open_states = (InterestBatch.State.PROPOSED,)


@admin.register(InterestBatch)
class InterestBatchAdmin(TransitionAdminMixin, AuditHistoryMixin, admin.ModelAdmin):
    list_display = ("name", "state", "included", "customers", "batch_total", "invoices", "due")
    list_filter = (BatchStateFilter,)
    list_select_related = ("created_by", "issued_by")
    ordering = ("due_date", "-id")
    fields = ("name", "state", "until", "minimum", "due_date", "created_by", "actor_label", "issued_by",
              "issued_at", "created_at")
    readonly_fields = fields
    change_form_template = "debt_collection/collection/interestbatch_change_form.html"

    def has_delete_permission(self, request, obj=None):
        return False

    def _may_act(self, request, obj) -> bool:
        return request.user.has_perm("debt_collection.change_interestbatch")

    @admin.display(description=_("interest up to"), ordering="until")
    def name(self, obj):
        return _date(obj.until)

    @admin.display(description=_("to be invoiced"))
    def included(self, obj):
        return obj.summary.get("included", "–")

    @admin.display(description=_("customers"))
    def customers(self, obj):
        return obj.summary.get("customers", "–")

    @admin.display(description=_("total"))
    def batch_total(self, obj):
        return _money(obj.summary["total"]) if "total" in obj.summary else "–"

    @admin.display(description=_("interest invoices"))
    def invoices(self, obj):
        return obj.summary.get("invoices", "–")

    @admin.display(description=pgettext_lazy("review", "review by"), ordering="due_date")
    def due(self, obj):
        return _due(obj, obj.state == InterestBatch.State.PROPOSED)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/issue/", view(self.issue_view), name=self._url_name("issue")),
            path("<path:object_id>/discard/", view(self.discard_view), name=self._url_name("discard")),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = InterestUntilForm(request.POST or None, initial={"until": timezone.localdate().replace(day=1)})
        if request.method == "POST" and form.is_valid():
            try:
                batch = interest.interest_proposals_create(actor=request.user, until=form.cleaned_data["until"])
            except TransitionRefused as exc:
                self._report_refusal(request, exc)
                return HttpResponseRedirect(reverse("admin:debt_collection_interestbatch_changelist"))
            if batch is None:
                self.message_user(request, gettext("No interest reaches the minimum: nothing was proposed."),
                                  messages.WARNING)
                return HttpResponseRedirect(reverse("admin:debt_collection_interestbatch_changelist"))
            self.message_user(request, gettext("%(n)s late invoices were proposed for interest, %(total)s.") % {
                "n": batch.summary.get("included", 0), "total": _money(batch.summary.get("total", "0"))},
                messages.SUCCESS)
            return HttpResponseRedirect(self._change_url(batch))
        context = {**self.admin_site.each_context(request), "title": gettext("Propose interest invoices"),
                   "subtitle": None, "opts": self.opts, "app_label": self.opts.app_label, "form": form,
                   "submit_label": gettext("Propose"), "media": self.media + form.media,
                   "intro": gettext("Late-payment interest (reference rate + 8 percentage points) on invoices "
                                    "paid late or still open whose collection code charges interest.")}
        return TemplateResponse(request, "admin/form_page.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self.get_object(request, unquote(object_id))
        extra = {}
        if batch is not None and self.has_view_permission(request, batch):
            buttons = []
            if self._may_act(request, batch) and can_proceed(batch.issue):
                buttons = [{"label": gettext("Issue the interest invoices"), "url": self._url("issue", batch.pk),
                            "post": True, "default": True},
                           {"label": gettext("Discard"), "url": self._url("discard", batch.pk)}]
            proposals = list(batch.proposals.select_related("invoice", "customer", "organisation", "interest_invoice")
                             .order_by("customer__last_name", "customer_id", "invoice__number"))
            extra = {"transition_buttons": buttons, "proposals": proposals,
                     "proposals_url": reverse("admin:debt_collection_interestproposal_changelist")
                     + f"?batch__id__exact={batch.pk}",
                     "rates": ReferenceRate.objects.order_by("-valid_from")[:4]}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def issue_view(self, request, object_id):
        def run(batch):
            batch = interest.interest_batch_issue(actor=request.user, batch=batch)
            return gettext("%(n)s interest invoices were issued.") % {"n": batch.summary.get("invoices", 0)}

        return self._post_transition(request, object_id, run)

    def discard_view(self, request, object_id):
        def handle(batch, data):
            interest.interest_batch_discard(actor=request.user, batch=batch, reason=data["reason"])
            return gettext("The proposal was discarded.")

        return self._form_transition(request, object_id, form_class=ReasonForm, handle=handle, error_field="reason",
                                     title=gettext("Discard the proposal"), submit_label=gettext("Discard"),
                                     form_kwargs={"label": gettext("Why is the proposal discarded?")})


@admin.register(InterestProposal)
class InterestProposalAdmin(admin.ModelAdmin):
    """The lines of a proposal, reached from its page: take some out before it is issued."""

    list_display = ("invoice", "customer", "organisation", "from_date", "until", "days", "amount", "included",
                    "charged", "interest_invoice")
    list_filter = ("batch", "included", "charged")
    list_select_related = ("invoice", "customer", "organisation", "interest_invoice")
    search_fields = ("invoice__number__exact", "customer__last_name")
    actions = ["take_out", "put_back"]
    ordering = ("customer__last_name", "invoice__number")
    fields = ("batch", "invoice", "customer", "organisation", "from_date", "until", "days", "amount", "basis",
              "included", "charged", "interest_invoice")
    readonly_fields = fields

    def get_model_perms(self, request):
        return {}  # reached from a proposal's page

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _set(self, request, queryset, included: bool):
        done = 0
        for proposal in queryset.select_related("batch", "invoice"):
            try:
                interest.interest_proposal_set_included(actor=request.user, proposal=proposal, included=included)
            except TransitionRefused as exc:
                self.message_user(request, f"{proposal.invoice}: {exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, gettext("%(n)s proposals were changed.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Take out of the proposal"), permissions=["change"])
    def take_out(self, request, queryset):
        self._set(request, queryset, False)

    @admin.action(description=_("Put back in the proposal"), permissions=["change"])
    def put_back(self, request, queryset):
        self._set(request, queryset, True)


# --- Collection cases --------------------------------------------------------------------------------


class CaseStateFilter(OpenStatesFilter):
    states = CollectionCase.State
    open_states = CollectionCase.OPEN_STATES


class ClaimInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = CollectionClaim
    fields = ("invoice", "invoice_due", "amount", "reminded_on", "invoice_state", "active")
    readonly_fields = fields
    verbose_name_plural = _("claims (invoices)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("invoice")

    @admin.display(description=_("due date"))
    def invoice_due(self, obj):
        return _date(obj.invoice.due_date)

    @admin.display(description=_("state of the invoice"))
    def invoice_state(self, obj):
        return obj.invoice.get_state_display()


class EnforcementInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = EnforcementApplication
    fields = ("kind", "applied_on", "fee", "reference", "decision", "decided_on", "note")
    readonly_fields = fields


class WriteDownInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = WriteDown
    fields = ("invoice", "amount", "decision_reference", "decision_date", "attested_by", "created_at")
    readonly_fields = fields


class WriteDownRequestInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = WriteDownRequest
    fields = ("request_link", "invoice", "amount", "state", "decided_by", "decided_at", "decision_note")
    readonly_fields = fields
    verbose_name_plural = _("write-down requests to the district")

    @admin.display(description=_("write-down request"))
    def request_link(self, obj):
        url = reverse("admin:debt_collection_writedownrequest_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj)


@admin.register(CollectionCase)
class CollectionCaseAdmin(TransitionAdminMixin, AuditHistoryMixin, admin.ModelAdmin):
    list_display = ("id", "customer_name", "organisation", "code", "state_label", "case_total", "claim_count",
                    "due")
    list_display_links = ("id", "customer_name")
    list_filter = (CaseStateFilter, "collection_code", ("organisation", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("customer", "organisation", "collection_code")
    search_fields = ("=id", "customer__last_name", "customer__first_name", "claims__invoice__number__exact")
    ordering = ("due_date", "id")
    list_per_page = 100
    actions = ["hand_over_selected"]
    inlines = [ClaimInline, EnforcementInline, WriteDownRequestInline, WriteDownInline]
    fields = ("customer", "organisation", "collection_code", "state", "close_reason", "total", "due_date",
              "agency_file_link", "approved_by", "sent_at", "closed_at", "created_at")
    readonly_fields = fields
    change_form_template = "debt_collection/collection/collectioncase_change_form.html"

    def get_queryset(self, request):
        from django.db.models import Count

        return collection.cases_visible_to(request.user).annotate(claim_total=Count("claims"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def _may_act(self, request, obj) -> bool:
        return request.user.has_perm("debt_collection.change_collectioncase")

    @admin.display(description=_("customer"), ordering="customer__last_name")
    def customer_name(self, obj):
        return obj.customer.full_name

    @admin.display(description=_("collection code"), ordering="collection_code__code")
    def code(self, obj):
        return obj.collection_code.code

    @admin.display(description=_("state"), ordering="state")
    def state_label(self, obj):
        if obj.close_reason:
            return f"{obj.get_state_display()} ({obj.get_close_reason_display().lower()})"
        return obj.get_state_display()

    @admin.display(description=_("handed over"), ordering="total")
    def case_total(self, obj):
        return _money(obj.total)

    @admin.display(description=_("invoices"))
    def claim_count(self, obj):
        return obj.claim_total

    @admin.display(description=pgettext_lazy("review", "review by"), ordering="due_date")
    def due(self, obj):
        return _due(obj, obj.state == CollectionCase.State.OPEN)

    @admin.display(description=_("collection-agency file"))
    def agency_file_link(self, obj):
        if not obj.agency_file_id:
            return "–"
        url = reverse("admin:debt_collection_agencyfile_download", args=[obj.agency_file_id])
        return format_html('<a href="{}">{}</a>', url, gettext("Download the file"))

    def get_urls(self):
        view = self.admin_site.admin_view
        routes = [("hand-over", self.hand_over_view, "hand_over"), ("withdraw", self.withdraw_view, "withdraw"),
                  ("enforcement", self.enforcement_view, "enforcement"),
                  ("decision", self.decision_view, "decision"), ("write-down", self.write_down_view, "write_down"),
                  ("propose-write-down", self.propose_write_down_view, "propose_write_down")]
        return [*(path(f"<path:object_id>/{slug}/", view(fn), name=self._url_name(name)) for slug, fn, name in routes),
                *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = self.get_object(request, unquote(object_id))
        extra = {}
        if case is not None and self.has_view_permission(request, case):
            extra = {"transition_buttons": self._buttons(request, case), "is_overdue":
                     case.state == CollectionCase.State.OPEN and case.due_date < timezone.localdate(),
                     "overdue_label": OVERDUE}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _buttons(self, request, case) -> list[dict]:
        if not self._may_act(request, case):
            return []
        buttons = []
        if can_proceed(case.send_to_agency):
            buttons.append({"label": gettext("Approve and hand over"), "url": self._url("hand_over", case.pk),
                            "post": True, "default": True})
        if can_proceed(case.apply_for_enforcement):
            buttons.append({"label": gettext("Apply to Kronofogden"), "url": self._url("enforcement", case.pk)})
            if case.enforcement_applications.filter(decision="").exists():
                buttons.append({"label": gettext("Record Kronofogden's decision"),
                                "url": self._url("decision", case.pk)})
        if case.is_open:
            buttons.append({"label": gettext("Propose a write-down to the district"),
                            "url": self._url("propose_write_down", case.pk)})
            if case.write_down_requests.filter(state=WriteDownRequest.State.APPROVED).exists():
                buttons.append({"label": gettext("Write down (approved by the district)"),
                                "url": self._url("write_down", case.pk)})
            buttons.append({"label": gettext("Withdraw"), "url": self._url("withdraw", case.pk)})
        return buttons

    def hand_over_view(self, request, object_id):
        def run(case):
            [stored] = collection.collection_hand_over(actor=request.user, cases=[case])
            return gettext("The case was handed over to the collection agency (file %(file)s).") % {"file": stored}

        return self._post_transition(request, object_id, run)

    def withdraw_view(self, request, object_id):
        def handle(case, data):
            collection.collection_case_withdraw(actor=request.user, case=case, reason=data["reason"])
            return gettext("The case was withdrawn; its invoices were recalled from the collection agency.")

        return self._form_transition(request, object_id, form_class=ReasonForm, handle=handle, error_field="reason",
                                     title=gettext("Withdraw the case"), submit_label=gettext("Withdraw"),
                                     form_kwargs={"label": gettext("Why is the case withdrawn?")})

    def enforcement_view(self, request, object_id):
        def handle(case, data):
            application = collection.enforcement_apply(actor=request.user, case=case, **data)
            return gettext("The application was recorded; Kronofogden's fee is %(fee)s.") % {
                "fee": _money(application.fee)}

        return self._form_transition(request, object_id, form_class=EnforcementForm, handle=handle,
                                     error_field="applied_on", title=gettext("Apply to Kronofogden"),
                                     submit_label=gettext("Record the application"),
                                     intro=gettext("Fees: order to pay 300 kr, ordinary assistance 300 kr, both in "
                                                   "one application 300 kr, enforcement 600 kr."))

    def decision_view(self, request, object_id):
        case = self._get_for_action(request, object_id)

        def handle(case, data):
            collection.enforcement_decision_record(actor=request.user, **data)
            return gettext("Kronofogden's decision was recorded.")

        return self._form_transition(request, object_id, form_class=DecisionForm, handle=handle,
                                     error_field="decided_on", title=gettext("Record Kronofogden's decision"),
                                     submit_label=gettext("Record"), form_kwargs={"case": case})

    def write_down_view(self, request, object_id):
        case = self._get_for_action(request, object_id)

        def handle(case, data):
            collection.write_down_create(actor=request.user, attested_by=request.user, **data)
            return gettext("The invoice was written down.")

        return self._form_transition(
            request, object_id, form_class=CaseWriteDownForm, handle=handle, error_field="amount",
            title=gettext("Write down on the district's decision"), submit_label=gettext("Write down and attest"),
            form_kwargs={"case": case},
            intro=gettext("The district approved the write-down in its portal. Enter what the decision says: the "
                          "amount, the invoice number and the collection code are checked against the ledger, "
                          "and you attest the write-down."))

    def propose_write_down_view(self, request, object_id):
        case = self._get_for_action(request, object_id)

        def handle(case, data):
            writedowns.write_down_request_create(actor=request.user, case=case, **data)
            return gettext("The write-down was proposed; the district decides it in its portal.")

        return self._form_transition(
            request, object_id, form_class=ProposeWriteDownForm, handle=handle, error_field="reason",
            title=gettext("Propose a write-down to the district"), submit_label=gettext("Propose"),
            form_kwargs={"case": case},
            intro=gettext("The invoice's district decides the write-down in its portal; its officers are told "
                          "by e-mail. Once approved, you write the invoice down here."))

    @admin.action(description=_("Approve and hand over to the collection agency"), permissions=["change"])
    def hand_over_selected(self, request, queryset):
        ready, refused = [], 0
        for case in queryset.select_related("collection_code__policy"):
            problems = collection.hand_over_problems(case)
            if problems:
                refused += 1
                self.message_user(request, gettext("Case %(id)s: ") % {"id": case.pk} + " ".join(problems),
                                  messages.ERROR)
            else:
                ready.append(case)
        if ready:
            try:
                files = collection.collection_hand_over(actor=request.user, cases=ready)
            except TransitionRefused as exc:
                self._report_refusal(request, exc)
                return
            self.message_user(request, gettext("%(n)s cases were handed over in %(files)s files.") % {
                "n": len(ready), "files": len(files)}, messages.SUCCESS)


# --- Agency files and write-downs ---------------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AgencyFile)
class AgencyFileAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "collection_code", "rows", "file_total", "created_by", "download")
    list_filter = ("collection_code",)
    list_select_related = ("collection_code", "created_by")
    fields = ("collection_code", "rows", "file_total", "sha256", "created_by", "created_at", "download")
    readonly_fields = fields

    @admin.display(description=_("total handed over"), ordering="total")
    def file_total(self, obj):
        return _money(obj.total)

    @admin.display(description=_("file"))
    def download(self, obj):
        if not obj.pk:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("admin:debt_collection_agencyfile_download",
                                                          args=[obj.pk]), gettext("Download"))

    def get_urls(self):
        return [path("<path:object_id>/download/", self.admin_site.admin_view(self.download_view),
                     name="debt_collection_agencyfile_download"), *super().get_urls()]

    def download_view(self, request, object_id):
        stored = self.get_object(request, unquote(object_id))
        if stored is None or not self.has_view_permission(request, stored) or not stored.file:
            raise Http404
        with stored.file.open("rb") as file:
            data = file.read()
        audit.record_export(actor=request.user, what=f"admin: {stored}", count=stored.rows, subject=stored)
        response = HttpResponse(data, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, stored.file.name.rsplit("/", 1)[-1])
        return response


@admin.register(WriteDown)
class WriteDownAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "amount", "decision_reference", "decision_date", "decided_by", "attested_by",
                    "created_at")
    list_select_related = ("invoice", "decided_by", "attested_by", "request")
    search_fields = ("invoice__number__exact", "decision_reference")
    list_filter = (("decided_by", admin.RelatedOnlyFieldListFilter),)



class WriteDownRequestStateFilter(OpenStatesFilter):
    states = WriteDownRequest.State
    open_states = WriteDownRequest.OPEN_STATES


@admin.register(WriteDownRequest)
class WriteDownRequestAdmin(TransitionAdminMixin, AuditHistoryMixin, admin.ModelAdmin):
    """Write-downs proposed to the districts: proposed here (or on a collection case), decided by the
    district in its portal, carried out here with the ledger checks."""

    list_display = ("__str__", "invoice", "organisation", "request_amount", "state", "decided_by", "due")
    list_filter = (WriteDownRequestStateFilter, ("organisation", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("invoice", "organisation", "decided_by")
    search_fields = ("=id", "invoice__number__exact")
    ordering = ("due_date", "-created_at")
    fields = ("invoice", "case", "organisation", "amount", "state", "reason", "proposed_by", "created_at",
              "decided_by", "decided_at", "decision_note", "due_date")
    readonly_fields = fields
    change_form_template = "debt_collection/collection/collectioncase_change_form.html"

    def get_queryset(self, request):
        return writedowns.write_down_requests_visible_to(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def _may_act(self, request, obj) -> bool:
        return request.user.has_perm("debt_collection.change_writedownrequest")

    @admin.display(description=_("amount proposed"), ordering="amount")
    def request_amount(self, obj):
        return _money(obj.amount)

    @admin.display(description=_("carry out by"), ordering="due_date")
    def due(self, obj):
        return _due(obj, obj.state == WriteDownRequest.State.APPROVED)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/write-down/", view(self.write_down_view), name=self._url_name("write_down")),
            path("<path:object_id>/withdraw/", view(self.withdraw_view), name=self._url_name("withdraw")),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ProposeByNumberForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                proposed = writedowns.write_down_request_create(
                    actor=request.user, invoice=form.cleaned_data["invoice"], reason=form.cleaned_data["reason"])
            except TransitionRefused as exc:
                self._report_refusal(request, exc)
            except ValidationError as exc:
                for text in exc.messages:
                    form.add_error("reason", text)
            else:
                self.message_user(request, gettext("The write-down was proposed; the district decides it in its "
                                                   "portal."), messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(proposed))
        context = {**self.admin_site.each_context(request), "title": gettext("Propose a write-down to the district"),
                   "subtitle": None, "opts": self.opts, "app_label": self.opts.app_label, "form": form,
                   "submit_label": gettext("Propose"), "media": self.media + form.media,
                   "intro": gettext("The invoice's district decides the write-down in its portal; its officers are "
                                    "told by e-mail. Once approved, you write the invoice down here.")}
        return TemplateResponse(request, "admin/form_page.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra = {}
        if obj is not None and self.has_view_permission(request, obj) and self._may_act(request, obj):
            buttons = []
            if obj.state == WriteDownRequest.State.APPROVED:
                buttons.append({"label": gettext("Write down and attest"), "url": self._url("write_down", obj.pk),
                                "default": True})
            if obj.state in WriteDownRequest.OPEN_STATES:
                buttons.append({"label": gettext("Withdraw"), "url": self._url("withdraw", obj.pk)})
            extra = {"transition_buttons": buttons}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def write_down_view(self, request, object_id):
        def handle(obj, data):
            collection.write_down_create(actor=request.user, attested_by=request.user, invoice=obj.invoice, **data)
            return gettext("The invoice was written down.")

        return self._form_transition(
            request, object_id, form_class=WriteDownForm, handle=handle, error_field="amount",
            title=gettext("Write down on the district's decision"), submit_label=gettext("Write down and attest"),
            intro=gettext("The district approved the write-down in its portal. Enter what the decision says: the "
                          "amount, the invoice number and the collection code are checked against the ledger, "
                          "and you attest the write-down."))

    def withdraw_view(self, request, object_id):
        def handle(obj, data):
            writedowns.write_down_request_withdraw(actor=request.user, request=obj, reason=data["reason"])
            return gettext("The write-down request was withdrawn.")

        return self._form_transition(request, object_id, form_class=ReasonForm, handle=handle, error_field="reason",
                                     title=gettext("Withdraw the write-down request"), submit_label=gettext("Withdraw"),
                                     form_kwargs={"label": gettext("Why is the request withdrawn?")})
