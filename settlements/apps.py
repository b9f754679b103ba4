from django.apps import AppConfig
from django.db.models.signals import post_migrate


def restore_role_groups(sender, apps=None, **kwargs):
    """Keep the role groups after every migrate and flush (a flush empties the groups table)."""
    from django.apps import apps as installed_apps

    from .roles import sync_role_groups

    sync_role_groups(apps or installed_apps)


class SettlementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "settlements"

    def ready(self):
        from django.conf import settings
        from django.db.backends.signals import connection_created
        from django.db.models.signals import pre_delete

        from . import signals, triggers, users  # noqa: F401 - signals connects the sign-in log

        post_migrate.connect(restore_role_groups, sender=self)
        connection_created.connect(triggers.register_guard)
        pre_delete.connect(users.refuse_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="settlements_keep_users")
