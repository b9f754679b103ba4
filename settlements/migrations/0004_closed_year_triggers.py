"""The database refuses entries dated in a closed financial year, whatever path writes them.

A row is held by a closed year when its date (a payment's paid_on, an instalment's due_on, a revision's
revised_on, a settlement's agreed_on, an adjustment's settlement's agreed_on) falls between the starts_on
and ends_on of a closing with is_closed set. Inserting, changing or deleting such a row is refused, as
old row or as new. Changes to columns not listed here (figures kept by the application) stay allowed.

The lock is data: with no closed year (a flush empties settlements_yearclosing first), nothing is refused.
"""

from django.db import migrations

SETTLEMENT_DATE = "(SELECT s.agreed_on FROM settlements_settlement s WHERE s.id = {row}.settlement_id)"

# table, the expression of a row's date, what the row is in words, the columns whose change is refused.
GUARDED = [
    (
        "settlements_payment",
        "{row}.paid_on",
        "a payment or reversal made",
        ["kind", "paid_on", "amount", "amount_currency", "reference", "reason", "recorded_at", "instalment_id",
         "recorded_by_id", "reverses_id"],
    ),
    (
        "settlements_instalment",
        "{row}.due_on",
        "an instalment due",
        ["settlement_id", "number", "due_on", "amount", "amount_currency", "funding_source", "reserve_name", "notes",
         "introduced_by_id", "superseded_by_id"],
    ),
    (
        "settlements_schedulerevision",
        "{row}.revised_on",
        "a schedule revision taking effect",
        ["settlement_id", "sequence", "revised_on", "reason", "decision_reference", "created_by_id", "created_at",
         "approved_by_id", "approved_at"],
    ),
    (
        "settlements_settlement",
        "{row}.agreed_on",
        "a settlement agreed",
        ["alliance_id", "termination_notice_id", "payer_id", "payee_id", "agreed_on", "cash_amount",
         "cash_amount_currency", "requested_amount", "requested_amount_currency", "recommended_amount",
         "recommended_amount_currency", "full_and_final", "status", "funding_note", "notes", "entered_by_id",
         "approved_by_id", "approved_at"],
    ),
    (
        "settlements_settlementadjustment",
        SETTLEMENT_DATE,
        "an adjustment of a settlement agreed",
        ["settlement_id", "kind", "description", "amount", "amount_currency"],
    ),
]  # fmt: skip

CLOSED = (
    "EXISTS (SELECT 1 FROM settlements_yearclosing c WHERE c.is_closed AND {day} BETWEEN c.starts_on AND c.ends_on)"
)
SQLITE_OPERATIONS = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}


def message(what: str) -> str:
    return f"{what[0].upper()}{what[1:]} in a closed financial year cannot be added, changed or removed."


def sqlite_triggers(table, day, what, columns):
    for operation, rows in SQLITE_OPERATIONS.items():
        held = " OR ".join(CLOSED.format(day=day.format(row=row)) for row in rows)
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        when = f"({changed}) AND ({held})" if operation == "UPDATE" else held
        yield (
            f"CREATE TRIGGER {table}_closed_year_{operation.lower()} BEFORE {operation} ON {table} "
            f"WHEN {when} BEGIN SELECT RAISE(ABORT, '{message(what)}'); END;"
        )


def postgresql_trigger(table, day, what, columns):
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    yield f"""
CREATE FUNCTION {table}_closed_year() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    closed text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NOT ({changed}) THEN
            RETURN NEW;
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        closed := settlements_closed_year_of({day.format(row="OLD")});
    END IF;
    IF closed IS NULL AND TG_OP IN ('INSERT', 'UPDATE') THEN
        closed := settlements_closed_year_of({day.format(row="NEW")});
    END IF;
    IF closed IS NOT NULL THEN
        RAISE EXCEPTION 'Financial year % is closed: %', closed, '{message(what)}'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;"""
    yield (
        f"CREATE TRIGGER {table}_closed_year BEFORE INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_closed_year();"
    )


POSTGRESQL_LABEL = """
CREATE FUNCTION settlements_closed_year_of(day date) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT to_char(starts_on, 'YYYY') || '/' || to_char(ends_on, 'YY') FROM settlements_yearclosing
    WHERE is_closed AND day BETWEEN starts_on AND ends_on LIMIT 1
$$;"""


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = [POSTGRESQL_LABEL, *(s for guard in GUARDED for s in postgresql_trigger(*guard))]
    elif vendor == "sqlite":
        statements = [s for guard in GUARDED for s in sqlite_triggers(*guard)]
    else:
        raise NotImplementedError(f"Closed-year triggers are written for PostgreSQL and SQLite, not {vendor}.")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, *_ in GUARDED:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_closed_year ON {table};")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_closed_year();")
        else:
            for operation in SQLITE_OPERATIONS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_closed_year_{operation.lower()};")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS settlements_closed_year_of(date);")


class Migration(migrations.Migration):
    dependencies = [("settlements", "0003_year_closing")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
