"""factory_boy factories for the kernel. Each app adds its own in ``tests/<app>/factories.py``."""

import datetime as dt

import factory
from stdnum import luhn

from hyresadmin.models import Organisation, Person, Representative, User


def make_personal_number(birth: dt.date, serial: int, *, coordination: bool = False) -> str:
    """A valid 12-digit personal identity (or coordination) number for ``birth``."""
    day = birth.day + (60 if coordination else 0)
    nine = f"{birth:%y%m}{day:02d}{serial:03d}"
    return f"{birth:%Y}"[:2] + nine + luhn.calc_check_digit(nine)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ORG{n:03d}")
    name = factory.Sequence(lambda n: f"Förvaltning {n}")
    kind = Organisation.Kind.DISTRICT
    shared_mailbox_email = factory.LazyAttribute(lambda o: f"{o.code.lower()}@example.invalid")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Anna"
    last_name = "Andersson"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    personal_number = factory.Sequence(
        lambda n: make_personal_number(dt.date(1940, 1, 1) + dt.timedelta(days=n * 37 % 20000),
                                       (n * 7) % 1000)
    )
    first_name = factory.Iterator(["Karin", "Lars", "Maria", "Erik", "Fatima", "Ahmed", "Elsa"])
    last_name = factory.Iterator(["Berg", "Lind", "Nilsson", "Holm", "Yusuf", "Ali", "Ek"])
    street_address = factory.Sequence(lambda n: f"Hornsgatan {n % 200 + 1}")
    postcode = "11821"
    town = "Stockholm"
    email = factory.Sequence(lambda n: f"person{n}@example.invalid")


class RepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Representative

    person = factory.SubFactory(PersonFactory)
    agent = factory.SubFactory(PersonFactory)
    kind = Representative.Kind.TRUSTEE
    valid_from = dt.date(2020, 1, 1)
    may_see_invoices = True


