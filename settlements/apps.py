from django.apps import AppConfig


class SettlementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "settlements"

    def ready(self):
        from . import signals  # noqa: F401 - connects the sign-in log
