"""The payment QR code (UsingQR, "QR-kod för betalning"): payload and SVG (invoicing.qr)."""

import base64
import json
import logging
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicing.qr import payment_qr_payload, payment_qr_svg

KEYS = ["uqr", "tp", "nme", "cid", "iref", "ddt", "due", "pt", "acc"]
KEYS_WITH_INVOICE_DATE = ["uqr", "tp", "nme", "cid", "iref", "idt", "ddt", "due", "pt", "acc"]

SPEC_EXAMPLE = {
    "payee_name": "Test company AB",
    "org_number": "555555-5555",
    "reference": "52456",
    "due_date": date(2013, 4, 8),
    "amount": Decimal("5"),
    "bankgiro": "433-8778",
}


def payload(**changes):
    return payment_qr_payload(**{**SPEC_EXAMPLE, **changes})


# --- payload ------------------------------------------------------------------------------------------


def test_spec_example_1_character_for_character():
    assert payload() == (
        '{"uqr":1,"tp":1,"nme":"Test company AB","cid":"555555-5555","iref":"52456","ddt":"20130408",'
        '"due":5,"pt":"BG","acc":"433-8778"}'
    )
    # The amount as stored (two decimals) and the bankgiro without its hyphen give the same text.
    assert payload(amount=Decimal("5.00"), bankgiro="4338778") == payload()


def test_example_with_invoice_date():
    # antonlindstrom/payqr payqr_test.go
    assert payment_qr_payload(
        payee_name="Test AB",
        org_number="1234",
        reference="1001",
        invoice_date=date(2022, 7, 7),
        due_date=date(2022, 8, 6),
        amount=Decimal("50.00"),
        bankgiro="5536-7742",
    ) == (
        '{"uqr":1,"tp":1,"nme":"Test AB","cid":"1234","iref":"1001","idt":"20220707","ddt":"20220806",'
        '"due":50,"pt":"BG","acc":"5536-7742"}'
    )


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("5400.00"), "5400"),
        (Decimal("10.75"), "10.75"),
        (Decimal("10.50"), "10.5"),
        (Decimal("10.500"), "10.5"),
        (Decimal("0.01"), "0.01"),
        (Decimal("0.10"), "0.1"),
        (Decimal("100"), "100"),
        (Decimal("1E+3"), "1000"),
        (Decimal("99999999.99"), "99999999.99"),
        (Decimal("1234567890.12"), "1234567890.12"),
    ],
)
def test_amount_is_a_plain_json_number(amount, text):
    assert f'"due":{text},' in payload(amount=amount)


@pytest.mark.parametrize(
    "amount",
    [
        Decimal("0"),
        Decimal("0.00"),
        Decimal("-0"),
        Decimal("-0.01"),
        Decimal("-5400.00"),
        Decimal("0.001"),
        Decimal("10.755"),
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("sNaN"),
    ],
)
def test_amount_refused(amount):
    with pytest.raises(ValueError):
        payload(amount=amount)


@pytest.mark.parametrize("amount", [5, 5.0, "5", None, True])
def test_amount_must_be_decimal(amount):
    with pytest.raises(TypeError):
        payload(amount=amount)


@pytest.mark.parametrize("field", ["due_date", "invoice_date"])
@pytest.mark.parametrize("value", ["2013-04-08", "20130408", datetime(2013, 4, 8, 12, 0), 20130408])
def test_dates_must_be_dates(field, value):
    with pytest.raises(TypeError):
        payload(**{field: value})


def test_dates_are_yyyymmdd():
    data = json.loads(payload(invoice_date=date(999, 1, 2), due_date=date(2026, 12, 31)))
    assert data["idt"] == "09990102"
    assert data["ddt"] == "20261231"


@pytest.mark.parametrize("field", ["payee_name", "org_number", "reference"])
@pytest.mark.parametrize("value", ["", "   "])
def test_text_fields_must_not_be_empty(field, value):
    with pytest.raises(ValueError):
        payload(**{field: value})


@pytest.mark.parametrize("bankgiro", ["433-8777", "12345", "", "BG 433-8778"])
def test_bankgiro_refused(bankgiro):
    with pytest.raises(ValueError):
        payload(bankgiro=bankgiro)


def test_non_ascii_is_escaped():
    name = "Stockholms stad – Fastighetskontoret, hyror åäö ÅÄÖ"
    text = payload(payee_name=name, reference="Faktura ”1”\\\n")
    assert text.isascii()
    assert r"\u00e5\u00e4\u00f6" in text
    assert r"\u2013" in text
    data = json.loads(text)
    assert data["nme"] == name
    assert data["iref"] == "Faktura ”1”\\\n"


names = st.text(min_size=1, max_size=80).filter(str.strip)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)
dates = st.dates()


@given(amount=amounts, name=names, reference=names, due_date=dates, invoice_date=st.none() | dates)
def test_payload_properties(amount, name, reference, due_date, invoice_date):
    text = payment_qr_payload(
        payee_name=name,
        org_number="212000-0142",
        reference=reference,
        due_date=due_date,
        amount=amount,
        bankgiro="5050-1055",
        invoice_date=invoice_date,
    )
    assert text.isascii()
    data = json.loads(text, parse_float=Decimal)
    assert list(data) == (KEYS if invoice_date is None else KEYS_WITH_INVOICE_DATE)
    assert data["due"] == amount
    assert re.search(r'"due":(0|[1-9][0-9]*)(\.[0-9]?[1-9])?,', text)  # no exponent, no trailing zeros
    assert data["uqr"] == 1 and data["tp"] == 1
    assert data["nme"] == name and data["iref"] == reference
    if invoice_date is not None:
        assert data["idt"] == invoice_date.isoformat().replace("-", "")
    assert data["ddt"] == due_date.isoformat().replace("-", "")
    assert data["pt"] == "BG" and data["acc"] == "5050-1055"


# --- SVG ------------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"
PATH_SQUARE = re.compile(r"M(\d+),(\d+)H(\d+)V(\d+)H(\d+)z")


def svg_modules(svg: str) -> tuple[int, set[tuple[int, int]]]:
    """The symbol's size in modules (quiet zone included) and its dark modules, read back from the SVG."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    size = int(root.get("viewBox").split()[2])
    assert root.get("viewBox") == f"0 0 {size} {size}"
    assert root.get("width") == root.get("height") == f"{size}mm"
    paths = root.findall(f"{SVG}path")
    assert len(paths) == 1
    assert paths[0].get("id") is None
    squares = PATH_SQUARE.findall(paths[0].get("d"))
    assert "".join(f"M{x},{y}H{a}V{b}H{c}z" for x, y, a, b, c in squares) == paths[0].get("d")
    dark = set()
    for x, y, right, bottom, back in squares:
        x, y = int(x), int(y)
        assert (int(right), int(bottom), int(back)) == (x + 1, y + 1, x)
        dark.add((x, y))
    return size, dark


def test_svg_structure():
    svg = payment_qr_svg(payload())
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<?xml" not in svg
    size, dark = svg_modules(svg)
    quiet = 4
    version, rest = divmod(size - 2 * quiet - 17, 4)
    assert rest == 0 and 1 <= version <= 40
    n = size - 2 * quiet
    # Quiet zone of 4 modules: nothing dark outside the symbol.
    assert all(quiet <= x < quiet + n and quiet <= y < quiet + n for x, y in dark)
    symbol = {(x - quiet, y - quiet) for x, y in dark}

    # The three finder patterns: a 7x7 dark ring, a light ring, a dark 3x3 centre.
    def finder_at(col, row):
        for dy in range(7):
            for dx in range(7):
                expected = dx in (0, 6) or dy in (0, 6) or (2 <= dx <= 4 and 2 <= dy <= 4)
                assert ((col + dx, row + dy) in symbol) == expected

    finder_at(0, 0)
    finder_at(n - 7, 0)
    finder_at(0, n - 7)

    # Format information: error correction M is indicator 00 (ISO/IEC 18004), read from both copies.
    def format_bits(coords):
        return sum(1 << i for i, xy in enumerate(coords) if xy in symbol) ^ 0b101010000010010

    vertical = [(8, row) for row in (0, 1, 2, 3, 4, 5, 7, 8)] + [(8, n - 7 + i) for i in range(7)]
    horizontal = [(n - 1 - i, 8) for i in range(8)] + [(7, 8)] + [(5 - i, 8) for i in range(6)]
    assert format_bits(vertical) == format_bits(horizontal)
    assert format_bits(vertical) >> 13 == 0b00


def test_svg_uses_byte_mode():
    # 60 digits: numeric mode would fit version 2 (63 digits at M); byte mode needs version 4 (62 bytes).
    size, _ = svg_modules(payment_qr_svg("1234567890" * 6))
    assert size == 4 * 4 + 17 + 8


def test_svg_of_a_typical_payload_is_small():
    text = payload(
        payee_name="Stockholms stad, Fastighetskontoret",
        reference="20261100012347",
        invoice_date=date(2026, 11, 4),
        amount=Decimal("12345.67"),
        bankgiro="5050-1055",
    )
    size, _ = svg_modules(payment_qr_svg(text))
    assert size <= 4 * 10 + 17 + 8  # version 10 or less


@pytest.mark.parametrize("bad", ["", "åäö", '{"nme":"å"}'])
def test_svg_refuses_empty_or_non_ascii(bad):
    with pytest.raises(ValueError):
        payment_qr_svg(bad)


def test_svg_refuses_bytes():
    with pytest.raises(TypeError):
        payment_qr_svg(b"{}")


def test_svg_title():
    svg = payment_qr_svg(payload(), title="QR-kod för <betalning> & mer")
    root = ET.fromstring(svg)
    assert root[0].tag == f"{SVG}title"
    assert root[0].text == "QR-kod för <betalning> & mer"
    assert svg_modules(svg) == svg_modules(payment_qr_svg(payload()))
    with pytest.raises(ValueError):
        payment_qr_svg(payload(), title=" ")


def test_weasyprint_renders_the_svg_inline_and_as_img(caplog):
    """Both ways of putting the code in a PDF work, and both give the figure its alternative text."""
    import weasyprint

    svg = payment_qr_svg(payload(), title="QR-kod för betalning")
    data_uri = "data:image/svg+xml;base64," + base64.b64encode(payment_qr_svg(payload()).encode()).decode()
    html = (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Faktura</title>'
        "<style>.qr svg, .qr img { width: 30mm; height: 30mm; }</style></head><body>"
        f'<div class="qr">{svg}</div>'
        f'<div class="qr"><img alt="QR-kod för betalning" src="{data_uri}"></div>'
        "</body></html>"
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=True)
    assert pdf.startswith(b"%PDF")
    alt = "QR-kod för betalning".encode("utf-16-be").hex().encode()
    assert pdf.count(b"/Alt <feff" + alt + b">") == 2
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
