"""The CSV import of rental objects: many objects at once, all or nothing.

Format: UTF-8 (a byte-order mark is fine), semicolon-separated, one header line with these columns
(the order is free; ``qualities`` is optional)::

    object_number;street_address;postcode;town;housing_form;landlord_name;landlord_org_number;
    landlord_city_owned;first_hand_rent;first_hand_rent_negotiated;rent;rent_year;area;rooms;
    owner_code;qualities

Amounts take a decimal comma or point; yes/no columns take ja/nej, yes/no, 1/0, true/false;
``housing_form`` takes the code (``care_home``, ``fot``, …) or the Swedish name; ``qualities`` is
``code=value|code=value``. An object number that exists is updated; others are created. The whole
file is checked first; one bad line refuses the file, naming every bad line, and nothing is written.
The work is a fixed number of queries whatever the size of the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from hyresadmin import audit
from hyresadmin.imports import ImportRefused, LineError, import_file
from hyresadmin.models import AuditEvent, Organisation

from .models import HousingForm, Landlord, ObjectQuality, QualityType, RentalObject

IMPORT_KIND = "rental_objects_csv"
REQUIRED_COLUMNS = (
    "object_number", "street_address", "postcode", "town", "housing_form", "landlord_name",
    "landlord_org_number", "landlord_city_owned", "first_hand_rent", "first_hand_rent_negotiated",
    "rent", "rent_year", "area", "rooms", "owner_code",
)
YES = {"ja", "yes", "1", "true", "j", "x"}
NO = {"nej", "no", "0", "false", "n", ""}
OBJECT_FIELDS = ("street_address", "postcode", "town", "housing_form", "first_hand_rent",
                 "first_hand_rent_negotiated", "rent", "rent_year", "area", "rooms")


@dataclass
class Row:
    line: int
    values: dict
    landlord: tuple[str, str, bool]
    owner_code: str
    qualities: dict[str, str]


def _housing_form(value: str) -> str | None:
    v = value.strip().lower()
    for choice, label in HousingForm.choices:
        if v == choice or v == str(label).lower() or v in str(label).lower().split("(")[-1]:
            return choice
    aliases = {"vård- och omsorgsboende": HousingForm.CARE_HOME, "servicehus": HousingForm.SERVICE_HOUSE,
               "gruppbostad": HousingForm.GROUP_HOME, "gruppboende": HousingForm.GROUP_HOME,
               "serviceboende": HousingForm.SERVICE_HOUSING,
               "försöks- och träningslägenhet": HousingForm.FOT}
    return aliases.get(v)


class _Cells:
    """Typed reading of one line's cells, collecting an error per bad cell."""

    def __init__(self, line: int, raw: dict):
        self.line, self.raw, self.errors = line, raw, []

    def err(self, col: str, message: str) -> None:
        self.errors.append(LineError(self.line, message, col))

    def money(self, col: str) -> Decimal | None:
        value = self.number(col, message=_("Not an amount: “%(v)s”."))
        if value is None:
            return None
        if value < 0 or value.as_tuple().exponent < -2:
            self.err(col, _("The amount must be zero or more, with at most two decimals."))
            return None
        return value.quantize(Decimal("0.01"))

    def number(self, col: str, message: str | None = None) -> Decimal | None:
        try:
            value = Decimal(self.raw[col].replace(" ", "").replace(",", "."))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or abs(value) >= 10**9:
            self.err(col, (message or _("Not a number: “%(v)s”.")) % {"v": self.raw[col]})
            return None
        return value

    def yes_no(self, col: str) -> bool | None:
        v = self.raw[col].lower()
        if v in YES:
            return True
        if v in NO:
            return False
        self.err(col, _("Write ja or nej."))
        return None

    def year(self, col: str) -> int | None:
        try:
            year = int(self.raw[col])
        except ValueError:
            year = 0
        if not 2000 <= year <= 2100:
            self.err(col, _("Not a year: “%(v)s”.") % {"v": self.raw[col]})
            return None
        return year


def parse(text: str) -> tuple[list[Row], list[LineError]]:
    """Parse and check every line; no database access."""
    errors: list[LineError] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [LineError(1, _("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})]
    reader.fieldnames = header
    rows, seen = [], {}
    for index, raw in enumerate(reader, start=2):
        raw = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(raw.values()):
            continue
        cells = _Cells(index, raw)
        number = raw["object_number"]
        if not number:
            cells.err("object_number", _("The object number is missing."))
        elif number in seen:
            cells.err("object_number",
                      _("The object number is also on line %(line)s.") % {"line": seen[number]})
        else:
            seen[number] = index
        for col in ("street_address", "postcode", "landlord_name", "landlord_org_number", "owner_code"):
            if not raw[col]:
                cells.err(col, _("A value is required."))
        postcode = raw["postcode"].replace(" ", "")
        if raw["postcode"] and (not postcode.isdigit() or len(postcode) != 5):
            cells.err("postcode", _("A postcode has five digits."))
        housing_form = _housing_form(raw["housing_form"])
        if housing_form is None:
            cells.err("housing_form", _("Unknown housing form: “%(v)s”.") % {"v": raw["housing_form"]})
        qualities = {}
        for part in filter(None, (p.strip() for p in raw.get("qualities", "").split("|"))):
            code, sep, value = part.partition("=")
            if not sep or not code.strip() or not value.strip():
                cells.err("qualities", _("Write qualities as code=value|code=value."))
            else:
                qualities[code.strip()] = value.strip()
        values = {
            "object_number": number, "street_address": raw["street_address"], "postcode": postcode,
            "town": raw["town"] or "Stockholm", "housing_form": housing_form,
            "first_hand_rent": cells.money("first_hand_rent"),
            "first_hand_rent_negotiated": cells.yes_no("first_hand_rent_negotiated"),
            "rent": cells.money("rent"), "rent_year": cells.year("rent_year"),
            "area": cells.number("area"), "rooms": cells.number("rooms"),
        }
        city_owned = cells.yes_no("landlord_city_owned")
        errors.extend(cells.errors)
        if not cells.errors:
            rows.append(Row(index, values, (raw["landlord_org_number"], raw["landlord_name"],
                                            bool(city_owned)), raw["owner_code"], qualities))
    if not rows and not errors:
        errors.append(LineError(1, _("The file has no objects.")))
    return rows, errors


def import_rental_objects(*, actor, name: str, data: bytes) -> dict:
    """Import a CSV of rental objects; raises ``ImportRefused`` naming each bad line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ImportRefused(_("The file is not UTF-8 text. Save it as CSV (UTF-8)."))
    rows, errors = parse(text)
    owners = {o.code: o for o in Organisation.objects.filter(code__in={r.owner_code for r in rows})}
    quality_types = {q.code: q for q in QualityType.objects.all()}
    for row in rows:
        if row.owner_code not in owners:
            errors.append(LineError(row.line, _("Unknown organisation code “%(v)s”.") % {"v": row.owner_code},
                                    "owner_code"))
        for code, value in row.qualities.items():
            qt = quality_types.get(code)
            if qt is None:
                errors.append(LineError(row.line, _("Unknown quality “%(v)s”.") % {"v": code}, "qualities"))
            elif qt.choices and value not in qt.choices:
                errors.append(LineError(row.line, _("“%(v)s” is not allowed for %(q)s.") % {
                    "v": value, "q": qt.name}, "qualities"))
    if errors:
        errors.sort(key=lambda e: e.line)
        raise ImportRefused(_("The file was not imported: %(n)s errors. Nothing was changed.") % {
            "n": len(errors)}, errors)

    def write() -> dict:
        return _write(rows, owners, quality_types, actor)

    return import_file(kind=IMPORT_KIND, name=name, data=data, actor=actor, write=write).result


def _write(rows: list[Row], owners, quality_types, actor) -> dict:
    landlords = {ll.organisation_number: ll for ll in Landlord.objects.filter(
        organisation_number__in={r.landlord[0] for r in rows})}
    new_landlords = {}
    for org_number, name, city_owned in (r.landlord for r in rows):
        if org_number not in landlords and org_number not in new_landlords:
            new_landlords[org_number] = Landlord(organisation_number=org_number, name=name,
                                                 is_city_owned=city_owned)
    Landlord.objects.bulk_create(new_landlords.values())
    landlords.update({ll.organisation_number: ll for ll in Landlord.objects.filter(
        organisation_number__in=new_landlords.keys())})

    existing = RentalObject.objects.in_bulk([r.values["object_number"] for r in rows],
                                            field_name="object_number")
    to_create, to_update = [], []
    for row in rows:
        obj = existing.get(row.values["object_number"])
        if obj is None:
            obj = RentalObject(**row.values)
            to_create.append(obj)
        else:
            for name in OBJECT_FIELDS:
                setattr(obj, name, row.values[name])
            to_update.append(obj)
        obj.landlord = landlords[row.landlord[0]]
        obj.owner = owners[row.owner_code]
    RentalObject.objects.bulk_create(to_create, batch_size=1000)
    RentalObject.objects.bulk_update(to_update, [*OBJECT_FIELDS, "landlord", "owner"], batch_size=1000)
    by_number = RentalObject.objects.in_bulk([r.values["object_number"] for r in rows],
                                             field_name="object_number")
    with_qualities = [r for r in rows if r.qualities]
    ObjectQuality.objects.filter(
        rental_object__in=[by_number[r.values["object_number"]] for r in with_qualities]).delete()
    ObjectQuality.objects.bulk_create([
        ObjectQuality(rental_object=by_number[r.values["object_number"]],
                      quality_type=quality_types[code], value=value)
        for r in with_qualities for code, value in r.qualities.items()
    ], batch_size=1000)
    result = {"rows": len(rows), "created": len(to_create), "updated": len(to_update),
              "landlords_created": len(new_landlords)}
    audit.record(AuditEvent.Type.UPDATE, actor=actor, reason=_("Rental objects imported"), changes=result)
    return result
