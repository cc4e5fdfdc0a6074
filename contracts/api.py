"""The contracts API: rental objects, customers, submissions (underlag) and rental contracts.

Thin, like every door: serializers check the shape of what comes in, the services in
``contracts.services`` decide and write, and every queryset comes from ``contracts.selectors``, so a
list never shows what the user may not see and a record outside the user's scope answers 404 for its
detail and for every action on it, exactly as if it did not exist.

Who may do what (``ActionRoles``): service staff read everything and run the staff steps; a district
officer reads their own administration's records, submits underlag for it, withdraws and completes it;
a citizen reads only their own contracts (and those of whom they represent). A refused step answers 409
Conflict with the Swedish message and, when checks failed, every failed check. Lists run a constant
number of queries however long they are.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.settings import api_settings

from hyresadmin import permissions
from hyresadmin import services as kernel_services
from hyresadmin.api import PersonFilterSerializer, PersonSerializer, filter_persons
from hyresadmin.identity import parse_personal_number
from hyresadmin.models import Organisation
from hyresadmin.transitions import TransitionRefused

from . import selectors, services
from .models import (
    CollectionCode,
    ContractDocument,
    HousingForm,
    Landlord,
    ObjectQuality,
    QualityType,
    RentalContract,
    RentalObject,
    RentLine,
    RentLineKind,
    Submission,
    SubmissionAttachment,
    SubmissionRentLine,
)

# --- Roles and errors ------------------------------------------------------------------------------

STAFF, OFFICER, CITIZEN = "staff", "officer", "citizen"


def role_of(user) -> str | None:
    """The one role the API acts on: staff before officer before citizen."""
    if permissions.is_service_staff(user):
        return STAFF
    if permissions.is_district_officer(user):
        return OFFICER
    if permissions.is_citizen(user):
        return CITIZEN
    return None


class ActionRoles(drf_permissions.BasePermission):
    """The roles a view lets run each action: ``view.action_roles[action]``, else ``view.read_roles``.

    On a detail route the role is checked after the record was looked up in the user's scope, so that
    a record outside it answers 404 whatever the action; a record in scope but an action of another
    role answers 403.
    """

    def has_permission(self, request, view):
        role = role_of(request.user)
        if role is None:
            return False
        if view.detail:
            return role in view.read_roles
        return role in view.roles_for(view.action)

    def has_object_permission(self, request, view, obj):
        return role_of(request.user) in view.roles_for(view.action)


class RoleScopedViewSet(viewsets.GenericViewSet):
    """Base of the contracts viewsets: roles per action, and the services' refusals as answers.

    ``TransitionRefused`` (and ``ChecksFailed``) → 409 with ``detail`` and ``failed_checks``; a
    Django ``ValidationError`` raised by a service → 400 with field errors.
    """

    permission_classes = [ActionRoles]
    read_roles: frozenset[str] = frozenset({STAFF, OFFICER})
    action_roles: dict[str, frozenset[str]] = {}

    def roles_for(self, action_name: str | None) -> frozenset[str]:
        return self.action_roles.get(action_name, self.read_roles)

    def handle_exception(self, exc):
        if isinstance(exc, TransitionRefused):
            return Response(refusal_data(exc), status=status.HTTP_409_CONFLICT)
        if isinstance(exc, DjangoValidationError):
            exc = serializers.ValidationError(django_error_detail(exc))
        return super().handle_exception(exc)

    def input(self, serializer_class, **kwargs):
        """The request body checked by ``serializer_class`` (400 with field errors otherwise)."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(),
                                      **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def query(self, serializer_class) -> dict:
        params = serializer_class(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return {k: v for k, v in params.validated_data.items() if v not in (None, "")}

    def answer(self, instance, status_code=status.HTTP_200_OK):
        """The record as the detail shows it, read again through the scoped queryset."""
        fresh = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)


def django_error_detail(exc: DjangoValidationError, field: str | None = None):
    """A service's ``ValidationError`` as DRF field errors (non-field ones under ``field``)."""
    detail = get_error_detail(exc)
    if isinstance(detail, dict):
        if NON_FIELD_ERRORS in detail:
            detail[field or api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
        return detail
    return {field or api_settings.NON_FIELD_ERRORS_KEY: detail}


def refusal_data(exc: TransitionRefused) -> dict:
    return {
        "detail": str(exc.message),
        "failed_checks": [
            {"code": getattr(c, "code", ""), "label": str(getattr(c, "label", c)),
             "detail": str(getattr(c, "detail", ""))}
            for c in exc.failed_checks
        ],
    }


class FailedCheckSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="E.g. rent, affiliation, period, collection_code, "
                                           "qualities, rent_year, object_free, tenure_waiver.")
    label = serializers.CharField(help_text="The check, in Swedish.")
    detail = serializers.CharField(help_text="What is wrong, in Swedish.")


class RefusalSerializer(serializers.Serializer):
    """A step that may not run now: the state does not allow it, someone else changed the record
    just now, or checks failed (each one listed)."""

    detail = serializers.CharField()
    failed_checks = FailedCheckSerializer(many=True)


REFUSED = OpenApiResponse(RefusalSerializer, description="Refused (409 Conflict): the state does not "
                          "allow the step, the record changed meanwhile, or checks failed (all listed).")
BAD_INPUT = OpenApiResponse(description="Field errors: `{field: [message, …]}` (nothing is written).")
FORBIDDEN = OpenApiResponse(description="The user's role may not do this.")
NOT_FOUND = OpenApiResponse(description="No such record in the user's scope.")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why (kept in the history).")


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RentLineInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RentLineKind.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0,
                                      help_text="Kronor per month; a deduction is given as a positive "
                                                "amount.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


def rent_line_data(lines) -> list[services.RentLineData]:
    return [services.RentLineData(kind=ln["kind"], amount=ln["amount"],
                                  description=ln.get("description", ""))
            for ln in lines]


def _user(serializer):
    return getattr(serializer.context.get("request"), "user", None)


def _active_or(current_id) -> Q:
    """In use, or the value the record already has (a menu keeps a record's own old value)."""
    q = Q(is_active=True)
    if current_id:
        q |= Q(pk=current_id)
    return q


# --- Rental objects --------------------------------------------------------------------------------


class LandlordSerializer(serializers.ModelSerializer):
    class Meta:
        model = Landlord
        fields = ["id", "name", "organisation_number", "is_city_owned"]


class ObjectQualitySerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="quality_type.code", read_only=True)
    name = serializers.CharField(source="quality_type.name", read_only=True)
    required = serializers.BooleanField(source="quality_type.required", read_only=True)

    class Meta:
        model = ObjectQuality
        fields = ["code", "name", "required", "value"]
        read_only_fields = fields


class RentalObjectSerializer(serializers.ModelSerializer):
    landlord = LandlordSerializer(read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    is_vacant = serializers.BooleanField(read_only=True, help_text="No current customer contract on the object.")
    qualities = ObjectQualitySerializer(many=True, read_only=True)

    class Meta:
        model = RentalObject
        fields = ["id", "object_number", "street_address", "postcode", "town", "housing_form",
                  "landlord", "first_hand_rent", "first_hand_rent_negotiated", "rent", "rent_year",
                  "area", "rooms", "owner", "owner_name", "is_active", "is_vacant", "qualities"]
        read_only_fields = fields


class QualityInputSerializer(serializers.Serializer):
    code = serializers.SlugRelatedField(slug_field="code", queryset=QualityType.objects.all(),
                                        help_text="The quality's code (see the admin's list).")
    value = serializers.CharField(max_length=100, allow_blank=True,
                                  help_text="An empty value removes the quality.")


class RentalObjectWriteSerializer(serializers.ModelSerializer):
    qualities = QualityInputSerializer(
        many=True, required=False,
        help_text="Qualities to set; those not named are left as they are.",
    )

    class Meta:
        model = RentalObject
        fields = ["object_number", "street_address", "postcode", "town", "housing_form", "landlord",
                  "first_hand_rent", "first_hand_rent_negotiated", "rent", "rent_year", "area",
                  "rooms", "owner", "is_active", "qualities"]


class RentalObjectFilterSerializer(serializers.Serializer):
    housing_form = serializers.ChoiceField(choices=HousingForm.choices, required=False)
    owner = serializers.IntegerField(required=False, help_text="The owning organisation (id).")
    landlord = serializers.IntegerField(required=False, help_text="The landlord (id).")
    vacant = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="true: only objects without a current customer contract; false: only let ones.",
    )
    search = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                   help_text="Part of the object number or the address.")


@extend_schema_view(
    list=extend_schema(parameters=[RentalObjectFilterSerializer]),
    retrieve=extend_schema(responses={200: RentalObjectSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        request=RentalObjectWriteSerializer,
        responses={201: RentalObjectSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
        description="Service staff register an object (and optionally set its qualities).",
    ),
    update=extend_schema(
        request=RentalObjectWriteSerializer,
        responses={200: RentalObjectSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND},
        description="Service staff change an object; the change is in its history.",
    ),
    partial_update=extend_schema(
        request=RentalObjectWriteSerializer,
        responses={200: RentalObjectSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND},
        description="Service staff change some of an object's values; the change is in its history.",
    ),
)
class RentalObjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Rental objects (the apartments): all for service staff, the own administration's for an
    officer. Service staff register and change them."""

    serializer_class = RentalObjectSerializer
    action_roles = {"create": frozenset({STAFF}), "update": frozenset({STAFF}),
                    "partial_update": frozenset({STAFF})}

    def get_queryset(self):
        current = RentalContract.objects.customer_contracts().current().filter(
            rental_object=OuterRef("pk"))
        return (
            selectors.objects_visible_to(self.request.user)
            .annotate(is_vacant=~Exists(current))
            .prefetch_related(Prefetch("qualities",
                                       ObjectQuality.objects.select_related("quality_type")))
            .order_by("object_number")
        )

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.query(RentalObjectFilterSerializer)
        if "housing_form" in params:
            queryset = queryset.filter(housing_form=params["housing_form"])
        if "owner" in params:
            queryset = queryset.filter(owner_id=params["owner"])
        if "landlord" in params:
            queryset = queryset.filter(landlord_id=params["landlord"])
        if "vacant" in params:
            queryset = queryset.filter(is_vacant=params["vacant"])
        for word in params.get("search", "").split():
            queryset = queryset.filter(Q(object_number__icontains=word)
                                       | Q(street_address__icontains=word))
        return queryset

    def create(self, request, *args, **kwargs):
        data = self.input(RentalObjectWriteSerializer)
        rental_object = self._save(RentalObject(), data)
        return self.answer(rental_object, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        rental_object = self.get_object()
        data = self.input_for(rental_object, partial=kwargs.get("partial", False))
        return self.answer(self._save(rental_object, data))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def input_for(self, instance, *, partial: bool) -> dict:
        serializer = RentalObjectWriteSerializer(instance, data=self.request.data, partial=partial,
                                                 context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _save(self, rental_object: RentalObject, data: dict) -> RentalObject:
        data = dict(data)
        qualities = data.pop("qualities", None)
        with transaction.atomic():
            for name, value in data.items():
                setattr(rental_object, name, value)
            rental_object = services.rental_object_save(actor=self.request.user,
                                                        rental_object=rental_object)
            if qualities:
                try:
                    services.rental_object_set_qualities(
                        actor=self.request.user, rental_object=rental_object,
                        values={q["code"]: q["value"] for q in qualities})
                except DjangoValidationError as exc:
                    raise serializers.ValidationError({"qualities": exc.messages}) from exc
        return rental_object


# --- Customers -------------------------------------------------------------------------------------


class AffiliationSerializer(serializers.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), help_text="The administration the customer belongs to.")


@extend_schema_view(
    list=extend_schema(parameters=[PersonFilterSerializer]),
    retrieve=extend_schema(
        responses={200: PersonSerializer, 404: NOT_FOUND},
        description="A customer's full record; opening it is recorded in the audit trail. A protected "
                    "identity's address is null except for service staff.",
    ),
)
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Customers: persons affiliated with an administration or with a contract. All for service
    staff; for an officer, those affiliated with their administration or with one of its contracts."""

    serializer_class = PersonSerializer
    action_roles = {"set_affiliation": frozenset({STAFF})}

    def get_queryset(self):
        return selectors.customers_visible_to(self.request.user).order_by("last_name", "first_name",
                                                                          "id")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return filter_persons(queryset, **self.query(PersonFilterSerializer))

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        kernel_services.person_record_viewed(actor=request.user, person=person, where="api")
        return Response(self.get_serializer(person).data)

    @extend_schema(
        request=AffiliationSerializer,
        responses={200: PersonSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND},
        description="Service staff change the customer's administration. Refused (400, under "
                    "`organisation`) while the customer has a current contract with the previous one.",
    )
    @action(detail=True, methods=["post"], url_path="set-affiliation")
    def set_affiliation(self, request, pk=None):
        person = self.get_object()
        data = self.input(AffiliationSerializer)
        try:
            person = services.customer_set_affiliation(actor=request.user, person=person,
                                                       organisation=data["organisation"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(django_error_detail(exc, "organisation")) from exc
        return self.answer(person)


# --- Submissions -----------------------------------------------------------------------------------


class SubmissionRentLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubmissionRentLine
        fields = ["id", "kind", "description", "amount"]


class SubmissionAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubmissionAttachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at"]


class SubmissionSerializer(serializers.ModelSerializer):
    personal_number = serializers.CharField(source="formatted_personal_number", read_only=True,
                                            help_text="YYYYMMDD-NNNN.")
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)
    assignee = serializers.CharField(source="assignee.username", allow_null=True,
                                     read_only=True)
    object_number = serializers.CharField(source="rental_object.object_number", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, help_text="Open and past its due date.")
    rent_lines = SubmissionRentLineSerializer(many=True, read_only=True)
    attachments = SubmissionAttachmentSerializer(
        many=True, read_only=True, help_text="Metadata only; attachments are uploaded in the district portal.")

    class Meta:
        model = Submission
        fields = ["id", "kind", "state", "organisation", "organisation_name", "submitted_by",
                  "assignee", "received_at", "due_date", "is_overdue", "personal_number",
                  "first_name", "last_name", "email", "phone", "rental_object", "object_number",
                  "contract", "start_date", "end_date", "notice_period_months", "collection_code",
                  "delivery_channel", "personal_contact", "rent_difference_explanation", "message",
                  "return_reason", "completed_at", "rent_lines", "attachments"]
        read_only_fields = fields


class SubmissionWriteSerializer(serializers.ModelSerializer):
    """Underlag as a district sends it (attachments are uploaded in the district portal)."""

    personal_number = serializers.CharField(
        max_length=20, help_text="The customer's personal identity or coordination number, "
                                 "YYYYMMDD-NNNN or YYMMDD-NNNN.")
    rent_lines = RentLineInputSerializer(many=True, help_text="Base rent, supplements, deductions.")

    class Meta:
        model = Submission
        fields = ["kind", "personal_number", "first_name", "last_name", "email", "phone",
                  "rental_object", "contract", "start_date", "end_date", "notice_period_months",
                  "collection_code", "delivery_channel", "personal_contact",
                  "rent_difference_explanation", "message", "rent_lines"]
        extra_kwargs = {
            "rental_object": {"help_text": "One of the administration's objects (id)."},
            "contract": {"help_text": "For a change: the administration's contract to change (id)."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user, current = _user(self), self.instance
        self.fields["rental_object"].queryset = selectors.objects_visible_to(user).filter(
            _active_or(current and current.rental_object_id))
        self.fields["contract"].queryset = selectors.contracts_visible_to(user)
        self.fields["collection_code"].queryset = CollectionCode.objects.filter(
            _active_or(current and current.collection_code_id))

    def validate_personal_number(self, value: str) -> str:
        return parse_personal_number(value).digits12


class SubmissionFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Submission.State.choices, required=False)
    kind = serializers.ChoiceField(choices=Submission.Kind.choices, required=False)
    organisation = serializers.IntegerField(required=False, help_text="The submitting "
                                                                      "administration (id).")
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None,
                                       help_text="true: only open submissions past their due date.")


def _submission_action(description: str, request=None):
    """The schema of a transition action; one with a body can answer 400 too."""
    responses = {200: SubmissionSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: REFUSED}
    if request is not None:
        responses[400] = BAD_INPUT
    return extend_schema(request=request, description=description, responses=responses)


@extend_schema_view(
    list=extend_schema(parameters=[SubmissionFilterSerializer]),
    retrieve=extend_schema(responses={200: SubmissionSerializer, 404: NOT_FOUND}),
)
class SubmissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Submissions (underlag): all for service staff, the own administration's for an officer."""

    serializer_class = SubmissionSerializer
    action_roles = {
        "create": frozenset({OFFICER}),
        "resubmit": frozenset({OFFICER}),
        "withdraw": frozenset({OFFICER}),
        "start_review": frozenset({STAFF}),
        "return_for_completion": frozenset({STAFF}),
        "accept": frozenset({STAFF}),
    }

    def get_queryset(self):
        return (
            selectors.submissions_visible_to(self.request.user)
            .prefetch_related("rent_lines", "attachments")
            .order_by("due_date", "received_at", "id")
        )

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.query(SubmissionFilterSerializer)
        for name in ("state", "kind"):
            if name in params:
                queryset = queryset.filter(**{name: params[name]})
        if "organisation" in params:
            queryset = queryset.filter(organisation_id=params["organisation"])
        if "overdue" in params:
            overdue = Q(state__in=Submission.OPEN_STATES, due_date__lt=timezone.localdate())
            queryset = queryset.filter(overdue) if params["overdue"] else queryset.exclude(overdue)
        return queryset

    @extend_schema(
        request=SubmissionWriteSerializer,
        responses={201: SubmissionSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
        description="A district officer submits underlag for their own administration; it is due in "
                    "three working days. Attachments cannot be sent through the API: upload them in "
                    "the district portal.",
    )
    def create(self, request, *args, **kwargs):
        data = dict(self.input(SubmissionWriteSerializer))
        rent_lines = rent_line_data(data.pop("rent_lines"))
        submission = services.submission_create(actor=request.user,
                                                organisation=request.user.organisation,
                                                rent_lines=rent_lines, **data)
        return self.answer(submission, status.HTTP_201_CREATED)

    @_submission_action("The officer completes a returned submission and sends it again (the same "
                        "body as when submitting; the rent lines are replaced). A new due date runs.",
                        request=SubmissionWriteSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        submission = self.get_object()
        data = dict(self.input(SubmissionWriteSerializer, instance=submission))
        rent_lines = rent_line_data(data.pop("rent_lines"))
        submission = services.submission_resubmit(actor=request.user, submission=submission,
                                                  rent_lines=rent_lines, **data)
        return self.answer(submission)

    @_submission_action("The officer's administration takes the submission back.",
                        request=OptionalReasonSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        submission = self.get_object()
        data = self.input(OptionalReasonSerializer)
        return self.answer(services.submission_withdraw(actor=request.user, submission=submission,
                                                        reason=data["reason"]))

    @_submission_action("Service staff take the submission up (and are assigned to it).")
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request, pk=None):
        submission = self.get_object()
        return self.answer(services.submission_start_review(actor=request.user, submission=submission))

    @_submission_action("Service staff return the submission for completion; `reason` (what is "
                        "missing) is e-mailed to the submitter.", request=ReasonSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_completion(self, request, pk=None):
        submission = self.get_object()
        data = self.input(ReasonSerializer)
        return self.answer(services.submission_return(actor=request.user, submission=submission,
                                                      reason=data["reason"]))

    @_submission_action("Service staff accept the submission: every check runs first, and if any "
                        "fails the answer is 409 with the whole list in `failed_checks`. Accepting "
                        "registers the customer and creates the draft contract (its id is in "
                        "`contract`).")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        submission = self.get_object()
        services.submission_accept(actor=request.user, submission=submission)
        return self.answer(submission)


# --- Contracts -------------------------------------------------------------------------------------


class ContractRentLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RentLine
        fields = ["id", "kind", "description", "amount", "rent_year"]


class ContractDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractDocument
        fields = ["id", "kind", "rent_line", "content_type", "sha256", "created_at"]


def rent_year_of(contract: RentalContract) -> int | None:
    """The year whose rent lines make the monthly rent: this year's, else the latest there is."""
    years = {ln.rent_year for ln in contract.rent_lines.all()}
    if not years:
        return None
    this_year = timezone.localdate().year
    return this_year if this_year in years else max(years)


class ContractSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.full_name", allow_null=True,
                                          read_only=True)
    object_number = serializers.CharField(source="rental_object.object_number", read_only=True)
    housing_form = serializers.ChoiceField(source="rental_object.housing_form",
                                           choices=HousingForm.choices, read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    monthly_rent = serializers.SerializerMethodField(
        help_text="Base rent plus supplements minus deductions, for `rent_year`.")
    rent_year = serializers.SerializerMethodField(
        help_text="This year if the contract has rent lines for it, else the latest year it has.")
    rent_lines = ContractRentLineSerializer(many=True, read_only=True)
    documents = ContractDocumentSerializer(many=True, read_only=True, help_text="Metadata of the contract's PDFs "
                                                                "and signed originals.")

    class Meta:
        model = RentalContract
        fields = ["id", "number", "kind", "state", "customer", "customer_name", "rental_object",
                  "object_number", "housing_form", "organisation", "organisation_name",
                  "start_date", "end_date", "notice_period_months", "collection_code",
                  "delivery_channel", "personal_contact", "tenure_waiver_signed_on",
                  "tribunal_approved_on", "activated_at", "sent_at", "monthly_rent", "rent_year",
                  "rent_lines", "documents", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2))
    def get_monthly_rent(self, obj) -> str:
        year = rent_year_of(obj)
        return f"{obj.monthly_rent(year) if year else 0:.2f}"

    def get_rent_year(self, obj) -> int | None:
        return rent_year_of(obj)


class ContractWriteSerializer(serializers.ModelSerializer):
    rent_lines = RentLineInputSerializer(many=True, help_text="This year's rent lines.")

    class Meta:
        model = RentalContract
        fields = ["kind", "customer", "rental_object", "organisation", "start_date", "end_date",
                  "notice_period_months", "collection_code", "delivery_channel", "personal_contact",
                  "rent_lines"]
        extra_kwargs = {
            "customer": {"help_text": "The customer (person id); none for a vacancy or an internal "
                                      "contract."},
            "collection_code": {"help_text": "An active collection code (id)."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance
        self.fields["rental_object"].queryset = RentalObject.objects.filter(
            _active_or(current and current.rental_object_id))
        self.fields["collection_code"].queryset = CollectionCode.objects.filter(
            _active_or(current and current.collection_code_id))


class ContractUpdateSerializer(ContractWriteSerializer):
    rent_lines = RentLineInputSerializer(
        many=True, required=False,
        help_text="When given, replace this year's rent lines (the contract documents are made "
                  "again).")

    class Meta(ContractWriteSerializer.Meta):
        fields = [f for f in ContractWriteSerializer.Meta.fields if f != "kind"]


class ContractFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=RentalContract.State.choices, required=False)
    kind = serializers.ChoiceField(choices=RentalContract.Kind.choices, required=False)
    organisation = serializers.IntegerField(required=False, help_text="The administration (id).")
    customer = serializers.IntegerField(required=False, help_text="The customer (person id).")
    object = serializers.IntegerField(required=False, help_text="The rental object (id).")


class TenureWaiverSerializer(serializers.Serializer):
    signed_on = serializers.DateField(help_text="The day the waiver of security of tenure was signed.")
    tribunal_approved_on = serializers.DateField(required=False, allow_null=True, default=None,
                                                 help_text="The rent tribunal's approval date.")


def _contract_action(description: str, request=None):
    """The schema of a transition action; one with a body can answer 400 too."""
    responses = {200: ContractSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: REFUSED}
    if request is not None:
        responses[400] = BAD_INPUT
    return extend_schema(request=request, description=description, responses=responses)


@extend_schema_view(
    list=extend_schema(parameters=[ContractFilterSerializer]),
    retrieve=extend_schema(responses={200: ContractSerializer, 404: NOT_FOUND}),
    update=extend_schema(
        request=ContractUpdateSerializer,
        responses={200: ContractSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND},
        description="Service staff change the contract's terms; every change is in its history.",
    ),
    partial_update=extend_schema(
        request=ContractUpdateSerializer,
        responses={200: ContractSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND},
        description="Service staff change some of the contract's terms; every change is in its "
                    "history.",
    ),
)
class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoleScopedViewSet):
    """Rental contracts: all for service staff, the own administration's for an officer, and for a
    citizen their own (and those of whom they represent)."""

    serializer_class = ContractSerializer
    read_roles = frozenset({STAFF, OFFICER, CITIZEN})
    action_roles = {
        name: frozenset({STAFF})
        for name in ("create", "update", "partial_update", "make_preliminary", "activate",
                     "open_dispute", "close_dispute", "record_tenure_waiver")
    }

    def get_queryset(self):
        return (
            selectors.contracts_visible_to(self.request.user)
            .prefetch_related("rent_lines", "documents")
            .order_by("-start_date", "id")
        )

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.query(ContractFilterSerializer)
        for name, lookup in (("state", "state"), ("kind", "kind"), ("organisation", "organisation_id"),
                             ("customer", "customer_id"), ("object", "rental_object_id")):
            if name in params:
                queryset = queryset.filter(**{lookup: params[name]})
        return queryset

    @extend_schema(
        request=ContractWriteSerializer,
        responses={201: ContractSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
        description="Service staff register a contract without a submission: a vacancy or internal "
                    "contract (no customer), or a customer contract from scratch. It starts as a "
                    "draft with a number.",
    )
    def create(self, request, *args, **kwargs):
        data = dict(self.input(ContractWriteSerializer))
        rent_lines = rent_line_data(data.pop("rent_lines"))
        contract = services.contract_create(actor=request.user, rent_lines=rent_lines, **data)
        return self.answer(contract, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        contract = self.get_object()
        serializer = ContractUpdateSerializer(contract, data=request.data,
                                              partial=kwargs.get("partial", False),
                                              context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        rent_lines = data.pop("rent_lines", None)
        with transaction.atomic():
            contract = services.contract_update(actor=request.user, contract=contract, **data)
            if rent_lines is not None:
                contract = services.contract_set_rent_lines(
                    actor=request.user, contract=contract, year=timezone.localdate().year,
                    lines=rent_line_data(rent_lines))
        return self.answer(contract)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @_contract_action("Register the draft: it waits for signature or for the district.",
                      request=OptionalReasonSerializer)
    @action(detail=True, methods=["post"], url_path="make-preliminary")
    def make_preliminary(self, request, pk=None):
        contract = self.get_object()
        data = self.input(OptionalReasonSerializer)
        return self.answer(services.contract_make_preliminary(actor=request.user, contract=contract,
                                                              reason=data["reason"]))

    @_contract_action("Activate the contract. Every activation check runs first; if any fails the "
                      "answer is 409 with the whole list in `failed_checks`. The contract is then "
                      "sent (care housing, unless the district wants personal contact) and the "
                      "submitting officer is told.")
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        contract = self.get_object()
        return self.answer(services.contract_activate(actor=request.user, contract=contract))

    @_contract_action("A rent tribunal case is open on the active contract.",
                      request=ReasonSerializer)
    @action(detail=True, methods=["post"], url_path="open-dispute")
    def open_dispute(self, request, pk=None):
        contract = self.get_object()
        data = self.input(ReasonSerializer)
        return self.answer(services.contract_open_dispute(actor=request.user, contract=contract,
                                                          reason=data["reason"]))

    @_contract_action("The rent tribunal case is closed; the contract is active again.",
                      request=ReasonSerializer)
    @action(detail=True, methods=["post"], url_path="close-dispute")
    def close_dispute(self, request, pk=None):
        contract = self.get_object()
        data = self.input(ReasonSerializer)
        return self.answer(services.contract_close_dispute(actor=request.user, contract=contract,
                                                           reason=data["reason"]))

    @_contract_action("FOT: record the day the waiver of security of tenure was signed (and the rent "
                      "tribunal's approval).", request=TenureWaiverSerializer)
    @action(detail=True, methods=["post"], url_path="record-tenure-waiver")
    def record_tenure_waiver(self, request, pk=None):
        contract = self.get_object()
        data = self.input(TenureWaiverSerializer)
        return self.answer(services.contract_record_tenure_waiver(
            actor=request.user, contract=contract, signed_on=data["signed_on"],
            tribunal_approved_on=data["tribunal_approved_on"]))


def register(router):
    router.register("objects", RentalObjectViewSet, basename="rental-object")
    router.register("customers", CustomerViewSet, basename="customer")
    router.register("submissions", SubmissionViewSet, basename="submission")
    router.register("contracts", ContractViewSet, basename="contract")
    from . import termination_api

    termination_api.register(router)


