"""``manage.py run_invoicing``: each step, its output, and every refusal changing nothing."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.utils.translation import gettext

from contracts.models import RentalContract
from hyresadmin.models import AuditEvent
from invoicing import services
from invoicing.models import Invoice, InvoiceRun, RunItem, RunKind
from tests.invoicing.factories import contract_with_rent

pytestmark = pytest.mark.django_db
DEC = dt.date(2026, 12, 1)


def run(*args) -> str:
    out = StringIO()
    call_command("run_invoicing", *args, stdout=out)
    return out.getvalue()


def rent(step, *more):
    return run("--period", "2026-12", "--kind", "rent", "--step", step, *more)


@pytest.fixture
def contracts(district):
    normal = contract_with_rent(organisation=district)
    big = contract_with_rent(organisation=district, rent=Decimal("10500.00"))
    prelim = contract_with_rent(organisation=district)
    RentalContract.objects.filter(pk=prelim.pk).update(state=RentalContract.State.PRELIMINARY)
    return normal, big, prelim


@pytest.fixture
def prepared(staff, contracts):
    return services.run_prepare(run=services.run_for(period=DEC, kind=RunKind.RENT), actor=staff)


def _unchanged():
    """A snapshot of everything a refused command must leave alone."""
    return (list(InvoiceRun.objects.values_list("pk", "state", "approved_by")), Invoice.objects.count(),
            AuditEvent.objects.count())


def test_prepare_prints_counts_flags_and_the_total(contracts):
    out = rent("prepare")

    run = InvoiceRun.objects.get()
    assert run.state == InvoiceRun.State.PREPARED
    assert run.items.count() == 3 and not Invoice.objects.exists()
    flags = dict(RunItem.Flag.choices)
    assert gettext("Items: %(n)s") % {"n": 3} in out
    assert gettext("To be invoiced: %(n)s") % {"n": 2} in out
    assert gettext("Flagged: %(n)s") % {"n": 2} in out
    assert f"  {flags[RunItem.Flag.OVER_LIMIT]}: 1" in out
    assert f"  {flags[RunItem.Flag.PRELIMINARY]}: 1" in out
    assert gettext("Total: %(total)s kr") % {"total": "15900.00"} in out
    # recorded as done by the command
    assert AuditEvent.objects.for_object(run).filter(actor_label="run_invoicing").exists()


def test_prepare_again_recomputes_after_a_correction(prepared, contracts, staff):
    normal, big, _prelim = contracts
    big.rent_lines.update(amount=Decimal("6000.00"))
    out = rent("prepare", "--user", "staff")
    assert gettext("Total: %(total)s kr") % {"total": "11400.00"} in out
    assert gettext("Flagged: %(n)s") % {"n": 1} in out
    assert AuditEvent.objects.for_object(prepared).filter(actor=staff, to_state="prepared").exists()


def test_approve_records_the_user_as_approver(prepared, staff):
    out = rent("approve", "--user", "staff")
    prepared.refresh_from_db()
    assert prepared.state == InvoiceRun.State.APPROVED
    assert prepared.approved_by == staff
    assert gettext("Approved by: %(user)s") % {"user": "staff"} in out
    assert not Invoice.objects.exists()


def test_issue_on_a_prepared_run_approves_with_the_user_then_issues(prepared, staff):
    out = rent("issue", "--user", "staff")

    prepared.refresh_from_db()
    assert prepared.state == InvoiceRun.State.ISSUED
    assert prepared.approved_by == staff
    assert Invoice.objects.count() == 2
    assert gettext("Issued: %(n)s invoices, %(total)s kr") % {"n": 2, "total": "15900.00"} in out
    assert AuditEvent.objects.for_object(prepared).filter(actor=staff, to_state="approved").exists()


def test_issue_on_an_approved_run_needs_no_user(prepared, staff):
    services.run_approve(run=prepared, actor=staff)
    out = rent("issue")
    prepared.refresh_from_db()
    assert prepared.state == InvoiceRun.State.ISSUED
    assert prepared.approved_by == staff  # the approver stays the one who approved
    assert gettext("Issued: %(n)s invoices, %(total)s kr") % {"n": 2, "total": "15900.00"} in out


def test_an_internal_run_may_be_approved_by_the_system(district):
    from tests.contracts.factories import active_contract

    vacancy = active_contract(kind=RentalContract.Kind.VACANCY, organisation=district, customer=None,
                              start_date=dt.date(2024, 1, 1), rent_lines=[])
    vacancy.rent_lines.create(kind="base_rent", amount=Decimal("7000.00"), rent_year=2026)
    args = ("--period", "2026-12", "--kind", "internal")
    run(*args, "--step", "prepare")
    out = run(*args, "--step", "issue")
    invoice = Invoice.objects.get()
    assert invoice.document_type == Invoice.DocumentType.ACCOUNTING_ORDER
    assert gettext("Issued: %(n)s invoices, %(total)s kr") % {"n": 1, "total": "7000.00"} in out


# --- Refusals: a clear message, a non-zero exit, nothing changed ----------------------------------------


@pytest.mark.parametrize(("args", "says"), [
    (("--period", "2026-13", "--kind", "rent", "--step", "prepare"), "2026-13"),
    (("--period", "december", "--kind", "rent", "--step", "prepare"), "december"),
    (("--period", "2026-12-01", "--kind", "rent", "--step", "prepare"), "2026-12-01"),
    (("--period", "2026-12", "--kind", "fees", "--step", "prepare"), "fees"),
    (("--period", "2026-12", "--kind", "rent", "--step", "publish"), "publish"),
    (("--period", "2026-12", "--kind", "rent", "--step", "prepare", "--user", "nobody"), "nobody"),
])
def test_invalid_arguments_are_refused_before_anything_happens(contracts, args, says):
    before = _unchanged()
    with pytest.raises(CommandError, match=says):
        run(*args)
    assert _unchanged() == before
    assert not InvoiceRun.objects.exists()


def test_a_missing_argument_is_refused(contracts):
    with pytest.raises(CommandError, match="--step"):
        run("--period", "2026-12", "--kind", "rent")
    assert not InvoiceRun.objects.exists()


@pytest.mark.parametrize("who", ["officer", "citizen"])
def test_a_user_outside_the_service_staff_is_refused(request, prepared, who):
    user = request.getfixturevalue(who)
    before = _unchanged()
    for step in ("prepare", "approve", "issue"):
        with pytest.raises(CommandError, match=user.username):
            rent(step, "--user", user.username)
    assert _unchanged() == before


@pytest.mark.parametrize("step", ["approve", "issue"])
def test_approving_a_rent_run_needs_a_staff_user(prepared, step):
    before = _unchanged()
    with pytest.raises(CommandError, match="--user") as error:
        rent(step)
    assert gettext("Only service-administration staff can approve a run.") in str(error.value)
    assert _unchanged() == before


@pytest.mark.parametrize("step", ["approve", "issue"])
def test_approve_and_issue_never_create_a_run(contracts, staff, step):
    with pytest.raises(CommandError, match="2026-12"):
        rent(step, "--user", "staff")
    assert not InvoiceRun.objects.exists()


def test_steps_out_of_order_are_refused(staff, contracts):
    services.run_for(period=DEC, kind=RunKind.RENT)  # planned, not prepared
    before = _unchanged()
    for step in ("approve", "issue"):
        with pytest.raises(CommandError):
            rent(step, "--user", "staff")
    assert _unchanged() == before


def test_an_issued_run_is_not_prepared_or_issued_again(prepared, staff):
    rent("issue", "--user", "staff")
    before = _unchanged()
    for step in ("prepare", "approve", "issue"):
        with pytest.raises(CommandError):
            rent(step, "--user", "staff")
    assert _unchanged() == before


def test_refusal_exits_non_zero_from_the_shell(prepared, capsys, monkeypatch):
    from django.db import connections

    # run_from_argv closes the connections when it ends; keep the test's transaction open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    before = _unchanged()
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "run_invoicing", "--period", "2026-12", "--kind", "rent",
                           "--step", "approve"]).execute()
    assert exit_.value.code != 0
    assert "--user" in capsys.readouterr().err
    assert _unchanged() == before
