"""The BgMax parser (invoicing.bgmax), FACTS.md §3: Bankgirot's example layout, broken files, and
hypothesis round trips and fuzzing. No database."""

from dataclasses import FrozenInstanceError
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing.bgmax import BgMaxError, parse, parse_lines
from invoicing.ocr import ocr_reference
from tests.invoicing import bgmax_samples as s

# Line numbers (1-based) in bgmax_samples.example_lines().
L_01, L_05A, L_20A, L_21, L_20B, L_TAB, L_25, L_15A = 1, 2, 3, 8, 13, 17, 18, 23
L_05B, L_20C, L_15B, L_70 = 24, 25, 49, 50


def _with(lines, number, new):
    """``lines`` with line ``number`` (1-based) replaced by ``new`` (or removed when ``None``)."""
    out = list(lines)
    if new is None:
        del out[number - 1]
    else:
        out[number - 1] = new
    return out


def _set(line: str, start: int, text: str) -> str:
    """``line`` with ``text`` written from position ``start`` (1-based)."""
    line = line.ljust(80)
    return line[: start - 1] + text + line[start - 1 + len(text) :]


def _refused(lines_or_bytes) -> BgMaxError:
    data = lines_or_bytes if isinstance(lines_or_bytes, bytes) else s.encode(lines_or_bytes)
    with pytest.raises(BgMaxError) as info:
        parse(data)
    return info.value


# --- Bankgirot's example layout -------------------------------------------------------------------


def test_facts_example_records_have_the_documented_positions():
    lines = s.example_lines()
    assert (
        lines[L_20A - 1].rstrip() == "200003783511                   655969000000000000100000220000000000100"
    )
    assert lines[L_70 - 1] == "7000000006000000010000000600000002"
    assert (
        lines[L_15A - 1] == "15000000000000000000058410000010098232004052500074000000000000190000SEK00000003 "
    )


def test_example_file_parses_with_the_right_values():
    result = parse(s.example_file())
    assert result.timestamp == datetime(2004, 5, 25, 17, 30, 35, 10331)
    assert result.test_marker is False
    assert result.counts == {"payments": 6, "deductions": 1, "extra_references": 6, "deposits": 2}
    assert result.ignored_lines == []
    assert len(result.sections) == 2

    first, second = result.sections
    assert first.line == L_05A
    assert first.recipient_bankgiro == "0009912346"
    assert first.recipient_plusgiro == ""
    assert first.currency == "SEK"
    assert first.account == "00000000000000000005841000001009823"
    assert first.payment_date == date(2004, 5, 25)
    assert first.serial == "00074"
    assert first.amount == Decimal("1900.00")
    assert first.count == 3
    assert first.deposit_type == ""
    assert [p.amount for p in first.payments] == [Decimal("1000.00"), Decimal("1400.00")]
    assert [d.amount for d in first.deductions] == [Decimal("500.00")]
    assert sum(p.amount for p in first.payments) - sum(d.amount for d in first.deductions) == first.amount

    payment = first.payments[0]
    assert payment.line == L_20A
    assert payment.payer_bankgiro == "0003783511"
    assert payment.reference == "655969"
    assert payment.amount == Decimal("1000.00")
    assert isinstance(payment.amount, Decimal)
    assert payment.reference_code == 2
    assert payment.channel == 2
    assert payment.serial == "000000000010"
    assert payment.has_image is False
    assert payment.deduction_code is None
    assert payment.extra_references == []
    assert payment.info == []
    assert payment.payer_name == "Kalles Plåt AB"
    assert payment.payer_extra_name == ""
    assert payment.payer_address == "Storgatan 2"
    assert payment.payer_postcode == "12345"
    assert payment.payer_town == "Storåker"
    assert payment.payer_country == ""
    assert payment.payer_country_code == ""
    assert payment.payer_org_number == "005500001234"

    deduction = first.deductions[0]
    assert deduction.line == L_21
    assert deduction.reference == "89853"
    assert deduction.reference_code == 3
    assert deduction.serial == "000230000111"
    assert deduction.deduction_code == "0"
    assert deduction.payer_name == "Kalles Plåt AB"

    several = first.payments[1]
    assert several.line == L_20B
    assert several.reference == "657866 658765 657767"
    assert several.reference_code == 3
    assert [
        (e.line, e.reference, e.amount, e.negative, e.reference_code) for e in several.extra_references
    ] == [
        (14, "657866", Decimal("0.00"), False, 2),
        (15, "658765", Decimal("0.00"), False, 2),
        (16, "657767", Decimal("0.00"), False, 2),
        (L_TAB, "657965", Decimal("0.00"), False, 2),
    ]
    assert several.info == ["Betalning med extra refnr 657965"]

    assert second.line == L_05B
    assert second.amount == Decimal("8000.00")
    assert second.count == 4
    assert second.serial == "00075"
    assert second.deductions == []
    assert [(p.reference, p.amount, p.reference_code, p.channel, p.has_image) for p in second.payments] == [
        ("650861", Decimal("1100.00"), 2, 1, False),
        ("", Decimal("1200.00"), 1, 3, True),
        ("659763", Decimal("700.00"), 2, 3, True),
        ("658260", Decimal("5000.00"), 2, 2, False),
    ]
    assert second.payments[0].payer_name == "Olles färg AB"
    assert second.payments[3].info == [" Faktura 658369", " Faktura 658468"]
    assert [e.reference for e in second.payments[3].extra_references] == ["658369", "658468"]


def test_result_is_frozen():
    result = parse(s.example_file())
    with pytest.raises(FrozenInstanceError):
        result.sections[0].payments[0].amount = Decimal(1)  # type: ignore[misc]


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_line_endings(newline):
    assert parse(s.example_file(newline)) == parse(s.example_file())


def test_no_newline_after_the_last_line():
    assert parse(s.example_file().rstrip(b"\r\n")) == parse(s.example_file())


def test_parse_lines_takes_decoded_lines():
    assert parse_lines(s.example_lines()) == parse(s.example_file())


def test_latin1_text_fields():
    data = s.example_file()
    assert "Plåt".encode("latin-1") in data  # the file is Latin-1, not UTF-8
    assert parse(data).sections[0].payments[0].payer_name == "Kalles Plåt AB"


def test_byte_0x85_in_a_name_is_not_a_line_break():
    """Latin-1 0x85 decodes to U+0085 (NEL), which str.splitlines() would treat as a line break."""
    lines = _with(s.example_lines(), 4, s.tk26("Kalles\x85Plåt AB"))
    assert parse(s.encode(lines)).sections[0].payments[0].payer_name == "Kalles\x85Plåt AB"


# --- tolerated irregularities ----------------------------------------------------------------------


def test_short_lines_are_padded():
    lines = [line.rstrip() for line in s.example_lines()]
    assert parse(s.encode(lines)) == parse(s.example_file())


def test_tab_inside_a_tk22_keeps_the_field_positions():
    assert "\t" in s.example_lines()[L_TAB - 1]
    extra = parse(s.example_file()).sections[0].payments[1].extra_references[-1]
    assert extra.line == L_TAB
    assert extra.reference == "657965"
    assert extra.amount == Decimal("0.00")
    assert extra.reference_code == 2


def test_tab_in_a_text_field_is_tolerated():
    lines = _with(s.example_lines(), L_25, "25Betalning\tmed extra refnr 657965")
    assert parse(s.encode(lines)).sections[0].payments[1].info == [
        "Betalning" + " " * 5 + "med extra refnr 657965"
    ]  # col 11 → 16


def test_unknown_records_and_blank_lines_are_ignored_and_listed():
    lines = s.example_lines()
    lines.insert(L_20A, "99 a record type from the future")  # becomes line 4
    lines.insert(0, "")  # a blank first line; everything moves down one
    lines.append("")
    result = parse(s.encode(lines))
    assert result.ignored_lines == [1, L_20A + 2, len(lines)]
    expected = parse(s.example_file())
    assert [d.amount for d in result.sections] == [d.amount for d in expected.sections]
    assert result.sections[0].payments[0].payer_name == "Kalles Plåt AB"
    assert result.sections[0].payments[0].line == L_20A + 1


def test_the_start_record_line_is_kept_for_messages_about_it():
    assert parse(s.example_file()).start_line == 1
    lines = ["", "99 a record type from the future", *s.example_lines()]
    result = parse(s.encode(lines))
    assert (result.start_line, result.test_marker) == (3, False)


def test_a_production_file_is_not_a_test_file():
    assert parse(s.encode(_with(s.example_lines(), L_01, s.tk01(marker="P")))).test_marker is False


def test_parsing_leaves_the_garbage_collector_as_it_was():
    import gc

    assert gc.isenabled()
    parse(s.example_file())
    _refused(_with(s.example_lines(), L_15A, s.tk15(190001, 3)))
    assert gc.isenabled()
    gc.disable()
    try:
        parse(s.example_file())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_trailing_blanks_beyond_80_are_not_a_long_line():
    lines = _with(s.example_lines(), L_20A, s.example_lines()[L_20A - 1] + "    ")
    assert parse(s.encode(lines)).sections[0].payments[0].amount == Decimal("1000.00")


def test_tk25_before_the_name_records_and_tk23_negative():
    lines = s.example_lines()
    lines[L_20A:L_20A] = [s.tk22("655969", 2500, negative=True), s.tk25("Info")]
    lines[-1] = s.tk70(6, 1, 7, 2)
    payment = parse(s.encode(lines)).sections[0].payments[0]
    assert payment.info == ["Info"]
    assert payment.payer_name == "Kalles Plåt AB"
    (extra,) = payment.extra_references
    assert (extra.negative, extra.amount, extra.reference) == (True, Decimal("25.00"), "655969")


def test_test_marker_and_plusgiro():
    lines = _with(s.example_lines(), L_01, s.tk01(marker="T"))
    lines = _with(lines, L_05A, s.tk05(plusgiro="0012345678"))
    result = parse(s.encode(lines))
    assert result.test_marker is True
    assert result.sections[0].recipient_plusgiro == "0012345678"


# --- refused files ----------------------------------------------------------------------------------


def test_wrong_deposit_amount():
    err = _refused(_with(s.example_lines(), L_15A, s.tk15(190001, 3)))
    assert (err.line, err.field) == (L_15A, "Insättningsbelopp")


def test_deposit_amount_must_subtract_deductions():
    err = _refused(_with(s.example_lines(), L_15A, s.tk15(290000, 3)))  # 1 000 + 1 400 + 500
    assert (err.line, err.field) == (L_15A, "Insättningsbelopp")


def test_wrong_deposit_count():
    err = _refused(_with(s.example_lines(), L_15B, s.tk15(800000, 5, serial="00075")))
    assert (err.line, err.field) == (L_15B, "Antal betalningar")


@pytest.mark.parametrize(
    ("counts", "field"),
    [
        ((7, 1, 6, 2), "Antal betalningsposter"),
        ((6, 0, 6, 2), "Antal avdragsposter"),
        ((6, 1, 5, 2), "Antal extra referensnummerposter"),
        ((6, 1, 6, 3), "Antal insättningsposter"),
    ],
)
def test_wrong_end_record_counts(counts, field):
    err = _refused(_with(s.example_lines(), L_70, s.tk70(*counts)))
    assert (err.line, err.field) == (L_70, field)


def test_missing_end_record():
    err = _refused(s.example_lines()[:-1])
    assert (err.line, err.field) == (L_15B, "Transaktionskod")


def test_file_ending_inside_a_section():
    err = _refused(s.example_lines()[: L_15B - 1])
    assert (err.line, err.field) == (L_15B - 1, "Transaktionskod")


def test_payment_before_any_opening_record():
    lines = s.example_lines()
    lines.insert(1, s.tk20("655969", 100000))
    err = _refused(lines)
    assert (err.line, err.field) == (2, "Transaktionskod")


def test_payment_between_sections():
    lines = s.example_lines()
    lines.insert(L_15A, s.tk20("655969", 100000))  # after the first 15, before the second 05
    err = _refused(lines)
    assert (err.line, err.field) == (L_15A + 1, "Transaktionskod")


@pytest.mark.parametrize("record", [s.tk22("655969"), s.tk25("x"), s.tk26("x"), s.tk29("005500001234")])
def test_extra_records_without_a_payment(record):
    lines = s.example_lines()
    lines.insert(L_05A, record)
    err = _refused(lines)
    assert (err.line, err.field) == (L_05A + 1, "Transaktionskod")


def test_deposit_record_without_opening_record():
    lines = _with(s.example_lines(), L_05B, None)
    err = _refused(lines)
    assert (err.line, err.field) == (L_05B, "Transaktionskod")  # the 20 that followed the removed 05


def test_second_deposit_record():
    lines = s.example_lines()
    lines.insert(L_15A, s.tk15(0, 0))
    err = _refused(lines)
    assert (err.line, err.field) == (L_15A + 1, "Transaktionskod")


def test_opening_record_inside_a_section():
    lines = _with(s.example_lines(), L_15A, None)
    err = _refused(lines)
    assert (err.line, err.field) == (L_05B - 1, "Transaktionskod")


def test_end_record_inside_a_section():
    lines = _with(s.example_lines(), L_15B, None)
    err = _refused(lines)
    assert (err.line, err.field) == (L_70 - 1, "Transaktionskod")


def test_section_without_payments():
    lines = s.example_lines()
    lines[L_15A:L_15A] = [s.tk05(), s.tk15(0, 0)]
    lines[-1] = s.tk70(6, 1, 6, 3)
    err = _refused(lines)
    assert (err.line, err.field) == (L_15A + 2, "Transaktionskod")


def test_record_after_the_end_record():
    lines = [*s.example_lines(), s.tk05()]
    err = _refused(lines)
    assert (err.line, err.field) == (L_70 + 1, "Transaktionskod")


def test_unknown_record_after_the_end_record_is_ignored():
    result = parse(s.encode([*s.example_lines(), "99 trailer"]))
    assert result.ignored_lines == [L_70 + 1]


def test_first_record_must_be_a_start_record():
    err = _refused(s.example_lines()[1:])
    assert (err.line, err.field) == (1, "Transaktionskod")


def test_second_start_record():
    lines = s.example_lines()
    lines.insert(1, s.tk01())
    err = _refused(lines)
    assert (err.line, err.field) == (2, "Transaktionskod")


def test_duplicate_name_record():
    lines = s.example_lines()
    lines.insert(L_20A + 1, s.tk26("Someone Else"))
    err = _refused(lines)
    assert (err.line, err.field) == (L_20A + 2, "Transaktionskod")


@pytest.mark.parametrize(
    ("number", "start", "text", "field"),
    [
        (L_20A, 38, "00000000000010000X", "Betalningsbelopp"),
        (L_20A, 50, " ", "Betalningsbelopp"),
        (L_20A, 38, "²", "Betalningsbelopp"),  # Latin-1 0xB2: str.isdigit() would say yes
        (L_21, 54, "-", "Betalningsbelopp"),
        (L_TAB - 1, 40, "A", "Betalningsbelopp"),  # a TK22
        (L_15A, 51, "00000000000019000O", "Insättningsbelopp"),
        (L_15A, 72, "0000000x", "Antal betalningar"),
        (L_70, 3, "0000000 ", "Antal betalningsposter"),
        (L_70, 27, "0000000A", "Antal insättningsposter"),
        (L_20A, 56, "X", "Referenskod"),
        (L_20A, 57, " ", "Betalningskanalkod"),
        (L_20A, 70, "J", "Avibildmarkering"),
        (L_20A, 3, "000378351A", "Avsändarbankgironummer"),
        (L_05A, 3, "00099123 6", "Mottagarbankgironummer"),
        (L_05A, 13, "12345", "Mottagarplusgironummer"),
        (L_01, 25, "2004052517303501033X", "Skrivdag"),
    ],
)
def test_non_numeric_fields(number, start, text, field):
    lines = s.example_lines()
    err = _refused(_with(lines, number, _set(lines[number - 1], start, text)))
    assert (err.line, err.field) == (number, field)


@pytest.mark.parametrize("value", ["20040532", "20040230", "20041301", "00000000"])
def test_invalid_payment_date(value):
    lines = s.example_lines()
    err = _refused(_with(lines, L_15A, _set(lines[L_15A - 1], 38, value)))
    assert (err.line, err.field) == (L_15A, "Betalningsdag")


@pytest.mark.parametrize("value", ["20040525250000000000", "20040230173035010331"])
def test_invalid_timestamp(value):
    err = _refused(_with(s.example_lines(), L_01, s.tk01(timestamp=value)))
    assert (err.line, err.field) == (L_01, "Skrivdag")


def test_wrong_layout_name():
    err = _refused(_with(s.example_lines(), L_01, s.tk01(layout="BGMIN")))
    assert (err.line, err.field) == (L_01, "Layoutnamn")


def test_wrong_version():
    err = _refused(_with(s.example_lines(), L_01, s.tk01(version="02")))
    assert (err.line, err.field) == (L_01, "Version")


def test_wrong_test_marker():
    err = _refused(_with(s.example_lines(), L_01, s.tk01(marker="X")))
    assert (err.line, err.field) == (L_01, "Testmarkering")


@pytest.mark.parametrize("data", [b"", b"\r\n", b"\n\n\n", b"   \r\n"])
def test_empty_input(data):
    err = _refused(data)
    assert err.field == "Transaktionskod"
    assert err.line >= 1


def test_line_longer_than_80_characters():
    lines = s.example_lines()
    err = _refused(_with(lines, L_20A, lines[L_20A - 1][:79] + "XY"))
    assert (err.line, err.field) == (L_20A, "Post")


def test_tabs_that_push_a_record_beyond_80_characters():
    lines = _with(s.example_lines(), L_25, "25" + "\t" * 10 + "x")
    err = _refused(lines)
    assert (err.line, err.field) == (L_25, "Post")


def test_error_text_names_line_and_field():
    err = _refused(_with(s.example_lines(), L_20A, _set(s.example_lines()[L_20A - 1], 38, "X")))
    with translation.override("en"):
        assert str(err).startswith(f"Line {L_20A}, field Betalningsbelopp: Positions 38–55 must be digits")
    with translation.override("sv"):
        text = str(err)
    assert str(L_20A) in text
    assert "Betalningsbelopp" in text
    assert err.message
    assert isinstance(err, ValueError)


# --- hypothesis ---------------------------------------------------------------------------------

_ocr = st.integers(min_value=1, max_value=10**15).map(ocr_reference)
# Junk references: printable Latin-1 (no control characters, so no line breaks and no TABs).
_junk = st.text(
    alphabet=st.characters(codec="latin-1", exclude_categories=("Cc",)),
    max_size=25,
)
_reference = st.one_of(_ocr.map(lambda r: (r, 2)), _junk.map(lambda r: (r, 3)))
_amount = st.integers(min_value=1, max_value=10**10)


@st.composite
def _extras(draw):
    return [
        s.SampleExtra(
            reference=ref,
            amount_ore=draw(st.integers(0, 10**10)),
            negative=draw(st.booleans()),
            reference_code=code,
        )
        for ref, code in draw(st.lists(_reference, max_size=2))
    ]


@st.composite
def _section(draw):
    payments = [
        s.SamplePayment(amount_ore=amount, reference=ref, reference_code=code, extras=draw(_extras()))
        for amount, (ref, code) in draw(st.lists(st.tuples(_amount, _reference), min_size=1, max_size=4))
    ]
    total = sum(p.amount_ore for p in payments)
    n_deductions = draw(st.integers(0, 2))
    deductions = []
    for _ in range(n_deductions):
        limit = total // (n_deductions + 1)
        if limit < 1:
            break
        ref, code = draw(_reference)
        deductions.append(
            s.SamplePayment(
                amount_ore=draw(st.integers(1, limit)), reference=ref, reference_code=code, deduction=True
            )
        )
    return s.SampleSection(payments=draw(st.permutations(payments + deductions)))


_files = st.builds(s.SampleFile, sections=st.lists(_section(), min_size=1, max_size=3))


def _kr(ore: int) -> Decimal:
    return Decimal(ore) / 100


@given(_files, st.sampled_from(["\r\n", "\n"]))
@settings(max_examples=150, deadline=None)
def test_round_trip(sample, newline):
    result = parse(s.build(sample, newline))
    assert len(result.sections) == len(sample.sections)
    for deposit, section in zip(result.sections, sample.sections, strict=True):
        payments = [p for p in section.payments if not p.deduction]
        deductions = [p for p in section.payments if p.deduction]
        assert [(p.amount, p.reference, p.reference_code) for p in deposit.payments] == [
            (_kr(p.amount_ore), p.reference.strip(" "), p.reference_code) for p in payments
        ]
        assert [(d.amount, d.reference) for d in deposit.deductions] == [
            (_kr(d.amount_ore), d.reference.strip(" ")) for d in deductions
        ]
        got_extras = [
            (e.reference, e.amount, e.negative)
            for p in deposit.payments + deposit.deductions
            for e in p.extra_references
        ]
        want_extras = [
            (e.reference.strip(" "), _kr(e.amount_ore), e.negative)
            for p in payments + deductions
            for e in p.extras
        ]
        assert got_extras == want_extras
        assert all(isinstance(p.amount, Decimal) for p in deposit.payments + deposit.deductions)
        assert deposit.amount == _kr(section.amount_ore)
        assert (
            sum(p.amount for p in deposit.payments) - sum(d.amount for d in deposit.deductions)
            == deposit.amount
        )
        assert deposit.count == len(section.payments)
    assert result.counts["payments"] == sum(len(d.payments) for d in result.sections)
    assert result.counts["deductions"] == sum(len(d.deductions) for d in result.sections)
    assert result.counts["deposits"] == len(sample.sections)


_AMOUNT_FIELDS = {"20": (38, 55), "21": (38, 55), "22": (38, 55), "23": (38, 55), "15": (51, 68)}


def _amount_positions(lines):
    """(line number, 1-based position) of every digit of every amount field."""
    return [
        (number, pos)
        for number, line in enumerate(lines, start=1)
        if line[:2] in _AMOUNT_FIELDS
        for pos in range(_AMOUNT_FIELDS[line[:2]][0], _AMOUNT_FIELDS[line[:2]][1] + 1)
    ]


def _closing_15(lines, number):
    return next(n for n in range(number, len(lines) + 1) if lines[n - 1][:2] == "15")


@given(st.data(), _files)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_corrupt_amount_digit_to_a_non_digit_is_refused_on_that_line(data, sample):
    lines = s.build_lines(sample)
    number, pos = data.draw(st.sampled_from(_amount_positions(lines)))
    byte = data.draw(
        st.integers(0, 255).filter(lambda b: not (0x30 <= b <= 0x39) and b not in (0x09, 0x0A, 0x0D))
    )
    lines[number - 1] = _set(lines[number - 1], pos, bytes([byte]).decode("latin-1"))
    err = _refused(lines)
    assert err.line == number
    assert err.field in ("Betalningsbelopp", "Insättningsbelopp")


@given(st.data(), _files)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_corrupt_amount_digit_to_another_digit(data, sample):
    lines = s.build_lines(sample)
    number, pos = data.draw(st.sampled_from(_amount_positions(lines)))
    old = lines[number - 1][pos - 1]
    new = data.draw(st.sampled_from([d for d in "0123456789" if d != old]))
    lines[number - 1] = _set(lines[number - 1], pos, new)
    code = lines[number - 1][:2]
    if code in ("22", "23"):  # extra-reference amounts are not part of any sum: parses
        parse(s.encode(lines))
    else:  # a payment's, a deduction's or the deposit's own amount no longer adds up
        err = _refused(lines)
        assert err.line == _closing_15(lines, number)
        assert err.field == "Insättningsbelopp"


@given(st.data(), _files)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_single_byte_corruption_raises_only_bgmax_error(data, sample):
    raw = bytearray(s.build(sample))
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] = data.draw(st.integers(0, 255))
    try:
        parse(bytes(raw))
    except BgMaxError:
        pass


@given(st.binary(max_size=2000))
@settings(max_examples=300, deadline=None)
def test_fuzz_arbitrary_bytes_raise_only_bgmax_error(data):
    try:
        parse(data)
    except BgMaxError as err:
        assert err.line >= 1
        assert str(err)


_record_codes = st.sampled_from(
    ["01", "05", "20", "21", "22", "23", "25", "26", "27", "28", "29", "15", "70", "99"]
)


@given(
    st.lists(
        st.tuples(_record_codes, st.text(st.characters(codec="latin-1"), max_size=90)).map("".join),
        max_size=30,
    )
)
@settings(max_examples=300, deadline=None)
def test_fuzz_record_shaped_lines_raise_only_bgmax_error(lines):
    data = s.encode([s.tk01(), s.tk05(), *lines])
    try:
        parse(data)
    except BgMaxError as err:
        assert str(err)


def test_file_without_deposits():
    err = _refused([s.tk01(), s.tk70(0, 0, 0, 0)])
    assert (err.line, err.field) == (2, "Transaktionskod")
