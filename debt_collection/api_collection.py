"""The collection API: ``/api/v1/collection-cases/``, the collection cases with their claims,
applications to Kronofogden and write-downs, and the staff's steps on them; and
``/api/v1/write-down-requests/``, the write-downs staff propose and the district's officers decide.

Thin, like every door: the queryset comes from ``collection.cases_visible_to`` — all cases for service
staff, their own administration's for a district officer, none for a citizen — so a case outside the
user's scope answers 404, for its detail and every action alike. The actions are the staff's: hand over
to the collection agency, withdraw, apply to Kronofogden, record its decision, write an invoice down. A
refused step answers 409 with the Swedish message and every failed check; bad input answers 400 with
field errors and writes nothing. Lists run a constant number of queries however long they are.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action

from contracts.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, OFFICER, REFUSED, STAFF, RoleScopedViewSet
from contracts.models import CollectionCode
from invoicing.models import Invoice

from . import collection, writedowns
from .collection_models import (
    CollectionCase,
    CollectionClaim,
    EnforcementApplication,
    WriteDown,
    WriteDownRequest,
)


class ClaimSerializer(serializers.ModelSerializer):
    invoice_number = serializers.IntegerField(source="invoice.number", read_only=True)
    ocr_reference = serializers.CharField(source="invoice.ocr_reference", read_only=True)
    due_date = serializers.DateField(source="invoice.due_date", read_only=True)
    invoice_state = serializers.ChoiceField(source="invoice.state", choices=Invoice.State.choices, read_only=True)

    class Meta:
        model = CollectionClaim
        fields = ["invoice", "invoice_number", "ocr_reference", "due_date", "amount", "reminded_on",
                  "invoice_state", "active"]
        read_only_fields = fields


class EnforcementApplicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = EnforcementApplication
        fields = ["id", "kind", "applied_on", "fee", "reference", "decision", "decided_on", "note"]
        read_only_fields = fields


class WriteDownSerializer(serializers.ModelSerializer):
    class Meta:
        model = WriteDown
        fields = ["id", "invoice", "amount", "decision_reference", "decision_date", "decided_by", "request",
                  "created_at"]
        read_only_fields = fields


class CollectionCaseSerializer(serializers.ModelSerializer):
    collection_code = serializers.CharField(source="collection_code.code", read_only=True)
    claims = ClaimSerializer(many=True, read_only=True)
    enforcement_applications = EnforcementApplicationSerializer(many=True, read_only=True)
    write_downs = WriteDownSerializer(many=True, read_only=True)

    class Meta:
        model = CollectionCase
        fields = ["id", "state", "close_reason", "customer", "organisation", "collection_code", "total",
                  "due_date", "agency_file", "sent_at", "closed_at", "created_at", "claims",
                  "enforcement_applications", "write_downs"]
        read_only_fields = fields


class CaseFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=CollectionCase.State.choices, required=False)
    customer = serializers.IntegerField(required=False, help_text="The customer (person id).")


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the case is withdrawn (kept in the history).")


class EnforcementInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EnforcementApplication.Kind.choices)
    applied_on = serializers.DateField()
    reference = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DecisionInputSerializer(serializers.Serializer):
    application = serializers.IntegerField(help_text="The application (id) of this case.")
    decision = serializers.ChoiceField(choices=[c for c in EnforcementApplication.Decision.choices if c[0]])
    decided_on = serializers.DateField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class WriteDownInputSerializer(serializers.Serializer):
    """What the district's decision (approved in its portal) says; it is checked against the ledger. The
    caller attests it."""

    invoice = serializers.IntegerField(help_text="The invoice (id) of this case to write down.")
    invoice_number = serializers.CharField(max_length=20, help_text="The invoice number in the decision.")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="The amount in the decision.")
    collection_code = serializers.SlugRelatedField(slug_field="code", queryset=CollectionCode.objects.all(),
                                                   help_text="The collection code in the decision.")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def _case_action(description: str, request=None):
    responses = {200: CollectionCaseSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: REFUSED}
    if request is not None:
        responses[400] = BAD_INPUT
    return extend_schema(request=request, description=description, responses=responses)


@extend_schema_view(
    list=extend_schema(parameters=[CaseFilterSerializer]),
    retrieve=extend_schema(responses={200: CollectionCaseSerializer, 404: NOT_FOUND}),
)
class CollectionCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Collection cases, those to review first: all for service staff, the own administration's for a
    district officer (read only)."""

    serializer_class = CollectionCaseSerializer
    read_roles = frozenset({STAFF, OFFICER})
    action_roles = {name: frozenset({STAFF}) for name in
                    ("hand_over", "withdraw", "apply_enforcement", "record_decision", "write_down")}

    def get_queryset(self):
        return (collection.cases_visible_to(self.request.user)
                .prefetch_related(Prefetch("claims", queryset=CollectionClaim.objects.select_related("invoice")),
                                  "enforcement_applications", "write_downs")
                .order_by("due_date", "id"))

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.query(CaseFilterSerializer)
        if "state" in params:
            queryset = queryset.filter(state=params["state"])
        if "customer" in params:
            queryset = queryset.filter(customer_id=params["customer"])
        return queryset

    @_case_action("Approve the proposed case and hand it over: its invoices go to collection and its claims "
                  "into the collection-agency file of its collection code.")
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request, pk=None):
        case = self.get_object()
        collection.collection_hand_over(actor=request.user, cases=[case])
        return self.answer(case)

    @_case_action("Withdraw the case: invoices at collection are recalled, the case closes as withdrawn.",
                  request=WithdrawSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        case = self.get_object()
        data = self.input(WithdrawSerializer)
        collection.collection_case_withdraw(actor=request.user, case=case, reason=data["reason"])
        return self.answer(case)

    @_case_action("Record an application to Kronofogden; its fee is computed (300 kr for an order to pay or "
                  "ordinary assistance, 300 kr for both in one application, 600 kr for enforcement).",
                  request=EnforcementInputSerializer)
    @action(detail=True, methods=["post"], url_path="apply-enforcement")
    def apply_enforcement(self, request, pk=None):
        case = self.get_object()
        data = self.input(EnforcementInputSerializer)
        collection.enforcement_apply(actor=request.user, case=case, **data)
        return self.answer(case)

    @_case_action("Record Kronofogden's decision on one of the case's applications.",
                  request=DecisionInputSerializer)
    @action(detail=True, methods=["post"], url_path="record-decision")
    def record_decision(self, request, pk=None):
        case = self.get_object()
        data = self.input(DecisionInputSerializer)
        application = case.enforcement_applications.filter(pk=data.pop("application")).first()
        if application is None:
            raise serializers.ValidationError({"application": [_("The case has no such application.")]})
        collection.enforcement_decision_record(actor=request.user, application=application, **data)
        return self.answer(case)

    @_case_action("Write one of the case's invoices down on the district's decision (a write-down request "
                  "its officer approved in the portal); the caller attests it. Refused (409) with every failed "
                  "check: the approved decision, amount and invoice number against the ledger, payment plan, "
                  "collection code, attestation.", request=WriteDownInputSerializer)
    @action(detail=True, methods=["post"], url_path="write-down")
    def write_down(self, request, pk=None):
        case = self.get_object()
        data = self.input(WriteDownInputSerializer)
        invoice = Invoice.objects.filter(pk=data.pop("invoice"), collection_claims__case=case).first()
        if invoice is None:
            raise serializers.ValidationError({"invoice": [_("The case has no such invoice.")]})
        collection.write_down_create(actor=request.user, invoice=invoice, attested_by=request.user, **data)
        return self.answer(case)


# --- Write-down requests ----------------------------------------------------------------------------


class WriteDownRequestSerializer(serializers.ModelSerializer):
    invoice_number = serializers.IntegerField(source="invoice.number", read_only=True)

    class Meta:
        model = WriteDownRequest
        fields = ["id", "state", "invoice", "invoice_number", "case", "organisation", "amount", "reason",
                  "proposed_by", "created_at", "decided_by", "decided_at", "decision_note", "due_date"]
        read_only_fields = fields


class WriteDownRequestInputSerializer(serializers.Serializer):
    invoice = serializers.IntegerField(help_text="The invoice (id) to write down.")
    reason = serializers.CharField(max_length=2000, help_text="Why it should be written down (the district "
                                                              "reads it).")


class WriteDownRequestFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=WriteDownRequest.State.choices, required=False)


class WriteDownDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text="True to approve the write-down, false to reject it.")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                 help_text="The district's note; required when rejecting.")


class CarryOutSerializer(serializers.Serializer):
    """What the district's approved decision says; checked against the ledger. The caller attests it."""

    invoice_number = serializers.CharField(max_length=20, help_text="The invoice number in the decision.")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="The amount in the decision.")
    collection_code = serializers.SlugRelatedField(slug_field="code", queryset=CollectionCode.objects.all(),
                                                   help_text="The collection code in the decision.")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def _request_action(description: str, request=None, status_code=200):
    responses = {status_code: WriteDownRequestSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: REFUSED}
    if request is not None:
        responses[400] = BAD_INPUT
    return extend_schema(request=request, description=description, responses=responses)


@extend_schema_view(
    list=extend_schema(parameters=[WriteDownRequestFilterSerializer]),
    retrieve=extend_schema(responses={200: WriteDownRequestSerializer, 404: NOT_FOUND}),
)
class WriteDownRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Write-downs proposed by the service staff to the invoice's district: all for staff, the own
    administration's for a district officer, who decides them."""

    serializer_class = WriteDownRequestSerializer
    read_roles = frozenset({STAFF, OFFICER})
    action_roles = {"create": frozenset({STAFF}), "decide": frozenset({OFFICER}),
                    "carry_out": frozenset({STAFF}), "withdraw": frozenset({STAFF})}

    def get_queryset(self):
        return writedowns.write_down_requests_visible_to(self.request.user).order_by("-created_at", "-id")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.query(WriteDownRequestFilterSerializer)
        if "state" in params:
            queryset = queryset.filter(state=params["state"])
        return queryset

    @_request_action("Propose to write an open invoice down; the district's officers are told by e-mail and "
                     "decide it in the portal or here. Refused (409) when the invoice is not open, is in a "
                     "payment plan or already proposed.", request=WriteDownRequestInputSerializer,
                     status_code=201)
    def create(self, request):
        data = self.input(WriteDownRequestInputSerializer)
        invoice = Invoice.objects.filter(pk=data["invoice"]).first()
        if invoice is None:
            raise serializers.ValidationError({"invoice": [_("There is no such invoice.")]})
        proposed = writedowns.write_down_request_create(actor=request.user, invoice=invoice, reason=data["reason"])
        return self.answer(proposed, status_code=201)

    @_request_action("The district's decision (an officer of the invoice's district): approve, or reject with a "
                     "note.", request=WriteDownDecisionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        obj = self.get_object()
        data = self.input(WriteDownDecisionSerializer)
        writedowns.write_down_request_decide(actor=request.user, request=obj, **data)
        return self.answer(obj)

    @_request_action("Carry out the approved write-down: checked against the ledger, attested by the caller; "
                     "the invoice is written off.", request=CarryOutSerializer)
    @action(detail=True, methods=["post"], url_path="carry-out")
    def carry_out(self, request, pk=None):
        obj = self.get_object()
        data = self.input(CarryOutSerializer)
        collection.write_down_create(actor=request.user, invoice=obj.invoice, attested_by=request.user, **data)
        return self.answer(obj)

    @_request_action("Withdraw a request not yet carried out.", request=WithdrawSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        obj = self.get_object()
        data = self.input(WithdrawSerializer)
        writedowns.write_down_request_withdraw(actor=request.user, request=obj, reason=data["reason"])
        return self.answer(obj)


def register(router):
    router.register("collection-cases", CollectionCaseViewSet, basename="collection-case")
    router.register("write-down-requests", WriteDownRequestViewSet, basename="write-down-request")
