"""Demo data: Stockholm's districts, the service administration, demo logins and a registry of persons.

``seed_demo(password=…, persons=…)`` runs a list of *steps*; each step creates what is missing and
corrects what differs, keyed on natural keys (organisation code, username, personal identity number,
and for a representative its person, kind and agent or contact name). Everything is generated
deterministically (``random.Random`` seeded per step), so a second run finds everything in place and
changes nothing — no new rows, no new audit events.

Persons and representatives are written through ``hyresadmin.services`` and so appear in the audit
trail with the actor ``seed_demo``.

Later apps extend the demo with their own ``<app>/demo.py``, found by ``autodiscover_modules``::

    from hyresadmin import demo

    @demo.register_step("contracts")
    def seed_contracts(ctx: demo.DemoContext) -> None:
        rng = ctx.rng("contracts")
        for person in ctx.people[:30]:
            ...  # call contracts.services, count with ctx.count(Contract, created=…)

Steps run in registration order: the kernel's first, then the apps' in ``INSTALLED_APPS`` order.
The command (``manage.py seed_demo``) refuses to run when ``DEBUG`` is off; this module does not check.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _
from stdnum import luhn

from . import permissions, services
from .models import Organisation, Person, Representative, User

#: Seeds every step's random generator; change it and the demo persons change.
SEED = 2026
#: The audit trail's actor for everything the demo writes.
ACTOR = "seed_demo"
#: Below this the special persons (protected identity, deceased, representatives) do not fit.
MIN_PERSONS = 20


# --- The registry of steps ------------------------------------------------------------------------------


@dataclass
class DemoContext:
    """What the steps share: the options, what earlier steps made, and the counts."""

    password: str
    persons: int
    organisations: dict[str, Organisation] = field(default_factory=dict)  # by code
    users: dict[str, User] = field(default_factory=dict)  # by username
    people: list[Person] = field(default_factory=list)  # in generation order
    created: Counter = field(default_factory=Counter)  # model label -> rows created
    updated: Counter = field(default_factory=Counter)  # model label -> rows changed

    def rng(self, step: str) -> random.Random:
        """A generator for one step: the same numbers on every run, whatever other steps draw."""
        return random.Random(f"{SEED}:{step}")

    def count(self, model: type[models.Model], *, created: bool = False, updated: bool = False) -> None:
        label = model._meta.label_lower
        self.created[label] += int(created)
        self.updated[label] += int(updated)

    def district(self, code: str) -> Organisation:
        return self.organisations[code]


Step = Callable[[DemoContext], None]
_steps: dict[str, Step] = {}


def register_step(name: str) -> Callable[[Step], Step]:
    """Add a step to the demo (a second registration under the same name replaces the first)."""

    def decorator(func: Step) -> Step:
        _steps[name] = func
        return func

    return decorator


def steps() -> list[tuple[str, Step]]:
    autodiscover_modules("demo")
    return list(_steps.items())


def seed_demo(*, password: str, persons: int = 60) -> dict[str, int]:
    """Create (or complete) the demo data; return how many rows of each model were created now.

    The keys are model labels (``"hyresadmin.person"``); a second run returns zeros.
    """
    if persons < MIN_PERSONS:
        raise ValueError(f"The demo needs at least {MIN_PERSONS} persons.")
    ctx = DemoContext(password=password, persons=persons)
    with transaction.atomic():
        for _name, step in steps():
            step(ctx)
    return dict(ctx.created)


def _upsert(ctx: DemoContext, model: type[models.Model], lookup: dict, values: dict):
    """Create the row, or set the fields that differ; count either."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        ctx.count(model, created=True)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)
    ctx.count(model, updated=bool(changed))
    return obj


# --- Organisations -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictSpec:
    code: str
    name: str
    slug: str  # for e-mail addresses
    streets: tuple[tuple[str, str, str], ...]  # (street, postcode, postal town)

    @property
    def mailbox(self) -> str:
        return f"hyresadministration.{self.slug}@example.invalid"


#: Stockholm's thirteen district administrations (stadsdelsförvaltningar), with streets of each.
DISTRICTS: tuple[DistrictSpec, ...] = (
    DistrictSpec("SOD", "Södermalms stadsdelsförvaltning", "sodermalm", (
        ("Hornsgatan", "11821", "Stockholm"), ("Götgatan", "11646", "Stockholm"),
        ("Ringvägen", "11861", "Stockholm"), ("Folkungagatan", "11630", "Stockholm"))),
    DistrictSpec("KUN", "Kungsholmens stadsdelsförvaltning", "kungsholmen", (
        ("Fleminggatan", "11226", "Stockholm"), ("Hantverkargatan", "11221", "Stockholm"),
        ("S:t Eriksgatan", "11239", "Stockholm"), ("Drottningholmsvägen", "11242", "Stockholm"))),
    DistrictSpec("NOR", "Norrmalms stadsdelsförvaltning", "norrmalm", (
        ("Sveavägen", "11359", "Stockholm"), ("Odengatan", "11322", "Stockholm"),
        ("Dalagatan", "11324", "Stockholm"), ("Upplandsgatan", "11123", "Stockholm"))),
    DistrictSpec("OST", "Östermalms stadsdelsförvaltning", "ostermalm", (
        ("Karlavägen", "11431", "Stockholm"), ("Valhallavägen", "11422", "Stockholm"),
        ("Linnégatan", "11447", "Stockholm"), ("Jungfrugatan", "11444", "Stockholm"))),
    DistrictSpec("HAV", "Hässelby-Vällingby stadsdelsförvaltning", "hasselby-vallingby", (
        ("Vällingbyvägen", "16265", "Vällingby"), ("Hässelby torg", "16555", "Hässelby"),
        ("Råckstavägen", "16255", "Vällingby"), ("Loviselundsvägen", "16571", "Hässelby"))),
    DistrictSpec("BRO", "Bromma stadsdelsförvaltning", "bromma", (
        ("Brommaplan", "16876", "Bromma"), ("Ulvsundavägen", "16867", "Bromma"),
        ("Norrbyvägen", "16869", "Bromma"), ("Åkeshovsvägen", "16839", "Bromma"))),
    DistrictSpec("SPT", "Spånga-Tensta stadsdelsförvaltning", "spanga-tensta", (
        ("Tensta allé", "16364", "Spånga"), ("Hagstråket", "16364", "Spånga"),
        ("Spånga torg", "16330", "Spånga"), ("Elinsborgsbacken", "16364", "Spånga"))),
    DistrictSpec("RIK", "Rinkeby-Kista stadsdelsförvaltning", "rinkeby-kista", (
        ("Rinkebystråket", "16371", "Spånga"), ("Kistagången", "16440", "Kista"),
        ("Husbygårdsbacken", "16436", "Kista"), ("Akallalänken", "16474", "Kista"))),
    DistrictSpec("SKH", "Skärholmens stadsdelsförvaltning", "skarholmen", (
        ("Skärholmsvägen", "12748", "Skärholmen"), ("Bredängsvägen", "12732", "Skärholmen"),
        ("Sätra torg", "12738", "Skärholmen"), ("Vårbyvägen", "12746", "Skärholmen"))),
    DistrictSpec("HAL", "Hägersten-Älvsjö stadsdelsförvaltning", "hagersten-alvsjo", (
        ("Hägerstensvägen", "12654", "Hägersten"), ("Götalandsvägen", "12530", "Älvsjö"),
        ("Personnevägen", "12537", "Älvsjö"), ("Västertorpsvägen", "12944", "Hägersten"))),
    DistrictSpec("EAV", "Enskede-Årsta-Vantörs stadsdelsförvaltning", "enskede-arsta-vantor", (
        ("Årstavägen", "12052", "Årsta"), ("Sockenvägen", "12263", "Enskede"),
        ("Högdalsgången", "12454", "Bandhagen"), ("Rågsvedsvägen", "12464", "Bandhagen"))),
    DistrictSpec("FAR", "Farsta stadsdelsförvaltning", "farsta", (
        ("Farsta torg", "12347", "Farsta"), ("Lingvägen", "12361", "Farsta"),
        ("Hökarängsplan", "12347", "Farsta"), ("Larsbodavägen", "12342", "Farsta"))),
    DistrictSpec("SKN", "Skarpnäcks stadsdelsförvaltning", "skarpnack", (
        ("Skarpnäcks allé", "12833", "Skarpnäck"), ("Lagaplan", "12832", "Skarpnäck"),
        ("Byälvsvägen", "12842", "Bagarmossen"), ("Björkhagsplan", "12166", "Johanneshov"))),
)
DISTRICTS_BY_CODE = {spec.code: spec for spec in DISTRICTS}
SERVICE_CODE = "SF"
SERVICE_NAME = "Serviceförvaltningen"
SERVICE_MAILBOX = "hyresadministrationen@example.invalid"


@register_step("organisations")
def seed_organisations(ctx: DemoContext) -> None:
    for spec in DISTRICTS:
        ctx.organisations[spec.code] = _upsert(ctx, Organisation, {"code": spec.code}, {
            "name": spec.name, "kind": Organisation.Kind.DISTRICT,
            "shared_mailbox_email": spec.mailbox, "is_active": True,
        })
    ctx.organisations[SERVICE_CODE] = _upsert(ctx, Organisation, {"code": SERVICE_CODE}, {
        "name": SERVICE_NAME, "kind": Organisation.Kind.SERVICE,
        "shared_mailbox_email": SERVICE_MAILBOX, "is_active": True,
    })


# --- Users ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    organisation: str  # code
    role: str
    description: str
    path: str  # the door to log in at
    is_staff: bool = False
    is_superuser: bool = False


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Alva", "Admin", SERVICE_CODE, permissions.SERVICE_ADMIN,
             _("superuser"), "/admin/", is_staff=True, is_superuser=True),
    DemoUser("service", "Helena", "Lundqvist", SERVICE_CODE, permissions.SERVICE_STAFF,
             _("service administration staff"), "/admin/", is_staff=True),
    DemoUser("sodermalm", "Johan", "Ekström", "SOD", permissions.DISTRICT_OFFICER,
             _("district officer"), "/forvaltning/"),
    DemoUser("kungsholmen", "Amina", "Hassan", "KUN", permissions.DISTRICT_OFFICER,
             _("district officer"), "/forvaltning/"),
)


@register_step("users")
def seed_users(ctx: DemoContext) -> None:
    for spec in DEMO_USERS:
        user = _upsert(ctx, User, {"username": spec.username}, {
            "first_name": spec.first_name, "last_name": spec.last_name,
            "email": f"{spec.username}@example.invalid", "organisation": ctx.district(spec.organisation),
            "is_staff": spec.is_staff, "is_superuser": spec.is_superuser, "is_active": True,
        })
        if not user.check_password(ctx.password):
            user.set_password(ctx.password)
            user.save(update_fields=["password"])
        if not user.groups.filter(name=spec.role).exists():
            user.groups.add(Group.objects.get(name=spec.role))
        ctx.users[spec.username] = user


# --- Persons -------------------------------------------------------------------------------------------


def make_personal_number(birth: dt.date, serial: int, *, coordination: bool = False) -> str:
    """The 12-digit personal identity number (or coordination number: day + 60) with its Luhn check
    digit. An odd ``serial`` is a man's, an even one a woman's."""
    day = birth.day + (60 if coordination else 0)
    nine = f"{birth:%y%m}{day:02d}{serial:03d}"
    return f"{birth.year // 100:02d}{nine}{luhn.calc_check_digit(nine)}"


FIRST_NAMES_FEMALE = (
    "Anna", "Eva", "Maria", "Karin", "Kristina", "Lena", "Sara", "Emma", "Elin", "Ingrid", "Birgitta",
    "Margareta", "Fatima", "Amina", "Leila", "Sofia", "Maja", "Astrid", "Elsa", "Hanna", "Ida",
    "Marianne", "Gunilla", "Ulla", "Aisha", "Zeynep", "Agnieszka", "Mirja",
)
FIRST_NAMES_MALE = (
    "Lars", "Karl", "Erik", "Anders", "Johan", "Per", "Nils", "Mikael", "Jan", "Hans", "Peter", "Olof",
    "Ahmed", "Mohammed", "Ali", "Omar", "Oskar", "Lukas", "Gustav", "Sven", "Bengt", "Göran", "Åke",
    "Kjell", "Mehmet", "Piotr", "Juha", "Daniel",
)
LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Lindberg", "Lindström", "Lindqvist", "Berglund",
    "Axelsson", "Öberg", "Åberg", "Sjöberg", "Ekström", "Holmström", "Björk", "Sandberg", "Forsberg",
    "Nyström", "Wallin", "Engström", "Mohamed", "Ali", "Hassan", "Ahmed", "Yilmaz", "Nguyen",
    "Korhonen", "Kowalski", "Haddad", "Abdi", "Rodríguez", "Popescu",
)

PROTECTED_INDEX = 6  # exactly one person with protected identity (skyddade personuppgifter)
DECEASED_INDEX = 11  # exactly one deceased person
DECEASED_ON = dt.date(2025, 9, 14)
#: The affiliation of person i is ``_AFFILIATION_CYCLE[i % 24]``: every district has customers,
#: Södermalm and Kungsholmen (the two demo officers') the most.
_AFFILIATION_CYCLE = (
    "SOD", "KUN", "SOD", "NOR", "KUN", "OST", "SOD", "HAV", "KUN", "BRO", "SOD", "SPT",
    "KUN", "RIK", "SOD", "SKH", "KUN", "HAL", "SOD", "EAV", "KUN", "FAR", "SOD", "SKN",
)


@dataclass(frozen=True)
class RepresentationSpec:
    person: int  # index into the generated persons
    kind: str
    valid_from: dt.date
    agent: int | None = None
    contact_name: str = ""
    valid_to: dt.date | None = None
    may_see_invoices: bool = False


#: Who acts for whom. Person 3 is a professional god man with two current clients and one ended one.
REPRESENTATIONS: tuple[RepresentationSpec, ...] = (
    RepresentationSpec(2, Representative.Kind.TRUSTEE, dt.date(2021, 3, 1), agent=3, may_see_invoices=True),
    RepresentationSpec(PROTECTED_INDEX, Representative.Kind.TRUSTEE, dt.date(2022, 9, 1), agent=3,
                       may_see_invoices=True),
    RepresentationSpec(14, Representative.Kind.TRUSTEE, dt.date(2018, 5, 1), agent=3,
                       valid_to=dt.date(2024, 6, 30), may_see_invoices=True),
    RepresentationSpec(14, Representative.Kind.TRUSTEE, dt.date(2024, 7, 1), agent=15, may_see_invoices=True),
    RepresentationSpec(4, Representative.Kind.ADMINISTRATOR, dt.date(2019, 10, 15), agent=9,
                       may_see_invoices=True),
    RepresentationSpec(8, Representative.Kind.RELATIVE, dt.date(2023, 1, 1), agent=10, may_see_invoices=True),
    RepresentationSpec(12, Representative.Kind.RELATIVE, dt.date(2024, 2, 1), agent=13),
    RepresentationSpec(16, Representative.Kind.SOCIAL_SECRETARY, dt.date(2025, 1, 1),
                       contact_name="Maria Johansson"),
)
_REPRESENTED = {spec.person for spec in REPRESENTATIONS}
_AGENTS = {spec.agent for spec in REPRESENTATIONS if spec.agent is not None}
#: PTS reserves 08-465 004 00 - 08-465 004 99 for fiction: never someone's phone.
SOCIAL_SERVICES_PHONE = "08-465 004 12"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _email(first: str, last: str, index: int) -> str:
    return f"{_ascii(first)}.{_ascii(last)}{index}@example.invalid"


def _birth_date(rng: random.Random, first_year: int, last_year: int) -> dt.date:
    start, end = dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def generate_persons(count: int) -> list[dict]:
    """The demo persons' fields, the same on every call (a longer list starts with the shorter one)."""
    rng = random.Random(f"{SEED}:persons")
    taken: set[str] = set()
    persons = []
    for index in range(count):
        male = rng.random() < 0.5
        first = rng.choice(FIRST_NAMES_MALE if male else FIRST_NAMES_FEMALE)
        last = rng.choice(LAST_NAMES)
        coordination = index % 12 == 5
        if index == DECEASED_INDEX or index in _REPRESENTED:
            birth = _birth_date(rng, 1930, 1948)
        elif index in _AGENTS:
            birth = _birth_date(rng, 1955, 1985)
        elif coordination:
            birth = _birth_date(rng, 1975, 2000)
        else:
            birth = _birth_date(rng, 1950, 2004)
        while True:
            number = make_personal_number(birth, rng.randint(1, 498) * 2 + int(male),
                                          coordination=coordination)
            if number not in taken:
                taken.add(number)
                break
        district = DISTRICTS_BY_CODE[_AFFILIATION_CYCLE[index % 24]]
        street, postcode, town = rng.choice(district.streets)
        address = f"{street} {rng.randint(1, 140)}"
        if rng.random() < 0.3:
            address += f" lgh {rng.randint(11, 15)}{rng.randint(1, 4):02d}"
        email = _email(first, last, index) if rng.random() < 0.6 else ""
        # 070-174 06 05 - 070-174 06 99 are reserved by PTS for fiction: never someone's phone.
        phone = f"070-174 06 {rng.randint(5, 99):02d}" if rng.random() < 0.7 else ""
        fields = {
            "personal_number": number, "first_name": first, "last_name": last,
            "street_address": address, "care_of": "", "postcode": postcode, "town": town,
            "email": email, "phone": phone, "protected_identity": False, "deceased_on": None,
            "affiliation_code": district.code,
        }
        if index == PROTECTED_INDEX:
            # The registry gets no address for a protected identity (mail goes via Skatteverket).
            fields.update(street_address="", postcode="", town="", email="", phone="",
                          protected_identity=True)
        if index == DECEASED_INDEX:
            fields.update(deceased_on=DECEASED_ON, email="", phone="")
        persons.append(fields)
    for spec in REPRESENTATIONS:  # a relative shares the family name
        if spec.kind == Representative.Kind.RELATIVE and spec.agent < count:
            agent = persons[spec.agent]
            agent["last_name"] = persons[spec.person]["last_name"]
            if agent["email"]:
                agent["email"] = _email(agent["first_name"], agent["last_name"], spec.agent)
    return persons


@register_step("persons")
def seed_persons(ctx: DemoContext) -> None:
    for spec in generate_persons(ctx.persons):
        fields = dict(spec)
        fields["affiliation"] = ctx.district(fields.pop("affiliation_code"))
        person = Person.objects.filter(personal_number=fields["personal_number"]).first()
        if person is None:
            person = services.person_create(actor=ACTOR, **fields)
            ctx.count(Person, created=True)
        else:
            fields.pop("personal_number")
            changed = {name: value for name, value in fields.items() if getattr(person, name) != value}
            if changed:
                person = services.person_update(actor=ACTOR, person=person, reason=ACTOR, **changed)
            ctx.count(Person, updated=bool(changed))
        ctx.people.append(person)


@register_step("representatives")
def seed_representatives(ctx: DemoContext) -> None:
    codes = {org.pk: code for code, org in ctx.organisations.items()}
    for spec in REPRESENTATIONS:
        person = ctx.people[spec.person]
        agent = ctx.people[spec.agent] if spec.agent is not None else None
        values = {"valid_to": spec.valid_to, "may_see_invoices": spec.may_see_invoices,
                  "receives_notices": True, "contact_email": "", "contact_phone": ""}
        if agent is None:
            slug = DISTRICTS_BY_CODE[codes[person.affiliation_id]].slug
            values.update(contact_email=f"socialtjansten.{slug}@example.invalid",
                          contact_phone=SOCIAL_SERVICES_PHONE)
        rep = Representative.objects.filter(
            person=person, kind=spec.kind, agent=agent, contact_name=spec.contact_name,
            valid_from=spec.valid_from,
        ).first()
        created = rep is None
        if created:
            rep = Representative(person=person, kind=spec.kind, agent=agent,
                                 contact_name=spec.contact_name, valid_from=spec.valid_from)
        changed = created or any(getattr(rep, name) != value for name, value in values.items())
        if changed:
            for name, value in values.items():
                setattr(rep, name, value)
            services.representative_save(actor=ACTOR, representative=rep)
        ctx.count(Representative, created=created, updated=changed and not created)


# --- What the command prints ------------------------------------------------------------------------------


def citizen_example() -> Representative | None:
    """A current representation a demo citizen can try: a relative who may see the invoices."""
    return (
        Representative.objects.valid_on(timezone.localdate())
        .filter(kind=Representative.Kind.RELATIVE, may_see_invoices=True, agent__isnull=False)
        .select_related("person", "agent")
        .order_by("id")
        .first()
    )
