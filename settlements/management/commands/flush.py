"""Django's flush, through the protected-row triggers, so that test teardown can empty every table."""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from settlements import triggers


class Command(FlushCommand):
    def handle(self, **options):
        if connections[options["database"]].vendor != "sqlite":
            # PostgreSQL empties the tables with TRUNCATE, which row triggers do not see.
            return super().handle(**options)
        with triggers.bypass(using=options["database"]):
            return super().handle(**options)
