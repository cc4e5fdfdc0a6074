"""``manage.py seed_demo``: what the demo contains, that a second run changes nothing, that it is
refused with DEBUG off, and that the demo users can log in."""

import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from hyresadmin import demo, permissions
from hyresadmin.identity import parse_personal_number
from hyresadmin.models import AuditEvent, Organisation, Person, Representative, User

pytestmark = pytest.mark.django_db

DISTRICT_NAMES = {
    "Södermalms stadsdelsförvaltning", "Kungsholmens stadsdelsförvaltning", "Norrmalms stadsdelsförvaltning",
    "Östermalms stadsdelsförvaltning", "Hässelby-Vällingby stadsdelsförvaltning",
    "Bromma stadsdelsförvaltning", "Spånga-Tensta stadsdelsförvaltning", "Rinkeby-Kista stadsdelsförvaltning",
    "Skärholmens stadsdelsförvaltning", "Hägersten-Älvsjö stadsdelsförvaltning",
    "Enskede-Årsta-Vantörs stadsdelsförvaltning", "Farsta stadsdelsförvaltning",
    "Skarpnäcks stadsdelsförvaltning",
}
DEMO_USERNAMES = ("admin", "service", "sodermalm", "kungsholmen")


@pytest.fixture(autouse=True)
def _fast_hashing_and_debug(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "demo"


def _seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


# --- Refused in production --------------------------------------------------------------------------------


def test_refused_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        _seed()

    assert not Person.objects.exists()
    assert not User.objects.exists()
    assert not Organisation.objects.exists()


# --- What the demo contains --------------------------------------------------------------------------------


def test_districts_and_the_service_administration():
    _seed()

    districts = Organisation.objects.filter(kind=Organisation.Kind.DISTRICT)
    assert set(districts.values_list("name", flat=True)) == DISTRICT_NAMES
    service = Organisation.objects.get(kind=Organisation.Kind.SERVICE)
    assert service.name == "Serviceförvaltningen"
    assert Organisation.objects.count() == 14
    for org in Organisation.objects.all():
        assert org.code
        assert org.shared_mailbox_email.endswith("@example.invalid")
    assert len(set(Organisation.objects.values_list("shared_mailbox_email", flat=True))) == 14


def test_demo_users_and_their_roles():
    _seed()

    admin, service, sodermalm, kungsholmen = (User.objects.get(username=name) for name in DEMO_USERNAMES)
    assert admin.is_superuser and admin.is_staff
    assert permissions.is_service_staff(service) and service.is_staff and not service.is_superuser
    assert service.organisation.name == "Serviceförvaltningen"
    assert permissions.is_district_officer(sodermalm) and not sodermalm.is_staff
    assert sodermalm.organisation.name == "Södermalms stadsdelsförvaltning"
    assert permissions.is_district_officer(kungsholmen)
    assert kungsholmen.organisation.name == "Kungsholmens stadsdelsförvaltning"


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_demo_users_log_in_with_the_demo_password(client, username):
    _seed()

    assert client.login(username=username, password="demo")
    assert not client.login(username=username, password="wrong")


def test_password_comes_from_the_option_or_the_setting(client, settings):
    settings.DEMO_PASSWORD = "from-the-setting"
    _seed()
    assert client.login(username="service", password="from-the-setting")

    _seed("--password", "from-the-option")
    assert client.login(username="sodermalm", password="from-the-option")
    assert not client.login(username="sodermalm", password="from-the-setting")


def test_sixty_persons_with_valid_personal_identity_numbers():
    _seed()

    persons = list(Person.objects.all())
    kernel = {spec["personal_number"] for spec in demo.generate_persons(60)}
    assert len(kernel) == 60 and kernel <= {p.personal_number for p in persons}  # apps' steps add customers
    for person in persons:
        parsed = parse_personal_number(person.personal_number)
        assert parsed.digits12 == person.personal_number
        assert parsed.is_coordination_number == person.is_coordination_number
        assert person.first_name and person.last_name
    assert 2 <= sum(p.is_coordination_number for p in persons) < 10


def test_persons_have_stockholm_addresses_and_are_spread_over_the_districts():
    _seed()

    persons = Person.objects.filter(protected_identity=False)
    for person in persons:
        assert person.street_address and person.town
        assert len(person.postcode) == 5 and person.postcode[0] == "1"  # Stockholm: 1xx xx
    assert all(p.email.endswith("@example.invalid") for p in persons if p.email)
    assert all(p.phone.startswith("070-174 06 ") for p in persons if p.phone)  # PTS's fiction range
    affiliations = set(Person.objects.values_list("affiliation__kind", "affiliation__name"))
    assert affiliations == {("district", name) for name in DISTRICT_NAMES}


def test_exactly_one_protected_identity_without_an_address():
    _seed()

    protected = Person.objects.get(protected_identity=True)
    assert protected.postal_address_lines() == []
    assert protected.street_address == protected.postcode == protected.town == ""


def test_exactly_one_deceased_person():
    _seed()

    deceased = Person.objects.get(deceased_on__isnull=False)
    assert deceased.deceased_on < timezone.localdate()
    assert parse_personal_number(deceased.personal_number).birth_date < deceased.deceased_on


def test_representatives_of_every_kind():
    _seed()

    today = timezone.localdate()
    reps = Representative.objects.select_related("person", "agent")
    assert {rep.kind for rep in reps} == set(Representative.Kind.values)
    relative = reps.get(kind=Representative.Kind.RELATIVE, may_see_invoices=True)
    assert relative.agent.last_name == relative.person.last_name
    secretary = reps.get(kind=Representative.Kind.SOCIAL_SECRETARY)
    assert secretary.agent is None and secretary.contact_name and not secretary.may_see_invoices
    assert reps.filter(valid_to__lt=today).exists()  # a god man who has been replaced
    assert reps.filter(kind=Representative.Kind.RELATIVE, may_see_invoices=False).exists()
    assert reps.valid_on(today).filter(person__protected_identity=True).exists()


def test_a_demo_relative_sees_the_person_they_represent_as_a_citizen(client):
    _seed()
    example = demo.citizen_example()
    from hyresadmin.oidc import citizen_user_for

    client.force_login(citizen_user_for(example.agent))
    ids = {row["id"] for row in client.get("/api/v1/persons/").json()["results"]}

    assert ids == {example.agent.pk, example.person.pk}


def test_the_sodermalm_officer_sees_only_sodermalm_persons(client):
    _seed()
    client.force_login(User.objects.get(username="sodermalm"))

    data = client.get("/api/v1/persons/").json()

    assert data["count"] == Person.objects.filter(affiliation__code="SOD").count() > 5
    protected = [row for row in data["results"] if row["protected_identity"]]
    assert [row["address"] for row in protected] == [None]


def test_person_writes_are_in_the_audit_trail():
    _seed()

    created = AuditEvent.objects.filter(event_type=AuditEvent.Type.CREATE, actor_label="seed_demo",
                                        content_type__model__in=["person", "representative"])
    assert created.count() == Person.objects.count() + Representative.objects.count()


# --- Idempotent ---------------------------------------------------------------------------------------------


def test_a_second_run_changes_nothing():
    first = demo.seed_demo(password="demo")
    counts = _row_counts()
    persons = list(Person.objects.order_by("pk").values())
    users = list(User.objects.order_by("pk").values())
    reps = list(Representative.objects.order_by("pk").values())

    second = demo.seed_demo(password="demo")

    assert first["hyresadmin.person"] == Person.objects.count() >= 60 and first["hyresadmin.organisation"] == 14
    assert first["hyresadmin.user"] == 4 and first["hyresadmin.representative"] == len(demo.REPRESENTATIONS)
    assert set(second.values()) == {0}
    assert _row_counts() == counts
    assert list(Person.objects.order_by("pk").values()) == persons
    assert list(User.objects.order_by("pk").values()) == users
    assert list(Representative.objects.order_by("pk").values()) == reps


def test_the_command_says_when_nothing_was_created():
    first = _seed()
    second = _seed()

    assert "nothing" in second or "inget" in second
    for text in (first, second):
        for username in DEMO_USERNAMES:
            assert username in text
        for path in ("/admin/", "/forvaltning/", "/mina-sidor/"):
            assert path in text
        assert "demo" in text


def test_a_run_puts_back_what_was_changed():
    demo.seed_demo(password="demo")
    spec = demo.generate_persons(1)[0]
    person = Person.objects.get(personal_number=spec["personal_number"])
    person.first_name = "Ändrad"
    person.save()

    created = demo.seed_demo(password="demo")

    assert set(created.values()) == {0}
    person.refresh_from_db()
    assert person.first_name == spec["first_name"]
    assert AuditEvent.objects.for_object(person).filter(event_type=AuditEvent.Type.UPDATE).count() == 1


def test_more_persons_extend_the_same_list():
    demo.seed_demo(password="demo", persons=20)
    first_twenty = set(Person.objects.values_list("personal_number", flat=True))

    created = demo.seed_demo(password="demo", persons=25)

    assert created["hyresadmin.person"] == 5
    assert first_twenty < set(Person.objects.values_list("personal_number", flat=True))


def test_too_few_persons_are_refused():
    with pytest.raises(CommandError):
        _seed("--persons", "5")
    with pytest.raises(ValueError):
        demo.seed_demo(password="demo", persons=5)


def test_personal_number_generator_makes_valid_numbers():
    number = demo.make_personal_number(dt.date(1970, 10, 3), 239, coordination=True)

    assert number == "197010632391"  # Skatteverket's example samordningsnummer 701063-2391
    assert parse_personal_number(number).is_coordination_number
    assert str(parse_personal_number(demo.make_personal_number(dt.date(2001, 2, 28), 4))).startswith(
        "20010228-004")
