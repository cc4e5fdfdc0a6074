"""Factories for the contracts app."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from contracts.models import (
    CollectionCode,
    HousingForm,
    Landlord,
    ObjectQuality,
    QualityType,
    RentalContract,
    RentalObject,
    RentLine,
    RentLineKind,
    Submission,
    SubmissionRentLine,
)
from tests.factories import OrganisationFactory, PersonFactory, UserFactory, make_personal_number


class LandlordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Landlord
        django_get_or_create = ("organisation_number",)

    name = factory.Sequence(lambda n: f"Fastighets AB {n}")
    # 11 characters always (the column is 11): past 10 000 landlords in one test session, numbers repeat
    # and django_get_or_create reuses the landlord.
    organisation_number = factory.Sequence(lambda n: f"556{n // 10000 % 1000:03d}-{n % 10000:04d}")
    is_city_owned = False


class QualityTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QualityType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"quality-{n}")
    name = factory.Sequence(lambda n: f"Kvalitet {n}")
    required = False


class CollectionCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollectionCode
        django_get_or_create = ("code",)

    code = "K1"
    name = "Standard"


class RentalObjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RentalObject

    object_number = factory.Sequence(lambda n: f"OBJ-{n:05d}")
    street_address = factory.Sequence(lambda n: f"Ringvägen {n % 150 + 1}")
    postcode = "11726"
    town = "Stockholm"
    housing_form = HousingForm.CARE_HOME
    landlord = factory.SubFactory(LandlordFactory)
    first_hand_rent = Decimal("5200.00")
    first_hand_rent_negotiated = True
    rent = Decimal("5400.00")
    rent_year = factory.LazyFunction(lambda: timezone.localdate().year)
    area = Decimal("32.5")
    rooms = Decimal("1.0")
    owner = factory.SubFactory(OrganisationFactory)


class ObjectQualityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ObjectQuality

    rental_object = factory.SubFactory(RentalObjectFactory)
    quality_type = factory.SubFactory(QualityTypeFactory)
    value = "Ja"


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission
        skip_postgeneration_save = True

    kind = Submission.Kind.NEW_TENANT
    organisation = factory.SubFactory(OrganisationFactory)
    submitted_by = factory.SubFactory(UserFactory, organisation=factory.SelfAttribute("..organisation"))
    received_at = factory.LazyFunction(timezone.now)
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=3))
    personal_number = factory.Sequence(lambda n: make_personal_number(dt.date(1950, 3, 1)
                                                                      + dt.timedelta(days=n), 400 + n % 500))
    first_name = "Greta"
    last_name = "Holmberg"
    email = "greta@example.invalid"
    rental_object = factory.SubFactory(RentalObjectFactory,
                                       owner=factory.SelfAttribute("..organisation"))
    start_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=10))
    collection_code = factory.SubFactory(CollectionCodeFactory)

    @factory.post_generation
    def rent_lines(obj, create, extracted, **kwargs):
        if not create:
            return
        lines = extracted if extracted is not None else [(RentLineKind.BASE_RENT, obj.rental_object.rent)]
        for kind, amount in lines:
            SubmissionRentLine.objects.create(submission=obj, kind=kind, amount=amount)


class RentalContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RentalContract
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"2026-{n:06d}")
    kind = RentalContract.Kind.EXTERNAL
    customer = factory.SubFactory(PersonFactory, affiliation=factory.SelfAttribute("..organisation"))
    organisation = factory.SubFactory(OrganisationFactory)
    rental_object = factory.SubFactory(RentalObjectFactory, owner=factory.SelfAttribute("..organisation"))
    start_date = dt.date(2024, 1, 1)
    collection_code = factory.SubFactory(CollectionCodeFactory)

    @factory.post_generation
    def rent_lines(obj, create, extracted, **kwargs):
        if not create:
            return
        year = timezone.localdate().year
        lines = extracted if extracted is not None else [(RentLineKind.BASE_RENT, obj.rental_object.rent)]
        for kind, amount in lines:
            RentLine.objects.create(contract=obj, kind=kind, amount=amount, rent_year=year)


def active_contract(**kwargs) -> RentalContract:
    """A contract in state active (the state field is protected, so set it in the database)."""
    contract = RentalContractFactory(**kwargs)
    RentalContract.objects.filter(pk=contract.pk).update(state=RentalContract.State.ACTIVE,
                                                         activated_at=timezone.now())
    return RentalContract.objects.get(pk=contract.pk)
