"""The one lock order: every write takes its row locks as settlement, then its instalments (by id), then payments.

Two writers that both follow it wait for each other instead of deadlocking. Call these inside
transaction.atomic, in this order, and take no other row lock on these tables first.

Before any row, on PostgreSQL: the financial years the write is dated in, shared (hold_years). Closing or
reopening a year takes its year exclusively (lock_year) and no row of these tables, so a close waits for
the writes in flight in its year and the writes after it see it. The closed-year triggers take the same
shared lock themselves (migration 0011), so a path that skips hold_years is still serialised; taking it
first lets a service's own check see a closing committed meanwhile and refuse in words.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection

from settlements.models import Instalment, Payment, ScheduleRevision, Settlement


def hold_years(*days: date) -> None:
    """First of all: the financial years of these dates, shared, so that none of them closes meanwhile."""
    if connection.vendor != "postgresql":
        return  # SQLite lets one writer at a time
    with connection.cursor() as cursor:
        for day in sorted(set(days)):
            cursor.execute("SELECT settlements_lock_year(%s, false)", [day])


def lock_year(day: date) -> None:
    """For closing or reopening the financial year holding `day`: wait for its writes in flight, keep new ones out."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT settlements_lock_year(%s, true)", [day])


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
