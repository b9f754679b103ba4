"""The approval and audit permissions, and the role groups (viewer, finance_editor, finance_approver)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from settlements.roles import ROLES, sync_role_groups


def create_role_groups(apps, schema_editor):
    # Django adds permissions only after every migration has run (post_migrate); the groups need them now.
    app_config = apps.get_app_config("settlements")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    sync_role_groups(apps)


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("settlements", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="schedulerevision",
            options={
                "ordering": ["settlement", "sequence"],
                "permissions": [
                    ("approve_schedulerevision", "Can approve a schedule revision entered by someone else")
                ],
            },
        ),
        migrations.AlterModelOptions(
            name="settlement",
            options={
                "ordering": ["-agreed_on", "pk"],
                "permissions": [
                    ("approve_settlement", "Can approve a settlement entered by someone else"),
                    ("view_audit", "Can view the recent changes to every record"),
                ],
            },
        ),
        migrations.RunPython(create_role_groups, remove_role_groups),
    ]
