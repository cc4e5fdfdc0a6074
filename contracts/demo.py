"""Demo data of the contracts app: reference lists, rental objects, customers, contracts, submissions.

Steps (run after the kernel's, see ``hyresadmin.demo``):

``contracts.reference``
    Collection codes K1–K3 (plausible, named "(demo)"), the qualities (balcony and kitchen type
    required) and the landlords: the four city-owned companies and two private ones. The
    organisation numbers are invented (plausible and Luhn-valid), not the companies' real ones.
``contracts.objects``
    About 250 rental objects in the thirteen districts (owner: the district), in all five housing
    forms, at the districts' streets, with this year's rent and their qualities. A handful lack a
    required quality on purpose (``MISSING_QUALITY_OBJECTS``), so that the check fails visibly.
``contracts.customers``
    The customers the contracts need beyond the kernel's persons, created through
    ``hyresadmin.services.person_create`` (so in the audit trail, actor ``seed_demo``). The kernel's
    persons 0–19 (always there, see ``demo.MIN_PERSONS``) are customers too: the represented persons,
    the person with protected identity, and the deceased person (a terminated contract).
``contracts.contracts``
    Active customer contracts (external and city-internal), some with notice given or in dispute,
    terminated predecessors, vacancy and internal contracts, preliminary contracts and drafts, each
    with rent lines (last year's too where the contract ran then).
``contracts.submissions``
    Submissions of the Södermalm and Kungsholmen officers in every state, some overdue, some due
    on the next working day (today on a working day).
``contracts.terminations`` (in ``contracts.termination_demo``)
    A confirmed termination for every contract with notice given, and two open ones in the queue.

Everything is planned by ``build_plan(today)`` from a fixed seed, so the plan is the same on every
run of a day. Reference data and objects are corrected when they differ (like the kernel's steps);
customers' names, addresses and contact details too. Contracts, rent lines and submissions are
created when missing and otherwise left alone, keyed on object, kind and customer (a contract) or on
administration, kind, personal number and object (a submission), so that what a demo user did with
them (accepted, activated, returned) is not undone by the next run.

Contracts, rent lines and submissions are bulk-created with their state: demo data is not a business
event, so no transition runs, nothing is audited and no document is queued. The contract PDFs are
therefore not rendered while seeding (WeasyPrint would take minutes); they are made the first time a
contract's rent lines are set or it is activated through the services, or with
``contracts.tasks.render_contract_documents.delay(contract_id)``.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils import timezone
from stdnum import luhn

from hyresadmin import demo
from hyresadmin import services as kernel_services
from hyresadmin.calendar import add_working_days, next_working_day_on_or_after, service_level_due
from hyresadmin.models import Person

from .models import (
    CollectionCode,
    DeliveryChannel,
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
from .services import SUBMISSION_WORKING_DAYS

Kind = RentalContract.Kind
State = RentalContract.State
SubState = Submission.State
CUSTOMER_KINDS = (Kind.EXTERNAL, Kind.CITY_INTERNAL)
CURRENT = (State.ACTIVE, State.NOTICE_GIVEN, State.IN_DISPUTE)

# --- Reference data ---------------------------------------------------------------------------------------

#: Kravkoder of the demo: plausible, not the city's real list (the names say so).
COLLECTION_CODES: tuple[tuple[str, str], ...] = (
    ("K1", "Standard (demo)"),
    ("K2", "Förvaltningen kontaktas före inkasso (demo)"),
    ("K3", "Ingen påminnelseavgift (demo)"),
)


@dataclass(frozen=True)
class QualitySpec:
    code: str
    name: str
    required: bool
    values: tuple[str, ...]


QUALITIES: tuple[QualitySpec, ...] = (
    QualitySpec("balkong", "Balkong", True, ("Ja", "Nej")),
    QualitySpec("kokstyp", "Kökstyp", True, ("Kök", "Kokvrå", "Pentry")),
    QualitySpec("hiss", "Hiss", False, ("Ja", "Nej")),
    QualitySpec("tvattmaskin", "Tvättmaskin", False, ("Ja", "Nej")),
    QualitySpec("badrum", "Badrum", False, ("Dusch", "Badkar")),
)
REQUIRED_QUALITIES = tuple(q.code for q in QUALITIES if q.required)


def _org_number(nine: str) -> str:
    """``556xxxxxx`` → ``556xxx-xxxC`` with its Luhn check digit."""
    return f"{nine[:6]}-{nine[6:]}{luhn.calc_check_digit(nine)}"


@dataclass(frozen=True)
class LandlordSpec:
    key: str
    name: str
    organisation_number: str
    is_city_owned: bool
    yearly_raise: Decimal  # last year's rent was this much lower


#: The city-owned companies by their real names; every organisation number here is invented.
LANDLORDS: tuple[LandlordSpec, ...] = (
    LandlordSpec("micasa", "Micasa Fastigheter i Stockholm AB", _org_number("556618370"), True,
                 Decimal("0.032")),
    LandlordSpec("stockholmshem", "AB Stockholmshem", _org_number("556035712"), True, Decimal("0.039")),
    LandlordSpec("familjebostader", "AB Familjebostäder", _org_number("556034923"), True,
                 Decimal("0.039")),
    LandlordSpec("svenska_bostader", "AB Svenska Bostäder", _org_number("556036184"), True,
                 Decimal("0.039")),
    LandlordSpec("ekbacken", "Fastighets AB Ekbacken", _org_number("556912047"), False, Decimal("0.045")),
    LandlordSpec("malmgarden", "Bostads AB Malmgården", _org_number("556874301"), False, Decimal("0.045")),
)
LANDLORDS_BY_KEY = {spec.key: spec for spec in LANDLORDS}

# --- The plan's sizes ----------------------------------------------------------------------------------------

#: Objects per district: the two demo officers' districts have the most.
OBJECTS_PER_DISTRICT = {"SOD": 36, "KUN": 34}
OBJECTS_IN_OTHER_DISTRICTS = 16
OFFICER_DISTRICTS = {"SOD": "sodermalm", "KUN": "kungsholmen"}
SERVICE_USER = "service"
#: What the objects of an officer's district are used for besides active contracts ("free": unlet,
#: six of them in the officer's new-tenant submissions).
OFFICER_DISTRICT_ROLES = {"in_dispute": 1, "internal": 1, "draft": 2, "notice_given": 1, "preliminary": 1,
                          "vacancy": 2, "free": 7}
OTHER_DISTRICT_ROLES = {"vacancy": 1, "free": 1}
#: Spread round-robin over the other eleven districts.
SPREAD_ROLES = (("in_dispute", 2), ("internal", 3), ("draft", 1), ("notice_given", 3), ("preliminary", 5))
#: Active contracts whose object lacks a required quality (their activation check fails on purpose).
MISSING_QUALITY_ACTIVE_DISTRICTS = ("SOD", "NOR", "FAR")
#: Active contracts that fail ``activation_checks`` (the qualities check only): those three customer
#: contracts, and the vacancy contract that runs until a preliminary contract on such an object starts.
#: (Besides these, the object of an in-review submission in Södermalm lacks a quality: 5 objects.)
FAILING_ACTIVE_CONTRACTS = len(MISSING_QUALITY_ACTIVE_DISTRICTS) + 1
MISSING_QUALITY_OBJECTS = len(MISSING_QUALITY_ACTIVE_DISTRICTS) + 2
#: The kernel's persons 0..19 exist whatever ``--persons`` says; those who are not someone's agent
#: are customers here.
KERNEL_CUSTOMER_RANGE = range(demo.MIN_PERSONS)
#: New customers' numbers avoid every number the kernel would generate for up to this many persons.
KERNEL_PERSONS_RESERVED = 1000

BUILDING_FORMS = {HousingForm.CARE_HOME: 0, HousingForm.SERVICE_HOUSE: 1, HousingForm.GROUP_HOME: 2}
AREA = {HousingForm.CARE_HOME: (24, 36), HousingForm.SERVICE_HOUSE: (32, 55),
        HousingForm.GROUP_HOME: (28, 42), HousingForm.SERVICE_HOUSING: (30, 52), HousingForm.FOT: (27, 58)}
BIRTH_YEARS = {HousingForm.CARE_HOME: (1926, 1944), HousingForm.SERVICE_HOUSE: (1930, 1952),
               HousingForm.GROUP_HOME: (1962, 2003), HousingForm.SERVICE_HOUSING: (1952, 1994),
               HousingForm.FOT: (1960, 2002)}
OLD_FORMS = (HousingForm.CARE_HOME, HousingForm.SERVICE_HOUSE)
#: Kernel persons someone acts for: their contract goes by post (the god man or relative reads it).
REPRESENTED = frozenset(spec.person for spec in demo.REPRESENTATIONS)
MIN_RENT, MAX_RENT = 4000, 9500
#: PTS reserves 070-174 06 05 – 070-174 06 99 for fiction, as the kernel's persons use.
PHONE_PREFIX = "070-174 06 "

SUPPLEMENTS = {
    "el": ("Hushållsel", 150, 420),
    "bredband": ("Tv och bredband", 99, 249),
    "mobler": ("Möblering", 350, 650),
    "forrad": ("Extra förråd", 75, 150),
}
SUPPLEMENT_CHANCES = {
    HousingForm.CARE_HOME: {"el": 0.25, "bredband": 0.2},
    HousingForm.SERVICE_HOUSE: {"el": 0.4, "bredband": 0.3, "forrad": 0.1},
    HousingForm.GROUP_HOME: {"el": 0.5, "bredband": 0.3},
    HousingForm.SERVICE_HOUSING: {"el": 0.4, "bredband": 0.3, "mobler": 0.2},
    HousingForm.FOT: {"el": 0.4, "bredband": 0.3, "mobler": 0.5},
}
DEDUCTIONS = (
    ("Avdrag enligt tilläggsavtal: nedsatt standard under stambyte", 400, 900),
    ("Avdrag enligt tilläggsavtal: renovering av badrum", 300, 700),
    ("Avdrag enligt tilläggsavtal: hiss ur funktion", 200, 400),
)
DEDUCTED_CONTRACTS = 7


# --- The plan ----------------------------------------------------------------------------------------------


@dataclass
class ObjectSpec:
    number: str
    district: str
    street_address: str
    postcode: str
    town: str
    housing_form: str
    landlord: str = ""  # key into LANDLORDS_BY_KEY
    first_hand_rent: Decimal = Decimal("0.00")
    negotiated: bool = True
    rent: Decimal = Decimal("0.00")
    area: Decimal = Decimal("0.0")
    rooms: Decimal = Decimal("1.0")
    qualities: dict[str, str] = field(default_factory=dict)  # quality code -> value
    role: str = "active"


@dataclass(frozen=True)
class PersonSpec:
    personal_number: str
    first_name: str
    last_name: str
    street_address: str
    postcode: str
    town: str
    email: str
    phone: str
    affiliation: str  # district code
    kernel_index: int | None = None  # a kernel person (not created here)

    def fields(self) -> dict:
        return {"first_name": self.first_name, "last_name": self.last_name,
                "street_address": self.street_address, "postcode": self.postcode, "town": self.town,
                "email": self.email, "phone": self.phone}


@dataclass(frozen=True)
class LineSpec:
    kind: str
    description: str
    amount: Decimal
    year: int


@dataclass
class ContractSpec:
    object_number: str
    kind: str
    state: str
    customer: str | None  # personal number
    organisation: str  # district code
    start: dt.date
    end: dt.date | None = None
    notice_months: int = 3
    collection_code: str | None = None
    channel: str = DeliveryChannel.POST
    personal_contact: bool = False
    tenure_waiver_signed_on: dt.date | None = None
    tribunal_approved_on: dt.date | None = None
    activated_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    lines: list[LineSpec] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.object_number, self.kind, self.customer or "")


@dataclass
class SubmissionSpec:
    officer: str  # username
    organisation: str  # district code
    kind: str
    state: str
    object_number: str
    person: PersonSpec
    received_at: dt.datetime
    start: dt.date
    end: dt.date | None = None
    notice_months: int = 3
    collection_code: str | None = "K1"
    channel: str = DeliveryChannel.POST
    personal_contact: bool = False
    explanation: str = ""
    message: str = ""
    return_reason: str = ""
    assignee: str | None = None
    completed_at: dt.datetime | None = None
    contract: tuple[str, str, str] | None = None  # ContractSpec.key
    lines: list[tuple[str, str, Decimal]] = field(default_factory=list)

    @property
    def due_date(self) -> dt.date:
        return service_level_due(self.received_at, SUBMISSION_WORKING_DAYS)


@dataclass
class DemoPlan:
    today: dt.date
    objects: list[ObjectSpec]
    persons: list[PersonSpec]  # every customer, the kernel's included
    contracts: list[ContractSpec]
    submissions: list[SubmissionSpec]

    @property
    def new_persons(self) -> list[PersonSpec]:
        return [p for p in self.persons if p.kernel_index is None]


def _kr(value) -> Decimal:
    return Decimal(round(value)).quantize(Decimal("0.01"))


def _month(d: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``d``'s month (negative: before)."""
    index = d.year * 12 + d.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class _Planner:
    """Builds the plan: one generator, so the same day gives the same plan."""

    def __init__(self, today: dt.date):
        self.today = today
        self.rng = random.Random(f"{demo.SEED}:contracts")
        self.objects: list[ObjectSpec] = []
        self.by_district: dict[str, list[ObjectSpec]] = {}
        self.customer_of: dict[str, PersonSpec] = {}  # object number -> its (current or future) customer
        self.persons: list[PersonSpec] = []
        self.contracts: list[ContractSpec] = []
        self.submissions: list[SubmissionSpec] = []
        self.start_of: dict[str, dt.date] = {}  # object number -> a fixed start of its contract
        self.completed: dict[str, list[ObjectSpec]] = {}  # district -> objects of completed submissions
        self.changed: dict[str, list[ObjectSpec]] = {}  # district -> objects of change submissions
        self.kernel = demo.generate_persons(demo.MIN_PERSONS)
        self.taken = {p["personal_number"] for p in demo.generate_persons(KERNEL_PERSONS_RESERVED)}
        self.new_count = 0

    def person(self, personal_number: str) -> PersonSpec:
        if personal_number == self.kernel[demo.DECEASED_INDEX]["personal_number"]:
            return self.kernel_person(demo.DECEASED_INDEX)
        return next(p for p in self.persons if p.personal_number == personal_number)

    def kernel_person(self, index: int) -> PersonSpec:
        p = self.kernel[index]
        return PersonSpec(p["personal_number"], p["first_name"], p["last_name"], p["street_address"],
                          p["postcode"], p["town"], p["email"], p["phone"], p["affiliation_code"],
                          kernel_index=index)

    # Objects ---------------------------------------------------------------------------------------

    def plan_objects(self) -> None:
        for d_index, spec in enumerate(demo.DISTRICTS):
            n = OBJECTS_PER_DISTRICT.get(spec.code, OBJECTS_IN_OTHER_DISTRICTS)
            care, house, group, housing = (round(n * share) for share in (0.30, 0.20, 0.18, 0.12))
            counts = {HousingForm.CARE_HOME: care, HousingForm.SERVICE_HOUSE: house,
                      HousingForm.GROUP_HOME: group, HousingForm.SERVICE_HOUSING: housing,
                      HousingForm.FOT: n - care - house - group - housing}
            used: set[str] = set()
            objects = []
            for form, count in counts.items():
                building = self.rng.randint(2, 60)
                for i in range(count):
                    if form in BUILDING_FORMS:  # one house of the form, an apartment on each floor
                        street, postcode, town = spec.streets[BUILDING_FORMS[form]]
                        address = f"{street} {building} lgh {10 + i // 3}{i % 3 + 1:02d}"
                    else:  # ordinary apartments around the district
                        while True:
                            street, postcode, town = self.rng.choice(spec.streets)
                            address = (f"{street} {self.rng.randint(1, 140)} lgh "
                                       f"{self.rng.randint(10, 15)}{self.rng.randint(1, 4):02d}")
                            if address not in used:
                                break
                    used.add(address)
                    objects.append(ObjectSpec(
                        number=f"{spec.code}-{len(objects) + 1:04d}", district=spec.code,
                        street_address=address, postcode=postcode, town=town, housing_form=form,
                    ))
            for obj in objects:
                self._fill_object(obj, d_index)
            self.objects.extend(objects)
            self.by_district[spec.code] = objects

    def _fill_object(self, obj: ObjectSpec, d_index: int) -> None:
        rng, form = self.rng, obj.housing_form
        if form == HousingForm.CARE_HOME:
            landlord = "micasa"
        elif form == HousingForm.SERVICE_HOUSE:
            landlord = ("micasa", "familjebostader")[d_index % 2]
        elif form == HousingForm.GROUP_HOME:
            landlord = ("svenska_bostader", "stockholmshem")[d_index % 2]
        elif form == HousingForm.SERVICE_HOUSING:
            landlord = rng.choice(("stockholmshem", "familjebostader", "svenska_bostader", "ekbacken"))
        else:
            landlord = rng.choice(("stockholmshem", "familjebostader", "svenska_bostader", "ekbacken",
                                   "malmgarden"))
        obj.landlord = landlord
        obj.negotiated = LANDLORDS_BY_KEY[landlord].is_city_owned or rng.random() < 0.4
        low, high = AREA[form]
        area = Decimal(rng.randint(low * 2, high * 2)) / 2
        obj.area = area.quantize(Decimal("0.1"))
        if form == HousingForm.CARE_HOME:
            rooms = "1.0"
        elif form == HousingForm.GROUP_HOME:
            rooms = "1.0" if area < 36 else "1.5"
        else:
            rooms = "1.0" if area < 40 else "2.0"
        obj.rooms = Decimal(rooms)
        rent = float(area) * rng.uniform(150, 185)
        if rent < MIN_RENT:
            rent = MIN_RENT + rng.randint(0, 450)
        rent = min(rent, MAX_RENT - rng.randint(0, 300))
        obj.rent = _kr(rent)
        obj.first_hand_rent = _kr(rent * (1 - rng.uniform(0.02, 0.07)))
        in_house = form in OLD_FORMS
        obj.qualities = {
            "balkong": "Ja" if rng.random() < (0.4 if in_house else 0.65) else "Nej",
            "kokstyp": (rng.choice(("Pentry", "Kokvrå")) if form == HousingForm.CARE_HOME
                        else rng.choice(("Kokvrå", "Kök")) if form == HousingForm.SERVICE_HOUSE
                        else "Kök" if rng.random() < 0.8 else "Kokvrå"),
            "badrum": "Dusch" if in_house or rng.random() < 0.75 else "Badkar",
        }
        if in_house or rng.random() < 0.85:
            obj.qualities["hiss"] = "Ja" if in_house or rng.random() < 0.6 else "Nej"
        if form != HousingForm.CARE_HOME and rng.random() < 0.7:
            obj.qualities["tvattmaskin"] = "Ja" if rng.random() < 0.4 else "Nej"

    # Roles ------------------------------------------------------------------------------------------

    def plan_roles(self) -> None:
        quotas = {}
        for spec in demo.DISTRICTS:
            quotas[spec.code] = dict(OFFICER_DISTRICT_ROLES if spec.code in OFFICER_DISTRICTS
                                     else OTHER_DISTRICT_ROLES)
        others = [spec.code for spec in demo.DISTRICTS if spec.code not in OFFICER_DISTRICTS]
        turn = 0
        for role, count in SPREAD_ROLES:
            for _ in range(count):
                code = others[turn % len(others)]
                quotas[code][role] = quotas[code].get(role, 0) + 1
                turn += 1
        fits = {
            "in_dispute": lambda o: o.housing_form != HousingForm.FOT,
            "internal": lambda o: o.housing_form != HousingForm.FOT,
            "draft": lambda o: o.housing_form != HousingForm.FOT,
            "notice_given": lambda o: o.housing_form != HousingForm.FOT,
        }
        for code, objects in self.by_district.items():
            order = list(objects)
            self.rng.shuffle(order)
            for role in ("in_dispute", "internal", "draft", "notice_given", "preliminary", "vacancy", "free"):
                for _ in range(quotas[code].get(role, 0)):
                    test = fits.get(role, lambda o: True)
                    chosen = next(o for o in order if o.role == "active" and test(o))
                    chosen.role = role
                    if role == "in_dispute":  # a rent tribunal case: the first-hand rent is not negotiated
                        chosen.negotiated = False
            self.by_district[code] = order  # the shuffled order from here on

    def objects_with(self, code: str, role: str) -> list[ObjectSpec]:
        return [o for o in self.by_district[code] if o.role == role]

    # Customers -----------------------------------------------------------------------------------------

    def new_person(self, form: str, district: str, obj: ObjectSpec | None) -> PersonSpec:
        """A customer who is not yet in the registry; at ``obj``'s address when they live there."""
        rng = self.rng
        male = rng.random() < (0.4 if form in OLD_FORMS else 0.55)
        first = rng.choice(demo.FIRST_NAMES_MALE if male else demo.FIRST_NAMES_FEMALE)
        last = rng.choice(demo.LAST_NAMES)
        low, high = BIRTH_YEARS[form]
        start, end = dt.date(low, 1, 1), dt.date(high, 12, 31)
        birth = start + dt.timedelta(days=rng.randint(0, (end - start).days))
        while True:
            number = demo.make_personal_number(birth, rng.randint(1, 498) * 2 + int(male))
            if number not in self.taken:
                self.taken.add(number)
                break
        self.new_count += 1
        if obj is not None:
            street_address, postcode, town = obj.street_address, obj.postcode, obj.town
        else:
            street, postcode, town = rng.choice(demo.DISTRICTS_BY_CODE[district].streets)
            street_address = f"{street} {rng.randint(1, 140)}"
        old = form in OLD_FORMS
        email = (f"{_ascii(first)}.{_ascii(last)}.k{self.new_count}@example.invalid"
                 if rng.random() < (0.1 if old else 0.5) else "")
        phone = f"{PHONE_PREFIX}{rng.randint(5, 99):02d}" if rng.random() < (0.4 if old else 0.75) else ""
        return PersonSpec(number, first, last, street_address, postcode, town, email, phone, district)

    def plan_customers(self) -> None:
        """Kernel persons first (the old ones in care homes and service houses), then new ones."""
        agents = {spec.agent for spec in demo.REPRESENTATIONS if spec.agent is not None}
        kernel_by_district: dict[str, list[PersonSpec]] = {}
        for index in KERNEL_CUSTOMER_RANGE:
            if index in agents or index == demo.DECEASED_INDEX:
                continue
            person = self.kernel_person(index)
            kernel_by_district.setdefault(person.affiliation, []).append(person)
        for code, objects in self.by_district.items():
            active = [o for o in objects if o.role == "active"]
            for person in kernel_by_district.get(code, []):
                old = int(person.personal_number[:4]) < 1950
                open_slots = [o for o in active if o.number not in self.customer_of]
                chosen = next((o for o in open_slots if (o.housing_form in OLD_FORMS) == old),
                              open_slots[0])
                self.customer_of[chosen.number] = person
                self.persons.append(person)
            for obj in objects:
                if obj.role in ("vacancy", "internal", "free") or obj.number in self.customer_of:
                    continue
                lives_there = obj.role not in ("preliminary", "draft")
                person = self.new_person(obj.housing_form, code, obj if lives_there else None)
                self.customer_of[obj.number] = person
                self.persons.append(person)

    # Contracts --------------------------------------------------------------------------------------

    def plan_contracts(self) -> None:
        rng, today = self.rng, self.today
        taken_actives: set[str] = set()  # objects whose active contract got a fixed start below

        def pick_active(code: str, *, new_customer: bool = False, forms: Iterable[str] = ()) -> ObjectSpec:
            """An active non-FOT object not yet picked (of ``forms`` if there is one)."""
            candidates = [
                obj for obj in self.objects_with(code, "active")
                if obj.number not in taken_actives and obj.housing_form != HousingForm.FOT
                and not (new_customer and self.customer_of[obj.number].kernel_index is not None)
            ]
            obj = next((o for o in candidates if o.housing_form in forms), candidates[0])
            taken_actives.add(obj.number)
            return obj

        # A handful of active contracts whose object lacks a required quality.
        for i, code in enumerate(MISSING_QUALITY_ACTIVE_DISTRICTS):
            obj = pick_active(code)
            obj.qualities.pop(REQUIRED_QUALITIES[i % len(REQUIRED_QUALITIES)])
        # The submissions' fixed contracts: completed ones (started this or last month) and changes.
        for code in OFFICER_DISTRICTS:
            self.completed[code] = [pick_active(code, new_customer=True) for _ in range(2)]
            for months, obj in enumerate(self.completed[code]):
                self.start_of[obj.number] = _month(today, -months)
            self.changed[code] = [pick_active(code) for _ in range(2)]
        # The deceased person's old home has had a new tenant since.
        deceased = self.kernel[demo.DECEASED_INDEX]
        ended = _month(demo.DECEASED_ON, 2) - dt.timedelta(days=1)  # the estate's notice
        home = pick_active(deceased["affiliation_code"], forms=OLD_FORMS)
        self.start_of[home.number] = min(_month(ended, 2), _month(today, 0))
        self.contracts.append(self._contract(
            home, Kind.EXTERNAL, State.TERMINATED, deceased["personal_number"],
            start=_month(demo.DECEASED_ON, -91), end=ended,
        ))
        # Vacancies: the previous tenant moved to another apartment of the district that month.
        for code in self.by_district:
            for obj in self.objects_with(code, "vacancy"):
                vacant_from = _month(today, -rng.randint(1, 4))
                mover = pick_active(code)
                self.start_of[mover.number] = vacant_from
                self.contracts.append(self._contract(
                    obj, Kind.EXTERNAL, State.TERMINATED, self.customer_of[mover.number].personal_number,
                    start=_month(vacant_from, -rng.randint(14, 72)), end=vacant_from - dt.timedelta(days=1),
                ))
                self.contracts.append(self._contract(obj, Kind.VACANCY, State.ACTIVE, None, start=vacant_from))

        for obj in self.objects:
            role = obj.role
            customer = self.customer_of.get(obj.number)
            pn = customer.personal_number if customer else None
            if role == "active":
                kind = Kind.CITY_INTERNAL if rng.random() < 0.1 else Kind.EXTERNAL
                start = self.start_of.get(obj.number)
                end = None
                if obj.housing_form == HousingForm.FOT:  # a trial of two years
                    start = start or _month(today, -rng.randint(2, 20))
                    end = _month(start, 24) - dt.timedelta(days=1)
                elif start is None:
                    low, high = {HousingForm.CARE_HOME: (2, 60), HousingForm.SERVICE_HOUSE: (2, 96),
                                 HousingForm.GROUP_HOME: (6, 120)}.get(obj.housing_form, (3, 84))
                    start = _month(today, -rng.randint(low, high))
                self.contracts.append(self._contract(obj, kind, State.ACTIVE, pn, start=start, end=end))
            elif role == "notice_given":
                self.contracts.append(self._contract(
                    obj, Kind.EXTERNAL, State.NOTICE_GIVEN, pn, start=_month(today, -rng.randint(12, 72)),
                    end=_month(today, rng.randint(2, 3)) - dt.timedelta(days=1),
                ))
            elif role == "in_dispute":
                self.contracts.append(self._contract(
                    obj, Kind.EXTERNAL, State.IN_DISPUTE, pn, start=_month(today, -rng.randint(24, 96)),
                ))
            elif role == "internal":
                self.contracts.append(self._contract(
                    obj, Kind.INTERNAL, State.ACTIVE, None, start=_month(today, -rng.randint(12, 60)),
                ))
            elif role == "preliminary":
                start = _month(today, 1)
                self.contracts.append(self._contract(
                    obj, Kind.VACANCY, State.ACTIVE, None, start=_month(today, -rng.randint(1, 3)),
                    end=start - dt.timedelta(days=1),
                ))
                self.contracts.append(self._contract(obj, Kind.EXTERNAL, State.PRELIMINARY, pn, start=start))
            elif role == "draft":
                kind = Kind.EXTERNAL if obj.district in OFFICER_DISTRICTS else Kind.CITY_INTERNAL
                self.contracts.append(self._contract(obj, kind, State.DRAFT, pn, start=_month(today, 1)))
        # Fixed sets of the objects that lack a required quality, beyond the active ones.
        preliminary = next(o for o in self.objects if o.role == "preliminary"
                           and o.district not in OFFICER_DISTRICTS)
        preliminary.qualities.pop("kokstyp")
        # A few deductions, each with its supplementary agreement.
        customer_contracts = [c for c in self.contracts if c.state == State.ACTIVE and c.customer]
        for contract in rng.sample(customer_contracts, DEDUCTED_CONTRACTS):
            text, low, high = rng.choice(DEDUCTIONS)
            contract.lines.append(LineSpec(RentLineKind.DEDUCTION, text, _kr(rng.randint(low, high)),
                                           today.year))

    def _contract(self, obj: ObjectSpec, kind: str, state: str, customer: str | None, *, start: dt.date,
                  end: dt.date | None = None) -> ContractSpec:
        rng, today = self.rng, self.today
        person = self.person(customer) if customer else None
        spec = ContractSpec(object_number=obj.number, kind=kind, state=state, customer=customer,
                            organisation=obj.district, start=start, end=end,
                            notice_months=1 if obj.housing_form in OLD_FORMS else 3)
        has_customer = kind in CUSTOMER_KINDS
        if has_customer:
            spec.collection_code = rng.choices(("K1", "K2", "K3"), weights=(80, 12, 8))[0]
            if person.kernel_index in REPRESENTED or obj.housing_form == HousingForm.CARE_HOME and rng.random() < 0.6:
                spec.channel = DeliveryChannel.POST
            elif person.email and rng.random() < 0.5:
                spec.channel = DeliveryChannel.EMAIL
            else:
                spec.channel = rng.choice((DeliveryChannel.POST, DeliveryChannel.DIGITAL_MAILBOX))
            spec.personal_contact = obj.housing_form != HousingForm.FOT and rng.random() < 0.15
            if obj.housing_form == HousingForm.FOT and state != State.DRAFT and state != State.PRELIMINARY:
                spec.tribunal_approved_on = start - dt.timedelta(days=rng.randint(2, 8))
                spec.tenure_waiver_signed_on = spec.tribunal_approved_on - dt.timedelta(days=rng.randint(10, 25))
        if state in (*CURRENT, State.TERMINATED):
            spec.activated_at = _at(start - dt.timedelta(days=rng.randint(3, 20)), rng.randint(8, 15),
                                    rng.choice((0, 15, 30, 45)))
            if has_customer and obj.housing_form != HousingForm.FOT and not spec.personal_contact:
                spec.sent_at = spec.activated_at + dt.timedelta(hours=rng.randint(1, 20))
        # Rent lines: this year's, and last year's where the contract ran then.
        if state in (State.DRAFT, State.PRELIMINARY):
            years = [today.year]
        else:
            last = (end or today).year
            years = [y for y in (today.year - 1, today.year) if start.year <= y <= min(last, today.year)]
        supplements = []
        if has_customer:
            for key, chance in SUPPLEMENT_CHANCES[obj.housing_form].items():
                if rng.random() < chance:
                    text, low, high = SUPPLEMENTS[key]
                    supplements.append((text, _kr(rng.randint(low, high))))
        raise_ = LANDLORDS_BY_KEY[obj.landlord].yearly_raise
        base_text = {Kind.VACANCY: "Vakanshyra", Kind.INTERNAL: "Grundhyra, förvaltningens egen användning"}
        for year in years:
            base = obj.rent if year == today.year else _kr(obj.rent / (1 + raise_))
            spec.lines.append(LineSpec(RentLineKind.BASE_RENT, base_text.get(kind, "Grundhyra"), base, year))
            spec.lines.extend(LineSpec(RentLineKind.SUPPLEMENT, text, amount, year)
                              for text, amount in supplements)
        return spec

    # Submissions ------------------------------------------------------------------------------------

    def plan_submissions(self) -> None:
        for code, officer in OFFICER_DISTRICTS.items():
            self._officer_submissions(code, officer)

    def _received(self, working_days_back: int, hour: int, minute: int = 0) -> dt.datetime:
        """``working_days_back`` working days before the first working day on or after today. Received
        before noon, it is due two working days later: ``_received(2, 9)`` is due today (on a working
        day; on a weekend, on Monday)."""
        due_day = next_working_day_on_or_after(self.today)
        return _at(add_working_days(due_day, -working_days_back), hour, minute)

    def _new_tenant(self, code: str, officer: str, obj: ObjectSpec, state: str, received_at: dt.datetime,
                    **fields) -> SubmissionSpec:
        """A submission for a new tenant who is not in the registry yet."""
        person = self.new_person(obj.housing_form, code, None)
        values = {
            "start": _month(self.today, 1), "notice_months": 1 if obj.housing_form in OLD_FORMS else 3,
            "channel": DeliveryChannel.EMAIL if person.email else DeliveryChannel.POST,
            "lines": [(RentLineKind.BASE_RENT, "Grundhyra", obj.rent)], **fields,
        }
        return SubmissionSpec(officer=officer, organisation=code, kind=Submission.Kind.NEW_TENANT, state=state,
                              object_number=obj.number, person=person, received_at=received_at, **values)

    def _officer_submissions(self, code: str, officer: str) -> None:
        today, received = self.today, self._received
        free = self.objects_with(code, "free")
        if code == "SOD":  # the object of the one in review lacks a required quality
            free[2].qualities.pop("balkong")
        old_rent = _kr(free[3].rent / (1 + LANDLORDS_BY_KEY[free[3].landlord].yearly_raise))
        under = {} if code == "SOD" else {  # rent below the object's, and no explanation
            "lines": [(RentLineKind.BASE_RENT, "Grundhyra", free[2].rent - 250)]}
        withdrawn = self._new_tenant(code, officer, free[5], SubState.WITHDRAWN, received(10, 9, 0),
                                     message="Kunden har tackat nej till lägenheten.")
        withdrawn.completed_at = withdrawn.received_at + dt.timedelta(days=1, hours=4)
        self.submissions += [
            self._new_tenant(code, officer, free[0], SubState.SUBMITTED, received(2, 9, 10),
                             message="Beslut om bistånd är fattat. Inflyttning önskas snarast.",
                             personal_contact=True),
            self._new_tenant(code, officer, free[1], SubState.SUBMITTED, received(6, 10, 30),
                             lines=[(RentLineKind.BASE_RENT, "Grundhyra", free[1].rent - 300)],
                             explanation="Hyresvärden har medgett nedsättning med 300 kr per månad till och "
                                         "med mars på grund av fasadrenovering."),
            self._new_tenant(code, officer, free[2], SubState.IN_REVIEW, received(5, 8, 45),
                             assignee=SERVICE_USER, **under),
            self._new_tenant(code, officer, free[3], SubState.RETURNED, received(8, 13, 5),
                             assignee=SERVICE_USER, lines=[(RentLineKind.BASE_RENT, "Grundhyra", old_rent)],
                             return_reason=(
                                 f"Grundhyran på underlaget ({old_rent:.0f} kr) är förra årets. Objektets "
                                 f"hyra för {today.year} är {free[3].rent:.0f} kr: ändra grundhyran eller "
                                 f"förklara skillnaden.")),
            self._new_tenant(code, officer, free[4], SubState.RETURNED, received(2, 11, 20),
                             assignee=SERVICE_USER, collection_code=None,
                             return_reason="Kravkod saknas. Välj kravkod i listan och skicka underlaget igen."),
            withdrawn,
        ]
        # Changes of running contracts: a new supplement (submitted), a deduction (in review).
        next_month = _month(today, 1)
        changes = (
            (SubState.SUBMITTED, received(1, 14, 20), None,
             (RentLineKind.SUPPLEMENT, "Möblering", Decimal("450.00")),
             f"Kunden får möblering från {next_month.day}/{next_month.month}: lägg till hyrestillägget."),
            (SubState.IN_REVIEW, received(4, 10, 0), SERVICE_USER,
             (RentLineKind.DEDUCTION, DEDUCTIONS[0][0], Decimal("600.00")),
             "Stambyte i huset under tre månader; tilläggsavtalet är undertecknat av kunden."),
        )
        for obj, (state, at, assignee, line, message) in zip(self.changed[code], changes, strict=True):
            contract = next(c for c in self.contracts if c.object_number == obj.number
                            and c.state in CURRENT and c.customer)
            lines = [(ln.kind, ln.description, ln.amount) for ln in contract.lines if ln.year == today.year]
            self.submissions.append(self._from_contract(
                contract, obj, Submission.Kind.CHANGE, state, at, officer=officer, organisation=code,
                message=message, lines=[*lines, line], assignee=assignee,
            ))
        # Accepted: the draft contract is made from it.
        for obj, back in zip(self.objects_with(code, "draft"), (3, 2), strict=True):
            contract = next(c for c in self.contracts if c.object_number == obj.number
                            and c.state == State.DRAFT)
            self.submissions.append(self._from_contract(
                contract, obj, Submission.Kind.NEW_TENANT, SubState.ACCEPTED, received(back, 9, 0),
                officer=officer, organisation=code, assignee=SERVICE_USER,
            ))
        # Completed: the contract was activated (and sent) when it was done.
        for obj in self.completed[code]:
            contract = next(c for c in self.contracts if c.object_number == obj.number
                            and c.state == State.ACTIVE)
            at = _at(add_working_days(contract.start, -10), 9, 30)
            done = _at(add_working_days(at.date(), 2), 15, 0)
            contract.activated_at = done
            contract.sent_at = done + dt.timedelta(minutes=40) if contract.sent_at else None
            submission = self._from_contract(contract, obj, Submission.Kind.NEW_TENANT, SubState.COMPLETED, at,
                                             officer=officer, organisation=code, assignee=SERVICE_USER)
            submission.completed_at = done
            self.submissions.append(submission)

    def _from_contract(self, contract: ContractSpec, obj: ObjectSpec, kind: str, state: str,
                       at: dt.datetime, **fields) -> SubmissionSpec:
        person = self.person(contract.customer)
        values = {
            "start": contract.start, "end": contract.end, "notice_months": contract.notice_months,
            "collection_code": contract.collection_code, "channel": contract.channel,
            "personal_contact": contract.personal_contact,
            "lines": [(ln.kind, ln.description, ln.amount) for ln in contract.lines
                      if ln.year == self.today.year],
            "contract": contract.key, **fields,
        }
        return SubmissionSpec(kind=kind, state=state, object_number=obj.number, person=person, received_at=at,
                              **values)


@functools.lru_cache(maxsize=2)
def build_plan(today: dt.date) -> DemoPlan:
    """Everything the contracts demo holds, as planned for ``today`` (the same plan every time)."""
    planner = _Planner(today)
    planner.plan_objects()
    planner.plan_roles()
    planner.plan_customers()
    planner.plan_contracts()
    planner.plan_submissions()
    return DemoPlan(today, planner.objects, planner.persons, planner.contracts, planner.submissions)


def missing_quality_objects(plan: DemoPlan) -> list[str]:
    """The object numbers that lack a required quality on purpose."""
    return [o.number for o in plan.objects if not set(REQUIRED_QUALITIES) <= set(o.qualities)]


# --- Writing it ------------------------------------------------------------------------------------------


def _tally(ctx: demo.DemoContext, model: type[models.Model], *, created: int = 0, updated: int = 0) -> None:
    label = model._meta.label_lower
    ctx.created[label] += created
    ctx.updated[label] += updated


def _sync(ctx: demo.DemoContext, model: type[models.Model], key: str, rows: dict) -> dict:
    """Create the rows that are missing (in bulk) and set the fields that differ; ``{key: row}``."""
    existing = {getattr(obj, key): obj for obj in model.objects.filter(**{f"{key}__in": list(rows)})}
    missing, changed, fields = [], [], set()
    for value, values in rows.items():
        obj = existing.get(value)
        if obj is None:
            missing.append(model(**{key: value}, **values))
            continue
        differ = [name for name, v in values.items() if getattr(obj, name) != v]
        for name in differ:
            setattr(obj, name, values[name])
        if differ:
            changed.append(obj)
            fields.update(differ)
    model.objects.bulk_create(missing)
    if changed:
        model.objects.bulk_update(changed, sorted(fields))
    _tally(ctx, model, created=len(missing), updated=len(changed))
    existing.update({getattr(obj, key): obj for obj in missing})
    return existing


def _plan() -> DemoPlan:
    return build_plan(timezone.localdate())


@demo.register_step("contracts.reference")
def seed_reference(ctx: demo.DemoContext) -> None:
    _sync(ctx, CollectionCode, "code", {code: {"name": name, "is_active": True}
                                        for code, name in COLLECTION_CODES})
    _sync(ctx, QualityType, "code", {q.code: {"name": q.name, "required": q.required,
                                              "allowed_values": ";".join(q.values)} for q in QUALITIES})
    _sync(ctx, Landlord, "organisation_number", {
        spec.organisation_number: {"name": spec.name, "is_city_owned": spec.is_city_owned}
        for spec in LANDLORDS
    })


@demo.register_step("contracts.objects")
def seed_objects(ctx: demo.DemoContext) -> None:
    plan = _plan()
    landlords = {ll.organisation_number: ll.pk for ll in Landlord.objects.all()}
    rows = {
        obj.number: {
            "street_address": obj.street_address, "postcode": obj.postcode, "town": obj.town,
            "housing_form": obj.housing_form,
            "landlord_id": landlords[LANDLORDS_BY_KEY[obj.landlord].organisation_number],
            "first_hand_rent": obj.first_hand_rent, "first_hand_rent_negotiated": obj.negotiated,
            "rent": obj.rent, "rent_year": plan.today.year, "area": obj.area, "rooms": obj.rooms,
            "owner_id": ctx.district(obj.district).pk, "is_active": True,
        }
        for obj in plan.objects
    }
    objects = _sync(ctx, RentalObject, "object_number", rows)
    types = {q.code: q for q in QualityType.objects.filter(code__in=[q.code for q in QUALITIES])}
    existing = {(q.rental_object_id, q.quality_type_id): q for q in
                ObjectQuality.objects.filter(rental_object__in=objects.values(), quality_type__in=types.values())}
    missing, changed = [], []
    for spec in plan.objects:
        obj = objects[spec.number]
        for code, value in spec.qualities.items():
            quality = existing.get((obj.pk, types[code].pk))
            if quality is None:
                missing.append(ObjectQuality(rental_object=obj, quality_type=types[code], value=value))
            elif quality.value != value:
                quality.value = value
                changed.append(quality)
    ObjectQuality.objects.bulk_create(missing)
    ObjectQuality.objects.bulk_update(changed, ["value"])
    _tally(ctx, ObjectQuality, created=len(missing), updated=len(changed))


@demo.register_step("contracts.customers")
def seed_customers(ctx: demo.DemoContext) -> None:
    """The customers beyond the kernel's persons, through the kernel's services (audited)."""
    specs = _plan().new_persons
    existing = Person.objects.in_bulk([p.personal_number for p in specs], field_name="personal_number")
    for spec in specs:
        person = existing.get(spec.personal_number)
        if person is None:
            kernel_services.person_create(actor=demo.ACTOR, personal_number=spec.personal_number,
                                          affiliation=ctx.district(spec.affiliation), **spec.fields())
            _tally(ctx, Person, created=1)
            continue
        # The affiliation is left alone: the contracts' rule guards it (see customer_set_affiliation).
        changed = {name: value for name, value in spec.fields().items() if getattr(person, name) != value}
        if changed:
            kernel_services.person_update(actor=demo.ACTOR, person=person, reason=demo.ACTOR, **changed)
        _tally(ctx, Person, updated=int(bool(changed)))


def _contract_number(contract: RentalContract, spec: ContractSpec, today: dt.date) -> str:
    registered = spec.activated_at.date().year if spec.activated_at else today.year
    return f"{registered}-{contract.pk:06d}"


@demo.register_step("contracts.contracts")
def seed_contracts(ctx: demo.DemoContext) -> None:
    plan = _plan()
    today = plan.today
    objects = RentalObject.objects.in_bulk([o.number for o in plan.objects], field_name="object_number")
    numbers = {c.customer for c in plan.contracts if c.customer}
    persons = dict(Person.objects.filter(personal_number__in=numbers).values_list("personal_number", "pk"))
    codes = dict(CollectionCode.objects.values_list("code", "pk"))
    pn_of = {pk: pn for pn, pk in persons.items()}
    number_of = {obj.pk: number for number, obj in objects.items()}
    existing = {
        (number_of[object_id], kind, pn_of.get(customer_id, "")): pk
        for pk, object_id, kind, customer_id in RentalContract.objects.filter(
            rental_object__in=objects.values()).values_list("pk", "rental_object_id", "kind", "customer_id")
    }
    missing = [spec for spec in plan.contracts if spec.key not in existing]
    # The state is written as the row is created: demo data is not a business event, so no
    # transition, audit event or document follows.
    made = RentalContract.objects.bulk_create([
        RentalContract(
            kind=spec.kind, state=spec.state, customer_id=persons.get(spec.customer),
            rental_object=objects[spec.object_number], organisation=ctx.district(spec.organisation),
            start_date=spec.start, end_date=spec.end, notice_period_months=spec.notice_months,
            collection_code_id=codes.get(spec.collection_code), delivery_channel=spec.channel,
            personal_contact=spec.personal_contact, tenure_waiver_signed_on=spec.tenure_waiver_signed_on,
            tribunal_approved_on=spec.tribunal_approved_on, activated_at=spec.activated_at,
            sent_at=spec.sent_at,
        )
        for spec in missing
    ])
    for contract, spec in zip(made, missing, strict=True):
        contract.number = _contract_number(contract, spec, today)
    RentalContract.objects.bulk_update(made, ["number"])
    _tally(ctx, RentalContract, created=len(made))
    existing.update({spec.key: contract.pk for contract, spec in zip(made, missing, strict=True)})

    # Rent lines: a new contract's, and this year's of a contract made in an earlier year's run.
    has_year = set(RentLine.objects.filter(contract_id__in=existing.values(), rent_year=today.year)
                   .values_list("contract_id", flat=True).distinct())
    new = {contract.pk for contract in made}
    lines = []
    for spec in plan.contracts:
        pk = existing[spec.key]
        if pk in new:
            wanted = spec.lines
        elif pk not in has_year and spec.state != State.TERMINATED:
            wanted = [ln for ln in spec.lines if ln.year == today.year]
        else:
            wanted = []
        lines.extend(RentLine(contract_id=pk, kind=ln.kind, description=ln.description, amount=ln.amount,
                              rent_year=ln.year) for ln in wanted)
    RentLine.objects.bulk_create(lines)
    _tally(ctx, RentLine, created=len(lines))


def _submission_key(organisation_id: int, kind: str, personal_number: str, object_id: int) -> tuple:
    return (organisation_id, kind, personal_number, object_id)


@demo.register_step("contracts.submissions")
def seed_submissions(ctx: demo.DemoContext) -> None:
    plan = _plan()
    objects = RentalObject.objects.in_bulk([s.object_number for s in plan.submissions],
                                           field_name="object_number")
    codes = dict(CollectionCode.objects.values_list("code", "pk"))
    contracts = _contract_ids(plan, [s.contract for s in plan.submissions if s.contract])
    orgs = {code: ctx.district(code) for code in OFFICER_DISTRICTS}
    existing = {
        _submission_key(*row) for row in Submission.objects.filter(
            organisation__in=orgs.values(),
        ).values_list("organisation_id", "kind", "personal_number", "rental_object_id")
    }
    missing = [s for s in plan.submissions if _submission_key(
        orgs[s.organisation].pk, s.kind, s.person.personal_number, objects[s.object_number].pk) not in existing]
    made = Submission.objects.bulk_create([
        Submission(
            kind=s.kind, state=s.state, organisation=orgs[s.organisation], submitted_by=ctx.users[s.officer],
            assignee=ctx.users[s.assignee] if s.assignee else None, received_at=s.received_at,
            due_date=s.due_date, personal_number=s.person.personal_number, first_name=s.person.first_name,
            last_name=s.person.last_name, email=s.person.email, phone=s.person.phone,
            rental_object=objects[s.object_number], contract_id=contracts.get(s.contract),
            start_date=s.start, end_date=s.end, notice_period_months=s.notice_months,
            collection_code_id=codes.get(s.collection_code), delivery_channel=s.channel,
            personal_contact=s.personal_contact, rent_difference_explanation=s.explanation,
            message=s.message, return_reason=s.return_reason, completed_at=s.completed_at,
        )
        for s in missing
    ])
    SubmissionRentLine.objects.bulk_create([
        SubmissionRentLine(submission=submission, kind=kind, description=text, amount=amount)
        for submission, spec in zip(made, missing, strict=True) for kind, text, amount in spec.lines
    ])
    _tally(ctx, Submission, created=len(made))
    _tally(ctx, SubmissionRentLine, created=sum(len(spec.lines) for spec in missing))


def _contract_ids(plan: DemoPlan, keys: Iterable[tuple[str, str, str]]) -> dict:
    """The ids of the planned contracts with these keys (object number, kind, customer)."""
    keys = set(keys)
    rows = RentalContract.objects.filter(
        rental_object__object_number__in={k[0] for k in keys},
    ).values_list("pk", "rental_object__object_number", "kind", "customer__personal_number")
    return {(number, kind, pn or ""): pk for pk, number, kind, pn in rows if (number, kind, pn or "") in keys}


from . import termination_demo  # noqa: E402, F401  (registers the ``contracts.terminations`` step)
