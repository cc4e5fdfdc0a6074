"""Demo terminations (the ``contracts.terminations`` step, registered from ``contracts.demo``).

* Every demo contract with notice given gets its confirmed termination (the tenant's notice, the end
  date by the rules), with the to-do about the next tenant's terms still open.
* Two of Södermalm's active contracts have an open termination in the staff queue: one from the
  district's termination form (documents matched, ready to confirm) and one from a relative's written
  notice registered by staff (waiting for the district's underlag, overdue).

Like the other contract steps: bulk-created with their state, no transition, no audit, no letter, no
scan (the notices have no file). Keyed on the contract: a contract that has a termination is left
alone, so a second run (or a run on a later day) creates nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from hyresadmin import demo
from hyresadmin.calendar import service_level_due

from .models import RentalContract, Termination, TerminationNotice
from .termination import TERMINATION_WORKING_DAYS
from .termination_models import NoticeGiver
from .termination_rules import add_months, tenant_end_date

#: The Södermalm officer and the service user of the demo (see ``contracts.demo``).
OFFICER, DISTRICT, SERVICE_USER = "sodermalm", "SOD", "service"
OPEN_TERMINATIONS = 2


@demo.register_step("contracts.terminations")
def seed_terminations(ctx: demo.DemoContext) -> None:
    officer, service = ctx.users.get(OFFICER), ctx.users.get(SERVICE_USER)
    if officer is None or service is None:
        return
    customer_kinds = (RentalContract.Kind.EXTERNAL, RentalContract.Kind.CITY_INTERNAL)
    noticed = list(RentalContract.objects.filter(state=RentalContract.State.NOTICE_GIVEN,
                                                 kind__in=customer_kinds, end_date__isnull=False)
                   .order_by("rental_object__object_number"))
    open_ones = list(RentalContract.objects.filter(
        state=RentalContract.State.ACTIVE, kind=RentalContract.Kind.EXTERNAL,
        organisation=ctx.district(DISTRICT)).order_by("rental_object__object_number")[:OPEN_TERMINATIONS])
    has_one = set(Termination.objects.filter(contract__in=[*noticed, *open_ones])
                  .values_list("contract_id", flat=True))
    now = timezone.now()
    plans = []  # (termination, [notices])
    for contract in noticed:
        if contract.pk in has_one:
            continue
        notice_on = add_months(contract.end_date.replace(day=1), -3) + dt.timedelta(days=9)
        received = timezone.make_aware(dt.datetime.combine(notice_on, dt.time(10, 0)))
        termination = Termination(
            contract=contract, state=Termination.State.CONFIRMED, given_by=NoticeGiver.TENANT,
            notice_received_on=notice_on, rule_end_date=contract.end_date,
            rule=tenant_end_date(notice_on).rule, end_date=contract.end_date, received_at=received,
            due_date=service_level_due(received, TERMINATION_WORKING_DAYS), confirmed_at=received,
            confirmed_by=service)
        plans.append((termination, [TerminationNotice(
            source=TerminationNotice.Source.DISTRICT_FORM, given_by=NoticeGiver.TENANT,
            notice_received_on=notice_on, submitted_by=officer, received_at=received,
            message="Demo: hyresgästen har sagt upp avtalet.")]))
    for number, contract in enumerate(open_ones):
        if contract.pk in has_one:
            continue
        matched = number == 0
        received = now - dt.timedelta(days=2 if matched else 7)
        notice_on = timezone.localtime(received).date()
        rule = tenant_end_date(notice_on, notice_period_months=contract.notice_period_months)
        termination = Termination(
            contract=contract, given_by=NoticeGiver.TENANT if matched else NoticeGiver.RELATIVE,
            state=Termination.State.DOCUMENTS_MATCHED if matched else Termination.State.REQUESTED,
            notice_received_on=notice_on, rule_end_date=rule.end_date, rule=rule.rule,
            end_date=rule.end_date, received_at=received,
            due_date=service_level_due(received, TERMINATION_WORKING_DAYS))
        source = (TerminationNotice.Source.DISTRICT_FORM if matched
                  else TerminationNotice.Source.WRITTEN_NOTICE)
        plans.append((termination, [TerminationNotice(
            source=source, given_by=termination.given_by, notice_received_on=notice_on,
            submitted_by=officer if matched else service, received_at=received,
            message="Demo: uppsägning inkommen.")]))
    made = Termination.objects.bulk_create([t for t, _ in plans])
    notices = []
    for termination, (_, rows) in zip(made, plans, strict=True):
        for notice in rows:
            notice.termination = termination
            notices.append(notice)
    TerminationNotice.objects.bulk_create(notices)
    ctx.count(Termination)  # keeps the label in the summary
    ctx.created[Termination._meta.label_lower] += len(made)
    ctx.created[TerminationNotice._meta.label_lower] += len(notices)


@demo.register_step("contracts.reductions")
def seed_reductions(ctx: demo.DemoContext) -> None:
    """A double-housing rent reduction the Södermalm officer submitted, waiting for staff to register it
    (through ``reduction.rent_reduction_submit``). Keyed on there being any reduction at all."""
    from .models import RentReduction
    from .reduction import rent_reduction_submit

    officer = ctx.users.get(OFFICER)
    if officer is None or RentReduction.objects.exists():
        return
    contract = (RentalContract.objects.filter(state=RentalContract.State.ACTIVE,
                                              kind=RentalContract.Kind.EXTERNAL,
                                              organisation=ctx.district(DISTRICT))
                .order_by("-rental_object__object_number").first())
    if contract is None:
        return
    today = timezone.localdate()
    first = add_months(today.replace(day=1), 1)
    rent_reduction_submit(
        actor=officer, contract=contract, first_month=first, last_month=first,
        decision_date=today - dt.timedelta(days=3), attester_name="Karin Sjöberg",
        lives_in_deciding_district=True, percentage=Decimal("50"),
        message="Demo: dubbelt boende vid flytt till särskilt boende, beslut om halv hyra en månad.")
    ctx.count(RentReduction, created=True)
