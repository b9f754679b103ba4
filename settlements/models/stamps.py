"""Who did what to a record, and when: columns the services fill in and no form offers."""

from django.conf import settings
from django.db import models


def stamped_by(**kwargs) -> models.ForeignKey:
    """The person who entered, approved, rejected or withdrew a record; they are kept while it is."""
    options = {"null": True, "blank": True, **kwargs}
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False, **options
    )


def stamped_at() -> models.DateTimeField:
    """When the person stamped beside it acted."""
    return models.DateTimeField(null=True, blank=True, editable=False)
