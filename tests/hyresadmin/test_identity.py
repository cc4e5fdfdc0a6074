"""Personal identity numbers and coordination numbers (hyresadmin.identity)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from hyresadmin.identity import (
    PersonalNumber,
    PersonalNumberFormField,
    normalize_personal_number,
    parse_personal_number,
    validate_personal_number,
)

TODAY = date(2025, 6, 15)


def luhn_digit(nine: str) -> str:
    """The check digit for YYMMDDNNN, computed independently of the code under test.

    Weights 2,1,2,1,… from the left; digits of each product are summed.
    """
    assert len(nine) == 9 and nine.isdigit()
    total = 0
    for i, ch in enumerate(nine):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def with_check(text: str) -> str:
    """Append the right check digit to a number written without it, e.g. ``"19990230-000"``."""
    digits = text.replace("-", "").replace("+", "")
    return text + luhn_digit(digits[-9:])


def parse(text: str) -> PersonalNumber:
    return parse_personal_number(text, today=TODAY)


def error_code(text: str, today: date = TODAY) -> str:
    with pytest.raises(ValidationError) as excinfo:
        parse_personal_number(text, today=today)
    return excinfo.value.code


def test_luhn_helper_matches_known_numbers():
    assert with_check("701063-239") == "701063-2391"  # Skatteverket's samordningsnummer example
    assert with_check("880320-001") == "880320-0016"
    assert with_check("811228-984") == "811228-9841"
    assert with_check("890102-328") == "890102-3286"


# --- valid numbers --------------------------------------------------------------------------------------------------

VALID = [
    # (input, 12-digit storage form, is coordination number)
    ("880320-0016", "198803200016", False),
    ("8803200016", "198803200016", False),
    ("19880320-0016", "198803200016", False),
    ("198803200016", "198803200016", False),
    ("19880320+0016", "198803200016", False),  # redundant + in the 12-digit form
    ("  880320-0016\n", "198803200016", False),
    ("880320+0016", "188803200016", False),
    ("18880320-0016", "188803200016", False),
    ("811228-9841", "198112289841", False),
    ("890102-3286", "198901023286", False),
    ("701063-2391", "197010632391", True),
    ("7010632391", "197010632391", True),
    ("19701063-2391", "197010632391", True),
    ("197010632391", "197010632391", True),
    (with_check("000229-123"), "20000229123" + with_check("000229-123")[-1], False),
    (with_check("20000289-123"), "20000289123" + with_check("000289-123")[-1], True),  # samordn. 29 Feb 2000
    (with_check("910131-999"), "19910131999" + with_check("910131-999")[-1], False),
    (with_check("910191-000"), "19910191000" + with_check("910191-000")[-1], True),  # samordn. 31 Jan
    (with_check("20250615-000"), "20250615000" + with_check("250615-000")[-1], False),  # born today
]


@pytest.mark.parametrize(("text", "digits12", "coordination"), VALID)
def test_valid_numbers(text, digits12, coordination):
    number = parse(text)
    assert number.digits12 == digits12
    assert number.is_coordination_number is coordination
    assert normalize_personal_number(text) == digits12
    validate_personal_number(text)  # does not raise
    assert str(number) == f"{digits12[:8]}-{digits12[8:]}"
    assert number.digits10 == digits12[2:]


def test_coordination_number_example():
    number = parse("701063-2391")
    assert number == PersonalNumber(
        year=1970, month=10, day=3, serial="239", check="1", is_coordination_number=True
    )
    assert number.birth_date == date(1970, 10, 3)
    assert number.written_day == 63
    assert number.is_male
    assert str(number) == "19701063-2391"
    assert number.digits12 == "197010632391"
    assert number.short_form(TODAY) == "701063-2391"


def test_ordinary_number_fields():
    number = parse("890102-3286")
    assert (number.year, number.month, number.day) == (1989, 1, 2)
    assert (number.serial, number.check) == ("328", "6")
    assert not number.is_coordination_number
    assert not number.is_male  # 8 is even
    assert number.birth_date == date(1989, 1, 2)
    assert str(number) == "19890102-3286"


# --- century inference ---------------------------------------------------------------------------------------------

CENTURY = [
    # (number without check digit, today, expected birth year)
    ("880320-001", TODAY, 1988),
    ("880320+001", TODAY, 1888),
    ("880320001", TODAY, 1988),  # no separator behaves like "-"
    ("250101-000", TODAY, 2025),  # earlier this year
    ("250615-000", TODAY, 2025),  # today
    ("250616-000", TODAY, 1925),  # tomorrow would be in the future → 99 years old
    ("251231-000", TODAY, 1925),
    ("260101-000", TODAY, 1926),
    ("250101+000", TODAY, 1925),  # turns 100 this calendar year → "+"
    ("251231+000", TODAY, 1925),  # "+" from the calendar year of the 100th birthday
    ("260101+000", TODAY, 1826),
    ("990101+000", TODAY, 1899),
    ("000101-000", TODAY, 2000),
    ("000101+000", TODAY, 1900),
    ("991231-000", date(2000, 1, 1), 1999),
    ("000101-000", date(2000, 1, 1), 2000),
    ("000102-000", date(2000, 1, 1), 1900),
    ("250661-000", TODAY, 2025),  # samordningsnummer, 1 June 2025
    ("250676-000", TODAY, 1925),  # samordningsnummer, 16 June → 1925
    ("250675-000", TODAY, 2025),  # samordningsnummer, 15 June (today)
]


@pytest.mark.parametrize(("nine", "today", "year"), CENTURY)
def test_century_inference(nine, today, year):
    assert parse_personal_number(with_check(nine), today=today).year == year


def test_twelve_digits_keep_their_century():
    assert parse(with_check("19250616-000")).year == 1925
    assert parse(with_check("18250616-000")).year == 1825


def test_short_form_uses_plus_from_the_year_of_the_100th_birthday():
    assert parse(with_check("19251231-000")).short_form(TODAY).startswith("251231+")
    assert parse(with_check("19260101-000")).short_form(TODAY).startswith("260101-")


# --- invalid numbers ------------------------------------------------------------------------------------------------

INVALID = [
    # format / length
    ("", "invalid_format"),
    ("   ", "invalid_format"),
    ("88032O-0016", "invalid_format"),  # letter O
    ("ABCDEF-GHIJ", "invalid_format"),
    ("880320-001", "invalid_format"),  # 9 digits
    ("88032000161", "invalid_format"),  # 11 digits
    ("1988032000161", "invalid_format"),  # 13 digits
    ("880320-00161", "invalid_format"),
    ("19880320-001", "invalid_format"),
    ("880320--0016", "invalid_format"),
    ("8803-20-0016", "invalid_format"),
    ("880320 0016", "invalid_format"),
    ("880320/0016", "invalid_format"),
    ("1988-03-20-0016", "invalid_format"),
    ("198803-200016", "invalid_format"),
    ("८८०३२०0016", "invalid_format"),  # non-ASCII digits
    # check digit
    ("880320-0018", "invalid_checksum"),
    ("19880320-0017", "invalid_checksum"),
    ("701063-2392", "invalid_checksum"),
    # date
    (with_check("19990230-000"), "invalid_date"),
    (with_check("990230-000"), "invalid_date"),
    (with_check("19991301-000"), "invalid_date"),
    (with_check("19990001-000"), "invalid_date"),
    (with_check("19990100-000"), "invalid_date"),
    (with_check("19990132-000"), "invalid_date"),
    (with_check("19990145-000"), "invalid_date"),  # between 31 and 61
    (with_check("19990160-000"), "invalid_date"),  # samordningsnummer day 0
    (with_check("19990192-000"), "invalid_date"),  # samordningsnummer day 32
    (with_check("19990290-000"), "invalid_date"),  # samordningsnummer 30 Feb
    (with_check("19990289-000"), "invalid_date"),  # samordningsnummer 29 Feb in a non-leap year
    (with_check("19000229-000"), "invalid_date"),  # 1900 is not a leap year
    (with_check("000229+000"), "invalid_date"),  # + → 1900
    (with_check("19990431-000"), "invalid_date"),
    # future
    (with_check("20250616-000"), "future_date"),
    (with_check("20991231-000"), "future_date"),
    (with_check("20250676-000"), "future_date"),  # samordningsnummer 16 June 2025
]


@pytest.mark.parametrize(("text", "code"), INVALID)
def test_invalid_numbers(text, code):
    assert error_code(text) == code


@pytest.mark.parametrize("text", [None, 8803200016, b"880320-0016"])
def test_non_strings_are_invalid_format(text):
    assert error_code(text) == "invalid_format"


def test_validate_and_normalize_raise_validation_error():
    with pytest.raises(ValidationError) as excinfo:
        validate_personal_number("880320-0018")
    assert excinfo.value.code == "invalid_checksum"
    with pytest.raises(ValidationError):
        normalize_personal_number("nonsense")


def test_every_error_code_has_its_own_message():
    messages = {}
    for text, code in [
        ("x", "invalid_format"),
        ("880320-0018", "invalid_checksum"),
        (with_check("19990230-000"), "invalid_date"),
        (with_check("20991231-000"), "future_date"),
    ]:
        with pytest.raises(ValidationError) as excinfo:
            parse(text)
        assert excinfo.value.code == code
        messages[code] = str(excinfo.value.message)
    assert len(set(messages.values())) == 4


# --- form field -----------------------------------------------------------------------------------------------------


def test_form_field_returns_twelve_digits():
    field = PersonalNumberFormField()
    assert field.clean(" 701063-2391 ") == "197010632391"
    assert field.clean("19880320-0016") == "198803200016"


def test_form_field_errors():
    field = PersonalNumberFormField()
    with pytest.raises(ValidationError) as excinfo:
        field.clean("880320-0018")
    assert excinfo.value.error_list[0].code == "invalid_checksum"
    with pytest.raises(ValidationError) as excinfo:
        field.clean("")
    assert excinfo.value.error_list[0].code == "required"


def test_optional_form_field_allows_empty():
    assert PersonalNumberFormField(required=False).clean("") == ""


# --- properties -----------------------------------------------------------------------------------------------------

birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
serials = st.integers(0, 999).map(lambda n: f"{n:03d}")


def build(birth: date, serial: str, coordination: bool) -> str:
    """The 12-digit form ``YYYYMMDD-NNNC`` with the right check digit."""
    day = birth.day + (60 if coordination else 0)
    return with_check(f"{birth.year:04d}{birth.month:02d}{day:02d}-{serial}")


@given(birth_dates, serials, st.booleans())
def test_round_trip(birth, serial, coordination):
    text = build(birth, serial, coordination)
    number = parse(text)
    assert number.birth_date == birth
    assert number.serial == serial
    assert number.is_coordination_number is coordination
    assert str(number) == text
    assert parse(str(number)) == number
    assert parse(number.digits12) == number
    assert parse(number.short_form(TODAY)) == number
    assert number.is_male is (int(serial[-1]) % 2 == 1)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    serials,
    st.booleans(),
)
def test_short_form_round_trip_for_any_today(birth, today, serial, coordination):
    assume(birth <= today and today.year - birth.year < 200)
    number = parse_personal_number(build(birth, serial, coordination), today=today)
    assert parse_personal_number(number.short_form(today), today=today) == number


@given(birth_dates, serials, st.booleans(), st.integers(0, 9), st.integers(1, 9))
def test_single_digit_change_is_rejected(birth, serial, coordination, position, delta):
    text = build(birth, serial, coordination)
    digits10 = text.replace("-", "")[2:]
    changed = str((int(digits10[position]) + delta) % 10)
    mutated = digits10[:position] + changed + digits10[position + 1 :]
    with pytest.raises(ValidationError):
        parse(mutated)
    with pytest.raises(ValidationError):
        parse(text[:2] + mutated)
