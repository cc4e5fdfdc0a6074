"""The support API: support cases (``/api/v1/support-cases/``) and their messages.

Thin, like every door: serializers check the shape of what comes in, the services in
``support.services`` decide and write, and every queryset comes from ``support.selectors``: a list
never shows a case the user may not see, and a case outside the user's scope answers 404 for its
detail, its messages and every action on it, exactly as if it did not exist. The messages shown are
those ``messages_for`` lets the user read (a citizen never sees internal notes or what was said to the
district).

Who may do what (``ActionRoles``): a citizen asks (about themselves, or as a representative about
someone they represent), reads their cases and replies; a district officer asks for their own
administration, reads its cases and what was forwarded to it, replies to its own questions and answers
a case forwarded to it; service staff register questions from any channel and run every step of the
case. A step the case's state does not allow answers 409 with the Swedish message; a role that may
not run a step on a case it can see answers 403; nothing is written in either case. Lists run a
constant number of queries however long they are.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from contracts.api import (
    BAD_INPUT,
    CITIZEN,
    FORBIDDEN,
    NOT_FOUND,
    OFFICER,
    REFUSED,
    STAFF,
    OptionalReasonSerializer,
    RoleScopedViewSet,
    role_of,
)
from contracts.models import RentalContract
from contracts.selectors import contracts_visible_to
from hyresadmin import permissions
from hyresadmin.models import Organisation, Person
from hyresadmin.transitions import TransitionRefused
from invoicing.models import Invoice
from invoicing.selectors import invoices_visible_to

from . import selectors, services
from .models import Message, MessageAttachment, SupportCase

BODY_HELP = "The message (plain text)."

# --- Messages --------------------------------------------------------------------------------------


class MessageAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = MessageAttachment
        fields = ["id", "original_name", "content_type", "size"]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", allow_null=True, read_only=True,
                                   help_text="Who wrote it (username); shown to service staff only.")
    attachments = MessageAttachmentSerializer(
        many=True, read_only=True,
        help_text="Metadata only; attachments are sent in /mina-sidor/, /forvaltning/ or the admin.")

    class Meta:
        model = Message
        fields = ["id", "direction", "author", "body", "created_at", "attachments"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not permissions.is_service_staff(_request_user(self)):
            data["author"] = None
        return data


# --- Cases -----------------------------------------------------------------------------------------


def _request_user(serializer):
    return getattr(serializer.context.get("request"), "user", None)


class ContactSerializer(serializers.Serializer):
    """The contact details staff noted (a phone call, an e-mail)."""

    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()


class SupportCaseSerializer(serializers.ModelSerializer):
    """A case as the list shows it."""

    person_name = serializers.CharField(source="person.full_name", allow_null=True, read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", allow_null=True,
                                              read_only=True)
    contract_number = serializers.CharField(source="contract.number", allow_null=True, read_only=True)
    invoice_number = serializers.IntegerField(source="invoice.number", allow_null=True, read_only=True)
    assignee = serializers.CharField(source="assignee.username", allow_null=True, read_only=True,
                                     help_text="The staff member handling the case (username); null "
                                               "for a citizen.")
    is_overdue = serializers.BooleanField(read_only=True,
                                          help_text="Open and past the service level's due date.")
    proposed_solution = serializers.CharField(
        read_only=True, help_text="For the district (e.g. on a disputed invoice); empty for a citizen.")
    contact = serializers.SerializerMethodField(
        help_text="The contact details staff noted; null except for service staff.")

    class Meta:
        model = SupportCase
        fields = ["id", "state", "waiting_on", "channel", "asker", "category", "subject", "person",
                  "person_name", "organisation", "organisation_name", "contract", "contract_number",
                  "invoice", "invoice_number", "received_at", "due_date", "is_overdue", "assignee",
                  "proposed_solution", "contact", "closed_at"]
        read_only_fields = fields

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, obj) -> dict | None:
        if not permissions.is_service_staff(_request_user(self)):
            return None
        return {"name": obj.contact_name, "email": obj.contact_email, "phone": obj.contact_phone}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if role_of(_request_user(self)) == CITIZEN:
            data["assignee"] = None
            data["proposed_solution"] = ""
        return data


class SupportCaseDetailSerializer(SupportCaseSerializer):
    """A case with the messages the user may read."""

    messages = serializers.SerializerMethodField(
        help_text="The messages the user may read, oldest first: a citizen the questions and answers, "
                  "a district what was sent to and from it, staff everything (internal notes too).")

    class Meta(SupportCaseSerializer.Meta):
        fields = [*SupportCaseSerializer.Meta.fields, "messages"]
        read_only_fields = fields

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, obj) -> list:
        messages = selectors.messages_for(_request_user(self), obj)
        return MessageSerializer(messages, many=True, context=self.context).data


# --- Input -----------------------------------------------------------------------------------------


class SupportCaseCreateSerializer(serializers.Serializer):
    """A question. A citizen asks about themselves (``asker`` citizen) or about someone they represent
    (``asker`` representative); a district officer asks for their own administration (``asker``
    district); staff register a question from any channel."""

    category = serializers.ChoiceField(choices=SupportCase.Category.choices)
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=10000, help_text="The question.")
    asker = serializers.ChoiceField(
        choices=SupportCase.Asker.choices, required=False,
        help_text="Who asks. Staff: required. A citizen: citizen or representative (by default from "
                  "`person`). An officer: district (the default).")
    channel = serializers.ChoiceField(
        choices=SupportCase.Channel.choices, required=False,
        help_text="How the question came in. Staff: required. Otherwise always web.")
    person = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.none(), required=False, allow_null=True,
        help_text="The person the question is about (id). A citizen: themselves (the default) or "
                  "someone they represent.")
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(), required=False, allow_null=True,
        help_text="The district (id). An officer's question is always their own administration's; "
                  "a citizen's follows the contract, invoice or person, as a staff member's does "
                  "when none is given.")
    contract = serializers.PrimaryKeyRelatedField(
        queryset=RentalContract.objects.none(),
        required=False, allow_null=True, help_text="A contract the user may see (id).")
    invoice = serializers.PrimaryKeyRelatedField(
        queryset=Invoice.objects.none(),
        required=False, allow_null=True, help_text="An invoice the user may see (id).")
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        persons = permissions.persons_visible_to(user)
        contracts = contracts_visible_to(user)
        if role_of(user) == CITIZEN:
            # Themselves and whom they represent with the right to see invoices: the persons whose
            # cases they see (``cases_visible_to``), whatever contracts they may read otherwise.
            contracts = contracts.filter(customer__in=persons)
        self.fields["person"].queryset = persons
        self.fields["contract"].queryset = contracts
        self.fields["invoice"].queryset = invoices_visible_to(user)
        self.fields["organisation"].queryset = permissions.organisations_visible_to(user)

    def validate(self, attrs):
        user = _request_user(self)
        role = role_of(user)
        invoice, contract = attrs.get("invoice"), attrs.get("contract")
        if invoice is not None and contract is not None and invoice.contract_id not in (None, contract.pk):
            raise serializers.ValidationError({"invoice": _("The invoice is not for this contract.")})
        concerned = (invoice and invoice.customer) or (contract and contract.customer)
        if role == CITIZEN:
            attrs["person"] = attrs.get("person") or concerned or user.person
        person = attrs.get("person")
        if person is not None and concerned is not None and concerned.pk != person.pk:
            raise serializers.ValidationError(
                {"person": _("The invoice or contract is not this person's.")})

        if role == CITIZEN:
            expected = (SupportCase.Asker.CITIZEN if person.pk == user.person.pk
                        else SupportCase.Asker.REPRESENTATIVE)
            if attrs.get("asker", expected) != expected:
                raise serializers.ValidationError({"asker": _(
                    "Ask as a citizen about yourself, and as a representative about someone you "
                    "represent.")})
            attrs.update(asker=expected, channel=SupportCase.Channel.WEB, organisation=None)
        elif role == OFFICER:
            if attrs.get("asker", SupportCase.Asker.DISTRICT) != SupportCase.Asker.DISTRICT:
                raise serializers.ValidationError({"asker": _("A district officer asks for the district.")})
            attrs.update(asker=SupportCase.Asker.DISTRICT, channel=SupportCase.Channel.WEB,
                         organisation=user.organisation)
        else:
            missing = {name: [self.fields[name].error_messages["required"]]
                       for name in ("asker", "channel") if not attrs.get(name)}
            if missing:
                raise serializers.ValidationError(missing)
            if (attrs["asker"] == SupportCase.Asker.DISTRICT and attrs.get("organisation") is None
                    and not (contract or invoice)):
                raise serializers.ValidationError({"organisation": _("Choose the district that asks.")})
        return attrs


class BodySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000, help_text=BODY_HELP)


class ForwardSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000, help_text="The question to the district.")
    proposed_solution = serializers.CharField(
        max_length=10000, required=False, allow_blank=True, default="",
        help_text="A proposed solution for the district to approve (e.g. on a disputed invoice).")


class SupportCaseFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=SupportCase.State.choices, required=False)
    category = serializers.ChoiceField(choices=SupportCase.Category.choices, required=False)
    asker = serializers.ChoiceField(choices=SupportCase.Asker.choices, required=False)
    organisation = serializers.IntegerField(required=False, help_text="The district (id).")
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None,
                                       help_text="true: only open cases past their due date; false: "
                                                 "the others.")


def _case_action(description: str, request=None):
    """The schema of a step on a case; one with a body can answer 400 too."""
    responses = {200: SupportCaseDetailSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: REFUSED}
    if request is not None:
        responses[400] = BAD_INPUT
    return extend_schema(request=request, description=description, responses=responses)


# --- The viewset -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[SupportCaseFilterSerializer],
                       responses={200: SupportCaseSerializer(many=True), 400: OpenApiResponse(
                           description="A bad filter value: `{parameter: [message]}`.")}),
    retrieve=extend_schema(responses={200: SupportCaseDetailSerializer, 404: NOT_FOUND}),
)
class SupportCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Support cases, the most urgent first: all for service staff; for a district officer the
    questions their administration asked and the cases forwarded to it; for a citizen the cases they
    opened or that concern them or whom they represent."""

    read_roles = frozenset({STAFF, OFFICER, CITIZEN})
    action_roles = {
        "reply": frozenset({CITIZEN, OFFICER}),
        "district_reply": frozenset({OFFICER}),
        **{name: frozenset({STAFF}) for name in ("send_answer", "forward", "wait_on_customer", "note",
                                                  "close", "start", "assign_to_me")},
    }

    def get_queryset(self):
        return selectors.cases_visible_to(self.request.user).order_by("due_date", "received_at", "id")

    def get_serializer_class(self):
        return SupportCaseSerializer if self.action == "list" else SupportCaseDetailSerializer

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.query(SupportCaseFilterSerializer)
        for name in ("state", "category", "asker"):
            if name in params:
                queryset = queryset.filter(**{name: params[name]})
        if "organisation" in params:
            queryset = queryset.filter(organisation_id=params["organisation"])
        if "overdue" in params:
            overdue = Q(state__in=SupportCase.OPEN_STATES, due_date__lt=timezone.localdate())
            queryset = queryset.filter(overdue) if params["overdue"] else queryset.exclude(overdue)
        return queryset

    @extend_schema(
        request=SupportCaseCreateSerializer,
        responses={201: SupportCaseDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
        description="Ask a question. A citizen asks about themselves or someone they represent, and "
                    "only about contracts and invoices they may see; a district officer asks for "
                    "their own administration; staff register a phone call, e-mail or letter (with "
                    "the person's contact details). The due date follows the service level: the "
                    "next working day for a citizen, two working days for a district. Attachments "
                    "are sent in /mina-sidor/, /forvaltning/ or the admin, not through the API.",
    )
    def create(self, request, *args, **kwargs):
        data = self.input(SupportCaseCreateSerializer)
        case = services.case_open(actor=request.user, **data)
        return self.answer(case, status.HTTP_201_CREATED)

    @extend_schema(responses={200: MessageSerializer(many=True), 404: NOT_FOUND},
                   description="The case's messages the user may read, oldest first (not paged).")
    @action(detail=True, methods=["get"])
    def messages(self, request, pk=None):
        case = self.get_object()
        messages = selectors.messages_for(request.user, case)
        return Response(MessageSerializer(messages, many=True,
                                          context=self.get_serializer_context()).data)

    @_case_action("The person who asked writes again (a citizen on their case, an officer on their "
                  "administration's question): an answered or closed case is reopened with a new due "
                  "date, one waiting on the customer goes back to staff.", request=BodySerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        case = self.get_object()
        if role_of(request.user) == OFFICER and case.asker != SupportCase.Asker.DISTRICT:
            self.permission_denied(request)
        data = self.input(BodySerializer)
        return self.answer(services.case_reply(actor=request.user, case=case, body=data["body"]))

    @_case_action("An officer of the case's administration answers a case forwarded to it; the case "
                  "goes back to staff. Refused (409) unless the case is waiting on the district.",
                  request=BodySerializer)
    @action(detail=True, methods=["post"], url_path="district-reply")
    def district_reply(self, request, pk=None):
        case = self.get_object()
        data = self.input(BodySerializer)
        if not (case.state == SupportCase.State.WAITING
                and case.waiting_on == SupportCase.WaitingOn.DISTRICT):
            raise TransitionRefused(_("The case is not waiting for an answer from the district."))
        return self.answer(services.case_district_reply(actor=request.user, case=case,
                                                        body=data["body"]))

    @_case_action("Staff answer the person who asked; they are told by e-mail that an answer is "
                  "waiting (never a protected identity).", request=BodySerializer)
    @action(detail=True, methods=["post"], url_path="answer")
    def send_answer(self, request, pk=None):
        case = self.get_object()
        data = self.input(BodySerializer)
        return self.answer(services.case_answer(actor=request.user, case=case, body=data["body"]))

    @_case_action("Staff forward the case to its district (with a proposed solution, e.g. on a "
                  "disputed invoice); it waits on the district, which is told by e-mail.",
                  request=ForwardSerializer)
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        case = self.get_object()
        data = self.input(ForwardSerializer)
        return self.answer(services.case_forward_to_district(
            actor=request.user, case=case, body=data["body"],
            proposed_solution=data["proposed_solution"]))

    @_case_action("Staff ask the person who asked for more; the case waits on the customer.",
                  request=BodySerializer)
    @action(detail=True, methods=["post"], url_path="wait-on-customer")
    def wait_on_customer(self, request, pk=None):
        case = self.get_object()
        data = self.input(BodySerializer)
        return self.answer(services.case_wait_on_customer(actor=request.user, case=case,
                                                               body=data["body"]))

    @_case_action("Staff add an internal note (never shown to the person or the district).",
                  request=BodySerializer)
    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        case = self.get_object()
        data = self.input(BodySerializer)
        services.case_note(actor=request.user, case=case, body=data["body"])
        return self.answer(case)

    @_case_action("Staff close the case.", request=OptionalReasonSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        case = self.get_object()
        data = self.input(OptionalReasonSerializer)
        return self.answer(services.case_close(actor=request.user, case=case, reason=data["reason"]))

    @_case_action("Staff take a new case up (and are assigned to it unless someone is).")
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        case = self.get_object()
        return self.answer(services.case_start(actor=request.user, case=case))

    @_case_action("Staff assign the case to themselves.")
    @action(detail=True, methods=["post"], url_path="assign-to-me")
    def assign_to_me(self, request, pk=None):
        case = self.get_object()
        return self.answer(services.case_assign(actor=request.user, case=case,
                                                     assignee=request.user))


def register(router):
    router.register("support-cases", SupportCaseViewSet, basename="support-case")
