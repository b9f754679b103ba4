"""Documents kept with records, their download log, and the triggers that keep them (see settlements/triggers.py).

A document's file and what identifies it never change (a new version is a new row), and a document of an
approved record is never deleted. The triggers are on the documents table alone: a later migration that
rebuilds it on SQLite must re-create them (create_triggers below).
"""

import datetime

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import settlements.dates
import settlements.models.documents

TABLE = "settlements_document"
FIXED = [
    "file",
    "original_name",
    "content_type",
    "size",
    "sha256",
    "alliance_id",
    "notice_id",
    "settlement_id",
    "revision_id",
    "payment_id",
    "replaces_id",
    "uploaded_by_id",
    "uploaded_at",
]
# The record is approved: the same rule as Document.is_locked().
LOCKED = (
    "OLD.payment_id IS NOT NULL "
    "OR EXISTS (SELECT 1 FROM settlements_settlement s WHERE s.id = OLD.settlement_id AND s.status <> 'draft') "
    "OR EXISTS (SELECT 1 FROM settlements_schedulerevision r WHERE r.id = OLD.revision_id AND r.status <> 'pending') "
    "OR EXISTS (SELECT 1 FROM settlements_settlement s WHERE s.alliance_id = OLD.alliance_id AND s.status = 'approved') "
    "OR EXISTS (SELECT 1 FROM settlements_settlement s "
    "WHERE s.termination_notice_id = OLD.notice_id AND s.status = 'approved')"
)
RULES = [
    ("no_update", "UPDATE", "{changed}", "The file of a document never changes: upload a new version of it instead."),
    (
        "no_delete",
        "DELETE",
        LOCKED,
        "A document of an approved record is never removed: upload a new version of it instead.",
    ),
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, event, condition, message in RULES:
        if vendor == "sqlite":
            condition = condition.format(changed=" OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in FIXED))
            schema_editor.execute(
                f"CREATE TRIGGER {TABLE}_{name} BEFORE {event} ON {TABLE} "
                f"WHEN settlements_guard() AND ({condition}) "
                f"BEGIN SELECT RAISE(ABORT, 'REFUSED: {message}'); END"
            )
        elif vendor == "postgresql":
            condition = condition.format(changed=" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in FIXED))
            schema_editor.execute(
                f"CREATE FUNCTION {TABLE}_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF {condition} THEN RAISE EXCEPTION USING ERRCODE = '23000', MESSAGE = 'REFUSED: {message}'; "
                "END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {TABLE}_{name} BEFORE {event} ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {TABLE}_{name}()"
            )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, _event, _condition, _message in RULES:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {TABLE}_{name}" + (f" ON {TABLE}" if vendor == "postgresql" else "")
        )
        if vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_{name}()")


class Migration(migrations.Migration):
    dependencies = [
        ("settlements", "0009_instalment_paid_to_date"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Document",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("agreement", "Agreement"),
                            ("notice", "Notice"),
                            ("review", "Independent review"),
                            ("decision", "Decision"),
                            ("settlement_letter", "Settlement letter"),
                            ("remittance", "Remittance advice"),
                            ("other", "Other"),
                        ],
                        default="other",
                        max_length=20,
                    ),
                ),
                (
                    "dated_on",
                    models.DateField(
                        help_text="The date the paper bears.",
                        validators=[settlements.dates.validate_in_range],
                        verbose_name="date",
                    ),
                ),
                ("description", models.CharField(blank=True, max_length=200)),
                (
                    "file",
                    models.FileField(
                        editable=False,
                        max_length=200,
                        storage=settlements.models.documents.document_storage,
                        upload_to=settlements.models.documents.random_name,
                    ),
                ),
                ("original_name", models.CharField(editable=False, max_length=255, verbose_name="file name")),
                ("content_type", models.CharField(editable=False, max_length=100)),
                ("size", models.PositiveBigIntegerField(editable=False, verbose_name="size in bytes")),
                ("sha256", models.CharField(editable=False, max_length=64, verbose_name="SHA-256")),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "alliance",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="documents",
                        to="settlements.alliance",
                    ),
                ),
                (
                    "notice",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="documents",
                        to="settlements.terminationnotice",
                    ),
                ),
                (
                    "payment",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="documents",
                        to="settlements.payment",
                    ),
                ),
                (
                    "replaces",
                    models.OneToOneField(
                        blank=True,
                        help_text="The earlier version this one supersedes; the earlier one is kept.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="replaced_by",
                        to="settlements.document",
                    ),
                ),
                (
                    "revision",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="documents",
                        to="settlements.schedulerevision",
                    ),
                ),
                (
                    "settlement",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="documents",
                        to="settlements.settlement",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-dated_on", "-uploaded_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="DocumentDownload",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("downloaded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="downloads", to="settlements.document"
                    ),
                ),
                (
                    "downloaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["-downloaded_at"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalDocument",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("agreement", "Agreement"),
                            ("notice", "Notice"),
                            ("review", "Independent review"),
                            ("decision", "Decision"),
                            ("settlement_letter", "Settlement letter"),
                            ("remittance", "Remittance advice"),
                            ("other", "Other"),
                        ],
                        default="other",
                        max_length=20,
                    ),
                ),
                (
                    "dated_on",
                    models.DateField(
                        help_text="The date the paper bears.",
                        validators=[settlements.dates.validate_in_range],
                        verbose_name="date",
                    ),
                ),
                ("description", models.CharField(blank=True, max_length=200)),
                ("file", models.TextField(editable=False, max_length=200)),
                ("original_name", models.CharField(editable=False, max_length=255, verbose_name="file name")),
                ("content_type", models.CharField(editable=False, max_length=100)),
                ("size", models.PositiveBigIntegerField(editable=False, verbose_name="size in bytes")),
                ("sha256", models.CharField(editable=False, max_length=64, verbose_name="SHA-256")),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "alliance",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="settlements.alliance",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "notice",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="settlements.terminationnotice",
                    ),
                ),
                (
                    "payment",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="settlements.payment",
                    ),
                ),
                (
                    "replaces",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="The earlier version this one supersedes; the earlier one is kept.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="settlements.document",
                    ),
                ),
                (
                    "revision",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="settlements.schedulerevision",
                    ),
                ),
                (
                    "settlement",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="settlements.settlement",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical document",
                "verbose_name_plural": "historical documents",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("alliance__isnull", False),
                        ("notice__isnull", True),
                        ("settlement__isnull", True),
                        ("revision__isnull", True),
                        ("payment__isnull", True),
                    ),
                    models.Q(
                        ("notice__isnull", False),
                        ("alliance__isnull", True),
                        ("settlement__isnull", True),
                        ("revision__isnull", True),
                        ("payment__isnull", True),
                    ),
                    models.Q(
                        ("settlement__isnull", False),
                        ("alliance__isnull", True),
                        ("notice__isnull", True),
                        ("revision__isnull", True),
                        ("payment__isnull", True),
                    ),
                    models.Q(
                        ("revision__isnull", False),
                        ("alliance__isnull", True),
                        ("notice__isnull", True),
                        ("settlement__isnull", True),
                        ("payment__isnull", True),
                    ),
                    models.Q(
                        ("payment__isnull", False),
                        ("alliance__isnull", True),
                        ("notice__isnull", True),
                        ("settlement__isnull", True),
                        ("revision__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="document_belongs_to_one_record",
                violation_error_message="A document belongs to exactly one record.",
            ),
        ),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("dated_on__gte", datetime.date(1990, 4, 1)), ("dated_on__lte", datetime.date(2100, 3, 31))
                ),
                name="document_dated_on_in_range",
                violation_error_message="Enter a date from 01/04/1990 to 31/03/2100: the date is outside the dates this system takes.",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
