"""The admin's side of immutability: settled records show read-only, with a note saying why.

The rules themselves live in settlements.immutability; these mixins only keep the admin from offering
what the models would refuse.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote

from . import immutability


class ReadOnlyMixin:
    """For rows the admin only shows: they are written by the services (or never), so it offers no add, change or
    delete. Fits a ModelAdmin and an inline alike (`obj` is optional)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _explain(request, message: str) -> None:
    if request.method == "GET":
        messages.info(request, message)


class SettlementLocksMixin:
    """Status changes only by approval; once approved, amounts, parties and alliance are read-only."""

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "status"]
        locked = immutability.settlement_locked_fields(obj) if obj else ()
        return [*readonly, *(f for f in locked if f not in readonly)]

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_approved())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and obj.is_approved():
            _explain(request, "This settlement is approved: its amounts, parties and alliance can no longer change.")
        return super().change_view(request, object_id, form_url, extra_context)


class InstalmentLocksMixin:
    """A paid instalment is read-only and cannot be deleted."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and immutability.is_paid_instalment(obj):
            readonly += [f.name for f in obj._meta.fields if f.editable and f.name not in readonly]
        return readonly

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and immutability.is_paid_instalment(obj))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and immutability.is_paid_instalment(obj):
            _explain(request, "This instalment is paid in full: correct it with a reversal or a schedule revision.")
        return super().change_view(request, object_id, form_url, extra_context)


class PaymentLocksMixin:
    """A recorded payment is never changed or deleted; a reversal corrects it."""

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        _explain(request, "Payments are kept as recorded: to correct one, record a reversal of it.")
        return super().change_view(request, object_id, form_url, extra_context)
