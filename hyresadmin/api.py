"""The kernel's API: who am I, organisations and persons, scoped by ``permissions``.

Person details are personal data: opening one is recorded in the audit trail, and a protected
identity's address is returned only to service staff.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from . import permissions, services
from .models import Organisation, Person


class IsServiceStaff(drf_permissions.BasePermission):
    def has_permission(self, request, view):
        return permissions.is_service_staff(request.user)


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "code", "name", "kind", "shared_mailbox_email"]


class PersonSerializer(serializers.ModelSerializer):
    personal_number = serializers.CharField(source="formatted_personal_number", read_only=True)
    address = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "personal_number", "is_coordination_number", "first_name", "last_name",
                  "address", "email", "phone", "protected_identity", "deceased_on", "affiliation"]

    def get_address(self, obj) -> dict | None:
        user = self.context["request"].user
        if not permissions.can_see_address(user, obj):
            return None
        return {"street_address": obj.street_address, "care_of": obj.care_of,
                "postcode": obj.postcode, "town": obj.town}


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    organisation = OrganisationSerializer(allow_null=True)
    person_id = serializers.IntegerField(allow_null=True)


class MeView(APIView):
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
    serializer_class = OrganisationSerializer

    def get_queryset(self):
        return permissions.organisations_visible_to(self.request.user).order_by("name")


class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PersonSerializer

    def get_queryset(self):
        return permissions.persons_visible_to(self.request.user).order_by("last_name", "first_name", "id")

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        services.person_record_viewed(actor=request.user, person=person, where="api")
        return Response(self.get_serializer(person).data)


def register(router):
    router.register("organisations", OrganisationViewSet, basename="organisation")
    router.register("persons", PersonViewSet, basename="person")
