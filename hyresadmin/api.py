"""The kernel's API: who am I, organisations and persons, scoped by ``permissions``.

Every list and detail is built on ``permissions.organisations_visible_to`` and
``permissions.persons_visible_to``, so that an object the user may not see answers 404, exactly as if
it did not exist. Person details are personal data: opening one is recorded in the audit trail, and a
protected identity's address is returned only to service staff. Lists run a constant number of
queries however long they are.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from . import permissions, services
from .identity import parse_personal_number
from .models import Organisation, Person


class IsServiceStaff(drf_permissions.BasePermission):
    """Service-administration staff only (the schema and its docs)."""

    def has_permission(self, request, view):
        return permissions.is_service_staff(request.user)


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "code", "name", "kind", "shared_mailbox_email"]


class AddressSerializer(serializers.Serializer):
    """A person's postal address (absent for a protected identity unless the reader is staff)."""

    street_address = serializers.CharField()
    care_of = serializers.CharField()
    postcode = serializers.CharField()
    town = serializers.CharField()


class PersonSerializer(serializers.ModelSerializer):
    personal_number = serializers.CharField(
        source="formatted_personal_number", read_only=True,
        help_text="YYYYMMDD-NNNN (the day plus 60 for a coordination number).",
    )
    address = serializers.SerializerMethodField(
        help_text="Null for a protected identity, except for service staff."
    )

    class Meta:
        model = Person
        fields = ["id", "personal_number", "is_coordination_number", "first_name", "last_name",
                  "address", "email", "phone", "protected_identity", "deceased_on", "affiliation"]

    @extend_schema_field(AddressSerializer(allow_null=True))
    def get_address(self, obj) -> dict | None:
        user = self.context["request"].user
        if not permissions.can_see_address(user, obj):
            return None
        return {"street_address": obj.street_address, "care_of": obj.care_of,
                "postcode": obj.postcode, "town": obj.town}


class PersonFilterSerializer(serializers.Serializer):
    """The query parameters of the person list."""

    search = serializers.CharField(
        required=False, allow_blank=True, max_length=100,
        help_text="A personal identity number (any accepted form, or part of its digits), or "
                  "words that each must occur in the first or last name.",
    )
    affiliation = serializers.IntegerField(
        required=False, help_text="Only persons affiliated with this organisation (id)."
    )


_NUMBER_SEPARATORS = re.compile(r"[\s+-]")


def filter_persons(queryset: QuerySet[Person], *, search: str = "", affiliation: int | None = None
                   ) -> QuerySet[Person]:
    """Narrow an already permission-scoped person queryset by the list's query parameters."""
    if affiliation is not None:
        queryset = queryset.filter(affiliation_id=affiliation)
    search = (search or "").strip()
    if not search:
        return queryset
    digits = _NUMBER_SEPARATORS.sub("", search)
    if digits.isdigit():
        if len(digits) in (10, 12):
            try:
                return queryset.filter(personal_number=parse_personal_number(search).digits12)
            except DjangoValidationError:
                pass
        return queryset.filter(personal_number__contains=digits)
    for word in search.split():
        queryset = queryset.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return queryset


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    organisation = OrganisationSerializer(allow_null=True)
    person_id = serializers.IntegerField(allow_null=True)


class MeView(APIView):
    """The logged-in user: roles, organisation, and the person a citizen is."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        person = getattr(user, "person", None)
        data = {
            "username": user.get_username(),
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "organisation": user.organisation,
            "person_id": person.pk if person else None,
        }
        return Response(MeSerializer(data).data)


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organisations whose data the user may see: all for staff, their own for an officer."""

    serializer_class = OrganisationSerializer

    def get_queryset(self):
        return permissions.organisations_visible_to(self.request.user).order_by("name")


@extend_schema_view(list=extend_schema(parameters=[PersonFilterSerializer]))
class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Persons the user may see: all for staff, their organisation's for an officer, themselves
    and whom they represent (with the right to see invoices) for a citizen."""

    serializer_class = PersonSerializer

    def get_queryset(self):
        return permissions.persons_visible_to(self.request.user).order_by("last_name", "first_name", "id")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = PersonFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return filter_persons(queryset, **params.validated_data)

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        services.person_record_viewed(actor=request.user, person=person, where="api")
        return Response(self.get_serializer(person).data)


#: The storage limits Django puts on integer fields as validators. They depend on the database
#: (SQLite says 64 bits for every integer field, PostgreSQL 16, 32 or 64 bits by field type), so a
#: schema that carried them would differ between the two and the committed ``openapi.yaml`` could
#: not match both.
_STORAGE_BOUNDS = frozenset(
    bound for bounds in BaseDatabaseOperations.integer_field_ranges.values() for bound in bounds if bound
)


def drop_storage_integer_bounds(result, generator, request, public):
    """drf-spectacular post-processing hook: remove database-dependent integer bounds (and the
    ``int64`` format they imply), keeping real ones such as ``minimum: 0``."""

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "integer":
                if node.get("maximum") in _STORAGE_BOUNDS:
                    del node["maximum"]
                    if node.get("format") == "int64":
                        del node["format"]
                if node.get("minimum") in _STORAGE_BOUNDS:
                    del node["minimum"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result


def register(router):
    router.register("organisations", OrganisationViewSet, basename="organisation")
    router.register("persons", PersonViewSet, basename="person")
