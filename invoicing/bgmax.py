"""A pure parser of Bankgirot's BgMax files (Bankgiro Inbetalningar), FACTS.md §3.

No models, no database: :func:`parse` takes the file's bytes and returns frozen dataclasses, or raises
:class:`BgMaxError` naming the line (1-based, counted over every line of the file, ignored ones
included) and the field (Bankgirot's Swedish field name from the manual, e.g. ``Betalningsbelopp``).

Reading rules (FACTS.md §3.1):

* The bytes are decoded as Latin-1 (ISO-8859-1), which decodes any byte, so decoding never fails.
* Lines end with CRLF, LF or a lone CR. ``str.splitlines`` is *not* used: it would also split on
  U+0085 (Latin-1 byte 0x85), U+000B, U+000C and U+001C–U+001E, which may appear inside a text field.
* TAB characters are expanded to the next tab stop at a multiple of 8 columns
  (``str.expandtabs(8)``) before the fields are sliced. Bankgirot's own example file has
  ``"220003783511" TAB TAB "       657965…"``: 12 characters, a TAB to column 16, a TAB to column 24
  and 7 blanks put the reference at position 32–37, exactly where the blank-filled field would put it
  (the Haskell parser's "a TAB is 6 blanks" gives the same result on that line). A record that is
  longer than 80 characters after expansion (trailing blanks not counted) is refused.
* Every line is right-padded with blanks to 80 characters; the transaction code is positions 1–2.
* Lines whose transaction code is not one of the known record types (blank lines included) are
  ignored and their numbers listed in :attr:`BgMaxFile.ignored_lines`.
* Structure ``01 (05 (20|21 (22|23)* 25* 26? 27? 28? 29?)+ 15)+ 70``. The order of 22/23, 25 and
  26–29 after their payment is not enforced (TK25 may come before or after 26–29); a second 26, 27,
  28 or 29 for the same payment is refused (it would overwrite the first).
* Amounts are öre in the file and :class:`~decimal.Decimal` kronor here (never float). TK23 extra
  references carry their amount as a non-negative ``amount`` with ``negative=True``.
* Checked: the start record (layout ``BGMAX``, version ``01``, timestamp, test marker ``T``/``P``),
  the structure, every amount, date, count and code digit, each deposit's amount (TK15 = Σ TK20 −
  Σ TK21 of its section) and count (TK15 = number of TK20 + TK21), and the end record's four counts.
  Not checked (the sources disagree or the fields are free text): the avdragskod's value, that
  TK22/TK23 repeat their payment's payer bankgiro/channel/serial, the currency, the format of a
  reference (the matching decides what a valid OCR is).

Speed (100 000 payments in well under a second of CPU): a payment record's positions 3–70 are read
with one regular expression that encodes the same checks as the field-by-field reading, which only
runs when the expression does not match, to name the bad field; the frozen records are built without
the dataclass ``__init__``; and the cyclic garbage collector is paused while the file's objects are
built (:func:`gc_paused`).
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

__all__ = [
    "BgMaxError",
    "BgMaxFile",
    "Deposit",
    "ExtraReference",
    "PaymentRecord",
    "gc_paused",
    "parse",
    "parse_lines",
]

RECORD_LENGTH = 80
TAB_SIZE = 8
LAYOUT_NAME = "BGMAX"
LAYOUT_VERSION = "01"

KNOWN_CODES = frozenset({"01", "05", "20", "21", "22", "23", "25", "26", "27", "28", "29", "15", "70"})

_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() would accept "²" (Latin-1 0xB2)
#: Positions 3–70 of a TK20–23 record when every field is well formed (``_payment_fields``' fast path;
#: the same rules as the field-by-field checks, which run when this does not match, to name the field).
_PAYMENT_BODY = re.compile(r"([0-9]{10}| {10})(.{25})([0-9]{18})([0-9])([0-9])(.{12})([0-9])", re.DOTALL)
_NO_BANKGIRO = " " * 10
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Field names: Bankgirot's own (Swedish) names from the technical manual, FACTS.md §3.2.
F_CODE = "Transaktionskod"
F_RECORD = "Post"
F_LAYOUT = "Layoutnamn"
F_VERSION = "Version"
F_TIMESTAMP = "Skrivdag"
F_TEST = "Testmarkering"
F_RECIPIENT_BG = "Mottagarbankgironummer"
F_RECIPIENT_PG = "Mottagarplusgironummer"
F_PAYER_BG = "Avsändarbankgironummer"
F_AMOUNT = "Betalningsbelopp"
F_REFCODE = "Referenskod"
F_CHANNEL = "Betalningskanalkod"
F_IMAGE = "Avibildmarkering"
F_PAYMENT_DATE = "Betalningsdag"
F_DEPOSIT_AMOUNT = "Insättningsbelopp"
F_DEPOSIT_COUNT = "Antal betalningar"
F_N_PAYMENTS = "Antal betalningsposter"
F_N_DEDUCTIONS = "Antal avdragsposter"
F_N_EXTRA = "Antal extra referensnummerposter"
F_N_DEPOSITS = "Antal insättningsposter"


class BgMaxError(ValueError):
    """A BgMax file refused: ``line`` (1-based), ``field`` (Bankgirot's Swedish field name) and a
    translatable ``message``; ``str()`` reads e.g. "Rad 7, fält Betalningsbelopp: …" in Swedish."""

    def __init__(self, line: int, field: str, message, params: dict | None = None):
        self.line = line
        self.field = field
        self._message = message
        self._params = params or {}
        super().__init__(line, field, message)

    @property
    def message(self) -> str:
        text = str(self._message)
        return text % self._params if self._params else text

    def __str__(self) -> str:
        return gettext("Line %(line)s, field %(field)s: %(message)s") % {
            "line": self.line,
            "field": self.field,
            "message": self.message,
        }


@dataclass(frozen=True)
class ExtraReference:
    """TK22 (``negative=False``) or TK23 (``negative=True``) extra reference of a payment."""

    line: int
    reference: str
    amount: Decimal
    negative: bool
    reference_code: int


@dataclass(frozen=True)
class PaymentRecord:
    """A TK20 payment or TK21 deduction (``deduction_code`` is ``None`` for a payment) with its
    extra references (22/23), information texts (25) and the payer's name and address (26–29)."""

    line: int
    payer_bankgiro: str
    reference: str
    amount: Decimal
    reference_code: int
    channel: int
    serial: str
    has_image: bool
    deduction_code: str | None
    extra_references: list[ExtraReference] = field(default_factory=list)
    info: list[str] = field(default_factory=list)
    payer_name: str = ""
    payer_extra_name: str = ""
    payer_address: str = ""
    payer_postcode: str = ""
    payer_town: str = ""
    payer_country: str = ""
    payer_country_code: str = ""
    payer_org_number: str = ""


@dataclass(frozen=True)
class Deposit:
    """One section (05 … 15): a deposit to one bank account. ``line`` is the TK05 line."""

    line: int
    recipient_bankgiro: str
    recipient_plusgiro: str
    currency: str
    account: str
    payment_date: date
    serial: str
    amount: Decimal
    count: int
    deposit_type: str
    payments: list[PaymentRecord] = field(default_factory=list)
    deductions: list[PaymentRecord] = field(default_factory=list)


@dataclass(frozen=True)
class BgMaxFile:
    """A parsed file. ``test_marker`` is True for a test file (TK01 ``T``); ``start_line`` is the
    start record's line (1 unless ignored lines come first). ``counts`` are the end record's (checked
    against what was read): ``payments`` (TK20), ``deductions`` (TK21), ``extra_references`` (TK22 +
    TK23), ``deposits`` (TK15)."""

    timestamp: datetime
    test_marker: bool
    sections: list[Deposit]
    counts: dict
    ignored_lines: list[int]
    start_line: int = 1


# --- reading one record ------------------------------------------------------------------------


class _Record:
    __slots__ = ("code", "line", "text")

    def __init__(self, line: int, text: str):
        self.line = line
        self.text = text  # tab-expanded, padded to 80
        self.code = text[:2]

    def field(self, start: int, end: int) -> str:
        """Positions ``start``–``end``, 1-based inclusive, as in the manual."""
        return self.text[start - 1 : end]

    def stripped(self, start: int, end: int) -> str:
        return self.field(start, end).strip(" ")

    def digits(self, start: int, end: int, name: str, *, blank_ok: bool = False) -> str:
        value = self.field(start, end)
        if blank_ok and not value.strip(" "):
            return ""
        if not _DIGITS.fullmatch(value):
            raise BgMaxError(
                self.line,
                name,
                _("Positions %(start)s–%(end)s must be digits, found “%(value)s”."),
                {"start": start, "end": end, "value": value},
            )
        return value

    def number(self, start: int, end: int, name: str) -> int:
        return int(self.digits(start, end, name))

    def date(self, start: int, end: int, name: str) -> date:
        value = self.digits(start, end, name)
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            raise BgMaxError(
                self.line, name, _("“%(value)s” is not a valid date (YYYYMMDD)."), {"value": value}
            )


def _kronor(ore: int) -> Decimal:
    return Decimal(ore).scaleb(-2)


# --- builders (mutable while reading, frozen when their section closes) -------------------------


#: PaymentRecord's optional fields and their defaults (the payer's name and address, TK26–29).
_PAYER_DEFAULTS = {
    f.name: f.default for f in PaymentRecord.__dataclass_fields__.values() if isinstance(f.default, str)
}


class _Payment:
    __slots__ = ("extra_references", "info", "is_deduction", "line", "ore", "seen", "values")

    def __init__(self, line: int, is_deduction: bool, ore: int, values: dict):
        self.line = line
        self.is_deduction = is_deduction
        self.ore = ore
        self.values = values
        self.extra_references: list = []
        self.info: list = []
        self.seen: set = set()

    def freeze(self) -> PaymentRecord:
        """The frozen record. Built without the dataclass's ``__init__``, which sets each of the 19
        fields through ``object.__setattr__`` (a frozen dataclass's cost, a second per 100 000
        payments); the instance is the same: every field set, still frozen."""
        record = object.__new__(PaymentRecord)
        record.__dict__.update(_PAYER_DEFAULTS, **self.values, extra_references=self.extra_references,
                               info=self.info)
        return record


@dataclass
class _Section:
    line: int
    recipient_bankgiro: str
    recipient_plusgiro: str
    currency: str
    payments: list = field(default_factory=list)


def _payment_fields(rec: _Record) -> dict:
    """Positions 3–70, common to TK20, TK21, TK22 and TK23."""
    match = _PAYMENT_BODY.match(rec.text, 2)
    if match is None:
        return _checked_payment_fields(rec)  # raises, naming the field
    payer, reference, ore, reference_code, channel, serial, image = match.groups()
    return {
        "payer_bankgiro": "" if payer == _NO_BANKGIRO else payer,
        "reference": reference.strip(" "),
        "ore": int(ore),
        "reference_code": int(reference_code),
        "channel": int(channel),
        "serial": serial.strip(" "),
        "has_image": image == "1",
    }


def _checked_payment_fields(rec: _Record) -> dict:
    """``_payment_fields`` field by field, so that a bad one is named."""
    return {
        "payer_bankgiro": rec.digits(3, 12, F_PAYER_BG, blank_ok=True),
        "reference": rec.stripped(13, 37),
        "ore": rec.number(38, 55, F_AMOUNT),
        "reference_code": rec.number(56, 56, F_REFCODE),
        "channel": rec.number(57, 57, F_CHANNEL),
        "serial": rec.stripped(58, 69),
        "has_image": rec.number(70, 70, F_IMAGE) == 1,
    }


# --- the parser ----------------------------------------------------------------------------------


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while a large file's objects are built.

    Building hundreds of thousands of small objects that all stay alive sets off a collection every
    few hundred allocations, each walking the ever larger heap: two thirds of the time of parsing a
    100 000-payment file. These objects hold no reference cycles (reference counting frees them), so
    nothing is lost by collecting only afterwards. The pause is process-wide, so it is kept to the
    parsing and the import's matching loop.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse(data: bytes) -> BgMaxFile:
    """Parse a BgMax file (its raw bytes); raises :class:`BgMaxError` on anything it refuses."""
    text = bytes(data).decode("latin-1")
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    with gc_paused():
        return parse_lines(lines)


def _start_record(rec: _Record) -> tuple[datetime, bool]:
    if rec.stripped(3, 22) != LAYOUT_NAME:
        raise BgMaxError(
            rec.line,
            F_LAYOUT,
            _("The layout name must be BGMAX, found “%(value)s”."),
            {"value": rec.stripped(3, 22)},
        )
    if rec.field(23, 24) != LAYOUT_VERSION:
        raise BgMaxError(
            rec.line,
            F_VERSION,
            _("Only version 01 is supported, found “%(value)s”."),
            {"value": rec.field(23, 24)},
        )
    stamp = rec.digits(25, 44, F_TIMESTAMP)
    try:
        timestamp = datetime(
            int(stamp[0:4]),
            int(stamp[4:6]),
            int(stamp[6:8]),
            int(stamp[8:10]),
            int(stamp[10:12]),
            int(stamp[12:14]),
            int(stamp[14:20]),
        )
    except ValueError:
        raise BgMaxError(
            rec.line,
            F_TIMESTAMP,
            _("“%(value)s” is not a valid timestamp (YYYYMMDDHHMMSS and microseconds)."),
            {"value": stamp},
        )
    marker = rec.field(45, 45)
    if marker not in ("T", "P"):
        raise BgMaxError(
            rec.line, F_TEST, _("The test marker must be T or P, found “%(value)s”."), {"value": marker}
        )
    return timestamp, marker == "T"


def parse_lines(lines: list[str]) -> BgMaxFile:
    """Parse a BgMax file already decoded and split into lines (without line terminators)."""
    timestamp: datetime | None = None
    test_marker = False
    start_line = 1
    ignored: list[int] = []
    deposits: list[Deposit] = []
    section: _Section | None = None
    payment: _Payment | None = None
    read = {"payments": 0, "deductions": 0, "extra_references": 0, "deposits": 0}
    counts: dict | None = None
    last_line = 0

    def structure_error(rec: _Record, message) -> BgMaxError:
        return BgMaxError(rec.line, F_CODE, message, {"code": rec.code})

    for number, raw in enumerate(lines, start=1):
        last_line = number
        expanded = raw.expandtabs(TAB_SIZE) if "\t" in raw else raw
        code = expanded[:2]
        if code not in KNOWN_CODES:
            ignored.append(number)
            continue
        if len(expanded.rstrip(" ")) > RECORD_LENGTH:
            raise BgMaxError(
                number,
                F_RECORD,
                _("The record is %(length)s characters long, at most 80 are allowed."),
                {"length": len(expanded.rstrip(" "))},
            )
        rec = _Record(number, expanded.ljust(RECORD_LENGTH))

        if counts is not None:
            raise structure_error(rec, _("Record %(code)s after the end record (70)."))
        if timestamp is None:
            if code != "01":
                raise structure_error(rec, _("The file must begin with a start record (01), found %(code)s."))
            timestamp, test_marker = _start_record(rec)
            start_line = number
            continue

        if code == "01":
            raise structure_error(rec, _("A second start record (01)."))

        elif code == "05":
            if section is not None:
                raise structure_error(
                    rec, _("An opening record (05) before the previous section's deposit record (15).")
                )
            section = _Section(
                line=number,
                recipient_bankgiro=rec.digits(3, 12, F_RECIPIENT_BG),
                recipient_plusgiro=rec.digits(13, 22, F_RECIPIENT_PG, blank_ok=True),
                currency=rec.stripped(23, 25),
            )
            payment = None

        elif code in ("20", "21"):
            if section is None:
                raise structure_error(
                    rec, _("A payment or deduction (%(code)s) outside a section (05 … 15).")
                )
            values = _payment_fields(rec)
            ore = values.pop("ore")
            is_deduction = code == "21"
            values.update(
                line=number,
                amount=_kronor(ore),
                deduction_code=rec.stripped(71, 71) if is_deduction else None,
            )
            payment = _Payment(line=number, is_deduction=is_deduction, ore=ore, values=values)
            section.payments.append(payment)
            read["deductions" if is_deduction else "payments"] += 1

        elif code in ("22", "23", "25", "26", "27", "28", "29"):
            if payment is None:
                raise structure_error(
                    rec, _("Record %(code)s without a preceding payment or deduction (20/21).")
                )
            if code in ("22", "23"):
                values = _payment_fields(rec)
                payment.extra_references.append(
                    ExtraReference(
                        line=number,
                        reference=values["reference"],
                        amount=_kronor(values["ore"]),
                        negative=code == "23",
                        reference_code=values["reference_code"],
                    )
                )
                read["extra_references"] += 1
            elif code == "25":
                payment.info.append(rec.field(3, 52).rstrip(" "))
            else:
                if code in payment.seen:
                    raise structure_error(rec, _("A second record %(code)s for the same payment."))
                payment.seen.add(code)
                v = payment.values
                if code == "26":
                    v["payer_name"] = rec.stripped(3, 37)
                    v["payer_extra_name"] = rec.stripped(38, 72)
                elif code == "27":
                    v["payer_address"] = rec.stripped(3, 37)
                    v["payer_postcode"] = rec.stripped(38, 46)
                elif code == "28":
                    v["payer_town"] = rec.stripped(3, 37)
                    v["payer_country"] = rec.stripped(38, 72)
                    v["payer_country_code"] = rec.stripped(73, 74)
                else:
                    v["payer_org_number"] = rec.stripped(3, 14)

        elif code == "15":
            if section is None:
                raise structure_error(rec, _("A deposit record (15) without an opening record (05)."))
            if not section.payments:
                raise structure_error(rec, _("A section without payments or deductions."))
            account = rec.stripped(3, 37)
            payment_date = rec.date(38, 45, F_PAYMENT_DATE)
            serial = rec.stripped(46, 50)
            amount_ore = rec.number(51, 68, F_DEPOSIT_AMOUNT)
            count = rec.number(72, 79, F_DEPOSIT_COUNT)
            total = sum(-p.ore if p.is_deduction else p.ore for p in section.payments)
            if amount_ore != total:
                raise BgMaxError(
                    number,
                    F_DEPOSIT_AMOUNT,
                    _("The deposit is %(deposit)s kr but its payments less deductions sum to %(total)s kr."),
                    {"deposit": _kronor(amount_ore), "total": _kronor(total)},
                )
            if count != len(section.payments):
                raise BgMaxError(
                    number,
                    F_DEPOSIT_COUNT,
                    _("The deposit counts %(count)s payments and deductions but the section has %(read)s."),
                    {"count": count, "read": len(section.payments)},
                )
            deposits.append(
                Deposit(
                    line=section.line,
                    recipient_bankgiro=section.recipient_bankgiro,
                    recipient_plusgiro=section.recipient_plusgiro,
                    currency=section.currency,
                    account=account,
                    payment_date=payment_date,
                    serial=serial,
                    amount=_kronor(amount_ore),
                    count=count,
                    deposit_type=rec.stripped(80, 80),
                    payments=[p.freeze() for p in section.payments if not p.is_deduction],
                    deductions=[p.freeze() for p in section.payments if p.is_deduction],
                )
            )
            read["deposits"] += 1
            section = None
            payment = None

        else:  # "70"
            if section is not None:
                raise structure_error(
                    rec, _("The end record (70) inside a section: the deposit record (15) is missing.")
                )
            if not deposits:
                raise structure_error(rec, _("The file has no deposits."))
            counts = {
                "payments": rec.number(3, 10, F_N_PAYMENTS),
                "deductions": rec.number(11, 18, F_N_DEDUCTIONS),
                "extra_references": rec.number(19, 26, F_N_EXTRA),
                "deposits": rec.number(27, 34, F_N_DEPOSITS),
            }
            for key, name in (
                ("payments", F_N_PAYMENTS),
                ("deductions", F_N_DEDUCTIONS),
                ("extra_references", F_N_EXTRA),
                ("deposits", F_N_DEPOSITS),
            ):
                if counts[key] != read[key]:
                    raise BgMaxError(
                        number,
                        name,
                        _("The end record says %(count)s but the file has %(read)s."),
                        {"count": counts[key], "read": read[key]},
                    )

    if timestamp is None:
        raise BgMaxError(max(last_line, 1), F_CODE, _("The file is empty: it has no start record (01)."))
    if section is not None:
        raise BgMaxError(
            last_line, F_CODE, _("The file ends inside a section: records 15 and 70 are missing.")
        )
    if counts is None:
        raise BgMaxError(last_line, F_CODE, _("The end record (70) is missing."))
    return BgMaxFile(
        timestamp=timestamp,
        test_marker=test_marker,
        sections=deposits,
        counts=counts,
        ignored_lines=ignored,
        start_line=start_line,
    )
