"""The API of deferrals and payment plans: ``/api/v1/deferrals/`` and ``/api/v1/payment-plans/``.

Thin, like every door (``contracts.api`` conventions): serializers check the shape, ``plans`` decides and
writes, and every queryset is scoped — service staff see all, a district officer their own
administration's, a citizen nothing (403). Officers and staff register requests (form SF1015); staff
grant, approve, reject, refer, cancel and resume; the district's officers decide referred requests. A
refused step answers 409 with the reasons (and every failed check); bad input 400 with field errors.
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action

from contracts.api import (
    BAD_INPUT,
    FORBIDDEN,
    NOT_FOUND,
    OFFICER,
    REFUSED,
    STAFF,
    OptionalReasonSerializer,
    ReasonSerializer,
    RoleScopedViewSet,
)
from hyresadmin import permissions
from invoicing.models import Invoice
from invoicing.selectors import invoices_visible_to

from . import plans
from .plan_models import Deferral, Instalment, PaymentPlan


class _InvoiceField(serializers.PrimaryKeyRelatedField):
    """An invoice the user may see (any other id is refused as if it did not exist)."""

    def get_queryset(self):
        request = self.context.get("request")
        return invoices_visible_to(request.user) if request else Invoice.objects.none()


class _RequestSerializer(serializers.ModelSerializer):
    invoices = serializers.SerializerMethodField(help_text="The invoices (id, number) of the request.")

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_invoices(self, obj) -> list[dict]:
        return [{"id": i.pk, "number": i.number, "due_date": i.due_date.isoformat(), "balance": str(i.balance)}
                for i in obj.invoices.all()]


COMMON_FIELDS = ["id", "state", "organisation", "customer", "contract", "invoices", "reason", "received_at",
                 "due_date", "within_delegation", "delegation_reason", "district_note", "district_decided_at",
                 "decision_note", "decided_at"]


class DeferralSerializer(_RequestSerializer):
    class Meta:
        model = Deferral
        fields = [*COMMON_FIELDS, "new_due_date", "first_rent", "double_housing", "expired_at"]


class InstalmentSerializer(serializers.ModelSerializer):
    invoice_number = serializers.IntegerField(source="invoice.number", allow_null=True, default=None)
    ocr_reference = serializers.CharField(source="invoice.ocr_reference", allow_null=True, default=None)
    status = serializers.SerializerMethodField(help_text="planned, unpaid, overdue, paid or closed.")

    class Meta:
        model = Instalment
        fields = ["number", "due_date", "amount", "fee", "invoice", "invoice_number", "ocr_reference", "status"]

    def get_status(self, obj) -> str:
        return plans.instalment_status(obj)


class PaymentPlanSerializer(_RequestSerializer):
    instalments = InstalmentSerializer(many=True, read_only=True)

    class Meta:
        model = PaymentPlan
        fields = [*COMMON_FIELDS, "instalment_count", "first_due_date", "amount", "fee", "broken_on",
                  "cancelled_at", "completed_at", "instalments"]


class DeferralWriteSerializer(serializers.Serializer):
    invoices = _InvoiceField(many=True, queryset=Invoice.objects.all(),
                             help_text="Open invoices of one customer (ids).")
    new_due_date = serializers.DateField()
    double_housing = serializers.BooleanField(required=False, default=False,
                                              help_text="A first month's rent with double housing costs.")
    reason = serializers.CharField(max_length=4000)


class PaymentPlanWriteSerializer(serializers.Serializer):
    invoices = _InvoiceField(many=True, queryset=Invoice.objects.all(),
                             help_text="Open invoices of one customer (ids).")
    instalment_count = serializers.IntegerField(min_value=1, max_value=plans.MAX_INSTALMENTS)
    first_due_date = serializers.DateField(help_text="The same day each month; moved to the next working "
                                                     "day when it is not one (back to the working day "
                                                     "before, when the next is in the next month).")
    reason = serializers.CharField(max_length=4000)


class DistrictDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                 help_text="Required when rejecting.")


def _organisation(user):
    return None if permissions.is_service_staff(user) else user.organisation


def _act(serializer_class, description, request_body=None):
    responses = {200: serializer_class, 403: FORBIDDEN, 404: NOT_FOUND, 409: REFUSED}
    if request_body is not None:
        responses[400] = BAD_INPUT
    return extend_schema(request=request_body, responses=responses, description=description)


@extend_schema_view(retrieve=extend_schema(responses={200: DeferralSerializer, 404: NOT_FOUND}))
class DeferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Deferrals (anstånd): all for staff, the own administration's for an officer."""

    serializer_class = DeferralSerializer
    action_roles = {"create": frozenset({STAFF, OFFICER}), "grant": frozenset({STAFF}),
                    "reject": frozenset({STAFF}), "refer": frozenset({STAFF}), "decide": frozenset({OFFICER})}

    def get_queryset(self):
        return plans.deferrals_visible_to(self.request.user).prefetch_related("invoices").order_by("due_date", "id")

    @extend_schema(request=DeferralWriteSerializer, responses={201: DeferralSerializer, 400: BAD_INPUT,
                                                               403: FORBIDDEN},
                   description="Form SF1015, a deferral. Beyond delegation it is referred to the district "
                               "at once (state `referred`).")
    def create(self, request, *args, **kwargs):
        data = self.input(DeferralWriteSerializer)
        deferral = plans.deferral_request(actor=request.user, organisation=_organisation(request.user), **data)
        return self.answer(deferral, status.HTTP_201_CREATED)

    @_act(DeferralSerializer, "Staff grant the deferral after the checks (409 with every failed check).",
          OptionalReasonSerializer)
    @action(detail=True, methods=["post"])
    def grant(self, request, pk=None):
        data = self.input(OptionalReasonSerializer)
        return self.answer(plans.deferral_grant(actor=request.user, deferral=self.get_object(),
                                                note=data["reason"]))

    @_act(DeferralSerializer, "Staff reject the deferral.", ReasonSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = self.input(ReasonSerializer)
        return self.answer(plans.deferral_reject(actor=request.user, deferral=self.get_object(),
                                                 reason=data["reason"]))

    @_act(DeferralSerializer, "Staff refer the deferral to the district.", OptionalReasonSerializer)
    @action(detail=True, methods=["post"])
    def refer(self, request, pk=None):
        data = self.input(OptionalReasonSerializer)
        return self.answer(plans.deferral_refer(actor=request.user, deferral=self.get_object(),
                                                reason=data["reason"]))

    @_act(DeferralSerializer, "The district's officer decides a referred deferral.", DistrictDecisionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        data = self.input(DistrictDecisionSerializer)
        return self.answer(plans.deferral_district_decide(actor=request.user, deferral=self.get_object(),
                                                          approve=data["approve"], note=data["note"]))


@extend_schema_view(retrieve=extend_schema(responses={200: PaymentPlanSerializer, 404: NOT_FOUND}))
class PaymentPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Payment plans (avbetalningsplaner) with their instalments: all for staff, the own
    administration's for an officer."""

    serializer_class = PaymentPlanSerializer
    action_roles = {"create": frozenset({STAFF, OFFICER}), "approve": frozenset({STAFF}),
                    "reject": frozenset({STAFF}), "refer": frozenset({STAFF}), "cancel": frozenset({STAFF}),
                    "resume": frozenset({STAFF}), "decide": frozenset({OFFICER})}

    def get_queryset(self):
        return (plans.payment_plans_visible_to(self.request.user)
                .prefetch_related("invoices", Prefetch("instalments",
                                                       queryset=Instalment.objects.select_related("invoice")))
                .order_by("due_date", "id"))

    @extend_schema(request=PaymentPlanWriteSerializer, responses={201: PaymentPlanSerializer, 400: BAD_INPUT,
                                                                  403: FORBIDDEN},
                   description="Form SF1015, a payment plan with its schedule. Beyond delegation it is "
                               "referred to the district at once (state `referred`).")
    def create(self, request, *args, **kwargs):
        data = self.input(PaymentPlanWriteSerializer)
        plan = plans.payment_plan_request(actor=request.user, organisation=_organisation(request.user), **data)
        return self.answer(plan, status.HTTP_201_CREATED)

    @_act(PaymentPlanSerializer, "Staff approve the plan after the checks: the originals are credited and "
                                 "each instalment is issued as an invoice with its own OCR reference.",
          OptionalReasonSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = self.input(OptionalReasonSerializer)
        return self.answer(plans.payment_plan_approve(actor=request.user, plan=self.get_object(),
                                                      note=data["reason"]))

    @_act(PaymentPlanSerializer, "Staff reject the plan.", ReasonSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = self.input(ReasonSerializer)
        return self.answer(plans.payment_plan_reject(actor=request.user, plan=self.get_object(),
                                                     reason=data["reason"]))

    @_act(PaymentPlanSerializer, "Staff refer the plan to the district.", OptionalReasonSerializer)
    @action(detail=True, methods=["post"])
    def refer(self, request, pk=None):
        data = self.input(OptionalReasonSerializer)
        return self.answer(plans.payment_plan_refer(actor=request.user, plan=self.get_object(),
                                                    reason=data["reason"]))

    @_act(PaymentPlanSerializer, "Staff cancel a plan not kept; the district is told.", ReasonSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = self.input(ReasonSerializer)
        return self.answer(plans.payment_plan_cancel(actor=request.user, plan=self.get_object(),
                                                     reason=data["reason"]))

    @_act(PaymentPlanSerializer, "Staff put a plan not kept back to active (the customer caught up).",
          OptionalReasonSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        data = self.input(OptionalReasonSerializer)
        return self.answer(plans.payment_plan_resume(actor=request.user, plan=self.get_object(),
                                                     reason=data["reason"]))

    @_act(PaymentPlanSerializer, "The district's officer decides a referred plan.", DistrictDecisionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        data = self.input(DistrictDecisionSerializer)
        return self.answer(plans.payment_plan_district_decide(actor=request.user, plan=self.get_object(),
                                                              approve=data["approve"], note=data["note"]))


def register(router):
    router.register("deferrals", DeferralViewSet, basename="deferral")
    router.register("payment-plans", PaymentPlanViewSet, basename="payment-plan")
