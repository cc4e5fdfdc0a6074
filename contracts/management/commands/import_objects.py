"""python manage.py import_objects PATH [--user USERNAME] — the CSV import of rental objects."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from contracts.imports import import_rental_objects
from hyresadmin.imports import ImportRefused


class Command(BaseCommand):
    help = "Import rental objects from a semicolon-separated CSV file (all or nothing)."

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
            result = import_rental_objects(actor=actor or "import_objects", name=file.name,
                                           data=file.read_bytes())
        except ImportRefused as exc:
            raise CommandError(str(exc))
        self.stdout.write(self.style.SUCCESS(
            f"{result['rows']} objects: {result['created']} created, {result['updated']} updated."))
