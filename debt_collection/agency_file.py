"""The collection-agency file (inkassofil): one file per collection code and handover, one record per
claim (an invoice handed over). This module only builds the bytes; ``collection.collection_hand_over``
stores the file with its SHA-256 checksum (``AgencyFile``) and staff download it from the admin, which
records the export of personal data in the audit trail.

Layout (defined here: the agency's own format is not in the sources). CSV like the invoicing exports:
UTF-8 without a byte-order mark, ``;`` between fields, a header row, ``\\r\\n`` line ends, fields quoted
only when they contain ``;``, a quote or a line break (RFC 4180). Columns:

=================== ===================================================================================
arende              this system's collection case number (several claims may share a case)
kravkod             the collection code (kravkod) the file is for
forvaltning         the code of the district administration the claim belongs to
fakturanummer       the invoice number
ocr                 the invoice's OCR reference (payments to the city carry it)
fakturadatum        the invoice date, ``YYYY-MM-DD``
forfallodag         the due date, ``YYYY-MM-DD`` (late-payment interest runs from it)
paminnelsedag       the day the reminder was sent, ``YYYY-MM-DD`` (empty if unknown)
period              the month the invoice is for, ``YYYY-MM``
fakturabelopp       the invoice total
kapitalbelopp       what is left to pay, handed over: the claim (see amounts below)
personnummer        the debtor's personal identity number (12 digits): the agency needs it
namn                the debtor's name
adressrad1          c/o line, or the street address                   } empty for a protected identity:
adressrad2          the street address when there is a c/o line       } the address is never printed
postnummer          the postcode                                      } on an export (FACTS.md §8); the
ort                 the town                                          } agency writes through Skatteverket
skyddad_identitet   ``1`` for a protected identity, else ``0``
=================== ===================================================================================

Amounts for machines: a dot as decimal separator, two decimals, no grouping (``5400.00``). The
``kapitalbelopp`` column sums to the file's total (``AgencyFile.total``); rows are in case, then
invoice-number order.
"""

from __future__ import annotations

from collections.abc import Iterable

from invoicing.exports import ExportFile, _address, _write, money

from .collection_models import CollectionClaim

__all__ = ["COLUMNS", "build_agency_file", "claim_row"]

COLUMNS = ["arende", "kravkod", "forvaltning", "fakturanummer", "ocr", "fakturadatum", "forfallodag",
           "paminnelsedag", "period", "fakturabelopp", "kapitalbelopp", "personnummer", "namn",
           "adressrad1", "adressrad2", "postnummer", "ort", "skyddad_identitet"]


def claim_row(claim: CollectionClaim) -> list[str]:
    """One record: reads ``claim.case`` (with ``collection_code``, ``organisation``, ``customer``) and
    ``claim.invoice`` (select them related)."""
    case, invoice = claim.case, claim.invoice
    person = case.customer
    return [
        str(case.pk),
        case.collection_code.code,
        case.organisation.code,
        str(invoice.number),
        invoice.ocr_reference,
        invoice.issue_date.isoformat(),
        invoice.due_date.isoformat(),
        claim.reminded_on.isoformat() if claim.reminded_on else "",
        f"{invoice.period:%Y-%m}",
        money(invoice.total),
        money(claim.amount),
        person.personal_number,
        person.full_name,
        *_address(person),
        "1" if person.protected_identity else "0",
    ]


def build_agency_file(claims: Iterable[CollectionClaim]) -> ExportFile:
    """The file's bytes and its number of records, for ``claims`` (all of one collection code)."""
    ordered = sorted(claims, key=lambda c: (c.case_id, c.invoice.number))
    codes = {c.case.collection_code_id for c in ordered}
    if len(codes) > 1:
        raise ValueError("one collection-agency file is for one collection code")
    return _write(COLUMNS, (claim_row(c) for c in ordered))
