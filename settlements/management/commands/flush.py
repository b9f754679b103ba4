"""Django's flush, through the triggers' one way past them.

A closed year makes the database refuse deletes of the rows dated in it, and a closing itself is never
deleted (migrations 0004, 0008, 0011). On SQLite, which empties tables with DELETE, every one of those
triggers is passed by settlements.triggers.bypass(); PostgreSQL empties them with TRUNCATE, which row
triggers do not see. Test teardown goes through here.
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
        if connection.vendor == "sqlite":
            with triggers.bypass(using=database):
                return super().handle(**{**options, "interactive": False})
        return super().handle(**{**options, "interactive": False})
