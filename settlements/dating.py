"""When an entry may be dated: never after today (Europe/London), never in a closed financial year.

The services call these checks with the dates they are about to write, the models' clean() with the
record's dates (as entered and as stored), so the admin, the services and the forms give the same
message. The database holds the closed-year rule as well (migration 0004), for every other path.
"""

import contextvars
from contextlib import contextmanager
from datetime import date

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from settlements.dates import uk

CLOSED_YEAR = "closed_year"

# What places each kind of record in a financial year, in words: an adjustment goes with its settlement.
PLACED_BY = {
    "payment": ("paid_on", "a payment or reversal made on {}"),
    "instalment": ("due_on", "an instalment due on {}"),
    "schedulerevision": ("revised_on", "a schedule revision taking effect on {}"),
    "settlement": ("agreed_on", "a settlement agreed on {}"),
    "settlementadjustment": (None, "an adjustment of a settlement agreed on {}"),
}


class ClosedYearError(ValidationError):
    """A change refused because its date falls in a closed financial year."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__({field: message} if field else message, code=CLOSED_YEAR)


def london_today() -> date:
    """Today in London: a payment keyed at 00:30 on 1 April (BST, 23:30 UTC) is dated 1 April."""
    return timezone.localdate()


def refuse_future(day: date, *, field: str, what: str, today: date | None = None) -> None:
    """Refuse `day` after today, saying why: an entry records what has already happened."""
    today = today or london_today()
    if day > today:
        raise ValidationError(
            {field: f"{what} cannot be dated after today ({uk(today)}): {uk(day)} is in the future."},
            code="future_date",
        )


# The closed years, read once for a block that checks thousands of dates (an import): see closings_read_once().
_closed_years = contextvars.ContextVar("closed_years", default=None)


def closing_holding(day: date):
    """The YearClosing of the closed year that holds `day`, or None (the models import this module)."""
    closed = _closed_years.get()
    if closed is not None:
        return next((closing for closing in closed if closing.starts_on <= day <= closing.ends_on), None)
    return apps.get_model("settlements", "YearClosing").objects.holding(day)


@contextmanager
def closings_read_once():
    """Within the block, closed years are read once: for one transaction that closes and reopens no year."""
    closed = list(apps.get_model("settlements", "YearClosing").objects.closed().select_related("closed_by"))
    token = _closed_years.set(closed)
    try:
        yield
    finally:
        _closed_years.reset(token)


def refuse_closed(day: date, *, what: str, field: str | None = None) -> None:
    """Refuse a change to something dated `day` if its financial year is closed; `what` says what was refused."""
    closing = closing_holding(day)
    if closing is not None:
        raise ClosedYearError(
            f"{closing.describe()} {what[0].upper()}{what[1:]}. "
            f"A finance approver may reopen {closing.financial_year}, giving a reason.",
            field,
        )


def record_dates(record, *, stored: bool = True) -> list[date]:
    """The dates that place a record in a financial year, as entered and (unless `stored` is False) as stored."""
    name, _ = PLACED_BY[record._meta.model_name]
    if name is None:
        settlement = record.settlement if record.settlement_id else None
        return record_dates(settlement, stored=stored) if settlement else []
    entered = [getattr(record, name)] if isinstance(getattr(record, name), date) else []
    if not stored or not record.pk:
        return entered
    kept = type(record)._base_manager.filter(pk=record.pk).values_list(name, flat=True)
    return entered + [day for day in kept if day not in entered]


def lock_of(record, *, as_read: bool = False):
    """The closing that holds this record (its year is closed), if any. `as_read`: the record is as just read from
    the database (an admin page's GET), so its dates are the stored ones and are not read again."""
    for day in record_dates(record, stored=not as_read):
        if closing := closing_holding(day):
            return closing
    return None


def check_record(record, action: str = "added, changed or approved") -> None:
    """For a model's clean(): refuse a record placed in a closed year, unless it is saved unchanged."""
    _, phrase = PLACED_BY[record._meta.model_name]
    for day in record_dates(record):
        if closing_holding(day) is None or (action == "added, changed or approved" and _unchanged(record)):
            continue
        refuse_closed(day, what=f"{phrase.format(uk(day))} cannot be {action}")


def _unchanged(record) -> bool:
    stored = type(record)._base_manager.filter(pk=record.pk).first() if record.pk else None
    fields = [f for f in record._meta.concrete_fields if not f.primary_key]
    return stored is not None and all(getattr(record, f.attname) == getattr(stored, f.attname) for f in fields)
