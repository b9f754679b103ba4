"""The admin's side of immutability and of closed years: settled records show read-only, with a note saying why.

The rules themselves live in settlements.immutability and settlements.dating; these mixins only keep the admin
from offering what the models would refuse.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote

from ... import dating, immutability


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


def lock_message(closing) -> str:
    return f"{closing.describe()} Nothing dated in it can be added, changed, reversed or approved."


class YearLockMixin:
    """A record dated in a closed year shows read-only, with the year that holds it, and cannot be deleted."""

    def year_lock(self, obj):
        return dating.lock_of(obj) if obj is not None and obj.pk else None

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self.year_lock(obj):
            readonly += [f.name for f in obj._meta.fields if f.editable and f.name not in readonly]
        return readonly

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self.year_lock(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        lock = self.year_lock(self.get_object(request, unquote(object_id)))
        extra_context = extra_context or {}
        if lock is not None:
            if request.method == "GET":
                messages.warning(request, lock_message(lock))
            extra_context = {**extra_context, "show_approve": False, "can_reverse": False}
        return super().change_view(request, object_id, form_url, extra_context)


class ParentYearLockInlineMixin:
    """Rows of a record a closed year holds (a settlement's adjustments) are neither added, changed nor deleted."""

    def _locked(self, obj) -> bool:
        return obj is not None and obj.pk is not None and dating.lock_of(obj) is not None

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not self._locked(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._locked(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._locked(obj)
