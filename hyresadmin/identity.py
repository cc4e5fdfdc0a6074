"""Swedish personal identity numbers (personnummer) and coordination numbers (samordningsnummer).

This module is the only place that knows how such a number is written, checked and stored:

* Written form: ``YYMMDD-NNNC`` or ``YYYYMMDD-NNNC`` (10 or 12 digits), the separator ``-`` (or none);
  ``+`` replaces ``-`` in the 10-digit form from the calendar year in which the person turns 100
  (folkbokföringslagen 18 §).
* ``NNN`` is the birth serial (odd last digit = man, even = woman), ``C`` a Luhn (modulus 10) check digit
  computed over the 10-digit form ``YYMMDDNNN`` (the century is not included).
* A coordination number (samordningsnummer) has the same structure with 60 added to the day of birth
  (born the 3rd → ``63``); Skatteverket's example is ``701063-2391``.
* Storage form: the 12 digits ``YYYYMMDDNNNC``, the day as written (i.e. ``+60`` for a coordination number).

python-stdnum's ``stdnum.se.personnummer`` rejects coordination numbers and infers the century from the
real today's date, so only its Luhn arithmetic (``stdnum.luhn``) is used here.

Note that the date part is not always the real birth date: Skatteverket may use a nearby day when a date
runs out of serial numbers (folkbokföringslagen 18 § 3 st). ``PersonalNumber.birth_date`` is the date the
number states.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import luhn

__all__ = [
    "COORDINATION_DAY_OFFSET",
    "PersonalNumber",
    "PersonalNumberFormField",
    "normalize_personal_number",
    "parse_personal_number",
    "validate_personal_number",
]

#: Added to the day of birth in a coordination number (samordningsnummer).
COORDINATION_DAY_OFFSET = 60

# Optional century, YYMMDD, optional separator, NNNC. ASCII digits only (no other Unicode digits).
_PATTERN = re.compile(
    r"(?P<century>[0-9]{2})?(?P<date>[0-9]{6})(?P<sep>[-+]?)(?P<serial>[0-9]{3})(?P<check>[0-9])"
)

MESSAGES = {
    "invalid_format": _("Enter a personal identity number as YYYYMMDD-NNNN or YYMMDD-NNNN."),
    "invalid_date": _("The personal identity number does not contain a valid date."),
    "invalid_checksum": _("The check digit of the personal identity number is wrong."),
    "future_date": _("The date in the personal identity number is in the future."),
}


def _error(code: str) -> ValidationError:
    return ValidationError(MESSAGES[code], code=code)


@dataclass(frozen=True)
class PersonalNumber:
    """A parsed, valid personal identity number or coordination number.

    ``day`` is the real day of the month; for a coordination number the written day is ``day + 60``.
    """

    year: int
    month: int
    day: int
    serial: str
    check: str
    is_coordination_number: bool = False

    @property
    def written_day(self) -> int:
        """The day as written in the number (``day + 60`` for a coordination number)."""
        return self.day + (COORDINATION_DAY_OFFSET if self.is_coordination_number else 0)

    @property
    def digits10(self) -> str:
        """``YYMMDDNNNC``: the digits the check digit is computed over (plus the check digit)."""
        return self.digits12[2:]

    @property
    def digits12(self) -> str:
        """``YYYYMMDDNNNC``, the storage form."""
        return f"{self.year:04d}{self.month:02d}{self.written_day:02d}{self.serial}{self.check}"

    @property
    def birth_date(self) -> datetime.date:
        """The date the number states (the real day also for a coordination number)."""
        return datetime.date(self.year, self.month, self.day)

    @property
    def is_male(self) -> bool:
        """Legal sex at registration: the serial's last digit is odd for a man, even for a woman."""
        return int(self.serial[-1]) % 2 == 1

    def short_form(self, today: datetime.date | None = None) -> str:
        """``YYMMDD-NNNC``; ``+`` instead of ``-`` from the calendar year the person turns 100."""
        today = today or datetime.date.today()
        separator = "+" if today.year - self.year >= 100 else "-"
        digits = self.digits10
        return f"{digits[:6]}{separator}{digits[6:]}"

    def __str__(self) -> str:
        """``YYYYMMDD-NNNC``, the day as written."""
        digits = self.digits12
        return f"{digits[:8]}-{digits[8:]}"


def _infer_year(yy: int, month: int, day: int, plus: bool, today: datetime.date) -> int:
    """The full year of a 10-digit number.

    With ``-`` (or no separator) the most recent year ending in ``yy`` that puts the birth date on or before
    ``today``, so the person is at most 99 years old. With ``+`` the most recent year ending in ``yy`` that is
    at least 100 years before this calendar year (the ``+`` is used from the year the person turns 100).
    """
    if plus:
        latest = today.year - 100
        return latest - (latest - yy) % 100
    year = today.year - (today.year - yy) % 100
    if year == today.year and (month, day) > (today.month, today.day):
        year -= 100
    return year


def parse_personal_number(text: str, *, today: datetime.date | None = None) -> PersonalNumber:
    """Parse and validate a personal identity number or coordination number.

    Accepts ``YYMMDD-NNNC``, ``YYMMDD+NNNC``, ``YYMMDDNNNC``, ``YYYYMMDD-NNNC``, ``YYYYMMDDNNNC`` (and
    ``YYYYMMDD+NNNC``, whose ``+`` is then redundant); surrounding whitespace is ignored, nothing else is.
    ``today`` (default: the current date) fixes the century of a 10-digit number and the future-date check.

    Raises ``ValidationError`` with code ``invalid_format``, ``invalid_date``, ``invalid_checksum`` or
    ``future_date``.
    """
    if not isinstance(text, str):
        raise _error("invalid_format")
    match = _PATTERN.fullmatch(text.strip())
    if match is None:
        raise _error("invalid_format")
    today = today or datetime.date.today()
    date_digits = match["date"]
    yy, month, written_day = int(date_digits[:2]), int(date_digits[2:4]), int(date_digits[4:6])

    is_coordination = written_day > COORDINATION_DAY_OFFSET
    day = written_day - COORDINATION_DAY_OFFSET if is_coordination else written_day
    if match["century"] is not None:
        year = int(match["century"]) * 100 + yy
    else:
        year = _infer_year(yy, month, day, match["sep"] == "+", today)
    try:
        birth_date = datetime.date(year, month, day)
    except ValueError:
        raise _error("invalid_date") from None

    if luhn.checksum(date_digits + match["serial"] + match["check"]) != 0:
        raise _error("invalid_checksum")
    if birth_date > today:
        raise _error("future_date")
    return PersonalNumber(
        year=year,
        month=month,
        day=day,
        serial=match["serial"],
        check=match["check"],
        is_coordination_number=is_coordination,
    )


def validate_personal_number(value: str) -> None:
    """Django validator: raise ``ValidationError`` unless ``value`` is a valid number (in any accepted form)."""
    parse_personal_number(value)


def normalize_personal_number(value: str) -> str:
    """The 12-digit storage form ``YYYYMMDDNNNC`` of ``value``; raises ``ValidationError`` if invalid."""
    return parse_personal_number(value).digits12


class PersonalNumberFormField(forms.CharField):
    """A form field for a personal identity or coordination number; ``clean()`` returns the 12 digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        return normalize_personal_number(value)
