"""The one lock order: every write takes its row locks as settlement, then its instalments (by id), then payments.

Two writers that both follow it wait for each other instead of deadlocking. Call these inside
transaction.atomic, in this order, and take no other row lock on these tables first.
"""

from django.core.exceptions import ValidationError

from settlements.models import Instalment, Payment, ScheduleRevision, Settlement


def lock_settlement(settlement_id) -> Settlement:
    """First: the settlement's row."""
    try:
        return Settlement.objects.select_for_update().get(pk=settlement_id)
    except Settlement.DoesNotExist as error:
        raise ValidationError("That settlement does not exist.") from error


def lock_instalments(settlement: Settlement, *, pks=None) -> list[Instalment]:
    """Second: the settlement's instalments (all of them, or those in `pks`), in id order."""
    rows = Instalment.objects.select_for_update().filter(settlement=settlement)
    if pks is not None:
        rows = rows.filter(pk__in=pks)
    return list(rows.order_by("pk"))


def lock_payments(instalments) -> list[Payment]:
    """Third: payments against the instalments, in id order."""
    return list(Payment.objects.select_for_update().filter(instalment__in=instalments).order_by("pk"))


def lock_revision(revision_id) -> ScheduleRevision:
    """A revision: its settlement first, then the revision's own row."""
    settlement_id = ScheduleRevision.objects.values_list("settlement", flat=True).get(pk=revision_id)
    lock_settlement(settlement_id)
    return ScheduleRevision.objects.select_for_update().get(pk=revision_id)


def settlement_of(instalment_id):
    """The settlement an instalment belongs to (never changes, so read without a lock)."""
    try:
        return Instalment.objects.values_list("settlement", flat=True).get(pk=instalment_id)
    except Instalment.DoesNotExist as error:
        raise ValidationError({"instalment": "That instalment does not exist."}) from error
