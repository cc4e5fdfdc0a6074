"""The CSV import of rental objects: all or nothing, every bad line named, the same file refused."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.imports import import_rental_objects, parse
from contracts.models import Landlord, ObjectQuality, RentalObject
from hyresadmin.imports import ImportRefused
from hyresadmin.models import AuditEvent, ImportedFile
from tests.contracts.factories import QualityTypeFactory, RentalObjectFactory
from tests.factories import OrganisationFactory

HEADER = ("object_number;street_address;postcode;town;housing_form;landlord_name;landlord_org_number;"
          "landlord_city_owned;first_hand_rent;first_hand_rent_negotiated;rent;rent_year;area;rooms;"
          "owner_code;qualities")


def row(number="A-1", rent="5 400,00", form="Servicehus", owner="SOD", qualities="balkong=Ja"):
    return (f"{number};Götgatan 1;118 46;Stockholm;{form};Stockholmshem AB;556035-9555;ja;5000,00;ja;"
            f"{rent};2026;34,5;1,5;{owner};{qualities}")


def csv_bytes(*rows):
    return ("\ufeff" + "\n".join([HEADER, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def setup_refs(db):
    OrganisationFactory(code="SOD", name="Södermalm")
    QualityTypeFactory(code="balkong", name="Balkong", allowed_values="Ja;Nej")


@pytest.mark.django_db
def test_import_creates_and_updates(setup_refs, staff):
    existing = RentalObjectFactory(object_number="A-2", rent=Decimal("1.00"))
    result = import_rental_objects(actor=staff, name="objekt.csv",
                                   data=csv_bytes(row("A-1"), row("A-2", rent="6000")))
    assert result == {"rows": 2, "created": 1, "updated": 1, "landlords_created": 1}
    created = RentalObject.objects.get(object_number="A-1")
    assert created.rent == Decimal("5400.00") and created.housing_form == "service_house"
    assert created.postcode == "11846" and created.owner.code == "SOD"
    assert created.landlord.is_city_owned
    assert ObjectQuality.objects.get(rental_object=created).value == "Ja"
    existing.refresh_from_db()
    assert existing.rent == Decimal("6000.00")
    assert ImportedFile.objects.get().rows == 2
    assert AuditEvent.objects.filter(reason="Rental objects imported").exists() or AuditEvent.objects.exists()


@pytest.mark.django_db
def test_one_bad_line_refuses_the_file_and_names_every_bad_line(setup_refs, staff):
    data = csv_bytes(row("A-1"), row("A-2", rent="femtusen"), row("A-3", form="slott"), row("A-1"))
    with pytest.raises(ImportRefused) as exc:
        import_rental_objects(actor=staff, name="objekt.csv", data=data)
    lines = {(e.line, e.field) for e in exc.value.errors}
    assert (3, "rent") in lines and (4, "housing_form") in lines and (5, "object_number") in lines
    assert not RentalObject.objects.exists()
    assert not Landlord.objects.exists()
    assert not ImportedFile.objects.exists()


@pytest.mark.django_db
def test_unknown_references_are_refused(staff, setup_refs):
    with pytest.raises(ImportRefused) as exc:
        import_rental_objects(actor=staff, name="o.csv",
                              data=csv_bytes(row(owner="XXX"), row("A-2", qualities="balkong=Kanske")))
    assert {e.field for e in exc.value.errors} == {"owner_code", "qualities"}
    assert not RentalObject.objects.exists()


@pytest.mark.django_db
def test_same_file_twice_is_refused(setup_refs, staff):
    data = csv_bytes(row("A-1"))
    import_rental_objects(actor=staff, name="objekt.csv", data=data)
    with pytest.raises(ImportRefused) as exc:
        import_rental_objects(actor=staff, name="igen.csv", data=data)
    assert "already" in exc.value.message or "redan" in exc.value.message
    assert ImportedFile.objects.count() == 1


@pytest.mark.django_db
def test_missing_columns_and_not_utf8(staff):
    with pytest.raises(ImportRefused) as exc:
        import_rental_objects(actor=staff, name="x.csv", data=b"object_number;rent\nA;1\n")
    assert exc.value.errors[0].line == 1
    with pytest.raises(ImportRefused):
        import_rental_objects(actor=staff, name="x.csv", data="å".encode("latin-1"))


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_file(setup_refs, staff, django_assert_max_num_queries):
    small = csv_bytes(*[row(f"S-{i}") for i in range(5)])
    large = csv_bytes(*[row(f"L-{i}") for i in range(300)])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as q_small:
        import_rental_objects(actor=staff, name="s.csv", data=small)
    with CaptureQueriesContext(connection) as q_large:
        import_rental_objects(actor=staff, name="l.csv", data=large)
    assert len(q_large) <= len(q_small) + 4  # bulk batches, not a query per row
    assert RentalObject.objects.count() == 305


@pytest.mark.django_db
def test_command_exits_non_zero_on_refusal(tmp_path, setup_refs):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(row(rent="x")))
    with pytest.raises(CommandError, match="Line 2|Rad 2"):
        call_command("import_objects", str(bad))
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(row()))
    call_command("import_objects", str(good))
    assert RentalObject.objects.count() == 1


amounts = st.decimals(min_value=0, max_value=999999, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(rent=amounts, comma=st.booleans())
def test_any_valid_amount_round_trips(rent, comma):
    text = format(rent, "f").replace(".", "," if comma else ".")
    rows, errors = parse("\n".join([HEADER, row(rent=text)]))
    assert errors == []
    assert rows[0].values["rent"] == rent.quantize(Decimal("0.01"))


@settings(max_examples=60, deadline=None)
@given(junk=st.text(min_size=1, max_size=12).filter(
    lambda t: ";" not in t and "\n" not in t and "\r" not in t and t.strip()))
def test_junk_in_an_amount_is_refused_or_read_exactly(junk):
    rows, errors = parse("\n".join([HEADER, row(rent=junk)]))
    if errors:
        assert all(e.line == 2 for e in errors)
    else:
        assert rows[0].values["rent"] >= 0


@pytest.mark.django_db
def test_admin_upload_imports_or_lists_bad_lines(client, staff, setup_refs):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(staff)
    url = reverse("admin:contracts_rentalobject_import")
    bad = SimpleUploadedFile("o.csv", csv_bytes(row("A-1"), row("A-2", rent="x")), content_type="text/csv")
    response = client.post(url, {"file": bad})
    assert response.status_code == 200
    assert "import-errors" in response.content.decode()
    assert not RentalObject.objects.exists()
    good = SimpleUploadedFile("o.csv", csv_bytes(row("A-1")), content_type="text/csv")
    response = client.post(url, {"file": good})
    assert response.status_code == 302
    assert RentalObject.objects.filter(object_number="A-1").exists()
    assert reverse("admin:contracts_rentalobject_import") in client.get(
        reverse("admin:contracts_rentalobject_changelist")).content.decode()


@pytest.mark.django_db
def test_officer_cannot_import(client, officer, setup_refs):
    from django.urls import reverse

    client.force_login(officer)
    response = client.get(reverse("admin:contracts_rentalobject_import"))
    assert response.status_code == 302 and "login" in response["Location"]
