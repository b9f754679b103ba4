"""Closing a year and writing an entry dated in it take turns; the closings themselves change only by the rules.

A closing waits for the writes in flight in its year. Every closed-year trigger (migration 0004) now takes,
on PostgreSQL, a shared advisory lock on the financial year of each date it checks before it reads the
closings, and close_financial_year takes the same lock exclusively before it writes the closing. So a close
waits until the writes already in its year have committed (and then holds them), and a write that comes
while the close is under way waits for it and then sees it: in READ COMMITTED each query of a PL/pgSQL
function takes a new snapshot, so the look-up after the lock sees the closing just committed. (Under
REPEATABLE READ it would not; the application runs in READ COMMITTED, Django's default.)

The closed-year triggers also honour settlements.triggers.bypass() on SQLite now (they ask settlements_guard(),
as the protected-row triggers of 0008 do; PostgreSQL's bypass switches every trigger off) and their
messages start with REFUSED like the others'. On SQLite, which fires the newest trigger first, they are
created again here, so a closed year's refusal still comes first.

A closing row is never deleted, and changes only by reopening (its closing kept, the reopening set once, by
another user, with a reason) or by closing again after a reopening (the reopening cleared: the history keeps
it). A closing is inserted closed. Those are the only changes the services make.
"""

import importlib

from django.db import migrations

# The advisory-lock key of a financial year is the pair (YEAR_LOCK_SPACE, the year it starts in).
YEAR_LOCK_SPACE = 7320011

LOCK_YEAR = f"""
CREATE OR REPLACE FUNCTION settlements_lock_year(day date, exclusive boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    starts integer := EXTRACT(YEAR FROM day)::integer - CASE WHEN EXTRACT(MONTH FROM day) < 4 THEN 1 ELSE 0 END;
BEGIN
    IF exclusive THEN
        PERFORM pg_advisory_xact_lock({YEAR_LOCK_SPACE}, starts);
    ELSE
        PERFORM pg_advisory_xact_lock_shared({YEAR_LOCK_SPACE}, starts);
    END IF;
END
$$;"""

# Volatile, so that the look-up after the lock takes a new snapshot and sees a closing committed meanwhile.
CLOSED_YEAR_HELD = """
CREATE OR REPLACE FUNCTION settlements_closed_year_held(day date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    label text;
BEGIN
    IF day IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM settlements_lock_year(day, false);
    SELECT to_char(starts_on, 'YYYY') || '/' || to_char(ends_on, 'YY') INTO label FROM settlements_yearclosing
    WHERE is_closed AND day BETWEEN starts_on AND ends_on LIMIT 1;
    RETURN label;
END
$$;"""

CLOSING_COLUMNS = ["starts_on", "ends_on", "is_closed", "closed_by_id", "closed_at", "note", "reopened_by_id",
                   "reopened_at", "reopen_reason"]  # fmt: skip
KEPT_ON_REOPENING = ["starts_on", "ends_on", "closed_by_id", "closed_at", "note"]
NOT_REOPENED = "NEW.reopened_by_id IS NULL AND NEW.reopened_at IS NULL AND NEW.reopen_reason = ''"


def _same(columns, distinct):
    return " AND ".join(f"NOT (OLD.{c} {distinct} NEW.{c})" for c in columns)


def closing_update_allowed(distinct: str, true: str = "TRUE", false: str = "FALSE") -> str:
    """Unchanged, reopened once by another user with a reason, or closed again after a reopening."""
    unchanged = _same(CLOSING_COLUMNS, distinct)
    reopened = (
        f"OLD.is_closed = {true} AND NEW.is_closed = {false} AND {_same(KEPT_ON_REOPENING, distinct)} "
        "AND OLD.reopened_by_id IS NULL AND NEW.reopened_by_id IS NOT NULL "
        "AND NEW.reopened_by_id <> NEW.closed_by_id AND NEW.reopened_at >= OLD.closed_at "
        "AND NEW.reopen_reason <> ''"
    )
    closed_again = (
        f"OLD.is_closed = {false} AND NEW.is_closed = {true} AND {_same(['starts_on', 'ends_on'], distinct)} "
        f"AND NEW.closed_by_id IS NOT NULL AND NEW.closed_at >= OLD.reopened_at AND {NOT_REOPENED}"
    )
    return f"(({unchanged}) OR ({reopened}) OR ({closed_again}))"


CLOSING_RULES = [
    # (event, condition that refuses, message)
    (
        "INSERT",
        "NOT (NEW.is_closed = {true} AND " + NOT_REOPENED + ")",
        "A financial year is recorded as closed when it is closed: a closing starts closed, not reopened.",
    ),
    (
        "UPDATE",
        "NOT {allowed}",
        "A closing of a financial year changes only by reopening it (by another approver, with a reason) "
        "or by closing it again.",
    ),
    ("DELETE", "{true}", "A closing of a financial year is never deleted: reopen the year instead."),
]
TABLE = "settlements_yearclosing"


def _closed_years():
    return importlib.import_module("settlements.migrations.0004_closed_year_triggers")


def _refusal(what):
    return f"REFUSED: {_closed_years().message(what)}"


def postgresql_closed_year_function(table, day, what, columns):
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    return f"""
CREATE OR REPLACE FUNCTION {table}_closed_year() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    closed text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NOT ({changed}) THEN
            RETURN NEW;
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        closed := settlements_closed_year_held({day.format(row="OLD")});
    END IF;
    IF closed IS NULL AND TG_OP IN ('INSERT', 'UPDATE') THEN
        closed := settlements_closed_year_held({day.format(row="NEW")});
    END IF;
    IF closed IS NOT NULL THEN
        RAISE EXCEPTION 'REFUSED: Financial year % is closed: %', closed, '{_closed_years().message(what)}'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;"""


def sqlite_closed_year_triggers(table, day, what, columns):
    old = _closed_years()
    for operation, rows in old.SQLITE_OPERATIONS.items():
        held = " OR ".join(old.CLOSED.format(day=day.format(row=row)) for row in rows)
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        when = f"({changed}) AND ({held})" if operation == "UPDATE" else held
        yield f"DROP TRIGGER IF EXISTS {table}_closed_year_{operation.lower()}"
        yield (
            f"CREATE TRIGGER {table}_closed_year_{operation.lower()} BEFORE {operation} ON {table} "
            f"WHEN settlements_guard() AND ({when}) BEGIN SELECT RAISE(ABORT, '{_refusal(what)}'); END"
        )


def closing_triggers(vendor):
    for event, condition, message in CLOSING_RULES:
        name = f"{TABLE}_kept_{event.lower()}"
        if vendor == "sqlite":
            refuse = condition.format(true="1", allowed=closing_update_allowed("IS NOT", "1", "0"))
            yield (
                f"CREATE TRIGGER {name} BEFORE {event} ON {TABLE} WHEN settlements_guard() AND ({refuse}) "
                f"BEGIN SELECT RAISE(ABORT, 'REFUSED: {message}'); END"
            )
        else:
            refuse = condition.format(true="TRUE", allowed=closing_update_allowed("IS DISTINCT FROM"))
            yield (
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF {refuse} THEN RAISE EXCEPTION USING ERRCODE = '23000', MESSAGE = 'REFUSED: {message}'; "
                "END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
            )
            yield f"CREATE TRIGGER {name} BEFORE {event} ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {name}()"


def statements(vendor):
    guarded = _closed_years().GUARDED
    if vendor == "postgresql":
        yield LOCK_YEAR
        yield CLOSED_YEAR_HELD
        yield from (postgresql_closed_year_function(*guard) for guard in guarded)
    elif vendor == "sqlite":
        for guard in guarded:
            yield from sqlite_closed_year_triggers(*guard)
    else:
        raise NotImplementedError(f"These triggers are written for PostgreSQL and SQLite, not {vendor}.")
    yield from closing_triggers(vendor)


def create(apps, schema_editor):
    for statement in statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for event, _condition, _message in CLOSING_RULES:
        name = f"{TABLE}_kept_{event.lower()}"
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {TABLE}" if vendor == "postgresql" else ""))
        if vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    old = _closed_years()
    if vendor == "sqlite":
        old.drop_triggers(apps, schema_editor)
        old.create_triggers(apps, schema_editor)
        return
    for table, day, what, columns in old.GUARDED:
        function = next(s for s in old.postgresql_trigger(table, day, what, columns))
        schema_editor.execute(function.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"), params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS settlements_closed_year_held(date)")
    schema_editor.execute("DROP FUNCTION IF EXISTS settlements_lock_year(date, boolean)")


class Migration(migrations.Migration):
    dependencies = [("settlements", "0010_documents")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
