"""A hand-built ledger for the unpaid-rent report tests, issued by the real rent runs on their days.

Report month December 2026; its report day is Thursday 10 December. Rent is paid in advance: the
November invoices were due Friday 30 October, the December ones Monday 30 November, the January 2027
ones Wednesday 30 December (not yet due on the report day).

Södermalm (``district``), what is unpaid on 10 December:

==========  ===============  ========  ==========================================  ========
customer    housing form     period    what happened                               balance
==========  ===============  ========  ==========================================  ========
Karin Berg  care home        2026-11   nothing paid                                5 400,00
Karin Berg  care home        2026-12   1 400,00 matched by hand (partly paid)      4 000,00
Karin Berg  care home        2027-01   not yet due                                 (not listed)
Sara Dold   FOT (protected)  2026-11   paid in full                                (not listed)
Sara Dold   FOT (protected)  2026-12   reminded                                    3 000,00
Lars Holm   service house    2026-11   at collection, 500,00 paid (Allocation)     5 500,00
Lars Holm   service house    2026-12   paid in full                                (not listed)
Erik Lind   care home        2026-11   cancelled                                   (not listed)
==========  ===============  ========  ==========================================  ========

Total 17 900,00: care home 2 invoices 9 400,00, service house 1 invoice 5 500,00, FOT 1 invoice
3 000,00. Kungsholmen (``other_district``): Maria Ek, care home, December unpaid, 4 500,00.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import time_machine

from contracts.models import HousingForm, RentLineKind
from hyresadmin.calendar import STOCKHOLM
from hyresadmin.models import Representative
from invoicing import payments
from invoicing.models import Allocation, Invoice, Payment, PaymentFile
from tests.factories import PersonFactory, RepresentativeFactory, make_personal_number
from tests.invoicing.factories import contract_with_rent, issue_rent_run, set_invoice_state

MONTH = dt.date(2026, 12, 1)
REPORT_DAY = dt.date(2026, 12, 10)
NOV, DEC, JAN = dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 1)
ISSUE_DAYS = {NOV: dt.date(2026, 10, 2), DEC: dt.date(2026, 11, 3), JAN: dt.date(2026, 12, 2)}


def at(day: dt.date, hour: int = 9):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=STOCKHOLM), tick=False)


@dataclass
class Ledger:
    karin: object
    sara: object
    lars: object
    erik: object
    maria: object
    invoices: dict


def _contract(*, organisation, customer, rent, housing_form):
    contract = contract_with_rent(organisation=organisation, customer=customer, rent=Decimal(rent),
                                  rental_object__housing_form=housing_form,
                                  rental_object__street_address=f"{customer.last_name}vägen 1")
    contract.rent_lines.create(kind=RentLineKind.BASE_RENT, amount=Decimal(rent), rent_year=2027)
    return contract


def build_ledger(*, staff, district, other_district) -> Ledger:
    karin = PersonFactory(first_name="Karin", last_name="Berg", affiliation=district,
                          personal_number=make_personal_number(dt.date(1941, 3, 4), 123))
    sara = PersonFactory(first_name="Sara", last_name="Dold", affiliation=district, protected_identity=True)
    lars = PersonFactory(first_name="Lars", last_name="Holm", affiliation=district)
    erik = PersonFactory(first_name="Erik", last_name="Lind", affiliation=district)
    maria = PersonFactory(first_name="Maria", last_name="Ek", affiliation=other_district)
    RepresentativeFactory(person=karin, agent=PersonFactory(first_name="Olle", last_name="Godman"),
                          kind=Representative.Kind.TRUSTEE)
    RepresentativeFactory(person=karin, agent=None, contact_name="Eva Socialsekreterare",
                          kind=Representative.Kind.SOCIAL_SECRETARY)
    RepresentativeFactory(person=karin, agent=PersonFactory(first_name="Gammal", last_name="Förvaltare"),
                          kind=Representative.Kind.ADMINISTRATOR, valid_to=dt.date(2026, 6, 30))
    with at(dt.date(2026, 9, 15)):
        _contract(organisation=district, customer=karin, rent="5400.00", housing_form=HousingForm.CARE_HOME)
        _contract(organisation=district, customer=sara, rent="3000.00", housing_form=HousingForm.FOT)
        _contract(organisation=district, customer=lars, rent="6000.00", housing_form=HousingForm.SERVICE_HOUSE)
        _contract(organisation=district, customer=erik, rent="4800.00", housing_form=HousingForm.CARE_HOME)
        _contract(organisation=other_district, customer=maria, rent="4500.00",
                  housing_form=HousingForm.CARE_HOME)
    for period, day in ISSUE_DAYS.items():
        with at(day):
            issue_rent_run(period=period, actor=staff)
    inv = {(i.customer_id, i.period): i for i in Invoice.objects.all()}

    def invoice(person, period) -> Invoice:
        return Invoice.objects.get(pk=inv[(person.pk, period)].pk)

    with at(dt.date(2026, 12, 3)):
        file = PaymentFile.objects.create(bankgiro="0050501055")
        payment = Payment.objects.create(file=file, line=1, payment_date=dt.date(2026, 12, 3),
                                         amount=Decimal("1400.00"), status=Payment.Status.UNMATCHED)
        payments.payment_match_to_invoice(actor=staff, payment=payment, invoice=invoice(karin, DEC))
    set_invoice_state(invoice(sara, DEC), Invoice.State.REMINDED)
    lars_nov = invoice(lars, NOV)
    paid = Payment.objects.create(file=file, line=2, payment_date=dt.date(2026, 11, 20),
                                  amount=Decimal("500.00"), status=Payment.Status.MATCHED, invoice=lars_nov)
    Allocation.objects.create(payment=paid, invoice=lars_nov, amount=Decimal("500.00"))
    set_invoice_state(lars_nov, Invoice.State.AT_COLLECTION, balance=lars_nov.total - Decimal("500.00"))
    set_invoice_state(invoice(sara, NOV), Invoice.State.PAID, balance=Decimal("0.00"))
    set_invoice_state(invoice(lars, DEC), Invoice.State.PAID, balance=Decimal("0.00"))
    set_invoice_state(invoice(erik, NOV), Invoice.State.CANCELLED)
    set_invoice_state(invoice(erik, DEC), Invoice.State.PAID, balance=Decimal("0.00"))
    set_invoice_state(invoice(maria, NOV), Invoice.State.PAID, balance=Decimal("0.00"))
    keys = {"karin_nov": (karin, NOV), "karin_dec": (karin, DEC), "karin_jan": (karin, JAN),
            "sara_dec": (sara, DEC), "lars_nov": (lars, NOV), "maria_dec": (maria, DEC)}
    return Ledger(karin=karin, sara=sara, lars=lars, erik=erik, maria=maria,
                  invoices={name: invoice(p, period) for name, (p, period) in keys.items()})
