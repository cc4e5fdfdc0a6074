"""The contracts' demo data (``contracts/demo.py``): what ``seed_demo`` adds, that it holds the rules
the checks enforce, that a second run changes nothing, and that nothing is rendered or sent."""

import datetime as dt
import io
import re
from collections import Counter

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from contracts import checks
from contracts import demo as contracts_demo
from contracts.models import (
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
)
from hyresadmin import demo
from hyresadmin.calendar import next_working_day_on_or_after, service_level_due
from hyresadmin.models import AuditEvent, Organisation, Person, Representative, User

pytestmark = pytest.mark.django_db

Kind = RentalContract.Kind
State = RentalContract.State
CUSTOMER_KINDS = (Kind.EXTERNAL, Kind.CITY_INTERNAL)


@pytest.fixture(autouse=True)
def _debug(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "demo"


@pytest.fixture
def seeded():
    return demo.seed_demo(password="demo")


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


# --- Reference data and objects ------------------------------------------------------------------------------


def test_reference_lists_and_landlords(seeded):
    codes = {c.code: c for c in CollectionCode.objects.all()}
    assert set(codes) == {"K1", "K2", "K3"}
    assert all(c.is_active and "demo" in c.name for c in codes.values())

    qualities = {q.code: q for q in QualityType.objects.all()}
    assert {code for code, q in qualities.items() if q.required} == {"balkong", "kokstyp"}
    assert qualities["kokstyp"].choices == ["Kök", "Kokvrå", "Pentry"]
    assert qualities["badrum"].choices == ["Dusch", "Badkar"]
    assert {"hiss", "tvattmaskin"} <= set(qualities)

    city = set(Landlord.objects.filter(is_city_owned=True).values_list("name", flat=True))
    assert city == {"AB Stockholmshem", "AB Familjebostäder", "AB Svenska Bostäder",
                    "Micasa Fastigheter i Stockholm AB"}
    assert Landlord.objects.filter(is_city_owned=False).count() >= 2
    for number in Landlord.objects.values_list("organisation_number", flat=True):
        assert re.fullmatch(r"556\d{3}-\d{4}", number)


def test_objects_in_every_district_and_housing_form(seeded):
    year = timezone.localdate().year
    objects = list(RentalObject.objects.select_related("owner"))

    assert len(objects) >= 200
    assert {o.housing_form for o in objects} == set(HousingForm.values)
    districts = Organisation.objects.filter(kind=Organisation.Kind.DISTRICT)
    assert {o.owner for o in objects} == set(districts)
    for obj in objects:
        spec = demo.DISTRICTS_BY_CODE[obj.owner.code]
        street = next(s for s in spec.streets if obj.street_address.startswith(s[0] + " "))
        assert (obj.postcode, obj.town) == street[1:]
        assert obj.rent_year == year
        assert 4000 <= obj.rent <= 9500
        assert obj.first_hand_rent < obj.rent
    forms_per_district = Counter((o.owner.code, o.housing_form) for o in objects)
    assert len(forms_per_district) == 13 * 5  # every form in every district


def test_required_qualities_are_filled_except_a_handful(seeded):
    required = list(QualityType.objects.filter(required=True))
    missing = [o for o in RentalObject.objects.all()
               if checks._missing_required_qualities(o)]

    assert len(missing) == contracts_demo.MISSING_QUALITY_OBJECTS
    assert sorted(o.object_number for o in missing) == sorted(
        contracts_demo.missing_quality_objects(contracts_demo.build_plan(timezone.localdate())))
    assert ObjectQuality.objects.filter(quality_type__in=required).count() == (
        RentalObject.objects.count() * len(required) - len(missing))
    for quality in ObjectQuality.objects.select_related("quality_type"):
        quality.full_clean()  # every value is one of the quality's allowed values


# --- Contracts --------------------------------------------------------------------------------------------


def test_contracts_of_every_kind_and_state(seeded):
    contracts = RentalContract.objects.all()
    by = Counter(contracts.values_list("kind", "state"))

    active_customer = sum(n for (kind, state), n in by.items() if kind in CUSTOMER_KINDS and state == State.ACTIVE)
    assert active_customer >= 150
    assert by[(Kind.CITY_INTERNAL, State.ACTIVE)] >= 5
    assert by[(Kind.VACANCY, State.ACTIVE)] >= 10
    assert by[(Kind.INTERNAL, State.ACTIVE)] >= 3
    assert sum(n for (_k, state), n in by.items() if state == State.PRELIMINARY) >= 5
    assert sum(n for (_k, state), n in by.items() if state == State.DRAFT) >= 4
    assert 2 <= by[(Kind.EXTERNAL, State.IN_DISPUTE)] and 2 <= by[(Kind.EXTERNAL, State.NOTICE_GIVEN)]
    assert by[(Kind.EXTERNAL, State.TERMINATED)] >= 5
    assert not contracts.filter(kind__in=[Kind.VACANCY, Kind.INTERNAL], customer__isnull=False).exists()
    # Spread over the districts and the housing forms.
    active = contracts.customer_contracts().filter(state=State.ACTIVE)
    assert set(active.values_list("organisation__code", flat=True)) == set(demo.DISTRICTS_BY_CODE)
    assert set(active.values_list("rental_object__housing_form", flat=True)) == set(HousingForm.values)
    assert set(contracts.values_list("delivery_channel", flat=True)) == {"post", "email", "digital_mailbox"}


def test_customers_belong_to_the_contracts_administration(seeded):
    contracts = RentalContract.objects.exclude(customer=None).select_related("customer", "rental_object")

    for contract in contracts:
        assert contract.customer.affiliation_id == contract.organisation_id, contract.number
        assert contract.rental_object.owner_id == contract.organisation_id
    assert RentalContract.objects.customer_contracts().filter(customer=None).count() == 0


def test_no_object_has_two_current_customer_contracts(seeded):
    doubled = (RentalContract.objects.customer_contracts().current().values("rental_object")
               .annotate(n=Count("id")).filter(n__gt=1))

    assert not doubled.exists()


def test_numbers_terms_and_rent_lines(seeded):
    year = timezone.localdate().year
    contracts = RentalContract.objects.select_related("rental_object", "collection_code").prefetch_related(
        "rent_lines")

    for contract in contracts:
        assert re.fullmatch(rf"\d{{4}}-{contract.pk:06d}", contract.number)
        assert contract.end_date is None or contract.end_date >= contract.start_date
        if contract.kind in CUSTOMER_KINDS:
            assert contract.collection_code is not None and contract.collection_code.is_active
        if contract.state == State.TERMINATED:
            continue
        lines = [ln for ln in contract.rent_lines.all() if ln.rent_year == year]
        bases = [ln for ln in lines if ln.kind == RentLineKind.BASE_RENT]
        assert [ln.amount for ln in bases] == [contract.rental_object.rent], contract.number
        assert contract.monthly_rent(year) > 0
        if contract.state in RentalContract.CURRENT_STATES:
            assert contract.activated_at is not None and contract.start_date <= timezone.localdate()
    lines = RentLine.objects.filter(rent_year=year)
    assert lines.filter(kind=RentLineKind.SUPPLEMENT).count() >= 50
    assert 3 <= lines.filter(kind=RentLineKind.DEDUCTION).count() <= 10
    assert all("tilläggsavtal" in d for d in lines.filter(kind=RentLineKind.DEDUCTION)
               .values_list("description", flat=True))
    assert RentLine.objects.filter(rent_year=year - 1).exists()  # older contracts have last year's rent


def test_fot_contracts_record_the_waiver(seeded):
    fot = RentalContract.objects.customer_contracts().current().filter(rental_object__housing_form="fot")

    assert fot.exists()
    assert not fot.filter(tenure_waiver_signed_on=None).exists()
    assert not fot.filter(end_date=None).exists()  # a trial period


def test_active_contracts_pass_the_activation_checks_but_a_deliberate_handful(seeded):
    active = RentalContract.objects.filter(state=State.ACTIVE).select_related(
        "customer", "rental_object", "organisation", "collection_code")
    failing = {}
    for contract in active:
        failed = checks.failed(checks.activation_checks(contract))
        if failed:
            failing[contract.number] = (contract.kind, [c.code for c in failed])

    assert len(failing) == contracts_demo.FAILING_ACTIVE_CONTRACTS
    assert all(codes == ["qualities"] for _kind, codes in failing.values())
    assert Counter(kind for kind, _codes in failing.values())[Kind.VACANCY] == 1


def test_the_special_persons(seeded):
    assert Person.objects.filter(protected_identity=True).count() == 1
    assert Person.objects.filter(deceased_on__isnull=False).count() == 1
    deceased = Person.objects.get(deceased_on__isnull=False)
    assert set(deceased.contracts.values_list("state", flat=True)) == {State.TERMINATED}
    assert deceased.contracts.get().end_date > deceased.deceased_on
    protected = Person.objects.get(protected_identity=True)
    assert protected.contracts.filter(state=State.ACTIVE).exists()
    # A demo citizen sees a contract of the person they represent.
    example = demo.citizen_example()
    assert example.person.contracts.current().exists()


# --- Submissions ------------------------------------------------------------------------------------------


def test_submissions_in_every_state_from_both_officers(seeded):
    today = timezone.localdate()
    submissions = Submission.objects.select_related("organisation", "submitted_by", "contract")

    for username in ("sodermalm", "kungsholmen"):
        officer = User.objects.get(username=username)
        own = submissions.filter(submitted_by=officer)
        assert {s.state for s in own} == set(Submission.State.values)
        assert all(s.organisation_id == officer.organisation_id for s in own)
        assert {s.kind for s in own} == set(Submission.Kind.values)
    for submission in submissions:
        assert submission.rent_lines.exists()
        assert submission.due_date == service_level_due(submission.received_at, 3)
        assert submission.received_at < timezone.now()
        if submission.state == Submission.State.RETURNED:
            assert submission.return_reason
        if submission.state in (Submission.State.COMPLETED, Submission.State.WITHDRAWN):
            assert submission.completed_at is not None
        if submission.state == Submission.State.ACCEPTED:
            assert submission.contract.state == State.DRAFT
        if submission.state == Submission.State.COMPLETED:
            assert submission.contract.state == State.ACTIVE
        if submission.contract_id:
            assert submission.contract.customer.personal_number == submission.personal_number
            assert submission.contract.organisation_id == submission.organisation_id
    open_ = submissions.filter(state__in=Submission.OPEN_STATES)
    assert open_.filter(due_date__lt=today).count() >= 4  # overdue
    assert open_.filter(due_date=next_working_day_on_or_after(today)).count() >= 2  # due today


def test_the_checks_fail_visibly_on_some_submissions_in_review(seeded):
    in_review = Submission.objects.filter(state=Submission.State.IN_REVIEW, kind=Submission.Kind.NEW_TENANT)
    failed = {s.organisation.code: [c.code for c in checks.failed(checks.submission_checks(s))]
              for s in in_review}

    assert failed == {"SOD": ["qualities"], "KUN": ["rent"]}
    changes = Submission.objects.filter(state=Submission.State.IN_REVIEW, kind=Submission.Kind.CHANGE)
    assert all(not checks.failed(checks.submission_checks(s)) for s in changes)


def test_the_officer_sees_their_own_demo_data(client, seeded):
    officer = User.objects.get(username="sodermalm")
    client.force_login(officer)

    submissions = client.get("/api/v1/submissions/").json()
    contracts = client.get("/api/v1/contracts/").json()

    assert submissions["count"] == Submission.objects.filter(organisation__code="SOD").count() == 12
    assert contracts["count"] == RentalContract.objects.filter(organisation__code="SOD").count() > 20
    assert client.get("/forvaltning/underlag/").status_code == 200
    assert client.get("/forvaltning/avtal/").status_code == 200


# --- No documents, no e-mail, and idempotent ------------------------------------------------------------------


def test_nothing_is_rendered_or_sent_while_seeding(monkeypatch):
    from contracts import tasks

    def refuse(*args, **kwargs):
        raise AssertionError("seed_demo must not queue documents")

    monkeypatch.setattr(tasks.render_contract_documents, "delay", refuse)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    assert not ContractDocument.objects.exists()
    assert mail.outbox == []
    assert not RentalContract.objects.exclude(state=State.DRAFT).filter(number=None).exists()
    # The contracts' rows are demo data, not business events: only persons are in the audit trail (of the
    # kernel's and the contracts' rows; the debt-collection demo's arrears are issued through the services).
    created = AuditEvent.objects.filter(event_type=AuditEvent.Type.CREATE, actor_label="seed_demo",
                                        content_type__app_label__in=["hyresadmin", "contracts"])
    assert created.count() == Person.objects.count() + Representative.objects.count()


def test_a_second_run_changes_nothing():
    first = demo.seed_demo(password="demo")
    counts = _row_counts()
    snapshots = {model: list(model.objects.order_by("pk").values())
                 for model in (RentalObject, ObjectQuality, RentalContract, RentLine, Submission, Person)}

    second = demo.seed_demo(password="demo")

    assert first["contracts.rentalcontract"] == RentalContract.objects.count()
    assert first["contracts.rentalobject"] == RentalObject.objects.count()
    assert set(second.values()) == {0}
    assert _row_counts() == counts
    for model, rows in snapshots.items():
        assert list(model.objects.order_by("pk").values()) == rows, model


def test_a_run_on_a_later_day_creates_nothing():
    start = timezone.localtime().replace(hour=10)
    with time_machine.travel(start, tick=False):
        demo.seed_demo(password="demo")
        counts = _row_counts()
    later = start + dt.timedelta(days=9)
    if later.year != start.year:  # a new rent year adds this year's rent lines: another test's case
        later = start - dt.timedelta(days=1)
    with time_machine.travel(later, tick=False):
        second = demo.seed_demo(password="demo")

    assert set(second.values()) == {0}
    assert _row_counts() == counts


def test_fewer_kernel_persons_give_the_same_contracts():
    demo.seed_demo(password="demo", persons=20)
    contracts = RentalContract.objects.count()

    created = demo.seed_demo(password="demo", persons=60)

    assert created["hyresadmin.person"] == 40
    assert created["contracts.rentalcontract"] == 0
    assert RentalContract.objects.count() == contracts


def test_a_run_puts_back_a_changed_object_and_its_quality():
    demo.seed_demo(password="demo")
    obj = RentalObject.objects.order_by("pk").first()
    rent = obj.rent
    RentalObject.objects.filter(pk=obj.pk).update(rent=rent + 1)
    quality = ObjectQuality.objects.filter(rental_object=obj, quality_type__code="kokstyp").get()
    other = next(v for v in quality.quality_type.choices if v != quality.value)
    ObjectQuality.objects.filter(pk=quality.pk).update(value=other)

    created = demo.seed_demo(password="demo")

    assert set(created.values()) == {0}
    obj.refresh_from_db()
    quality.refresh_from_db()
    assert obj.rent == rent and quality.value != other


# --- The plan, on any day -------------------------------------------------------------------------------------


@pytest.mark.parametrize("today", [
    dt.date(2026, 11, 22),  # a Sunday
    dt.date(2026, 11, 23),  # a Monday
    dt.date(2027, 1, 1),  # New Year's Day
    dt.date(2027, 6, 25),  # Midsummer Eve
    dt.date(2027, 12, 31),
    dt.date(2028, 2, 29),
])
def test_the_plan_holds_on_any_day(today):
    plan = contracts_demo.build_plan(today)
    due_day = next_working_day_on_or_after(today)

    keys = [c.key for c in plan.contracts]
    assert len(keys) == len(set(keys))
    current = Counter(c.object_number for c in plan.contracts
                      if c.kind in CUSTOMER_KINDS and c.state in RentalContract.CURRENT_STATES)
    assert max(current.values()) == 1
    for contract in plan.contracts:
        assert contract.end is None or contract.end >= contract.start
        if contract.state in RentalContract.CURRENT_STATES:
            assert contract.start <= today and (contract.end is None or contract.end >= today)
            assert contract.activated_at.date() < today
            assert any(ln.year == today.year and ln.kind == RentLineKind.BASE_RENT for ln in contract.lines)
        if contract.state in (State.DRAFT, State.PRELIMINARY):
            assert contract.start > today
            assert [ln.year for ln in contract.lines if ln.kind == RentLineKind.BASE_RENT] == [today.year]
    for submission in plan.submissions:
        assert submission.received_at.date() < today
    assert any(s.due_date == due_day for s in plan.submissions)
    assert any(s.due_date < today for s in plan.submissions)


def test_the_same_objects_and_persons_every_day():
    """A run on another day finds the same rows (the keys do not depend on the day)."""
    one, other = (contracts_demo.build_plan(day) for day in (dt.date(2026, 3, 2), dt.date(2026, 11, 22)))

    assert [(o.number, o.street_address, o.rent) for o in one.objects] == [
        (o.number, o.street_address, o.rent) for o in other.objects]
    assert [p.personal_number for p in one.persons] == [p.personal_number for p in other.persons]
    assert [c.key for c in one.contracts] == [c.key for c in other.contracts]
    assert [(s.organisation, s.kind, s.person.personal_number, s.object_number) for s in one.submissions] == [
        (s.organisation, s.kind, s.person.personal_number, s.object_number) for s in other.submissions]


def test_new_customers_are_valid_and_never_the_kernels_persons():
    plan = contracts_demo.build_plan(dt.date(2026, 11, 22))
    kernel = {p["personal_number"] for p in demo.generate_persons(contracts_demo.KERNEL_PERSONS_RESERVED)}
    numbers = [p.personal_number for p in plan.new_persons]  # customers made by the demo
    numbers += [s.person.personal_number for s in plan.submissions if s.contract is None]  # not yet

    assert len(numbers) == len(set(numbers))
    assert not kernel & set(numbers)
    from hyresadmin.identity import parse_personal_number

    for number in numbers:
        assert parse_personal_number(number).digits12 == number
