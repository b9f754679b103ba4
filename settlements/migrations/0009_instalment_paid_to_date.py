"""Each instalment's paid balance, in pence, filled from the payments already recorded, checked by the database.

The column and its check are added with ALTER TABLE on both databases: Django would rebuild the table on
SQLite, and a rebuilt table loses its triggers (the closed-year guard of 0004). The column keeps its default of
0, so that a row inserted by plain SQL starts with nothing paid.
"""

import django.db.models.expressions
import django.db.models.functions.comparison
import django.db.models.functions.math
from django.db import migrations, models

CHECK = "paid_to_date_pence >= 0 AND paid_to_date_pence <= CAST(ROUND(amount * 100, 0) AS bigint)"
ADD_COLUMN = {
    "postgresql": [
        "ALTER TABLE settlements_instalment ADD COLUMN paid_to_date_pence bigint NOT NULL DEFAULT 0",
        f"ALTER TABLE settlements_instalment ADD CONSTRAINT instalment_paid_within_amount CHECK ({CHECK})",
    ],
    "sqlite": [
        "ALTER TABLE settlements_instalment ADD COLUMN paid_to_date_pence bigint NOT NULL DEFAULT 0 "
        f"CONSTRAINT instalment_paid_within_amount CHECK ({CHECK})"
    ],
}
# Every instalment's paid balance from the payments already recorded: payments less reversals, in whole pence.
FILL_PAID_TO_DATE = """
UPDATE settlements_instalment SET paid_to_date_pence = COALESCE((
    SELECT SUM(CASE WHEN p.kind = 'reversal' THEN -1 ELSE 1 END * CAST(ROUND(p.amount * 100, 0) AS BIGINT))
    FROM settlements_payment p
    WHERE p.instalment_id = settlements_instalment.id
), 0)
"""


def add_column(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ADD_COLUMN:
        raise NotImplementedError(f"The paid balance column is written for PostgreSQL and SQLite, not {vendor}.")
    for statement in ADD_COLUMN[vendor]:
        schema_editor.execute(statement, params=None)
    schema_editor.execute(FILL_PAID_TO_DATE, params=None)


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE settlements_instalment DROP CONSTRAINT instalment_paid_within_amount")
    schema_editor.execute("ALTER TABLE settlements_instalment DROP COLUMN paid_to_date_pence")


class Migration(migrations.Migration):
    dependencies = [
        ("settlements", "0008_protected_rows"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="instalment",
                    name="paid_to_date_pence",
                    field=models.BigIntegerField(default=0, editable=False),
                ),
                migrations.AddConstraint(
                    model_name="instalment",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("paid_to_date_pence__gte", 0),
                            (
                                "paid_to_date_pence__lte",
                                django.db.models.functions.comparison.Cast(
                                    django.db.models.functions.math.Round(
                                        django.db.models.expressions.CombinedExpression(
                                            models.F("amount"), "*", models.Value(100)
                                        )
                                    ),
                                    models.BigIntegerField(),
                                ),
                            ),
                        ),
                        name="instalment_paid_within_amount",
                        violation_error_message=(
                            "What is paid against an instalment stays between £0.00 and its amount."
                        ),
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(add_column, drop_column, elidable=False)],
        ),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(fields=["paid_on"], name="payment_paid_on"),
        ),
    ]
