"""The checks staff run before accepting a submission and before activating a contract.

Each check returns a ``Check`` with a Swedish label and, when it fails, what is wrong. Services
refuse the step while any check fails and show the whole list, so nothing is found one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    ObjectQuality,
    QualityType,
    RentalContract,
    RentalObject,
    RentLineKind,
    Submission,
)


@dataclass(frozen=True)
class Check:
    code: str
    label: str
    passed: bool
    detail: str = ""


def failed(checks: list[Check]) -> list[Check]:
    return [c for c in checks if not c.passed]


def _missing_required_qualities(rental_object: RentalObject) -> list[str]:
    filled = set(
        ObjectQuality.objects.filter(rental_object=rental_object).exclude(value="")
        .values_list("quality_type_id", flat=True)
    )
    return [q.name for q in QualityType.objects.filter(required=True) if q.pk not in filled]


def _qualities_check(rental_object: RentalObject) -> Check:
    missing = _missing_required_qualities(rental_object)
    return Check(
        "qualities", _("Every required quality of the object is filled in"), not missing,
        _("Missing: %(names)s.") % {"names": ", ".join(missing)} if missing else "",
    )


def _period_check(start, end) -> Check:
    ok = start is not None and (end is None or end >= start)
    return Check("period", _("The contract period is valid"), ok,
                 "" if ok else _("The end date is before the start date."))


def _collection_code_check(code) -> Check:
    ok = code is not None and code.is_active
    return Check("collection_code", _("A collection code is set"), ok,
                 "" if ok else _("Choose an active collection code."))


def _object_free_check(rental_object: RentalObject, start, *, except_contract=None) -> Check:
    blocking = RentalContract.objects.customer_contracts().current().filter(rental_object=rental_object)
    if except_contract is not None:
        blocking = blocking.exclude(pk=except_contract.pk)
    blocking = [c for c in blocking if c.end_date is None or c.end_date >= start]
    return Check(
        "object_free", _("The object has no other current customer contract"), not blocking,
        _("Contract %(number)s is current on the object.") % {"number": blocking[0].number}
        if blocking else "",
    )


def affiliation_conflict(person, organisation) -> RentalContract | None:
    """A current contract with the person's previous administration, which blocks a change."""
    if person is None or person.affiliation_id in (None, organisation.pk):
        return None
    return (
        RentalContract.objects.current()
        .filter(customer=person, organisation_id=person.affiliation_id)
        .first()
    )


def submission_checks(submission: Submission, *, today=None) -> list[Check]:
    from hyresadmin.models import Person

    today = today or timezone.localdate()
    obj = submission.rental_object
    base = submission.base_rent
    rent_ok = base == obj.rent or bool(submission.rent_difference_explanation.strip())
    checks = [
        Check(
            "rent", _("The rent on the submission equals the object's rent"), rent_ok,
            "" if rent_ok else _("The submission says %(given)s kr, the object's rent is %(rent)s kr, "
                                 "and no explanation is given.") % {"given": base, "rent": obj.rent},
        ),
    ]
    person = Person.objects.filter(personal_number=submission.personal_number).first()
    conflict = affiliation_conflict(person, submission.organisation)
    checks.append(Check(
        "affiliation", _("The customer's affiliation may be changed"), conflict is None,
        _("The customer has a current contract (%(number)s) with %(org)s; the affiliation can be "
          "changed only after it has ended.") % {"number": conflict.number, "org": conflict.organisation}
        if conflict else "",
    ))
    checks.append(_period_check(submission.start_date, submission.end_date))
    checks.append(_collection_code_check(submission.collection_code))
    checks.append(_qualities_check(obj))
    lines_ok = obj.rent_year == today.year and any(
        ln.kind == RentLineKind.BASE_RENT for ln in submission.rent_lines.all())
    checks.append(Check(
        "rent_year", _("The rent lines carry this year's rent"), lines_ok,
        "" if lines_ok else _("The object's rent is for %(year)s and must be raised for %(now)s, and "
                              "a base rent line is needed.") % {"year": obj.rent_year, "now": today.year},
    ))
    if submission.kind == Submission.Kind.NEW_TENANT:
        checks.append(_object_free_check(obj, submission.start_date))
    else:
        ok = submission.contract_id is not None and (
            submission.contract.organisation_id == submission.organisation_id)
        checks.append(Check("contract", _("The contract to change belongs to the administration"), ok,
                            "" if ok else _("Choose one of your administration's contracts.")))
    return checks


def activation_checks(contract: RentalContract, *, today=None) -> list[Check]:
    today = today or timezone.localdate()
    checks = []
    if contract.kind in (RentalContract.Kind.EXTERNAL, RentalContract.Kind.CITY_INTERNAL):
        customer = contract.customer
        ok = customer is not None and customer.deceased_on is None
        checks.append(Check("customer", _("The contract has a living customer"), ok,
                            "" if ok else _("Register the customer first.")))
        conflict = affiliation_conflict(customer, contract.organisation) if customer else None
        ok = customer is not None and conflict is None
        checks.append(Check(
            "affiliation", _("The customer belongs to the contract's administration"), ok,
            "" if ok else _("The customer still has a current contract with another administration."),
        ))
        checks.append(_collection_code_check(contract.collection_code))
        checks.append(_object_free_check(contract.rental_object, contract.start_date,
                                         except_contract=contract))
    checks.append(_period_check(contract.start_date, contract.end_date))
    checks.append(_qualities_check(contract.rental_object))
    year_lines = [ln for ln in contract.rent_lines.all() if ln.rent_year == today.year]
    ok = any(ln.kind == RentLineKind.BASE_RENT for ln in year_lines)
    checks.append(Check("rent_lines", _("The rent lines carry this year's rent"), ok,
                        "" if ok else _("Add a base rent line for %(year)s.") % {"year": today.year}))
    if contract.is_fot and contract.kind != RentalContract.Kind.VACANCY:
        ok = contract.tenure_waiver_signed_on is not None
        checks.append(Check(
            "tenure_waiver", _("The waiver of security of tenure is signed (FOT)"), ok,
            "" if ok else _("Record the date the waiver of security of tenure was signed."),
        ))
    return checks
