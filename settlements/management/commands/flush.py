"""Django's flush, which first opens every closed financial year.

A closed year makes the database refuse deletes of the rows dated in it (migration 0004). A flush wipes
everything anyway, so the closings go first; test teardown and bench clean-up go through here.
"""

from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections


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
        return super().handle(**{**options, "interactive": False})
