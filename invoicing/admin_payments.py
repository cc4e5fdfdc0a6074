"""The staff side of payments: BgMax files (upload, read-only with their payments), the unmatched
queue (match by hand to an invoice, keep as a prepayment, or refund to the payer with
``credits.payment_refund``), and the credit balances to follow up (each with a link to refund it).

Thin: every button is a POST to an admin URL that calls ``payments``' services and shows their refusal.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from hyresadmin.admin import AuditHistoryMixin, ReadOnlyInlineMixin
from hyresadmin.identity import parse_personal_number
from hyresadmin.imports import ImportRefused
from hyresadmin.models import Person
from hyresadmin.transitions import TransitionRefused

from . import credits, payments
from .admin import ReadOnlyAdminMixin, _money
from .forms_admin import PaymentRefundForm
from .models import Invoice, Payment, PaymentFile

#: The marker of an unmatched payment past its due date (a word, not a colour only).
PAYMENT_OVERDUE = pgettext_lazy("payment due marker", "Overdue")


class BgMaxUploadForm(forms.Form):
    file = forms.FileField(label=_("BgMax file"),
                           help_text=_("The file from Bankgirot, as it came (BgMax, Latin-1)."))


class MatchToInvoiceForm(forms.Form):
    invoice = forms.CharField(label=_("Invoice number or OCR reference"), max_length=25)

    def clean_invoice(self):
        text = "".join(self.cleaned_data["invoice"].split())
        invoice = Invoice.objects.filter(ocr_reference=text).first()
        if invoice is None and text.isdigit():
            invoice = Invoice.objects.filter(number=text).first()
        if invoice is None:
            raise ValidationError(_("No invoice has this number or OCR reference."))
        return invoice


class ToCreditForm(forms.Form):
    person = forms.CharField(label=_("The customer's personal identity number"), max_length=20)

    def clean_person(self):
        try:
            digits = parse_personal_number(self.cleaned_data["person"]).digits12
        except ValidationError:
            raise ValidationError(_("Write a valid personal identity number.")) from None
        person = Person.objects.filter(personal_number=digits).first()
        if person is None:
            raise ValidationError(_("No person has this personal identity number."))
        return person


# --- Files ----------------------------------------------------------------------------------------------


class PaymentInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Payment
    fk_name = "file"
    fields = ("line", "kind", "status", "payment_date", "amount", "reference", "payer_name", "invoice")
    readonly_fields = fields
    show_change_link = True


@admin.register(PaymentFile)
class PaymentFileAdmin(AuditHistoryMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "bankgiro", "file_timestamp", "deposits", "payments", "deductions",
                    "file_total")
    fields = ("created_at", "bankgiro", "file_timestamp", "deposits", "payments", "deductions",
              "file_total", "imported_file")
    readonly_fields = fields
    inlines = [PaymentInline]
    list_per_page = 100
    change_list_template = "admin/invoicing/paymentfile/change_list.html"

    def has_add_permission(self, request):
        return False  # files come in through the upload page, never as a form

    def may_upload(self, request) -> bool:
        return request.user.has_perm("invoicing.add_paymentfile")

    @admin.display(description=_("total deposited"), ordering="total")
    def file_total(self, obj):
        return _money(obj.total)

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view),
                 name="invoicing_paymentfile_upload"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        upload_url = reverse("admin:invoicing_paymentfile_upload") if self.may_upload(request) else ""
        return super().changelist_view(request, {"upload_url": upload_url, **(extra_context or {})})

    def upload_view(self, request):
        """Upload a BgMax file: all or nothing; a refused file lists every bad line."""
        if not self.may_upload(request):
            raise PermissionDenied
        form = BgMaxUploadForm(request.POST or None, request.FILES or None)
        refusal = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = payments.import_bgmax(actor=request.user, name=upload.name, data=upload.read())
            except ImportRefused as exc:
                refusal = exc
            else:
                self.message_user(request, gettext(
                    "%(payments)s payments and %(deductions)s deductions imported: %(matched)s matched "
                    "(%(paid)s paid, %(partly)s partly paid), %(credit)s to credit balances, "
                    "%(unmatched)s to the unmatched queue.") % result, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:invoicing_paymentfile_changelist"))
        return TemplateResponse(request, "admin/invoicing/paymentfile/upload.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "form": form,
            "refusal": refusal, "title": gettext("Import a BgMax file"),
        })


# --- The unmatched queue --------------------------------------------------------------------------------


class PaymentStatusFilter(admin.SimpleListFilter):
    """Unmatched by default; any one status, or all, on request."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*Payment.Status.choices, (self.ALL, _("All"))]

    def queryset(self, request, queryset):
        value = self.value() or Payment.Status.UNMATCHED
        if value == self.ALL:
            return queryset
        if value in Payment.Status.values:
            return queryset.filter(status=value)
        return queryset.none()

    def choices(self, changelist):
        current = self.value() or Payment.Status.UNMATCHED
        for lookup, title in self.lookup_choices:
            if lookup == Payment.Status.UNMATCHED:
                query_string = changelist.get_query_string(remove=[self.parameter_name])
            else:
                query_string = changelist.get_query_string({self.parameter_name: lookup})
            yield {"selected": current == str(lookup), "query_string": query_string, "display": title}


@admin.register(Payment)
class PaymentAdmin(AuditHistoryMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("payment_date", "payment_amount", "reference", "payer_name", "kind", "status",
                    "due", "note")
    list_filter = (PaymentStatusFilter, "kind")
    list_select_related = ()
    search_fields = ("reference", "payer_name")
    ordering = ("due_date", "payment_date", "id")
    list_per_page = 100
    change_list_template = "admin/invoicing/payment/change_list.html"
    change_form_template = "admin/invoicing/payment/change_form.html"
    fieldsets = (
        (None, {"fields": ("payment_amount", "reference", "reference_code", "payment_date", "kind",
                           "status", "due", "note")}),
        (_("Payer"), {"fields": ("payer_name", "payer_full_address", "payer_bankgiro",
                                 "payer_org_number")}),
        (_("Matched to"), {"fields": ("invoice", "customer", "file", "line")}),
    )
    readonly_fields = ("payment_amount", "reference", "reference_code", "payment_date", "kind", "status",
                       "due", "note", "payer_name", "payer_full_address", "payer_bankgiro",
                       "payer_org_number", "invoice", "customer", "file", "line")

    def has_add_permission(self, request):
        return False

    def may_act(self, request) -> bool:
        return request.user.has_perm("invoicing.change_payment")

    def get_search_results(self, request, queryset, search_term):
        """Reference and payer's name, and an amount written as 1234,50 or 1 234.50."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().replace(" ", "").replace("\xa0", "").replace(",", ".")
        try:
            amount = Decimal(term)
        except InvalidOperation:
            return results, may_have_duplicates
        if not amount.is_finite():
            return results, may_have_duplicates
        return results | queryset.filter(amount=amount), may_have_duplicates

    @admin.display(description=_("amount"), ordering="amount")
    def payment_amount(self, obj):
        return _money(obj.amount)

    @admin.display(description=pgettext_lazy("payment", "due date"), ordering="due_date")
    def due(self, obj):
        if obj.due_date is None:
            return "–"
        text = formats.date_format(obj.due_date, "SHORT_DATE_FORMAT")
        if obj.status == Payment.Status.UNMATCHED and obj.due_date < timezone.localdate():
            return format_html('<span class="overdue"><span aria-hidden="true">⚠</span> {} <strong>{}'
                               '</strong></span>', text, PAYMENT_OVERDUE)
        return text

    @admin.display(description=_("payer's address"))
    def payer_full_address(self, obj):
        parts = [obj.payer_address, " ".join(p for p in (obj.payer_postcode, obj.payer_town) if p)]
        return ", ".join(p for p in parts if p) or "–"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("credit-balances/", view(self.credit_balances_view),
                 name="invoicing_payment_credit_balances"),
            path("<path:object_id>/match/", view(self.match_view), name="invoicing_payment_match"),
            path("<path:object_id>/to-credit/", view(self.to_credit_view), name="invoicing_payment_to_credit"),
            path("<path:object_id>/refund/", view(self.refund_view), name="invoicing_payment_refund"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {
            "credit_balances_url": reverse("admin:invoicing_payment_credit_balances"),
            **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {}
        payment = self.get_object(request, unquote(object_id))
        if (payment is not None and payment.status == Payment.Status.UNMATCHED
                and payment.kind == Payment.Kind.PAYMENT and self.may_act(request)):
            extra = {"match_form": MatchToInvoiceForm(), "credit_form": ToCreditForm(
                initial={"person": payment.customer.formatted_personal_number if payment.customer_id
                         else ""}),
                "match_url": reverse("admin:invoicing_payment_match", args=[payment.pk]),
                "credit_url": reverse("admin:invoicing_payment_to_credit", args=[payment.pk]),
                "refund_form": PaymentRefundForm(initial={
                    "person": payment.customer.formatted_personal_number if payment.customer_id else "",
                    "payee_name": payment.payer_name}),
                "refund_url": reverse("admin:invoicing_payment_refund", args=[payment.pk])}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _action(self, request, object_id, form_class, run):
        if not self.may_act(request):
            raise PermissionDenied
        payment = self.get_object(request, unquote(object_id))
        if payment is None:
            raise Http404
        change_url = reverse("admin:invoicing_payment_change", args=[payment.pk])
        form = form_class(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    self.message_user(request, error, messages.ERROR)
            return HttpResponseRedirect(change_url)
        try:
            message = run(payment, form.cleaned_data)
        except (payments.PaymentRefused, TransitionRefused) as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(change_url)
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:invoicing_payment_changelist"))

    def match_view(self, request, object_id):
        def run(payment, data):
            payments.payment_match_to_invoice(actor=request.user, payment=payment, invoice=data["invoice"])
            return gettext("The payment was matched to invoice %(number)s.") % {
                "number": data["invoice"].number}

        return require_POST(lambda r: self._action(r, object_id, MatchToInvoiceForm, run))(request)

    def to_credit_view(self, request, object_id):
        def run(payment, data):
            payments.payment_to_credit(actor=request.user, payment=payment, person=data["person"])
            return gettext("The payment was kept as a prepayment for %(name)s.") % {
                "name": data["person"].full_name}

        return require_POST(lambda r: self._action(r, object_id, ToCreditForm, run))(request)

    def refund_view(self, request, object_id):
        """Refund the payment to the payer: it is kept as the customer's credit (the person given, else the
        customer its reference named), offset against their open invoices, and the rest refunded."""
        def run(payment, data):
            person = data["person"] or payment.customer
            if person is None:
                raise payments.PaymentRefused(gettext(
                    "The payer is not known as a customer: give the customer's personal identity number."))
            order = credits.payment_refund(actor=request.user, payment=payment, person=person,
                                           payee_name=data["payee_name"], payee_account=data["payee_account"],
                                           reason=data["reason"])
            if order is None:
                return gettext("The customer's open invoices took the whole payment: nothing is refunded.")
            return gettext("A refund of %(amount)s to %(payee)s waits for approval.") % {
                "amount": _money(order.amount), "payee": order.payee_name}

        return require_POST(lambda r: self._action(r, object_id, PaymentRefundForm, run))(request)

    def credit_balances_view(self, request):
        """Persons with a non-zero credit balance, for follow-up (one query)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = [{**row, "amount": _money(row["balance"]),
                 "url": reverse("admin:hyresadmin_person_change", args=[row["person_id"]]),
                 "refund_url": (f"{reverse('admin:invoicing_refundorder_add')}?person={row['person_id']}"
                                if row["balance"] > 0 else "")}
                for row in payments.credit_balances()[:1000]]
        return TemplateResponse(request, "admin/invoicing/payment/credit_balances.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "rows": rows,
            "title": gettext("Credit balances to follow up"),
        })
