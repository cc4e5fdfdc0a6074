"""The collection API: ``/api/v1/collection-cases/``, the collection cases with their claims,
applications to Kronofogden and write-downs, and the staff's steps on them.

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

from . import collection
from .collection_models import CollectionCase, CollectionClaim, EnforcementApplication, WriteDown


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
        fields = ["id", "invoice", "amount", "decision_reference", "decision_date", "decided_by", "created_at"]
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
    """What the district's decision says; it is checked against the ledger. The caller attests it."""

    invoice = serializers.IntegerField(help_text="The invoice (id) of this case to write down.")
    invoice_number = serializers.CharField(max_length=20, help_text="The invoice number in the decision.")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="The amount in the decision.")
    collection_code = serializers.SlugRelatedField(slug_field="code", queryset=CollectionCode.objects.all(),
                                                   help_text="The collection code in the decision.")
    decision_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    decision_date = serializers.DateField(required=False, allow_null=True, default=None)
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

    @_case_action("Write one of the case's invoices down on the district's decision; the caller attests it. "
                  "Refused (409) with every failed check: the decision, amount and invoice number against the "
                  "ledger, payment plan, collection code, attestation.", request=WriteDownInputSerializer)
    @action(detail=True, methods=["post"], url_path="write-down")
    def write_down(self, request, pk=None):
        case = self.get_object()
        data = self.input(WriteDownInputSerializer)
        invoice = Invoice.objects.filter(pk=data.pop("invoice"), collection_claims__case=case).first()
        if invoice is None:
            raise serializers.ValidationError({"invoice": [_("The case has no such invoice.")]})
        collection.write_down_create(actor=request.user, invoice=invoice, attested_by=request.user, **data)
        return self.answer(case)


def register(router):
    router.register("collection-cases", CollectionCaseViewSet, basename="collection-case")
