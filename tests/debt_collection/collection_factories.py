"""Helpers for the interest and collection tests: invoices with a due date, payments on a day, reminders
on a day (as the audit trail records them)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from contracts.models import CollectionCode
from debt_collection.models import CollectionPolicy
from hyresadmin.transitions import apply_transition
from invoicing.models import Allocation, Invoice, InvoiceKind, InvoiceLine, Payment, PaymentFile
from invoicing.services import OneOffLine, invoice_issue_one_off
from tests.contracts.factories import CollectionCodeFactory, active_contract

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(day: dt.date, hour: int = 12):
    """time_machine at noon Stockholm time on ``day``."""
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=STOCKHOLM), tick=False)


def code_with_policy(code="K1", **policy) -> CollectionCode:
    collection_code = CollectionCodeFactory(code=code)
    CollectionPolicy.objects.update_or_create(code=collection_code, defaults=policy)
    return CollectionCode.objects.get(pk=collection_code.pk)


def invoice_due(*, actor, due_date: dt.date, amount=Decimal("5400.00"), contract=None, **contract_kwargs) -> Invoice:
    """An issued invoice (issued on the day before ``due_date``) of an active contract."""
    contract = contract or active_contract(**contract_kwargs)
    with at(due_date - dt.timedelta(days=20)):
        return invoice_issue_one_off(
            actor=actor, kind=InvoiceKind.ONE_OFF, organisation_id=contract.organisation_id,
            customer_id=contract.customer_id, contract=contract, period=due_date.replace(day=1),
            due_date=due_date, lines=[OneOffLine(InvoiceLine.Kind.ONE_OFF, "Hyra", Decimal(amount))])


def pay(invoice: Invoice, amount, on: dt.date) -> Invoice:
    """A payment of ``amount`` dated ``on`` put on ``invoice`` (balance and state as payments leave them)."""
    amount = Decimal(amount)
    file = PaymentFile.objects.create(bankgiro="50501055")
    payment = Payment.objects.create(file=file, status=Payment.Status.MATCHED, line=1, payment_date=on,
                                     amount=amount, reference=invoice.ocr_reference, invoice=invoice,
                                     customer_id=invoice.customer_id)
    Allocation.objects.create(payment=payment, invoice=invoice, amount=amount)
    balance = invoice.balance - amount
    state = Invoice.State.PAID if balance == 0 else Invoice.State.PARTLY_PAID
    Invoice.objects.filter(pk=invoice.pk).update(balance=balance, state=state)
    return Invoice.objects.get(pk=invoice.pk)


def remind(invoice: Invoice, *, actor, on: dt.date) -> Invoice:
    """The invoice reminded on ``on`` through its transition (so the audit trail has the day)."""
    with at(on):
        return apply_transition(invoice, "remind", actor=actor, reason="Påminnelse")


def district_officer(organisation, username=None):
    """A district officer of ``organisation``."""
    from django.contrib.auth.models import Group

    from hyresadmin import permissions
    from tests.factories import UserFactory

    user = UserFactory(organisation=organisation, **({"username": username} if username else {}))
    user.groups.add(Group.objects.get(name=permissions.DISTRICT_OFFICER))
    return user


def approved_write_down(staff, invoice, reason="Kunden avliden, dödsbo saknar tillgångar"):
    """A write-down of ``invoice`` proposed by ``staff`` and approved by an officer of its district."""
    from debt_collection import writedowns

    request = writedowns.write_down_request_create(actor=staff, invoice=invoice, reason=reason)
    return writedowns.write_down_request_decide(actor=district_officer(invoice.organisation), request=request,
                                                approve=True, note="Beslut enligt delegation")
