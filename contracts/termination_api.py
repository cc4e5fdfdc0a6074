"""The terminations API (``/api/v1/terminations/``), wired into the router by ``contracts.api``.

Thin, like the rest of the contracts API: service staff read every termination and run the staff
steps; a district officer reads their own administration's and gives notice for its contracts (the
scanned notice is uploaded in the district portal); a citizen has no access (the citizen sees the
notice and the end date on the contract). A refused step answers 409, bad input 400 by field.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action

from . import selectors
from . import termination as services
from .api import (
    BAD_INPUT,
    FORBIDDEN,
    NOT_FOUND,
    OFFICER,
    REFUSED,
    STAFF,
    OptionalReasonSerializer,
    ReasonSerializer,
    RoleScopedViewSet,
    _user,
)
from .models import RentalContract, RentalObject
from .termination_models import Termination, TerminationNotice


class TerminationNoticeSerializer(serializers.ModelSerializer):
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)
    has_file = serializers.SerializerMethodField(help_text="A scanned document is kept with it.")

    class Meta:
        model = TerminationNotice
        fields = ["id", "source", "given_by", "notice_received_on", "deceased_on",
                  "requested_end_date", "message", "submitted_by", "received_at", "original_name",
                  "has_file"]
        read_only_fields = fields

    def get_has_file(self, obj) -> bool:
        return bool(obj.file)


class TerminationSerializer(serializers.ModelSerializer):
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    organisation = serializers.IntegerField(source="contract.organisation_id", read_only=True)
    assignee = serializers.CharField(source="assignee.username", allow_null=True, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, help_text="Open and past its due date.")
    notices = TerminationNoticeSerializer(many=True, read_only=True)

    class Meta:
        model = Termination
        fields = ["id", "contract", "contract_number", "organisation", "state", "given_by",
                  "notice_received_on", "deceased_on", "requested_end_date", "rule_end_date", "rule",
                  "end_date", "end_date_override_reason", "estate_contact_name",
                  "estate_contact_email", "estate_contact_address", "internal_move",
                  "internal_move_object", "terms_checked", "vacancy_contract", "received_at",
                  "due_date", "is_overdue", "assignee", "confirmed_at", "closed_at", "notices"]
        read_only_fields = fields


class TerminationWriteSerializer(serializers.Serializer):
    """The district's termination form (or the housing coordinator's), without the scan."""

    contract = serializers.PrimaryKeyRelatedField(queryset=RentalContract.objects.none(),
                                                  help_text="One of the administration's contracts.")
    source = serializers.ChoiceField(choices=[(s, TerminationNotice.Source(s).label)
                                              for s in TerminationNotice.DISTRICT_SOURCES])
    given_by = serializers.ChoiceField(choices=Termination._meta.get_field("given_by").choices)
    notice_received_on = serializers.DateField()
    deceased_on = serializers.DateField(required=False, allow_null=True, default=None)
    requested_end_date = serializers.DateField(required=False, allow_null=True, default=None)
    estate_contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                                default="")
    estate_contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    estate_contact_address = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                                   default="")
    internal_move = serializers.BooleanField(required=False, default=False)
    internal_move_object = serializers.PrimaryKeyRelatedField(
        queryset=RentalObject.objects.none(), required=False, allow_null=True, default=None)
    message = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        self.fields["contract"].queryset = selectors.contracts_visible_to(user)
        self.fields["internal_move_object"].queryset = selectors.objects_visible_to(user)


class EndDateSerializer(serializers.Serializer):
    end_date = serializers.DateField()
    reason = serializers.CharField(max_length=2000, help_text="Why it differs from the rules.")


def _termination_action(description: str, request=None):
    responses = {200: TerminationSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: REFUSED}
    if request is not None:
        responses[400] = BAD_INPUT
    return extend_schema(request=request, description=description, responses=responses)


@extend_schema_view(
    list=extend_schema(description="Terminations, by due date: all for service staff, the own "
                                   "administration's for a district officer."),
    retrieve=extend_schema(responses={200: TerminationSerializer, 404: NOT_FOUND}),
)
class TerminationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    serializer_class = TerminationSerializer
    read_roles = frozenset({STAFF, OFFICER})
    action_roles = {
        "create": frozenset({OFFICER}),
        **{name: frozenset({STAFF}) for name in ("match_documents", "set_end_date", "confirm",
                                                 "withdraw", "tick_terms", "close")},
    }

    def get_queryset(self):
        return (selectors.terminations_visible_to(self.request.user)
                .prefetch_related("notices__submitted_by").order_by("due_date", "received_at", "id"))

    @extend_schema(
        request=TerminationWriteSerializer,
        responses={201: TerminationSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
        description="A district officer gives notice for one of the administration's contracts (the "
                    "district's form or the housing coordinator's). A second notice for the same "
                    "contract joins its open termination. The scanned notice is uploaded in the "
                    "district portal.",
    )
    def create(self, request, *args, **kwargs):
        data = dict(self.input(TerminationWriteSerializer))
        termination = services.notice_register(actor=request.user, **data)
        return self.answer(termination, status.HTTP_201_CREATED)

    @_termination_action("Service staff judge the documents enough.", request=ReasonSerializer)
    @action(detail=True, methods=["post"], url_path="match-documents")
    def match_documents(self, request, pk=None):
        termination = self.get_object()
        data = self.input(ReasonSerializer)
        return self.answer(services.termination_match_documents(
            actor=request.user, termination=termination, reason=data["reason"]))

    @_termination_action("Service staff set another end date than the rules give, with a reason.",
                         request=EndDateSerializer)
    @action(detail=True, methods=["post"], url_path="set-end-date")
    def set_end_date(self, request, pk=None):
        termination = self.get_object()
        data = self.input(EndDateSerializer)
        return self.answer(services.termination_set_end_date(
            actor=request.user, termination=termination, end_date=data["end_date"],
            reason=data["reason"]))

    @_termination_action("Confirm: every check runs first (409 with `failed_checks`, e.g. the "
                         "contract is in dispute). The contract gets notice given and its end date; "
                         "the confirmation is sent and the district told.")
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        termination = self.get_object()
        return self.answer(services.termination_confirm(actor=request.user, termination=termination))

    @_termination_action("Withdraw the termination before it is confirmed.", request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        termination = self.get_object()
        data = self.input(ReasonSerializer)
        return self.answer(services.termination_withdraw(actor=request.user, termination=termination,
                                                         reason=data["reason"]))

    @_termination_action("The to-do is done: the contract terms were checked for the next tenant.",
                         request=OptionalReasonSerializer)
    @action(detail=True, methods=["post"], url_path="tick-terms")
    def tick_terms(self, request, pk=None):
        termination = self.get_object()
        data = self.input(OptionalReasonSerializer)
        return self.answer(services.termination_tick_terms(actor=request.user, termination=termination,
                                                           note=data["reason"]))

    @_termination_action("Close a settled termination.", request=OptionalReasonSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        termination = self.get_object()
        data = self.input(OptionalReasonSerializer)
        return self.answer(services.termination_close(actor=request.user, termination=termination,
                                                      reason=data["reason"]))


def register(router):
    router.register("terminations", TerminationViewSet, basename="termination")
