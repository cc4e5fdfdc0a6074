"""The reminders API: reminders (``/api/v1/reminders/``, read) and reminder batches
(``/api/v1/reminder-batches/``, service staff: read, approve, send, discard).

Thin, like every door: querysets come from ``debt_collection.selectors`` (staff see every reminder, a
district officer their own administration's, a citizen none — the citizen sees a reminder on their
invoice page), the steps call ``debt_collection.reminders``; a refused step answers 409 with the
Swedish message. Lists run a constant number of queries however long they are.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action

from contracts.api import (
    BAD_INPUT,
    FORBIDDEN,
    NOT_FOUND,
    OFFICER,
    REFUSED,
    STAFF,
    ReasonSerializer,
    RoleScopedViewSet,
)

from . import reminders, selectors
from .reminder_models import Reminder, ReminderBatch


class ReminderFilterSerializer(serializers.Serializer):
    invoice = serializers.IntegerField(required=False, help_text="The invoice reminded (id).")
    batch = serializers.IntegerField(required=False, help_text="The reminder batch (id).")
    outcome = serializers.ChoiceField(choices=Reminder.Outcome.choices, required=False,
                                      help_text="`sent`, `skipped`, `left_out`, or empty: not sent yet.")


class ReminderSerializer(serializers.ModelSerializer):
    invoice_number = serializers.IntegerField(source="invoice.number", read_only=True)
    organisation = serializers.IntegerField(source="invoice.organisation_id", read_only=True,
                                            help_text="The administration of the invoice (id).")
    batch_state = serializers.ChoiceField(source="batch.state", choices=ReminderBatch.State.choices,
                                          read_only=True)

    class Meta:
        model = Reminder
        fields = ["id", "batch", "batch_state", "invoice", "invoice_number", "organisation", "amount_due",
                  "fee", "fee_invoice", "flags", "included", "outcome", "new_due_date", "delivery",
                  "sent_at", "delivered_at", "pdf_sha256"]
        read_only_fields = fields


class ReminderBatchSerializer(serializers.ModelSerializer):
    approved_by = serializers.CharField(source="approved_by.username", allow_null=True, read_only=True)
    sent_by = serializers.CharField(source="sent_by.username", allow_null=True, read_only=True)
    summary = serializers.DictField(read_only=True, help_text="Counts: `items`, `included`, `flagged`, "
                                    "`fees` and `amount_due` (kronor, strings); after sending `sent`, "
                                    "`sent_fees`, `skipped`, `left_out`, `notices`.")

    class Meta:
        model = ReminderBatch
        fields = ["id", "state", "proposed_on", "due_date", "created_at", "approved_by", "approved_at",
                  "sent_by", "sent_at", "summary"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(parameters=[ReminderFilterSerializer],
                       responses={200: ReminderSerializer(many=True), 400: BAD_INPUT, 403: FORBIDDEN}),
    retrieve=extend_schema(responses={200: ReminderSerializer, 403: FORBIDDEN, 404: NOT_FOUND}),
)
class ReminderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Reminders, newest first: all for service staff, the own administration's for a district officer."""

    serializer_class = ReminderSerializer
    read_roles = frozenset({STAFF, OFFICER})

    def get_queryset(self):
        return selectors.reminders_visible_to(self.request.user).order_by("-batch__proposed_on", "-id")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.query(ReminderFilterSerializer)
        for name, lookup in (("invoice", "invoice_id"), ("batch", "batch_id"), ("outcome", "outcome")):
            if name in params:
                queryset = queryset.filter(**{lookup: params[name]})
        return queryset


def _batch_action(description: str, request=None):
    responses = {200: ReminderBatchSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: REFUSED}
    if request is not None:
        responses[400] = BAD_INPUT
    return extend_schema(request=request, description=description, responses=responses)


@extend_schema_view(
    list=extend_schema(responses={200: ReminderBatchSerializer(many=True), 403: FORBIDDEN}),
    retrieve=extend_schema(responses={200: ReminderBatchSerializer, 403: FORBIDDEN, 404: NOT_FOUND}),
)
class ReminderBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """The days' reminder proposals, newest first: service staff only. Items are ticked in or out in
    the admin; here a batch is approved, sent or discarded."""

    serializer_class = ReminderBatchSerializer
    read_roles = frozenset({STAFF})
    action_roles = {"approve": frozenset({STAFF}), "send": frozenset({STAFF}), "discard": frozenset({STAFF})}

    def get_queryset(self):
        return selectors.reminder_batches_visible_to(self.request.user).order_by("-proposed_on", "-id")

    @_batch_action("Approve a proposed batch (a second person is not required). Refused when no item "
                   "is ticked to be sent.", request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        batch = reminders.reminder_batch_approve(actor=request.user, batch=self.get_object())
        return self.answer(batch)

    @_batch_action("Send an approved batch: the invoices are reminded, agreed fees invoiced, the PDFs "
                   "made and delivered (e-mail or the print file), districts and representatives told.")
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        batch = reminders.reminder_batch_send(actor=request.user, batch=self.get_object())
        return self.answer(batch)

    @_batch_action("Discard a proposed or approved batch; its invoices may be proposed again.",
                   request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        batch = self.get_object()
        data = self.input(ReasonSerializer)
        batch = reminders.reminder_batch_discard(actor=request.user, batch=batch, reason=data["reason"])
        return self.answer(batch)


def register(router):
    router.register("reminders", ReminderViewSet, basename="reminder")
    router.register("reminder-batches", ReminderBatchViewSet, basename="reminder-batch")
