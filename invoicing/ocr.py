"""OCR references (Bankgiro) for invoices, and the bankgiro number itself.

An OCR reference is what the payer types (or scans) into the bank so that Bankgirot can tell us which
invoice a payment is for (FACTS.md §4). Ours are built from the invoice number:

    <invoice number digits> <length digit> <check digit>

* the **length digit** is the total length of the reference, the length digit and the check digit
  included, modulo 10 (a reference of 4, 14 or 24 digits has length digit 4);
* the **check digit** is the Luhn (modulus 10) check digit computed over everything before it, the
  length digit included (weights 2, 1, 2, 1 … from the right, the digit left of the check digit gets 2).

A reference is 2–25 digits, digits only. With this layout the city's bankgiro can use Bankgirot's
strictest checks ("hård kontroll" and "variabel längdkontroll"): the payer's bank refuses a mistyped
reference instead of sending us a payment we cannot match.

What Luhn catches: every change of a single digit, and every swap of two adjacent different digits
except 0↔9 ("09" and "90" weigh the same). The length digit also catches a digit dropped from or
added to the invoice number, which Luhn alone misses one time in ten.

Pure functions; no models, no database.
"""

from __future__ import annotations

import re

from stdnum import luhn

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "bankgiro_formatted",
    "format_ocr",
    "invoice_number_from_ocr",
    "is_valid_ocr",
    "ocr_reference",
]

#: Shortest and longest reference Bankgirot accepts (the BgMax reference field is 25 characters).
MIN_LENGTH = 2
MAX_LENGTH = 25

# ASCII digits only: ``str.isdigit`` would also accept "²", "١" and other Unicode digits. ``fullmatch``
# (not ``match`` with ``$``) so that a trailing newline is not accepted either.
_DIGITS = re.compile(r"[0-9]+")
_BANKGIRO = re.compile(r"([0-9]{3,4})[- ]?([0-9]{4})")


def _length_digit(total_length: int) -> str:
    """The length digit for a reference of ``total_length`` digits (both trailing digits included).

    ``% 10``, not the first digit of the length as some published code does (wrong from 10 digits up).
    """
    return str(total_length % 10)


def ocr_reference(number: int | str) -> str:
    """The OCR reference for invoice number ``number``: its digits, a length digit, a Luhn check digit.

    ``number`` is a positive ``int`` or a string of ASCII digits without leading zeros (a leading zero
    would be lost on the way back through :func:`invoice_number_from_ocr`). Raises ``ValueError`` for
    anything else, and when the reference would be longer than 25 digits (an invoice number of more
    than 23 digits).

    >>> ocr_reference(1234)
    '123463'
    """
    if isinstance(number, bool):  # bool is an int subclass; True is not an invoice number
        raise ValueError("An invoice number must be a positive integer, not a bool.")
    if isinstance(number, int):
        if number <= 0:
            raise ValueError(f"An invoice number must be positive, got {number}.")
        digits = str(number)
    elif isinstance(number, str):
        if not _DIGITS.fullmatch(number):
            raise ValueError(f"An invoice number must be digits only, got {number!r}.")
        if number.startswith("0"):
            raise ValueError(f"An invoice number must be positive and have no leading zeros, got {number!r}.")
        digits = number
    else:
        raise ValueError(
            f"An invoice number must be an int or a string of digits, got {type(number).__name__}."
        )

    total_length = len(digits) + 2
    if total_length > MAX_LENGTH:
        raise ValueError(
            f"Invoice number {digits} is too long: its OCR reference would have {total_length} digits "
            f"(at most {MAX_LENGTH})."
        )
    body = digits + _length_digit(total_length)
    return body + luhn.calc_check_digit(body)


def is_valid_ocr(text: str, *, require_length_digit: bool = True) -> bool:
    """Whether ``text`` is a valid OCR reference: 2–25 ASCII digits, Luhn valid and, when
    ``require_length_digit`` (the default, Bankgirot's "variabel längdkontroll"), with the right length
    digit in the second-to-last place.

    Never raises: anything that is not such a string (``None``, an int, spaces, letters) is ``False``.
    Spaces are not stripped: a reference in a BgMax file or typed into a form is cleaned by the caller.
    """
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return False
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        return False
    if not luhn.is_valid(text):
        return False
    if require_length_digit and text[-2] != _length_digit(len(text)):
        return False
    return True


def invoice_number_from_ocr(ref: str) -> int | None:
    """The invoice number in a reference this system made with :func:`ocr_reference`, else ``None``.

    ``None`` for an invalid reference, and also for a valid one that :func:`ocr_reference` would not
    have produced (a leading zero, or no invoice-number digits at all such as ``"26"``): such a payment
    is not for one of our invoices and goes to manual matching.
    """
    if not is_valid_ocr(ref, require_length_digit=True):
        return None
    digits = ref[:-2]
    if not digits or digits.startswith("0"):
        return None
    return int(digits)


def format_ocr(ref: str) -> str:
    """An OCR reference for display: the digits **unbroken**, no spaces or groups.

    Bankgirot's references are shown as one run of digits on invoices and in the bank apps, and the
    payer types (or copies) the reference into the bank app's reference field, which takes digits
    only: grouping "1234 5678" would invite typing or pasting the spaces, which some banks refuse or
    read as a message instead of a reference. So this returns the digits as they are. It accepts (and
    removes) whitespace that crept in, and raises ``ValueError`` if what is left is not 2–25 digits;
    it does not check the check digit (use :func:`is_valid_ocr`).
    """
    if not isinstance(ref, str):
        raise ValueError(f"An OCR reference must be a string, got {type(ref).__name__}.")
    digits = "".join(ref.split())
    if not _DIGITS.fullmatch(digits) or not MIN_LENGTH <= len(digits) <= MAX_LENGTH:
        raise ValueError(f"An OCR reference is 2–25 digits, got {ref!r}.")
    return digits


def bankgiro_formatted(number: str) -> str:
    """A bankgiro number normalised to ``NNN-NNNN`` (7 digits) or ``NNNN-NNNN`` (8 digits).

    Accepts the number with or without the hyphen (or a space in its place); the last digit is a Luhn check
    digit over the whole number. Raises ``ValueError`` when it is not 7–8 digits or the check digit
    is wrong. (python-stdnum 2.2, the pinned version, has no ``stdnum.se.bankgiro`` module yet, so the
    check is a plain Luhn check, which is what that module does.)

    >>> bankgiro_formatted("4338778")
    '433-8778'
    """
    if not isinstance(number, str):
        raise ValueError(f"A bankgiro number must be a string, got {type(number).__name__}.")
    match = _BANKGIRO.fullmatch(number.strip())
    if not match:
        raise ValueError(f"A bankgiro number is 7 or 8 digits (NNN-NNNN or NNNN-NNNN), got {number!r}.")
    digits = match[1] + match[2]
    if not luhn.is_valid(digits):
        raise ValueError(f"Bankgiro number {number!r} has a wrong check digit.")
    return f"{digits[:-4]}-{digits[-4:]}"
