"""``manage.py seed_demo``: load the demo data (``hyresadmin.demo``) and print the demo logins.

Idempotent: a second run changes nothing. Refused when ``DEBUG`` is off, because the demo users
have a known password.
"""

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from hyresadmin import demo


class Command(BaseCommand):
    help = "Load the demo data (districts, demo users, persons, representatives) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=None,
                            help="Password of the demo users (default: the DEMO_PASSWORD setting).")
        parser.add_argument("--persons", type=int, default=60,
                            help=f"How many demo persons (at least {demo.MIN_PERSONS}; default 60).")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000",
                            help="Where the server runs, for the printed links.")

    def handle(self, *args, password, persons, base_url, **options):
        if not settings.DEBUG:
            raise CommandError(_(
                "The demo users have a known password, so seed_demo is refused when DEBUG is off. "
                "Run it on a development machine with DEBUG=true."
            ))
        if persons < demo.MIN_PERSONS:
            raise CommandError(f"--persons must be at least {demo.MIN_PERSONS}.")
        password = settings.DEMO_PASSWORD if password is None else password
        created = demo.seed_demo(password=password, persons=persons)
        self._report(created, password, base_url.rstrip("/"))

    def _report(self, created: dict[str, int], password: str, base_url: str) -> None:
        made = [f"{apps.get_model(label)._meta.verbose_name_plural} {n}"
                for label, n in created.items() if n]
        self.stdout.write(self.style.SUCCESS(
            _("Demo data is in place. Created now: %(counts)s.")
            % {"counts": ", ".join(made) if made else _("nothing (everything was already there)")}
        ))
        self.stdout.write(_("Demo logins (password: %(password)s):") % {"password": password})
        organisations = {org.code: org.name for org in demo.Organisation.objects.all()}
        for user in demo.DEMO_USERS:
            self.stdout.write(
                f"  {user.username:<12} {user.description} ({organisations.get(user.organisation, '')})"
                f"  {base_url}{user.path}"
            )
        example = demo.citizen_example()
        self.stdout.write(_(
            "Citizens: %(url)s with the development login; pick a demo person, e.g. %(agent)s, "
            "who represents %(person)s."
        ) % {
            "url": f"{base_url}/mina-sidor/",
            "agent": example.agent.full_name if example else "-",
            "person": example.person.full_name if example else "-",
        })
