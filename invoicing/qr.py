"""The payment QR code on invoices: Swedish "QR-kod för betalning" (UsingQR), FACTS.md (second part) §1.

The payer scans the code with the bank app, which fills in the bankgiro, the OCR reference, the amount
and the due date. The payload is a one-line JSON object with short keys; we write the fields that the
format makes mandatory for a payment (type 1) plus the optional invoice date, in the order of the
spec's own examples::

    {"uqr":1,"tp":1,"nme":"…","cid":"…","iref":"…","idt":"YYYYMMDD","ddt":"YYYYMMDD","due":5400,
     "pt":"BG","acc":"NNNN-NNNN"}

* ``due`` is a JSON number with a dot and no insignificant zeros (``5400``, ``10.75``, ``10.5``). It is
  written from the ``Decimal``'s own digits: money never passes through ``float``.
* Non-ASCII characters are escaped as ``\\uXXXX``, so the QR code carries plain ASCII bytes and no ECI
  header is needed (the spec asks for UTF-8 flagged with ECI 26, which the ``qrcode`` package cannot
  write).
* The code itself: byte mode, error correction M, a quiet zone of 4 modules.

Only invoices to be paid get a code (type 1, a positive amount): not credit notes, not paid or cancelled
invoices (bank apps cannot use type 2 or 3).

Pure functions; no models, no database.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape as xml_escape

import qrcode
from qrcode.image.svg import SvgPathImage
from qrcode.util import MODE_8BIT_BYTE, QRData

from .ocr import bankgiro_formatted

__all__ = ["payment_qr_payload", "payment_qr_svg"]

USINGQR_VERSION = 1  # "uqr": format version
DOCUMENT_TYPE_INVOICE = 1  # "tp": 1 invoice, 2 credit invoice, 3 cash/paid invoice
PAYMENT_TYPE_BANKGIRO = "BG"  # "pt"

QUIET_ZONE_MODULES = 4


def _json_string(value: str, field: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a string, got {type(value).__name__}.")
    if not value.strip():
        raise ValueError(f"{field} must not be empty.")
    return json.dumps(value, ensure_ascii=True)


def _json_date(value: date, field: str) -> str:
    """``YYYYMMDD`` as a JSON string. A ``datetime`` is refused: the caller says which day it means."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{field} must be a date, got {type(value).__name__}.")
    return f'"{value.year:04d}{value.month:02d}{value.day:02d}"'


def _json_amount(amount: Decimal) -> str:
    """A positive amount in kronor (at most two decimals, öre) as a JSON number: a dot, no exponent,
    no trailing zeros after the dot (``Decimal("5400.00")`` → ``5400``, ``Decimal("10.50")`` → ``10.5``).

    Written from the Decimal's digits (``format(…, "f")`` is exact and needs no context), never through
    ``float``.
    """
    if isinstance(amount, bool) or not isinstance(amount, Decimal):
        raise TypeError(f"The amount must be a Decimal, got {type(amount).__name__}.")
    if not amount.is_finite():
        raise ValueError(f"The amount must be a finite number, got {amount}.")
    if amount <= 0:
        raise ValueError(
            f"The amount to pay must be positive, got {amount}: no payment QR code on a credit note, "
            "a paid invoice or an invoice with nothing to pay."
        )
    text = format(amount, "f")
    if "." in text:
        whole, fraction = text.split(".")
        fraction = fraction.rstrip("0")
        if len(fraction) > 2:
            raise ValueError(f"The amount must be in whole öre (two decimals at most), got {amount}.")
        text = f"{whole}.{fraction}" if fraction else whole
    return text


def payment_qr_payload(
    *,
    payee_name: str,
    org_number: str,
    reference: str,
    due_date: date,
    amount: Decimal,
    bankgiro: str,
    invoice_date: date | None = None,
) -> str:
    """The UsingQR JSON payload (one line, ASCII) for paying an invoice to ``bankgiro``.

    ``payee_name`` and ``org_number`` are the city's (``nme``, ``cid``; the org number as printed,
    ``NNNNNN-NNNN``); ``reference`` the invoice's OCR reference (``iref``; a string even though it is
    digits); ``amount`` the amount to pay in kronor (``due``); ``bankgiro`` the city's bankgiro, with or
    without its hyphen (written ``NNN-NNNN``/``NNNN-NNNN`` as ``acc``).

    Raises ``ValueError`` for an amount that is zero or negative (**no QR code on credit notes, paid
    invoices or invoices with nothing left to pay**: bank apps only handle type 1, an amount to pay),
    an amount with fractions of öre, an empty name, org number or reference, or an invalid bankgiro
    number; ``TypeError`` for a ``float`` amount or a date that is not a ``date``.

    >>> payment_qr_payload(payee_name="Test company AB", org_number="555555-5555", reference="52456",
    ...     due_date=date(2013, 4, 8), amount=Decimal("5.00"), bankgiro="4338778")
    '{"uqr":1,"tp":1,"nme":"Test company AB","cid":"555555-5555","iref":"52456","ddt":"20130408","due":5,"pt":"BG","acc":"433-8778"}'
    """
    fields: list[tuple[str, str]] = [
        ("uqr", str(USINGQR_VERSION)),
        ("tp", str(DOCUMENT_TYPE_INVOICE)),
        ("nme", _json_string(payee_name, "payee_name")),
        ("cid", _json_string(org_number, "org_number")),
        ("iref", _json_string(reference, "reference")),
    ]
    if invoice_date is not None:
        fields.append(("idt", _json_date(invoice_date, "invoice_date")))
    fields += [
        ("ddt", _json_date(due_date, "due_date")),
        ("due", _json_amount(amount)),
        ("pt", json.dumps(PAYMENT_TYPE_BANKGIRO)),
        ("acc", json.dumps(bankgiro_formatted(bankgiro))),
    ]
    return "{" + ",".join(f'"{key}":{value}' for key, value in fields) + "}"


def payment_qr_svg(payload: str, *, title: str | None = None) -> str:
    """The QR code for ``payload`` as SVG markup (a string starting ``<svg``, no XML declaration).

    Byte mode, error correction M, quiet zone of 4 modules, the smallest version that fits. The SVG is
    one black ``<path>`` on a transparent background, one millimetre per module in its intrinsic size
    (``width``/``height`` in mm, ``viewBox`` in modules), so a stylesheet can scale it freely: set the
    printed width in the template (FACTS: at least 2 cm). Rendered by WeasyPrint both inline in the HTML
    and as ``<img src="data:image/svg+xml;base64,…">``.

    ``title`` (for example "QR-kod för betalning") becomes the SVG's ``<title>``, which WeasyPrint writes
    as the figure's alternative text in a tagged PDF (PDF/UA wants one on every figure). Without it an
    inlined SVG becomes a figure with no alternative text; the ``<img>`` form takes its ``alt`` instead.

    The payload must be ASCII (what :func:`payment_qr_payload` returns); anything else raises
    ``ValueError``: the spec wants non-ASCII text flagged as UTF-8 with an ECI header, which ``qrcode``
    cannot write, so it must not reach the symbol unescaped.
    """
    if not isinstance(payload, str):
        raise TypeError(f"The payload must be a string, got {type(payload).__name__}.")
    if not payload:
        raise ValueError("The payload must not be empty.")
    if not payload.isascii():
        raise ValueError(
            "The payload must be ASCII (escape non-ASCII as \\uXXXX, as payment_qr_payload does)."
        )

    code = qrcode.QRCode(
        version=None,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=QUIET_ZONE_MODULES,
        image_factory=SvgPathImage,
    )
    # An explicit QRData in byte mode: add_data(str) would split a run of 20 or more digits (a long OCR
    # reference) into a numeric-mode segment.
    code.add_data(QRData(payload.encode("ascii"), mode=MODE_8BIT_BYTE))
    code.make(fit=True)
    image = code.make_image()
    # qrcode gives the path id="qr-path"; drop it so that several codes on one page (a batch PDF)
    # do not repeat an id.
    if image.path is not None:
        image.path.attrib.pop("id", None)
    svg = image.to_string(encoding="unicode")
    if title is not None:
        if not title.strip():
            raise ValueError("The title must not be empty (leave it out instead).")
        end_of_tag = svg.index(">") + 1  # the root's attributes are qrcode's own: no ">" in them
        svg = f"{svg[:end_of_tag]}<title>{xml_escape(title)}</title>{svg[end_of_tag:]}"
    return svg
