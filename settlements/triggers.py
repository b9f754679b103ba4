"""Database triggers that refuse what must never change, whoever asks: the ORM, a bulk action or raw SQL.

The triggers themselves are created by migrations: 0008_protected_rows (approved rows, payments),
0004_closed_year_triggers and 0011_closings_serialised_and_kept (rows dated in a closed year, and the
closings themselves). Their refusals start with `REFUSED`; explain() turns them (and the models' own
refusals) into a sentence for the page.

The one way through is bypass(), for test teardown (`flush`) and the bench's clean-up, which delete rows
wholesale. On SQLite the triggers ask a function of the connection, settlements_guard(), which answers 1
unless bypass() is active on that connection; a connection that never registered it (the sqlite3 shell)
is refused too. On PostgreSQL bypass() sets `session_replication_role = replica` for the transaction,
which only a superuser may do: the application's own database role must not be one (docs/production.md).
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

REFUSED = "REFUSED:"

_bypassed = set()  # ids of SQLite connections on which bypass() is active


def register_guard(sender, connection, **kwargs):
    """connection_created: give every SQLite connection the function its triggers ask."""
    if connection.vendor == "sqlite":
        key = id(connection.connection)
        connection.connection.create_function("settlements_guard", 0, lambda: 0 if key in _bypassed else 1)


@contextmanager
def bypass(using=None):
    """Let the triggers through on this connection, inside one transaction: for flush and the bench only."""
    db = connections[using or DEFAULT_DB_ALIAS]
    with transaction.atomic(using=db.alias):
        if db.vendor == "postgresql":
            with db.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
            yield
            # SET LOCAL lasts to the end of the outermost transaction: end it with the block. (On an error,
            # rolling back to the block's savepoint undoes it.)
            with db.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            return
        db.ensure_connection()
        key = id(db.connection)
        _bypassed.add(key)
        try:
            yield
        finally:
            _bypassed.discard(key)


def explain(error) -> str | None:
    """The sentence for a refusal: a model rule's own words, or a trigger's; None for any other error."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, DatabaseError):
        text = str(error)
        if REFUSED in text:
            return text.split(REFUSED, 1)[1].strip().splitlines()[0].strip()
    return None
