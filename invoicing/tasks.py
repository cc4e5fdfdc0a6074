"""Invoicing's Celery tasks: thin wrappers over services, idempotent per period, safe to retry.

Beat fires each daily; ``schedule`` decides whether today is the day:
- prepare the rent run five working days before its issue day;
- issue the rent run on its issue day (2nd working day) if approved; otherwise alert the staff;
- the accounting orders (internal run) on the second-to-last working day of the month;
- catch up first invoices that an activation event missed;
- catch up final settlements for terminated contracts that a termination event missed;
- the quarterly proof that every contract was invoiced, on the first working day of each quarter.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from contracts.models import RentalContract
from hyresadmin.jobs import periodic_job, run_once
from hyresadmin.models import Organisation

from . import schedule, services
from .models import InvoiceRun, RunKind

logger = logging.getLogger(__name__)
JOB = "invoicing"


@shared_task(name="invoicing.tasks.issue_first_invoice", acks_late=True)
def issue_first_invoice(contract_id: int) -> int:
    return len(services.invoice_first_for_contract(contract_id=contract_id))


def _staff_addresses() -> list[str]:
    return list(Organisation.objects.filter(kind=Organisation.Kind.SERVICE)
                .exclude(shared_mailbox_email="").values_list("shared_mailbox_email", flat=True))


@shared_task(name="invoicing.tasks.daily_rent_run", acks_late=True)
def daily_rent_run() -> dict:
    """Prepare or issue the rent run whose day is today; alert staff if it is not approved in time."""
    today = timezone.localdate()
    done = {}
    for period in schedule.rent_periods_near(today):
        label = f"{period:%Y-%m}"
        if schedule.rent_prepare_day(period) <= today < schedule.rent_issue_day(period):
            # On its day, or the first day beat runs after it (a missed day is caught up).
            run = services.run_for(period=period, kind=RunKind.RENT)
            if run.state == InvoiceRun.State.PLANNED:
                ran = run_once(job="invoicing.prepare_rent", period=label,
                               func=lambda r=run: {"run": services.run_prepare(run=r, actor=JOB).pk})
                done[label] = "prepared" if ran else "already prepared"
        if today == schedule.rent_issue_day(period):
            run = services.run_for(period=period, kind=RunKind.RENT)
            if run.state == InvoiceRun.State.APPROVED:
                ran = _issue_rent_run(run, label)
                done[label] = "issued" if ran else "already issued"
            elif run.state != InvoiceRun.State.ISSUED:
                state_label = str(run.get_state_display())
                ran = run_once(job="invoicing.alert_not_approved", period=label,
                               func=lambda p=label, s=state_label: _alert_not_approved(p, s))
                done[label] = "alerted" if ran else "already alerted"
        elif schedule.rent_issue_day(period) < today < period:
            # Approved after the alert: issued the next time the job runs, before the month begins.
            late = InvoiceRun.objects.filter(period=period, kind=RunKind.RENT,
                                             state=InvoiceRun.State.APPROVED).first()
            if late is not None:
                ran = _issue_rent_run(late, label)
                done[label] = "issued" if ran else "already issued"
    return done


def _issue_rent_run(run: InvoiceRun, label: str):
    """Issue in committed chunks (not one transaction): a failure half-way keeps what was issued and
    the next run of the job completes it."""
    return run_once(job="invoicing.issue_rent", period=label, atomic=False,
                    func=lambda: {"issued": services.run_issue(run=run, actor=JOB).summary})


def _alert_not_approved(period_label: str, state: str) -> dict:
    recipients = _staff_addresses()
    with override("sv"):
        subject = _("The rent run for %(period)s is not approved") % {"period": period_label}
        body = _("Today is the day the rent invoices for %(period)s are issued, but the run is "
                 "%(state)s. Review and approve it in the admin; it is issued as soon as it is "
                 "approved and the job runs again.") % {"period": period_label, "state": state}
    if recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    logger.warning("rent run %s not approved on its issue day", period_label)
    return {"alerted": len(recipients)}


@shared_task(name="invoicing.tasks.daily_internal_run", acks_late=True)
def daily_internal_run() -> dict | None:
    """On the second-to-last working day: accounting orders for this month's vacancies and internal
    contracts, prepared, approved by the system and issued (they charge administrations, not people)."""
    today = timezone.localdate()
    period = today.replace(day=1)
    if today < schedule.internal_issue_day(period):
        return None  # after its day it still runs once, so a missed day is caught up

    def work():
        run = services.run_for(period=period, kind=RunKind.INTERNAL)
        if run.state == InvoiceRun.State.PLANNED:
            run = services.run_prepare(run=run, actor=JOB)
        if run.state == InvoiceRun.State.PREPARED:
            run = services.run_approve(run=run, actor=JOB)
        if run.state == InvoiceRun.State.APPROVED:
            run = services.run_issue(run=run, actor=JOB)
        return {"run": run.pk, "state": run.state}

    done = run_once(job="invoicing.internal_run", period=f"{period:%Y-%m}", func=work, atomic=False)
    return done.result if done else None


@shared_task(name="invoicing.tasks.catch_up_first_invoices", acks_late=True)
def catch_up_first_invoices() -> int:
    """Daily: first invoices for contracts activated lately, in case an activation event was lost."""
    since = timezone.now() - timedelta(days=62)
    ids = RentalContract.objects.filter(state__in=RentalContract.CURRENT_STATES,
                                        activated_at__gte=since).values_list("pk", flat=True)
    return sum(len(services.invoice_first_for_contract(contract_id=pk)) for pk in ids)


@shared_task(name="invoicing.tasks.propose_final_settlement", acks_late=True)
def propose_final_settlement(contract_id: int) -> int | None:
    from . import settlement

    proposed = settlement.final_settlement_propose(actor=settlement.JOB_ACTOR, contract_id=contract_id)
    return proposed.pk if proposed else None


@shared_task(name="invoicing.tasks.catch_up_final_settlements", acks_late=True)
def catch_up_final_settlements() -> int:
    """Daily: a settlement proposal for every terminated customer contract that has none (a lost
    ``contract_terminated`` event delays the settlement by a day at most)."""
    from . import settlement

    count = 0
    for pk in list(settlement.settlements_missing()):
        count += settlement.final_settlement_propose(actor=settlement.JOB_ACTOR, contract_id=pk) is not None
    return count


@shared_task(name="invoicing.tasks.apply_rent_reduction", acks_late=True)
def apply_rent_reduction(reduction_id: int) -> int:
    """A registered rent reduction: its negative lines on the next invoice and its booking."""
    from . import reductions

    return len(reductions.rent_reduction_apply(reduction_id=reduction_id))


# --- Documents and reports ---------------------------------------------------------------------------


@shared_task(name="invoicing.tasks.render_invoice_pdf", acks_late=True)
def render_invoice_pdf(invoice_id: int) -> dict:
    """Render and store an invoice's PDF (for batches); does nothing when the stored one is current."""
    from . import documents
    from .models import Invoice

    invoice = Invoice.objects.get(pk=invoice_id)
    documents.get_or_render_invoice_pdf(invoice)
    invoice.refresh_from_db(fields=["pdf_sha256"])
    return {"invoice": invoice_id, "sha256": invoice.pdf_sha256}


@periodic_job("invoicing.quarterly_report")
def _quarterly_report(period: str) -> dict:
    from . import reports

    stored = services.quarterly_report_store(quarter_start=reports.parse_quarter(period))
    recipients = _staff_addresses()
    with override("sv"):
        subject = _("The quarterly invoicing report for %(period)s is ready") % {"period": period}
        body = _("The report that proves every contract was invoiced in %(period)s is ready: "
                 "%(contracts)s contracts, %(months)s contract months, %(exceptions)s exceptions. "
                 "Download it in the admin, under Invoicing, Reports.") % {
            "period": period, "contracts": stored.summary["contracts"],
            "months": stored.summary["months"], "exceptions": stored.summary["exceptions"]}
    if recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return {"report": stored.pk, **stored.summary, "mailed": len(recipients)}


@shared_task(name="invoicing.tasks.quarterly_invoicing_report", acks_late=True)
def quarterly_invoicing_report() -> dict | None:
    """Daily; acts on the first working day of January, April, July and October: the proof that every
    contract was invoiced in the quarter just ended, stored for staff and announced to their mailbox."""
    from . import reports

    today = timezone.localdate()
    if not reports.is_report_day(today):
        return None
    period = reports.quarter_label(reports.quarter_to_report(today))
    done = run_once(job="invoicing.quarterly_report", period=period, func=lambda: _quarterly_report(period))
    return done.result if done else None


# --- The BgMax drop folder ---------------------------------------------------------------------------

BGMAX_DROP_JOB = "invoicing.bgmax_drop"


def _import_drop_folder() -> dict:
    """Import each file of ``BGMAX_DROP_DIR`` in name order, each all or nothing: an imported file is
    moved to ``processed/``, a refused one to ``failed/`` with ``<name>.error.txt`` (the refusal)
    beside it; the service administration's shared mailbox is told about the refused ones."""
    from pathlib import Path

    from hyresadmin.imports import ImportRefused

    from . import payments

    inbox = Path(settings.BGMAX_DROP_DIR)
    if not inbox.is_dir():
        return {"imported": 0, "refused": 0}
    processed, failed = inbox / "processed", inbox / "failed"
    imported, refused = [], []
    for path in sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            payments.import_bgmax(actor=BGMAX_DROP_JOB, name=path.name, data=path.read_bytes())
        except ImportRefused as exc:
            failed.mkdir(parents=True, exist_ok=True)
            (failed / f"{path.name}.error.txt").write_text(str(exc) + "\n", encoding="utf-8")
            path.replace(failed / path.name)
            refused.append((path.name, str(exc)))
            logger.warning("BgMax file %s refused", path.name)
        else:
            processed.mkdir(parents=True, exist_ok=True)
            path.replace(processed / path.name)
            imported.append(path.name)
    mailed = 0
    if refused:
        recipients = _staff_addresses()
        with override("sv"):
            subject = _("%(n)s BgMax files were refused") % {"n": len(refused)}
            body = _("The daily import of the BgMax drop folder refused these files; nothing was "
                     "imported from them. They are in the folder failed/, each with the reason beside "
                     "it.") + "\n\n" + "\n\n".join(f"{name}:\n{reason}" for name, reason in refused)
        if recipients:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
            mailed = len(recipients)
    return {"imported": len(imported), "refused": len(refused), "files": imported,
            "refused_files": [name for name, _reason in refused], "mailed": mailed}


@shared_task(name="invoicing.tasks.import_bgmax_drop_folder", acks_late=True)
def import_bgmax_drop_folder() -> dict | None:
    """Daily; acts on working days: import the BgMax files left in the drop folder (once a day)."""
    from hyresadmin import calendar

    today = timezone.localdate()
    if not calendar.is_working_day(today):
        return None
    done = run_once(job=BGMAX_DROP_JOB, period=today.isoformat(), func=_import_drop_folder, atomic=False)
    return done.result if done else None


# --- The daily ledger file (what was booked outside the runs) ---------------------------------------

#: How many days back the daily ledger job looks for a day without its file (a missed day is caught up).
DAILY_LEDGER_CATCH_UP_DAYS = 7


@periodic_job("invoicing.daily_ledger")
def _daily_ledger(period: str) -> dict:
    from datetime import date

    from . import credits

    stored = credits.daily_ledger_store(day=date.fromisoformat(period))
    return {"report": stored.pk, "rows": stored.summary.get("rows", 0), "sha256": stored.sha256}


@shared_task(name="invoicing.tasks.daily_ledger_file", acks_late=True)
def daily_ledger_file() -> dict | None:
    """Working days: the daily ledger file of each of the last days that has none yet, yesterday the
    latest (a Monday makes Friday's, Saturday's and Sunday's); each day once (``run_once``)."""
    from hyresadmin import calendar

    today = timezone.localdate()
    if not calendar.is_working_day(today):
        return None
    done = {}
    for back in range(DAILY_LEDGER_CATCH_UP_DAYS, 0, -1):
        period = (today - timedelta(days=back)).isoformat()
        ran = run_once(job="invoicing.daily_ledger", period=period, func=lambda p=period: _daily_ledger(p))
        done[period] = "made" if ran else "already made"
    return done
