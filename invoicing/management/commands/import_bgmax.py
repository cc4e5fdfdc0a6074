"""python manage.py import_bgmax PATH [--user USERNAME] — import and match a BgMax file of payments."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from hyresadmin.imports import ImportRefused
from invoicing.payments import import_bgmax


class Command(BaseCommand):
    help = "Import a BgMax file from Bankgirot and match its payments to invoices (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--user", help="The staff member recorded as importer.")

    def handle(self, *args, path, user=None, **options):
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user {user!r}.")
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No file at {path}.")
        try:
            result = import_bgmax(actor=actor or "import_bgmax", name=file.name, data=file.read_bytes())
        except ImportRefused as exc:
            raise CommandError(str(exc))
        self.stdout.write(self.style.SUCCESS(
            f"{result['payments']} payments, {result['deductions']} deductions: "
            f"{result['paid']} paid in full, {result['partly']} partly, "
            f"{result['surplus'] + result['credit']} to credit balance, {result['unmatched']} unmatched; "
            f"{result['total']} kr deposited."))
