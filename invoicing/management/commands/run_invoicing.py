"""Prepare, approve or issue an invoicing run from a shell, printing its counts and totals.

    python manage.py run_invoicing --period 2026-12 --kind rent --step prepare
    python manage.py run_invoicing --period 2026-12 --kind rent --step approve --user anna
    python manage.py run_invoicing --period 2026-12 --kind rent --step issue [--user anna]

Thin: the services decide. ``--step issue`` on a prepared run approves it first, with ``--user`` (a
member of the service-administration staff, recorded as approver), then issues it. A rent run can be
approved only by such a user; the accounting orders of an internal run may be approved by the system,
as the daily job does. Anything refused stops the command with a message and a non-zero exit, and
changes nothing: ``approve`` and ``issue`` never create a run, and an unknown user, period, kind or
step is refused before anything is read or written.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from hyresadmin import permissions
from hyresadmin.transitions import TransitionRefused
from invoicing import periods, services
from invoicing.models import InvoiceRun, RunItem, RunKind

STEPS = ("prepare", "approve", "issue")
#: The actor recorded when no ``--user`` is given.
COMMAND = "run_invoicing"


class Command(BaseCommand):
    help = ("Prepare, approve or issue the invoicing run of a period and kind, and print its counts and "
            "totals. Approving a rent run (and issuing a prepared one) needs --user of a "
            "service-administration staff member, who is recorded as approver.")

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="The month invoiced, as YYYY-MM.")
        parser.add_argument("--kind", required=True, help="rent or internal.")
        parser.add_argument("--step", required=True, help="prepare, approve or issue.")
        parser.add_argument("--user", default=None,
                            help="Username of the service-administration staff member acting.")

    def handle(self, *args, period, kind, step, user=None, **options):
        period = self._period(period)
        if kind not in RunKind.values:
            raise CommandError(_("Unknown kind “%(kind)s”: use %(kinds)s.") % {
                "kind": kind, "kinds": " or ".join(RunKind.values)})
        if step not in STEPS:
            raise CommandError(_("Unknown step “%(step)s”: use %(steps)s.") % {
                "step": step, "steps": ", ".join(STEPS)})
        actor = self._user(user) if user is not None else None
        try:
            run = getattr(self, f"_{step}")(period, kind, actor)
        except TransitionRefused as exc:
            message = exc.message
            if actor is None and step in ("approve", "issue"):
                message += " " + _("Give --user USERNAME of a service-administration staff member.")
            raise CommandError(message) from exc
        self._report(run)

    # --- arguments

    def _period(self, text: str):
        if re.fullmatch(r"\d{4}-\d{2}", text.strip()):
            try:
                return periods.parse_period(text)
            except ValueError:
                pass
        raise CommandError(_("Invalid period “%(period)s”: write it as YYYY-MM, for example 2026-12.")
                           % {"period": text})

    def _user(self, username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no user “%(username)s”.") % {"username": username})
        if not permissions.is_service_staff(user):
            raise CommandError(_("“%(username)s” is not an active member of the service-administration "
                                 "staff.") % {"username": username})
        return user

    def _existing(self, period, kind) -> InvoiceRun:
        run = (InvoiceRun.objects.exclude(state=InvoiceRun.State.DISCARDED)
               .filter(period=period, kind=kind).first())
        if run is None:
            raise CommandError(_("There is no run of %(kind)s for %(period)s: prepare it first.") % {
                "kind": RunKind(kind).label, "period": f"{period:%Y-%m}"})
        return run

    # --- steps

    def _prepare(self, period, kind, actor) -> InvoiceRun:
        run = services.run_for(period=period, kind=kind)
        return services.run_prepare(run=run, actor=actor or COMMAND)

    def _approve(self, period, kind, actor) -> InvoiceRun:
        return services.run_approve(run=self._existing(period, kind), actor=actor or COMMAND)

    def _issue(self, period, kind, actor) -> InvoiceRun:
        run = self._existing(period, kind)
        if run.state == InvoiceRun.State.PREPARED:
            run = services.run_approve(run=run, actor=actor or COMMAND)
        return services.run_issue(run=run, actor=actor or COMMAND)

    # --- output

    def _report(self, run: InvoiceRun) -> None:
        summary = run.summary or {}
        write = self.stdout.write
        write(_("Run: %(run)s (%(state)s)") % {"run": run, "state": run.get_state_display()})
        write(_("Items: %(n)s") % {"n": summary.get("items", 0)})
        write(_("To be invoiced: %(n)s") % {"n": summary.get("included", 0)})
        write(_("Flagged: %(n)s") % {"n": summary.get("flagged", 0)})
        for flag, label in RunItem.Flag.choices:
            if summary.get(f"flag_{flag}"):
                write(f"  {label}: {summary[f'flag_{flag}']}")
        write(_("Total: %(total)s kr") % {"total": _amount(summary.get("total", "0"))})
        if summary.get("already_invoiced"):
            write(_("Invoiced before the run was prepared: %(n)s") % {"n": summary["already_invoiced"]})
        if run.approved_by_id or run.approved_at:
            approver = run.approved_by.get_username() if run.approved_by_id else COMMAND
            write(_("Approved by: %(user)s") % {"user": approver})
        if "issued" in summary:
            write(_("Issued: %(n)s invoices, %(total)s kr") % {
                "n": summary["issued"], "total": _amount(summary.get("issued_total", "0"))})
        elif run.state == InvoiceRun.State.APPROVED and run.issued_at is None and run.items.filter(
                invoice__isnull=False).exists():
            write(_("The run is still being issued by another worker; run the step again to finish it."))


def _amount(value) -> str:
    return f"{Decimal(str(value)):.2f}"
