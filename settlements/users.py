"""A user who appears in the records is never deleted: their name stays on what they did. Deactivate them instead.

Approvals, payments and the other records point at their users with PROTECT; the history points with SET_NULL
(django-simple-history), which would turn the user's changes into "(system)". `refuse_delete` is connected to
the user model's pre_delete, so a delete from the admin, a bulk delete or a plain ORM delete() is refused with
the same words, and nothing is deleted.
"""

from django.apps import apps
from django.conf import settings
from django.db.models import ProtectedError

NOT_RECORDED = "Not recorded"


def name_of(user, missing: str = "") -> str:
    """A person as the pages and exports name them: full name, else username; `missing` when there is nobody."""
    if user is None:
        return missing
    return user.get_full_name() or user.get_username()


class UserInRecordsError(ProtectedError):
    """A user who appears in the history, a payment or an approval, so who may not be deleted."""

    def __init__(self, user, places: list[str]):
        self.places = places
        self.message = (
            f"{user.get_username()} appears in the history ({', '.join(places)}), so the user cannot be deleted: "
            "deactivate the user instead (untick Active)."
        )
        super().__init__(self.message, set())

    def __str__(self):
        return self.message


def _references():
    """(model, field name) for every column of the settlements app that names a user, history included."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for model in apps.get_app_config("settlements").get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is user_model:
                yield model, field.name


def appearances(user) -> list[str]:
    """Where `user` appears, by the kind of record: "history of settlement", "payment", ..."""
    if user.pk is None:
        return []
    places = []
    for model, field in _references():
        name = str(model._meta.verbose_name)
        if name not in places and model._default_manager.filter(**{field: user.pk}).exists():
            places.append(name)
    return places


def check_deletable(user) -> None:
    places = appearances(user)
    if places:
        raise UserInRecordsError(user, places)


def refuse_delete(sender, instance, **kwargs):
    """pre_delete of the user model: refuse, inside the delete's transaction, before anything goes."""
    check_deletable(instance)
