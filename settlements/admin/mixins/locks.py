"""The admin's side of immutability and of closed years: settled records show read-only, with a note saying why.

The rules themselves live in settlements.immutability and settlements.dating; these mixins only keep the admin
from offering what the models would refuse.
"""

from django.contrib import messages

from ... import dating, immutability
from .change_page import SAFE_METHODS, asked_once


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
        # The page's record is the stored row, read once for the request; its status is never edited here.
        settled = obj is not None and immutability.is_settled(obj)
        locked = immutability.SETTLEMENT_LOCKED_FIELDS if settled else ()
        return [*readonly, *(f for f in locked if f not in readonly)]

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_approved())

    def change_page_context(self, request, obj):
        if obj is not None and obj.is_approved():
            _explain(request, "This settlement is approved: its amounts, parties and alliance can no longer change.")
        return super().change_page_context(request, obj)


class InstalmentLocksMixin:
    """A paid instalment is read-only and cannot be deleted."""

    def _paid(self, request, obj) -> bool:
        return obj is not None and asked_once(request, obj, "paid", immutability.is_paid_instalment)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._paid(request, obj):
            readonly += [f.name for f in obj._meta.fields if f.editable and f.name not in readonly]
        return readonly

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._paid(request, obj)

    def change_page_context(self, request, obj):
        if self._paid(request, obj):
            _explain(request, "This instalment is paid in full: correct it with a reversal or a schedule revision.")
        return super().change_page_context(request, obj)


class PaymentLocksMixin:
    """A recorded payment is never changed or deleted; a reversal corrects it."""

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def change_page_context(self, request, obj):
        _explain(request, "Payments are kept as recorded: to correct one, record a reversal of it.")
        return super().change_page_context(request, obj)


def year_lock(request, obj):
    """The closing of the closed year that holds a saved record, if any."""
    if obj is None or not obj.pk:
        return None
    # On a GET the page's record is as the admin just read it; a POST's form has changed it since.
    as_read = request.method in SAFE_METHODS
    return asked_once(request, obj, "year lock", lambda record: dating.lock_of(record, as_read=as_read))


def lock_message(closing) -> str:
    return f"{closing.describe()} Nothing dated in it can be added, changed, reversed or approved."


class YearLockMixin:
    """A record dated in a closed year shows read-only, with the year that holds it, and cannot be deleted."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if year_lock(request, obj):
            readonly += [f.name for f in obj._meta.fields if f.editable and f.name not in readonly]
        return readonly

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not year_lock(request, obj)

    def change_page_context(self, request, obj):
        lock = year_lock(request, obj)
        if lock is not None and request.method == "GET":
            messages.warning(request, lock_message(lock))
        context = {"show_approve": False, "can_reverse": False} if lock is not None else {}
        return {**context, **super().change_page_context(request, obj)}


class ParentYearLockInlineMixin:
    """Rows of a record a closed year holds (a settlement's adjustments) are neither added, changed nor deleted."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not year_lock(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not year_lock(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not year_lock(request, obj)
