"""Builders of BgMax files for the tests of invoicing.bgmax (FACTS.md §3).

``tkNN(...)`` return one record as an 80-character string; :func:`build` turns a :class:`SampleFile`
(sections of payments and deductions) into a complete, consistent file (TK15 amounts and counts, TK70
counts computed); :func:`example_lines` is a file in the layout of Bankgirot's published example, made
from the example records quoted in FACTS.md §3 (two deposits, TK70 6/1/6/2, a TAB inside a TK22).
"""

from __future__ import annotations

from dataclasses import dataclass, field

RECIPIENT_BG = "0009912346"
ACCOUNT = "00000000000000000005841000001009823"  # clearing 5841, account 000001009823


def _record(text: str) -> str:
    assert len(text) <= 80, (len(text), text)
    return text.ljust(80)


def _n(value: int, width: int) -> str:
    text = str(value).zfill(width)
    assert len(text) == width, (value, width)
    return text


def _reference(reference: str, reference_code: int) -> str:
    assert len(reference) <= 25
    # Reference code 2 (OCR): right-justified, blank-filled; otherwise left-justified (A:vb / A:-).
    return reference.rjust(25) if reference_code == 2 else reference.ljust(25)


def tk01(
    timestamp: str = "20040525173035010331", marker: str = "P", layout: str = "BGMAX", version: str = "01"
):
    return _record("01" + layout.ljust(20) + version + timestamp + marker)


def tk05(bankgiro: str = RECIPIENT_BG, plusgiro: str = "", currency: str = "SEK") -> str:
    return _record("05" + bankgiro + plusgiro.ljust(10) + currency)


def _payment_body(payer_bg, reference, amount_ore, reference_code, channel, serial, image) -> str:
    return (
        payer_bg
        + _reference(reference, reference_code)
        + _n(amount_ore, 18)
        + str(reference_code)
        + str(channel)
        + serial
        + str(image)
    )


def tk20(
    reference: str,
    amount_ore: int,
    reference_code: int = 2,
    *,
    payer_bg: str = "0003783511",
    channel: int = 2,
    serial: str = "000000000010",
    image: int = 0,
) -> str:
    return _record(
        "20" + _payment_body(payer_bg, reference, amount_ore, reference_code, channel, serial, image)
    )


def tk21(
    reference: str,
    amount_ore: int,
    reference_code: int = 3,
    *,
    payer_bg: str = "0003783511",
    channel: int = 2,
    serial: str = "000230000111",
    image: int = 0,
    deduction_code: str = "0",
) -> str:
    body = _payment_body(payer_bg, reference, amount_ore, reference_code, channel, serial, image)
    return _record("21" + body + deduction_code)


def tk22(
    reference: str,
    amount_ore: int = 0,
    reference_code: int = 2,
    *,
    negative: bool = False,
    payer_bg: str = "0003783511",
    channel: int = 2,
    serial: str = "000000000014",
    image: int = 0,
) -> str:
    code = "23" if negative else "22"
    return _record(
        code + _payment_body(payer_bg, reference, amount_ore, reference_code, channel, serial, image)
    )


def tk25(text: str) -> str:
    return _record("25" + text)


def tk26(name: str, extra: str = "") -> str:
    return _record("26" + name.ljust(35) + extra)


def tk27(address: str, postcode: str) -> str:
    return _record("27" + address.ljust(35) + postcode)


def tk28(town: str, country: str = "", country_code: str = "") -> str:
    return _record("28" + town.ljust(35) + country.ljust(35) + country_code)


def tk29(org_number: str) -> str:
    return _record("29" + org_number)


def tk15(
    amount_ore: int,
    count: int,
    *,
    payment_date: str = "20040525",
    serial: str = "00074",
    account: str = ACCOUNT,
    currency: str = "SEK",
    deposit_type: str = " ",
) -> str:
    return _record(
        "15" + account + payment_date + serial + _n(amount_ore, 18) + currency + _n(count, 8) + deposit_type
    )


def tk70(payments: int, deductions: int, extra: int, deposits: int) -> str:
    # Bankgirot's own example ends the TK70 line after position 34 (no trailing blanks).
    return "70" + _n(payments, 8) + _n(deductions, 8) + _n(extra, 8) + _n(deposits, 8)


def encode(lines: list[str], newline: str = "\r\n") -> bytes:
    """The file's bytes, Latin-1, each line ended by ``newline``."""
    return "".join(line + newline for line in lines).encode("latin-1")


# --- Bankgirot's published example layout ------------------------------------------------------

KALLE = [tk26("Kalles Plåt AB"), tk27("Storgatan 2", "12345"), tk28("Storåker"), tk29("005500001234")]

#: The TK22 with a TAB: 12 characters, TAB → col 16, TAB → col 24, 7 blanks: reference at 32–37.
TAB_LINE = "220003783511\t\t       657965000000000000000000220000000000140"


def example_lines() -> list[str]:
    """Two deposits: 1 000 + 1 400 − 500 = 1 900,00 (count 3) and 1 100 + 1 200 + 700 + 5 000 =
    8 000,00 (count 4); TK70 6 payments, 1 deduction, 6 extra references, 2 deposits."""
    return [
        tk01(),
        tk05(),
        tk20("655969", 100000, 2, serial="000000000010"),
        *KALLE,
        tk21("89853", 50000, 3, serial="000230000111", deduction_code="0"),
        *KALLE,
        tk20("657866 658765 657767", 140000, 3, serial="000000000014"),
        tk22("657866"),
        tk22("658765"),
        tk22("657767").rstrip(),  # short line: trailing blanks missing
        TAB_LINE,
        tk25("Betalning med extra refnr 657965"),
        *KALLE,
        tk15(190000, 3),
        tk05(),
        tk20("650861", 110000, 2, payer_bg="0009701233", channel=1, serial="000000000012"),
        tk26("Olles färg AB"),
        tk27("Lillagatan 3", "12345"),
        tk28("Storåker"),
        tk29("005500004322"),
        tk20("", 120000, 1, payer_bg="0001234567", channel=3, serial="000000000013", image=1),
        tk26("Berits Garn"),
        tk27("Storgatan 10", "12345"),
        tk28("Storåker"),
        tk29("005500002222"),
        tk20("659763", 70000, 2, payer_bg="0001234567", channel=3, serial="000000000016", image=1),
        tk26("Berits Garn"),
        tk27("Storgatan 10", "12345"),
        tk28("Storåker"),
        tk29("005500002222"),
        tk20("658260", 500000, 2, serial="000000000016"),
        tk22("658369", serial="000000000016"),
        tk22("658468", serial="000000000016"),
        tk25(" Faktura 658369"),
        tk25(" Faktura 658468"),
        *KALLE,
        tk15(800000, 4, serial="00075"),
        tk70(6, 1, 6, 2),
    ]


def example_file(newline: str = "\r\n") -> bytes:
    return encode(example_lines(), newline)


# --- generated files (hypothesis) --------------------------------------------------------------


@dataclass
class SampleExtra:
    reference: str
    amount_ore: int
    negative: bool = False
    reference_code: int = 2


@dataclass
class SamplePayment:
    amount_ore: int
    reference: str
    reference_code: int = 2
    deduction: bool = False
    extras: list[SampleExtra] = field(default_factory=list)
    name: str = ""


@dataclass
class SampleSection:
    payments: list[SamplePayment]

    @property
    def amount_ore(self) -> int:
        return sum(-p.amount_ore if p.deduction else p.amount_ore for p in self.payments)


@dataclass
class SampleFile:
    sections: list[SampleSection]


def build_lines(sample: SampleFile) -> list[str]:
    lines = [tk01("20261122213000000000", "T")]
    n20 = n21 = nextra = 0
    for section in sample.sections:
        lines.append(tk05())
        for i, payment in enumerate(section.payments):
            serial = _n(i + 1, 12)
            if payment.deduction:
                lines.append(
                    tk21(payment.reference, payment.amount_ore, payment.reference_code, serial=serial)
                )
                n21 += 1
            else:
                lines.append(
                    tk20(payment.reference, payment.amount_ore, payment.reference_code, serial=serial)
                )
                n20 += 1
            for extra in payment.extras:
                lines.append(
                    tk22(
                        extra.reference,
                        extra.amount_ore,
                        extra.reference_code,
                        negative=extra.negative,
                        serial=serial,
                    )
                )
                nextra += 1
            if payment.name:
                lines.append(tk26(payment.name))
        lines.append(tk15(section.amount_ore, len(section.payments)))
    lines.append(tk70(n20, n21, nextra, len(sample.sections)))
    return lines


def build(sample: SampleFile, newline: str = "\r\n") -> bytes:
    return encode(build_lines(sample), newline)
