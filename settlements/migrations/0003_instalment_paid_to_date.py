import django.db.models.expressions
import django.db.models.functions.comparison
import django.db.models.functions.math
from django.db import migrations, models

# Every instalment's paid balance from the payments already recorded: payments less reversals, in whole pence.
FILL_PAID_TO_DATE = """
UPDATE settlements_instalment SET paid_to_date_pence = COALESCE((
    SELECT SUM(CASE WHEN p.kind = 'reversal' THEN -1 ELSE 1 END * CAST(ROUND(p.amount * 100) AS BIGINT))
    FROM settlements_payment p
    WHERE p.instalment_id = settlements_instalment.id
), 0)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("settlements", "0002_access_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="instalment",
            name="paid_to_date_pence",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.RunSQL(FILL_PAID_TO_DATE, migrations.RunSQL.noop, elidable=False),
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
                violation_error_message="What is paid against an instalment stays between £0.00 and its amount.",
            ),
        ),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(fields=["paid_on"], name="payment_paid_on"),
        ),
    ]
