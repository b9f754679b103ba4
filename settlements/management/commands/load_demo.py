"""Load the demo data (and, in development, a demo login)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from settlements.demo import load_demo

DEMO_PASSWORD = "alliance-demo-only"  # noqa: S105 - refused by DemoAwareModelBackend whenever DEBUG is off


class Command(BaseCommand):
    help = "Load the West Mercia / Warwickshire case and a fictional example. Running it twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-demo-login",
            action="store_true",
            help=(
                "Also create the demo logins "
                + ", ".join(f"'{name}' ({role})" for name, role in settings.DEMO_LOGINS.items())
                + " (development only: needs DEBUG on)."
            ),
        )

    def handle(self, *args, with_demo_login=False, **options):
        if with_demo_login and not settings.DEBUG:
            raise CommandError("The demo logins are for development only: set DEBUG=1 to create them.")
        seed, fictional = load_demo(timezone.localdate())
        self.stdout.write(f"Loaded: {seed} and {fictional}.")
        if with_demo_login:
            self._demo_login()

    def _demo_login(self):
        """Each demo login with its role, as a finance officer has it: staff, never a superuser."""
        users = get_user_model().objects
        for username, role in settings.DEMO_LOGINS.items():
            user, created = users.get_or_create(username=username)
            if created:
                user.set_password(DEMO_PASSWORD)
            user.is_staff, user.is_superuser = True, False
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            self.stdout.write(
                self.style.SUCCESS(
                    f"Sign in at http://127.0.0.1:8000/ as '{username}' ({role.replace('_', ' ')}) "
                    f"with password '{DEMO_PASSWORD}'."
                )
            )
