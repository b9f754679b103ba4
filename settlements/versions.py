"""Version numbers that every write to a settlement or its parts raises, so an approval is of what was seen.

An approver's page (or the object a service is given) carries the version it was read at; the approval and
every admin save compare it with the row as locked, and refuse if anything changed in between.
"""

from django.apps import apps
from django.db.models import F


def without_version(obj, kwargs: dict) -> None:
    """Save every column but `version`: only bump() writes it, so a stale object never winds it back."""
    if obj._state.adding:
        return
    fields = kwargs.get("update_fields")
    if fields is None:
        fields = [f.name for f in obj._meta.concrete_fields if not f.primary_key]
    kwargs["update_fields"] = [name for name in fields if name != "version"]


def bump_settlement(settlement_id, *, revisions: bool = True) -> None:
    """A change to the settlement or to one of its parts: raise its version (and its pending revisions')."""
    if settlement_id is None:
        return
    apps.get_model("settlements", "Settlement").objects.filter(pk=settlement_id).update(version=F("version") + 1)
    if revisions:
        apps.get_model("settlements", "ScheduleRevision").objects.filter(
            settlement=settlement_id, status="pending"
        ).update(version=F("version") + 1)


def bump_revision(revision) -> None:
    type(revision).objects.filter(pk=revision.pk).update(version=F("version") + 1)
    bump_settlement(revision.settlement_id, revisions=False)


def touches(kwargs: dict, fields) -> bool:
    """Whether a save with these arguments may write any of `fields` (all of them when update_fields is None)."""
    update_fields = kwargs.get("update_fields")
    return update_fields is None or bool(set(update_fields) & set(fields))


def refresh(obj) -> None:
    """Read back the version just written, so the object in hand is the version now stored."""
    obj.version = type(obj)._base_manager.filter(pk=obj.pk).values_list("version", flat=True).get()


def seen_token(obj):
    """The version an admin page shows for `obj`: its own, or its settlement's for a part of one (None otherwise)."""
    name = obj._meta.model_name
    if name in ("settlement", "schedulerevision"):
        return obj.version
    if name in ("settlementadjustment", "instalment") and obj.settlement_id:
        return (
            type(obj).settlement.field.related_model.objects.values_list("version", flat=True).get(pk=obj.settlement_id)
        )
    return None


def lock_and_compare(obj, seen) -> bool:
    """Lock the row that carries `obj`'s version (its settlement first) and say whether it is still `seen`."""
    settlement_model = apps.get_model("settlements", "Settlement")
    settlement_id = obj.pk if obj._meta.model_name == "settlement" else obj.settlement_id
    stored = settlement_model.objects.select_for_update().values_list("version", flat=True).get(pk=settlement_id)
    if obj._meta.model_name == "schedulerevision":
        stored = type(obj).objects.select_for_update().values_list("version", flat=True).get(pk=obj.pk)
    return stored == seen
