"""The database takes no new instalment on an approved or withdrawn settlement, except from a schedule revision.

Once approved, a schedule changes only by a revision, which a second person approves: the revision service inserts
its instalments with `introduced_by` naming the pending revision of the same settlement, and that is the one way
in. An instalment inserted any other way (the ORM, bulk_create, raw SQL), or moved onto such a settlement from
another, is refused. Like the triggers of 0008_protected_rows, these let `settlements.triggers.bypass()` through.

On SQLite, which fires a table's newest trigger first, the closed-year triggers on the instalments are re-created
after these, as they stand, so that an entry in a closed year is still refused with the closed year's words.
"""

from django.db import migrations

TABLE = "settlements_instalment"
SETTLED = "EXISTS (SELECT 1 FROM settlements_settlement s WHERE s.id = NEW.settlement_id AND s.status <> 'draft')"
BY_PENDING_REVISION = (
    "EXISTS (SELECT 1 FROM settlements_schedulerevision r WHERE r.id = NEW.introduced_by_id "
    "AND r.settlement_id = NEW.settlement_id AND r.status = 'pending')"
)
MESSAGE = (
    "An approved or withdrawn settlement takes no new instalment: revise its schedule instead, "
    "for a second person to approve."
)
# (name, event, condition on NEW/OLD)
RULES = [
    ("settled_insert", "INSERT", f"{SETTLED} AND NOT {BY_PENDING_REVISION}"),
    ("settled_move", "UPDATE", f"OLD.settlement_id <> NEW.settlement_id AND {SETTLED}"),
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        closed_year = _closed_year_triggers(schema_editor)
        for name, event, condition in RULES:
            schema_editor.execute(
                f"CREATE TRIGGER {TABLE}_{name} BEFORE {event} ON {TABLE} "
                f"WHEN settlements_guard() AND ({condition}) "
                f"BEGIN SELECT RAISE(ABORT, 'REFUSED: {MESSAGE}'); END"
            )
        for name, sql in closed_year:
            schema_editor.execute(f"DROP TRIGGER {name}")
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        for name, event, condition in RULES:
            schema_editor.execute(
                f"CREATE FUNCTION {TABLE}_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF {condition} THEN RAISE EXCEPTION USING ERRCODE = '23000', MESSAGE = 'REFUSED: {MESSAGE}'; "
                "END IF; RETURN NEW; END $$"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {TABLE}_{name} BEFORE {event} ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {TABLE}_{name}()"
            )
    else:
        raise NotImplementedError(f"The schedule triggers are written for PostgreSQL and SQLite, not {vendor}.")


def _closed_year_triggers(schema_editor) -> list[tuple[str, str]]:
    """The closed-year triggers on the instalments, with the SQL that made them, to be made again last."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND name LIKE %s",
            [TABLE, "%closed_year%"],
        )
        return list(cursor.fetchall())


def drop(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name, _event, _condition in RULES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}" + (f" ON {TABLE}" if postgresql else ""))
        if postgresql:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_{name}()")


class Migration(migrations.Migration):
    dependencies = [("settlements", "0011_closings_serialised_and_kept")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
