"""Triggers that refuse, in the database itself, what must never change (see settlements/triggers.py)."""

import importlib

from django.db import migrations

SETTLEMENT_LOCKED = [
    "alliance_id",
    "termination_notice_id",
    "payer_id",
    "payee_id",
    "agreed_on",
    "cash_amount",
    "cash_amount_currency",
    "requested_amount",
    "requested_amount_currency",
    "recommended_amount",
    "recommended_amount_currency",
    "full_and_final",
    "status",
    "entered_by_id",
    "approved_by_id",
    "approved_at",
    "withdrawn_by_id",
    "withdrawn_at",
    "withdrawal_reason",
]
REVISION_LOCKED = [
    "settlement_id",
    "sequence",
    "revised_on",
    "reason",
    "decision_reference",
    "status",
    "created_by_id",
    "approved_by_id",
    "approved_at",
    "rejected_by_id",
    "rejected_at",
    "rejection_reason",
]
ADJUSTMENT_LOCKED = [
    "settlement_id",
    "kind",
    "description",
    "amount",
    "amount_currency",
    "status",
    "entered_by_id",
    "approved_by_id",
    "approved_at",
    "rejected_by_id",
    "rejected_at",
    "rejection_reason",
]
PAYMENT_COLUMNS = [
    "instalment_id",
    "kind",
    "paid_on",
    "amount",
    "amount_currency",
    "reference",
    "reverses_id",
    "reason",
    "recorded_by_id",
    "recorded_at",
]
HAS_PAYMENTS = "EXISTS (SELECT 1 FROM settlements_payment p WHERE p.instalment_id = OLD.id)"

# (name, table, event, condition on OLD/NEW, message). The condition is plain SQL both databases read.
# A trigger is named {table}_{name}: on PostgreSQL, which fires them by name, a closed year's refusal
# ({table}_closed_year) comes first; on SQLite, which fires the newest first, create() re-creates those last.
RULES = [
    (
        "no_update",
        "settlements_payment",
        "UPDATE",
        "{payment_changed}",
        "A recorded payment is never changed: record a reversal of it instead.",
    ),
    (
        "no_delete",
        "settlements_payment",
        "DELETE",
        "TRUE",
        "A recorded payment is never deleted: record a reversal of it instead.",
    ),
    (
        "paid_terms",
        "settlements_instalment",
        "UPDATE",
        f"(OLD.amount <> NEW.amount OR OLD.amount_currency <> NEW.amount_currency OR OLD.due_on <> NEW.due_on) "
        f"AND {HAS_PAYMENTS}",
        "An instalment with payments keeps its amount and due date: revise the schedule instead.",
    ),
    (
        "paid_delete",
        "settlements_instalment",
        "DELETE",
        HAS_PAYMENTS,
        "An instalment with payments is never deleted.",
    ),
    (
        "locked",
        "settlements_settlement",
        "UPDATE",
        "OLD.status IN ('approved', 'withdrawn') AND ({settlement_changed})",
        "An approved or withdrawn settlement keeps its terms: request an adjustment or a schedule revision.",
    ),
    (
        "no_delete",
        "settlements_settlement",
        "DELETE",
        "OLD.status IN ('approved', 'withdrawn')",
        "An approved or withdrawn settlement is never deleted.",
    ),
    (
        "locked",
        "settlements_schedulerevision",
        "UPDATE",
        "OLD.status IN ('approved', 'rejected') AND ({revision_changed})",
        "An approved or rejected schedule revision keeps its reason, decision and dates.",
    ),
    (
        "no_delete",
        "settlements_schedulerevision",
        "DELETE",
        "OLD.status <> 'pending'",
        "An approved or rejected schedule revision is never deleted.",
    ),
    (
        "locked",
        "settlements_settlementadjustment",
        "UPDATE",
        "OLD.status <> 'pending' AND ({adjustment_changed})",
        "An approved or rejected adjustment is never changed: request a further adjustment.",
    ),
    (
        "no_delete",
        "settlements_settlementadjustment",
        "DELETE",
        "OLD.status = 'approved' OR EXISTS (SELECT 1 FROM settlements_settlement s WHERE s.id = OLD.settlement_id "
        "AND s.status <> 'draft')",
        "An adjustment of an approved settlement is never deleted: request a further adjustment.",
    ),
]


def _changed(columns, distinct):
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def _conditions(distinct):
    return {
        "payment_changed": _changed(PAYMENT_COLUMNS, distinct),
        "settlement_changed": _changed(SETTLEMENT_LOCKED, distinct),
        "revision_changed": _changed(REVISION_LOCKED, distinct),
        "adjustment_changed": _changed(ADJUSTMENT_LOCKED, distinct),
    }


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, event, condition, message in RULES:
        if vendor == "sqlite":
            condition = condition.format(**_conditions("IS NOT")).replace("TRUE", "1")
            schema_editor.execute(
                f"CREATE TRIGGER {table}_{name} BEFORE {event} ON {table} "
                f"WHEN settlements_guard() AND ({condition}) "
                f"BEGIN SELECT RAISE(ABORT, 'REFUSED: {message}'); END"
            )
        elif vendor == "postgresql":
            condition = condition.format(**_conditions("IS DISTINCT FROM"))
            schema_editor.execute(
                f"CREATE FUNCTION {table}_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF {condition} THEN RAISE EXCEPTION USING ERRCODE = '23000', MESSAGE = 'REFUSED: {message}'; "
                "END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_{name} BEFORE {event} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_{name}()"
            )


def _closed_year_triggers():
    return importlib.import_module("settlements.migrations.0004_closed_year_triggers")


def create_then_closed_year(apps, schema_editor):
    create(apps, schema_editor)
    if schema_editor.connection.vendor == "sqlite":
        _closed_year_triggers().drop_triggers(apps, schema_editor)
        _closed_year_triggers().create_triggers(apps, schema_editor)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, _event, _condition, _message in RULES:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {table}_{name}" + (f" ON {table}" if vendor == "postgresql" else "")
        )
        if vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_{name}()")


class Migration(migrations.Migration):
    dependencies = [("settlements", "0007_requests_and_versions")]

    operations = [migrations.RunPython(create_then_closed_year, drop, elidable=False)]
