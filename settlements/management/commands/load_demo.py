"""Load the demo data (and, in development, a demo login)."""

from django.conf import settings
from django.contrib.auth import get_user_model
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
            help=f"Also create the superuser '{settings.DEMO_USERNAME}' (development only: needs DEBUG on).",
        )

    def handle(self, *args, with_demo_login=False, **options):
        if with_demo_login and not settings.DEBUG:
            raise CommandError("The demo login is for development only: set DEBUG=1 to create it.")
        seed, fictional = load_demo(timezone.localdate())
        self.stdout.write(f"Loaded: {seed} and {fictional}.")
        if with_demo_login:
            self._demo_login()

    def _demo_login(self):
        user, created = get_user_model().objects.get_or_create(
            username=settings.DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Sign in at http://127.0.0.1:8000/ as '{settings.DEMO_USERNAME}' with password '{DEMO_PASSWORD}'."
            )
        )
