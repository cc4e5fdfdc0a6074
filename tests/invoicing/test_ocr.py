"""OCR references for invoices and bankgiro numbers (invoicing.ocr), FACTS.md §4."""

from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from invoicing.ocr import (
    bankgiro_formatted,
    format_ocr,
    invoice_number_from_ocr,
    is_valid_ocr,
    ocr_reference,
)

# --- FACTS.md §4 examples ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    [
        "0072019122420063",  # 16 digits, length digit 6 (ocrgenerator README)
        "655969",  # Bankgirot's example file: 6 digits, length digit 6
        "657866",
        "659763",
        "658260",
    ],
)
def test_facts_examples_are_valid(ref):
    assert is_valid_ocr(ref)
    assert is_valid_ocr(ref, require_length_digit=False)
    assert ref[-2] == str(len(ref) % 10) == "6"


def test_facts_example_failing_luhn():
    assert not is_valid_ocr("89853")
    assert not is_valid_ocr("89853", require_length_digit=False)


# --- ocr_reference, computed by hand --------------------------------------------------------------
#
#   1         -> "1" + "3" (length 3) ; Luhn over "13": 3*2=6, 1 -> 7, check 3              -> "133"
#   1234      -> "1234" + "6"        ; "12346": 6*2=12->3, 4, 3*2=6, 2, 1*2=2 -> 17, check 3 -> "123463"
#   12345678  -> length 10 -> length digit 0 ; "123456780": 0, 8, 14->5, 6, 10->1, 4, 6, 2, 2 = 34,
#                check 6                                                                -> "1234567806"
#   10**22    -> 23 digits, length 25 -> 5 ; "1 0…0 5": 5*2=10->1, the 1 at weight 1 -> 2, check 8
#   109       -> "109" + "5" ; "1095": 5*2=10->1, 9, 0, 1 -> 11, check 9                     -> "10959"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1, "133"),
        (1234, "123463"),
        ("1234", "123463"),
        (12345678, "1234567806"),
        (109, "10959"),
        (10**22, "1" + "0" * 22 + "58"),
    ],
)
def test_ocr_reference_by_hand(number, expected):
    assert ocr_reference(number) == expected
    assert is_valid_ocr(expected)
    assert invoice_number_from_ocr(expected) == int(number)


@pytest.mark.parametrize(
    "number",
    [
        0,
        -1,
        True,
        False,
        "",
        "0",
        "0123",
        "12a",
        "1 2",
        " 12",
        "12\n",
        "１２",
        "٣",
        "²",
        "-5",
        "+5",
        10**23,
        "1" * 24,
        1.0,
        None,
        b"12",
    ],
)
def test_ocr_reference_refuses(number):
    with pytest.raises(ValueError):
        ocr_reference(number)


def test_longest_reference_is_25_digits():
    assert len(ocr_reference(10**23 - 1)) == 25
    with pytest.raises(ValueError, match="too long"):
        ocr_reference(10**23)


# --- is_valid_ocr, invoice_number_from_ocr, format_ocr -----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        None,
        655969,
        655969.0,
        b"655969",
        "",
        "6",
        " 655969",
        "655969 ",
        "655969\n",
        "6559 69",
        "65596a",
        "６５５９６９",
        "1" * 26,
        ["655969"],
    ],
)
def test_is_valid_ocr_junk_is_false(text):
    assert is_valid_ocr(text) is False
    assert is_valid_ocr(text, require_length_digit=False) is False
    assert invoice_number_from_ocr(text) is None


def test_length_digit_only_checked_when_required():
    # "12345" + Luhn: 5*2=10->1, 4, 3*2=6, 2, 1*2=2 -> 15, check 5; the length digit says 5 but it is 6 long.
    assert is_valid_ocr("123455", require_length_digit=False)
    assert not is_valid_ocr("123455")


def test_shortest_references():
    assert is_valid_ocr("26")  # length digit 2, 2*2=4 -> check 6
    assert not is_valid_ocr("18")  # Luhn valid, but length digit says 1
    assert is_valid_ocr("18", require_length_digit=False)
    # Valid, but not one of ours: no invoice-number digits before the length digit.
    assert invoice_number_from_ocr("26") is None


def test_invoice_number_from_ocr():
    assert invoice_number_from_ocr("133") == 1
    assert invoice_number_from_ocr("1234567806") == 12345678
    assert invoice_number_from_ocr("134") is None  # wrong check digit
    assert invoice_number_from_ocr("123455") is None  # wrong length digit
    # Valid reference, but with a leading zero: ocr_reference never makes one, so not ours.
    assert invoice_number_from_ocr("0072019122420063") is None


def test_format_ocr_is_unbroken():
    assert format_ocr("0072019122420063") == "0072019122420063"
    assert format_ocr(" 0072 0191 2242 0063\n") == "0072019122420063"
    assert format_ocr(ocr_reference(1234)) == "123463"
    for bad in ["", "1", "12a4", "1-2", "1" * 26, None]:
        with pytest.raises(ValueError):
            format_ocr(bad)


# --- properties -----------------------------------------------------------------------------------

invoice_numbers = st.integers(min_value=1, max_value=10**20)


@given(invoice_numbers)
def test_every_reference_validates_and_round_trips(number):
    ref = ocr_reference(number)
    assert ref == ocr_reference(str(number))
    assert ref.startswith(str(number))
    assert len(ref) == len(str(number)) + 2
    assert ref[-2] == str(len(ref) % 10)
    assert luhn.is_valid(ref)
    assert is_valid_ocr(ref)
    assert invoice_number_from_ocr(ref) == number
    assert format_ocr(ref) == ref


@given(invoice_numbers, st.data())
def test_one_changed_digit_is_caught(number, data):
    ref = ocr_reference(number)
    position = data.draw(st.integers(min_value=0, max_value=len(ref) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != ref[position]]))
    changed = ref[:position] + digit + ref[position + 1 :]
    # Luhn alone catches every single-digit change (doubling is a permutation of 0-9).
    assert not is_valid_ocr(changed, require_length_digit=False)
    assert not is_valid_ocr(changed)
    assert invoice_number_from_ocr(changed) is None


def swap(text: str, position: int) -> str:
    return text[:position] + text[position + 1] + text[position] + text[position + 2 :]


@given(invoice_numbers, st.data())
def test_adjacent_swap_is_caught_except_0_9(number, data):
    ref = ocr_reference(number)
    pairs = [i for i in range(len(ref) - 1) if ref[i] != ref[i + 1]]
    if not pairs:
        return
    position = data.draw(st.sampled_from(pairs))
    swapped = swap(ref, position)
    if {ref[position], ref[position + 1]} == {"0", "9"}:
        # Doubling maps 0 -> 0 and 9 -> 18 -> 9: the pair weighs 9 whichever way round.
        assert luhn.is_valid(swapped)
    else:
        assert not is_valid_ocr(swapped, require_length_digit=False)
        assert not is_valid_ocr(swapped)


def test_adjacent_swap_theory_exhaustively():
    """Every pair of different adjacent digits, at both weights: Luhn misses exactly 09 <-> 90.

    Swapping a (weight 1) and b (weight 2) changes the sum by f(b) - f(a), with f(x) = double(x) - x,
    i.e. x for 0-4 and x - 9 for 5-9; f(a) = f(b) mod 10 only for {0, 9}.
    """
    for a, b in product("0123456789", repeat=2):
        if a == b:
            continue
        # Without a tail b sits next to the check digit (weight 2, a weight 1); the tail shifts both.
        for tail in ("", "7"):
            body = "31" + a + b + tail
            ref = body + luhn.calc_check_digit(body)
            swapped = swap(ref, 2)
            assert luhn.is_valid(ref)
            assert luhn.is_valid(swapped) == ({a, b} == {"0", "9"}), (a, b, tail)


def test_swap_exception_example():
    assert is_valid_ocr("10959")
    assert is_valid_ocr("19059")  # 109 and 190 swapped their 0 and 9: Luhn cannot see it
    assert invoice_number_from_ocr("19059") == 190


junk = st.one_of(
    st.text(),
    st.text(alphabet="0123456789", max_size=30),
    st.text(alphabet="0123456789 -\n\t１٣", max_size=30),
    st.binary(),
    st.integers(),
    st.none(),
    st.floats(),
)


@given(junk)
def test_junk_never_raises(value):
    assert is_valid_ocr(value) in (True, False)
    assert is_valid_ocr(value, require_length_digit=False) in (True, False)
    result = invoice_number_from_ocr(value)
    assert result is None or (isinstance(result, int) and ocr_reference(result) == value)


@given(st.text(alphabet="0123456789", min_size=2, max_size=25))
def test_is_valid_ocr_matches_definition(text):
    expected = luhn.is_valid(text) and text[-2] == str(len(text) % 10)
    assert is_valid_ocr(text) == expected
    assert is_valid_ocr(text, require_length_digit=False) == luhn.is_valid(text)


# --- bankgiro numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("433-8778", "433-8778"),  # UsingQR spec examples
        ("4338778", "433-8778"),
        ("5536-7742", "5536-7742"),
        ("55367742", "5536-7742"),
        ("5050-1055", "5050-1055"),
        ("5050 1055", "5050-1055"),
        (" 5050-1055 ", "5050-1055"),
    ],
)
def test_bankgiro_formatted(number, expected):
    assert bankgiro_formatted(number) == expected


@pytest.mark.parametrize(
    "number",
    [
        "433-8777",
        "5050-1056",
        "",
        "123456",
        "123456789",
        "43-38778",
        "4-338-778",
        "433--8778",
        "433-877a",
        "４３３-８７７８",
        None,
        4338778,
    ],
)
def test_bankgiro_refused(number):
    with pytest.raises(ValueError):
        bankgiro_formatted(number)
