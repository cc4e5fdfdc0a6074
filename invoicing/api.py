"""The invoicing API: invoicing runs (``/api/v1/invoice-runs/``) and invoices (``/api/v1/invoices/``)
with the invoice PDF, read only; payments (``/api/v1/payments/``, staff and officers, scoped), BgMax
files (``/api/v1/payment-files/``, list and upload, staff only), a customer's ledger
(``/api/v1/ledger/{person_id}/``, ``invoicing.ledger``), credit notes (``/api/v1/credit-notes/``, staff:
list and create; ``POST /api/v1/invoices/{id}/cancel/`` cancels) and refund orders
(``/api/v1/refund-orders/``: staff create, approve, refer, mark paid and cancel; a district officer sees
the refunds referred to their administration and decides them); final settlements of terminated
contracts (``/api/v1/final-settlements/``, staff and officers, scoped, read only). A refused step answers 409 with the
Swedish message, bad input 400 with field errors (``invoicing.credits`` decides).

Thin, like every door: every queryset comes from ``invoicing.selectors``, so a list never shows what
the user may not see and an invoice outside the user's scope answers 404 — its detail and its PDF
alike, exactly as if it did not exist. Service staff see every run and invoice; a district officer
their own administration's invoices (not the runs); a citizen their own invoices and those of whom
they represent with the right to see invoices. Fetching a PDF is recorded in the audit trail as an
export. Lists run a constant number of queries however long they are.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from contracts.api import (
    BAD_INPUT,
    CITIZEN,
    NOT_FOUND,
    OFFICER,
    REFUSED,
    STAFF,
    OptionalReasonSerializer,
    ReasonSerializer,
    RoleScopedViewSet,
    role_of,
)
from hyresadmin import audit, permissions

from . import credits, ledger, periods, selectors
from .models import (
    CreditNote,
    FinalSettlement,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    Payment,
    PaymentFile,
    RefundOrder,
    RunKind,
)

FORBIDDEN = OpenApiResponse(description="The user's role may not use this endpoint.")


# --- Query parameters ------------------------------------------------------------------------------

_PERIOD = re.compile(r"^\d{4}-\d{2}$")


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-12"})
class PeriodField(serializers.Field):
    """A month written ``YYYY-MM``; its value is the month's first day."""

    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, for example 2026-12.")}

    def to_internal_value(self, data) -> date:
        text = str(data).strip()
        if not _PERIOD.match(text):
            self.fail("invalid")
        try:
            return periods.parse_period(text)
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value: date) -> str:
        return f"{value:%Y-%m}"


class InvoiceRunFilterSerializer(serializers.Serializer):
    period = PeriodField(required=False, help_text="The month invoiced, YYYY-MM.")
    kind = serializers.ChoiceField(choices=RunKind.choices, required=False)
    state = serializers.ChoiceField(choices=InvoiceRun.State.choices, required=False)


class InvoiceFilterSerializer(serializers.Serializer):
    period = PeriodField(required=False, help_text="The month the invoice is for, YYYY-MM.")
    customer = serializers.IntegerField(required=False, help_text="The customer (person id).")
    contract = serializers.IntegerField(required=False, help_text="The rental contract (id).")
    status = serializers.ChoiceField(choices=Invoice.State.choices, required=False,
                                     help_text="The invoice's state.")
    run = serializers.IntegerField(required=False, help_text="The invoicing run that issued it (id).")


# --- Invoicing runs --------------------------------------------------------------------------------


class InvoiceRunSerializer(serializers.ModelSerializer):
    period = PeriodField(read_only=True, help_text="The month invoiced, YYYY-MM.")
    approved_by = serializers.CharField(source="approved_by.username", allow_null=True, read_only=True,
                                        help_text="The staff member who approved the run (username).")
    summary = serializers.DictField(
        read_only=True,
        help_text="Counts and totals: `items`, `included`, `flagged`, `flag_<flag>` per flag, `total` "
                  "(kronor, as a string) and `already_invoiced` when prepared; `issued` and "
                  "`issued_total` when issued.",
    )

    class Meta:
        model = InvoiceRun
        fields = ["id", "period", "kind", "state", "summary", "prepared_at", "approved_by",
                  "approved_at", "issued_at"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(parameters=[InvoiceRunFilterSerializer],
                       responses={200: InvoiceRunSerializer(many=True), 400: OpenApiResponse(
                           description="A bad filter value: `{parameter: [message]}`."), 403: FORBIDDEN}),
    retrieve=extend_schema(responses={200: InvoiceRunSerializer, 403: FORBIDDEN, 404: NOT_FOUND}),
)
class InvoiceRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Invoicing runs, newest period first: service staff only. A run is prepared, approved and issued
    in the admin (or by the scheduled jobs), not through the API."""

    serializer_class = InvoiceRunSerializer
    read_roles = frozenset({STAFF})

    def get_queryset(self):
        return selectors.runs_visible_to(self.request.user).order_by("-period", "kind", "-id")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.query(InvoiceRunFilterSerializer)
        for name in ("period", "kind", "state"):
            if name in params:
                queryset = queryset.filter(**{name: params[name]})
        return queryset


# --- Invoices --------------------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["kind", "description", "amount", "account"]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    period = PeriodField(read_only=True, help_text="The month the invoice is for, YYYY-MM.")
    status = serializers.ChoiceField(source="state", choices=Invoice.State.choices, read_only=True,
                                     help_text="The invoice's state.")
    status_today = serializers.SerializerMethodField(
        help_text="The status as the customer reads it today: `overdue` also when an unpaid or partly "
                  "paid invoice is past its due date before the daily job has marked it.")
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "number", "ocr_reference", "document_type", "kind", "period", "issue_date",
                  "due_date", "total", "balance", "status", "status_today", "customer", "contract",
                  "organisation", "run", "is_pro_rata", "notes", "lines", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Invoice.State.choices))
    def get_status_today(self, obj) -> str:
        return selectors.citizen_status(obj)


class CreditNoteSerializer(serializers.ModelSerializer):
    attested_by = serializers.CharField(source="attested_by.username", allow_null=True, read_only=True,
                                        default=None, help_text="The staff member who attested it (username).")

    class Meta:
        model = CreditNote
        fields = ["id", "number", "kind", "invoice", "amount", "to_credit_balance", "reason", "issue_date",
                  "attested_by", "created_at"]
        read_only_fields = fields


class PDFRenderer(renderers.BaseRenderer):
    """``application/pdf`` for the PDF action (the PDF itself is returned as it is; an error answer
    asked for as PDF is sent as JSON text)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, default=str).encode()


@extend_schema_view(
    list=extend_schema(parameters=[InvoiceFilterSerializer],
                       responses={200: InvoiceSerializer(many=True), 400: OpenApiResponse(
                           description="A bad filter value: `{parameter: [message]}`.")}),
    retrieve=extend_schema(responses={200: InvoiceSerializer, 404: NOT_FOUND}),
)
class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Invoices and accounting orders, newest period first: all for service staff, the own
    administration's for a district officer, and for a citizen their own invoices (and those of whom
    they represent with the right to see invoices)."""

    serializer_class = InvoiceSerializer
    read_roles = frozenset({STAFF, OFFICER, CITIZEN})
    action_roles = {"cancel": frozenset({STAFF})}

    def get_queryset(self):
        return (selectors.invoices_visible_to(self.request.user)
                .prefetch_related("lines").order_by("-period", "-number"))

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.query(InvoiceFilterSerializer)
        for name, lookup in (("period", "period"), ("customer", "customer_id"),
                             ("contract", "contract_id"), ("status", "state"), ("run", "run_id")):
            if name in params:
                queryset = queryset.filter(**{lookup: params[name]})
        return queryset

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: NOT_FOUND},
        description="The invoice as a PDF (hyresavi), rendered once and kept. Fetching it is recorded "
                    "in the audit trail as an export.",
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        invoice = self.get_object()
        from .documents import get_or_render_invoice_pdf

        pdf = get_or_render_invoice_pdf(invoice)
        audit.record_export(actor=request.user, what="invoice PDF (api)", count=1, subject=invoice)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="faktura-{invoice.number}.pdf"'
        return response

    @extend_schema(
        request=ReasonSerializer,
        responses={201: CreditNoteSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND, 409: REFUSED},
        description="Service staff cancel (makulera) an unpaid invoice in full; the answer is the "
                    "cancellation (a credit note of kind `cancellation`). Refused (409, with the reason) "
                    "at collection or once anything was paid or credited.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        invoice = self.get_object()
        data = self.input(ReasonSerializer)
        note = credits.invoice_cancel(actor=request.user, invoice=invoice, reason=data["reason"])
        return Response(CreditNoteSerializer(note).data, status=status.HTTP_201_CREATED)


# --- Credit notes and refund orders -----------------------------------------------------------------


class CreditNoteWriteSerializer(serializers.Serializer):
    invoice = serializers.IntegerField(help_text="The invoice to credit (id).")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
                                      help_text="Kronor; at most what is left to pay on the invoice.")
    reason = serializers.CharField(max_length=4000, help_text="Why (kept in the history).")

    def validate_invoice(self, value):
        invoice = selectors.invoices_visible_to(self.context["request"].user).filter(pk=value).first()
        if invoice is None:
            raise serializers.ValidationError(_("No such invoice."))
        return invoice


class CreditNoteFilterSerializer(serializers.Serializer):
    invoice = serializers.IntegerField(required=False, help_text="The invoice credited (id).")
    kind = serializers.ChoiceField(choices=CreditNote.Kind.choices, required=False)


@extend_schema_view(
    list=extend_schema(parameters=[CreditNoteFilterSerializer],
                       responses={200: CreditNoteSerializer(many=True), 400: BAD_INPUT, 403: FORBIDDEN}),
    retrieve=extend_schema(responses={200: CreditNoteSerializer, 403: FORBIDDEN, 404: NOT_FOUND}),
    create=extend_schema(
        request=CreditNoteWriteSerializer,
        responses={201: CreditNoteSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 409: REFUSED},
        description="Service staff credit all or part of an unpaid or partly paid invoice. Refused (409, "
                    "with the reasons) at collection, for a paid or closed invoice, and beyond what is "
                    "left to pay."),
)
class CreditNoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Credit notes and cancellations, newest first: service staff only."""

    serializer_class = CreditNoteSerializer
    read_roles = frozenset({STAFF})

    def get_queryset(self):
        return selectors.credit_notes_visible_to(self.request.user).order_by("-issue_date", "-number")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.query(CreditNoteFilterSerializer)
        if "invoice" in params:
            queryset = queryset.filter(invoice_id=params["invoice"])
        if "kind" in params:
            queryset = queryset.filter(kind=params["kind"])
        return queryset

    def create(self, request):
        data = self.input(CreditNoteWriteSerializer)
        note = credits.credit_note_create(actor=request.user, invoice=data["invoice"], amount=data["amount"],
                                          reason=data["reason"])
        return self.answer(note, status_code=status.HTTP_201_CREATED)


class RefundOrderSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", allow_null=True, read_only=True,
                                         default=None, help_text="Who prepared it (username).")
    approved_by = serializers.CharField(source="approved_by.username", allow_null=True, read_only=True,
                                        default=None, help_text="The second person who approved it.")

    class Meta:
        model = RefundOrder
        fields = ["id", "state", "person", "organisation", "amount", "payee_name", "payee_account", "reason",
                  "payment", "monthly_rent", "within_delegation", "due_date", "requested_by", "approved_by",
                  "approved_at", "district_decided_at", "district_note", "paid_at", "created_at"]
        read_only_fields = fields


class RefundOrderWriteSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text="The customer whose credit balance is refunded (id).")
    payee_name = serializers.CharField(max_length=100)
    payee_account = serializers.CharField(max_length=40, help_text="Clearing and account number, or a "
                                                                   "bankgiro or plusgiro number.")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
                                      required=False, allow_null=True, default=None,
                                      help_text="Kronor; empty: the whole credit balance (after offsets).")
    reason = serializers.CharField(max_length=4000)

    def validate_person(self, value):
        person = permissions.persons_visible_to(self.context["request"].user).filter(pk=value).first()
        if person is None:
            raise serializers.ValidationError(_("No such person."))
        return person

    def validate_payee_account(self, value):
        if not credits.valid_account(value):
            raise serializers.ValidationError(_("The payee's account is not a valid clearing and account "
                                                "number, bankgiro or plusgiro number."))
        return value


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true: the district approves the refund; false: rejects it.")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                 help_text="Required when rejecting.")

    def validate(self, data):
        if not data["approve"] and not data["note"].strip():
            raise serializers.ValidationError({"note": [_("Give a reason for rejecting the refund.")]})
        return data


class NothingToRefundSerializer(serializers.Serializer):
    detail = serializers.CharField()


class RefundOrderFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=RefundOrder.State.choices, required=False)
    person = serializers.IntegerField(required=False, help_text="The customer (person id).")


def _refund_action(description: str, request=None):
    responses = {200: RefundOrderSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: REFUSED}
    if request is not None:
        responses[400] = BAD_INPUT
    return extend_schema(request=request, description=description, responses=responses)


@extend_schema_view(
    list=extend_schema(parameters=[RefundOrderFilterSerializer],
                       responses={200: RefundOrderSerializer(many=True), 400: BAD_INPUT, 403: FORBIDDEN}),
    retrieve=extend_schema(responses={200: RefundOrderSerializer, 403: FORBIDDEN, 404: NOT_FOUND}),
)
class RefundOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Refund orders by due date: all for service staff; for a district officer the refunds referred to
    their administration for decision. Citizens have none."""

    serializer_class = RefundOrderSerializer
    read_roles = frozenset({STAFF, OFFICER})
    action_roles = {
        "create": frozenset({STAFF}),
        "approve": frozenset({STAFF}),
        "refer": frozenset({STAFF}),
        "mark_paid": frozenset({STAFF}),
        "cancel": frozenset({STAFF}),
        "decide": frozenset({OFFICER}),
    }

    def get_queryset(self):
        return selectors.refund_orders_visible_to(self.request.user).order_by("due_date", "id")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.query(RefundOrderFilterSerializer)
        if "state" in params:
            queryset = queryset.filter(state=params["state"])
        if "person" in params:
            queryset = queryset.filter(person_id=params["person"])
        return queryset

    @extend_schema(
        request=RefundOrderWriteSerializer,
        responses={201: RefundOrderSerializer, 200: NothingToRefundSerializer, 400: BAD_INPUT,
                   403: FORBIDDEN, 409: REFUSED},
        description="Service staff refund a customer's credit balance: it is first offset against the "
                    "customer's open invoices; what is left (or `amount`) is reserved for the refund (201). "
                    "Beyond two months' rent it is referred to the district at once. When the open "
                    "invoices took the whole credit balance, nothing is refunded (200 with `detail`).",
    )
    def create(self, request):
        data = self.input(RefundOrderWriteSerializer)
        order = credits.refund_order_create(actor=request.user, **data)
        if order is None:
            return Response({"detail": str(_("The credit balance was offset against the customer's open "
                                             "invoices: nothing is left to refund."))})
        return self.answer(order, status_code=status.HTTP_201_CREATED)

    @_refund_action("A second staff member approves the refund for payment: refused (409) for the one "
                    "who prepared it, and beyond delegation until the district has approved.")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self.answer(credits.refund_order_approve(actor=request.user, order=self.get_object()))

    @_refund_action("Service staff send the refund to the district for decision; its officers are "
                    "e-mailed a link to the district portal.", request=OptionalReasonSerializer)
    @action(detail=True, methods=["post"])
    def refer(self, request, pk=None):
        order = self.get_object()
        data = self.input(OptionalReasonSerializer)
        return self.answer(credits.refund_order_refer(actor=request.user, order=order, reason=data["reason"]))

    @_refund_action("Service staff record that the approved refund was paid out.")
    @action(detail=True, methods=["post"], url_path="mark-paid")
    def mark_paid(self, request, pk=None):
        # One order paid by hand bypasses the payout file ("Skapa utbetalningsfil"): service admins only,
        # as in the admin.
        if not permissions.is_service_admin(request.user):
            raise PermissionDenied(_("Only a service administrator may mark a single refund paid out; the "
                                     "payout file is the normal way."))
        return self.answer(credits.refund_order_mark_paid(actor=request.user, order=self.get_object()))

    @_refund_action("Service staff cancel the refund; the amount goes back to the credit balance.",
                    request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        data = self.input(ReasonSerializer)
        return self.answer(credits.refund_order_cancel(actor=request.user, order=order, reason=data["reason"]))

    @_refund_action("The district officer decides a refund referred to their administration: approve, "
                    "or reject with a note (the amount goes back to the credit balance).",
                    request=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        order = self.get_object()
        data = self.input(DecisionSerializer)
        return self.answer(credits.refund_order_decide(actor=request.user, order=order,
                                                       approve=data["approve"], note=data["note"]))


# --- Payments, payment files and the ledger --------------------------------------------------------


class PaymentFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Payment.Status.choices, required=False,
                                     help_text="How the payment was matched.")


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "file", "kind", "status", "line", "payment_date", "amount", "reference",
                  "reference_code", "invoice", "customer", "payer_name", "payer_address",
                  "payer_postcode", "payer_town", "payer_org_number", "due_date", "note", "created_at"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(parameters=[PaymentFilterSerializer],
                       responses={200: PaymentSerializer(many=True), 400: OpenApiResponse(
                           description="A bad filter value: `{parameter: [message]}`."), 403: FORBIDDEN}),
    retrieve=extend_schema(responses={200: PaymentSerializer, 403: FORBIDDEN, 404: NOT_FOUND}),
)
class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Payments from BgMax files, newest first: all for service staff; for a district officer those
    whose customer is affiliated with their administration or whose invoice is theirs. Matching by
    hand is done in the admin."""

    serializer_class = PaymentSerializer
    read_roles = frozenset({STAFF, OFFICER})

    def get_queryset(self):
        return ledger.payments_visible_to(self.request.user).order_by("-payment_date", "-id")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.query(PaymentFilterSerializer)
        if "status" in params:
            queryset = queryset.filter(status=params["status"])
        return queryset


class PaymentFileSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="imported_file.original_name", allow_null=True, read_only=True,
                                 default=None, help_text="The uploaded file's name.")

    class Meta:
        model = PaymentFile
        fields = ["id", "name", "bankgiro", "file_timestamp", "deposits", "payments", "deductions",
                  "total", "created_at"]
        read_only_fields = fields


class PaymentFileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A BgMax file from Bankgirot.")


class PaymentFileResultSerializer(PaymentFileSerializer):
    result = serializers.DictField(
        source="imported_file.result", read_only=True,
        help_text="The counts of the import: `payments`, `matched`, `paid`, `partly`, `surplus`, "
                  "`credit`, `unmatched`, `total` and `offset` (kronor, as strings), and more.")

    class Meta(PaymentFileSerializer.Meta):
        fields = [*PaymentFileSerializer.Meta.fields, "result"]
        read_only_fields = fields


class LineErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class UploadRefusedSerializer(serializers.Serializer):
    file = serializers.ListField(child=serializers.CharField())
    errors = LineErrorSerializer(many=True)


@extend_schema_view(
    list=extend_schema(responses={200: PaymentFileSerializer(many=True), 403: FORBIDDEN}),
    retrieve=extend_schema(responses={200: PaymentFileResultSerializer, 403: FORBIDDEN, 404: NOT_FOUND}),
    create=extend_schema(
        request={"multipart/form-data": PaymentFileUploadSerializer},
        responses={201: PaymentFileResultSerializer, 400: UploadRefusedSerializer, 403: FORBIDDEN},
        description="Upload a BgMax file: it is imported and its payments matched, all or nothing. A "
                    "refused file (unreadable, another bankgiro, already imported) answers 400 with "
                    "`file` (the reason) and `errors` (line, field, message); nothing is written."),
)
class PaymentFileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Imported BgMax files, newest first, and the upload of a new one: service staff only."""

    serializer_class = PaymentFileSerializer
    read_roles = frozenset({STAFF})
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if role_of(self.request.user) != STAFF:
            return PaymentFile.objects.none()
        return PaymentFile.objects.select_related("imported_file").order_by("-created_at", "-id")

    def get_serializer_class(self):
        return PaymentFileResultSerializer if self.action in ("retrieve", "create") else PaymentFileSerializer

    def create(self, request):
        upload = self.input(PaymentFileUploadSerializer)["file"]
        from hyresadmin.imports import ImportRefused

        from . import payments

        try:
            result = payments.import_bgmax(actor=request.user, name=upload.name, data=upload.read())
        except ImportRefused as refused:
            return Response({
                "file": [str(refused.message)],
                "errors": [{"line": e.line, "field": str(e.field or ""), "message": str(e.message)}
                           for e in refused.errors],
            }, status=status.HTTP_400_BAD_REQUEST)
        return self.answer(PaymentFile.objects.get(pk=result["payment_file"]),
                           status_code=status.HTTP_201_CREATED)


class LedgerRowSerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=ledger.Kind.choices)
    text = serializers.CharField()
    reference = serializers.CharField()
    debit = serializers.DecimalField(max_digits=12, decimal_places=2)
    credit = serializers.DecimalField(max_digits=12, decimal_places=2)
    balance = serializers.DecimalField(max_digits=12, decimal_places=2,
                                       help_text="The running balance: what the customer owes.")
    invoice = serializers.IntegerField(source="invoice_id", allow_null=True)
    payment = serializers.IntegerField(source="payment_id", allow_null=True)


class LedgerSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    balance = serializers.DecimalField(
        max_digits=12, decimal_places=2,
        help_text="What the customer owes now: open invoice balances less the credit balance "
                  "(below zero: money to get back).")
    credit_balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    rows = LedgerRowSerializer(many=True)


@extend_schema_view(
    retrieve=extend_schema(
        parameters=[OpenApiParameter("person_id", OpenApiTypes.INT, OpenApiParameter.PATH,
                                     description="The person (customer) id.")],
        responses={200: LedgerSerializer, 403: FORBIDDEN, 404: NOT_FOUND}),
)
class LedgerViewSet(RoleScopedViewSet):
    """A customer's ledger: every invoice, payment and credit balance entry, oldest first, with a
    running balance. Service staff for anyone; a district officer for their administration's
    customers; a citizen for themselves and whom they represent with the right to see invoices.
    Anyone else answers 404."""

    serializer_class = LedgerSerializer
    read_roles = frozenset({STAFF, OFFICER, CITIZEN})
    lookup_url_kwarg = "person_id"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return permissions.persons_visible_to(self.request.user).only("pk")

    def retrieve(self, request, person_id=None):
        person = self.get_object()
        rows = ledger.ledger_for(person)
        data = {"person": person.pk, "balance": ledger.ledger_balance(rows),
                "credit_balance": ledger.ledger_credit_balance(rows),
                "rows": rows}
        return Response(LedgerSerializer(data).data)


# --- Final settlements ----------------------------------------------------------------------------------


class FinalSettlementFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=FinalSettlement.State.choices, required=False)


class FinalSettlementSerializer(serializers.ModelSerializer):
    is_overdue = serializers.BooleanField(read_only=True)
    credits = serializers.SerializerMethodField(help_text="The final credits: per invoice, the action "
                                                          "(`credit` or `cancel`) and the amount.")
    missing = serializers.SerializerMethodField(help_text="The months a final invoice (or, for an internal "
                                                          "move, an accounting order) charges.")

    class Meta:
        model = FinalSettlement
        fields = ["id", "contract", "state", "end_date", "deceased", "internal_move", "credit_total",
                  "invoice_total", "credits", "missing", "final_invoice", "accounting_order", "refund_order",
                  "received_at", "due_date", "is_overdue", "settled_by", "settled_at"]
        read_only_fields = fields

    @extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
        "invoice": {"type": "integer"}, "number": {"type": "integer"}, "period": {"type": "string"},
        "action": {"type": "string", "enum": ["credit", "cancel"]}, "amount": {"type": "string"}}}})
    def get_credits(self, obj) -> list:
        return [{k: c[k] for k in ("invoice", "number", "period", "action", "amount")}
                for c in (obj.proposal or {}).get("credits", [])]

    @extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
        "period": {"type": "string"}, "amount": {"type": "string"}}}})
    def get_missing(self, obj) -> list:
        return [{"period": m["period"], "amount": m["amount"]} for m in (obj.proposal or {}).get("missing", [])]


@extend_schema_view(
    list=extend_schema(parameters=[FinalSettlementFilterSerializer],
                       responses={200: FinalSettlementSerializer(many=True), 400: OpenApiResponse(
                           description="A bad filter value: `{parameter: [message]}`."), 403: FORBIDDEN}),
    retrieve=extend_schema(responses={200: FinalSettlementSerializer, 403: FORBIDDEN, 404: NOT_FOUND}),
)
class FinalSettlementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Final settlements of terminated contracts, by due date: all for service staff, a district
    officer's own administration's. Staff confirm them in the admin."""

    serializer_class = FinalSettlementSerializer
    read_roles = frozenset({STAFF, OFFICER})

    def get_queryset(self):
        return selectors.settlements_visible_to(self.request.user).order_by("due_date", "id")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.query(FinalSettlementFilterSerializer)
        if "state" in params:
            queryset = queryset.filter(state=params["state"])
        return queryset


def register(router):
    router.register("invoice-runs", InvoiceRunViewSet, basename="invoice-run")
    router.register("invoices", InvoiceViewSet, basename="invoice")
    router.register("payments", PaymentViewSet, basename="payment")
    router.register("payment-files", PaymentFileViewSet, basename="payment-file")
    router.register("ledger", LedgerViewSet, basename="ledger")
    router.register("final-settlements", FinalSettlementViewSet, basename="final-settlement")
    router.register("credit-notes", CreditNoteViewSet, basename="credit-note")
    router.register("refund-orders", RefundOrderViewSet, basename="refund-order")
