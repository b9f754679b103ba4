"""Django's flush, which first opens every closed financial year.

A closed year makes the database refuse deletes of the rows dated in it (migration 0004). A flush wipes
everything anyway, so the closings go first; test teardown and bench clean-up go through here.
On SQLite, which empties tables with DELETE, the protected-row triggers are passed by
settlements.triggers.bypass(); PostgreSQL empties them with TRUNCATE, which row triggers do not see.
"""

from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

from settlements import triggers


class Command(FlushCommand):
    def handle(self, **options):
        database = options.get("database") or DEFAULT_DB_ALIAS
        if options.get("interactive"):
            answer = input(f"Every row in the database '{database}' will be deleted. Type 'yes' to continue: ")
            if answer != "yes":
                raise CommandError("Flush cancelled.")
        connection = connections[database]
        if "settlements_yearclosing" in connection.introspection.table_names():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM settlements_yearclosing")
        if connection.vendor == "sqlite":
            with triggers.bypass(using=database):
                return super().handle(**{**options, "interactive": False})
        return super().handle(**{**options, "interactive": False})
