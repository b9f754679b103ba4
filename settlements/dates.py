"""Dates as people type and read them: the UK formats, one range, one way of writing a date.

The range is the financial years FIRST_YEAR to LAST_YEAR (fiscal.py); every date column carries it as a
field validator (the message on a form) and as a database check constraint (every other path).
"""

import argparse
from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint, Q

from alliance.formats.en_GB import formats
from settlements.fiscal import EARLIEST_DATE, LATEST_DATE

# 31/03/2021, 2021-03-31 and 31/03/21, as the admin, the forms and the report filters all accept; the first is
# also how a date box shows its date.
INPUT_FORMATS = formats.DATE_INPUT_FORMATS
UK_FORMAT = INPUT_FORMATS[0]
RANGE_MESSAGE = "Enter a date from {earliest} to {latest}: {day} is outside the dates this system takes."


def uk(day: date) -> str:
    """30/03/2020: a date as finance staff write it (and 01/01/0005, which strftime would not pad)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def uk_time(moment: datetime) -> str:
    """30/03/2020 14:05: a moment as finance staff write it (in the zone it is given in)."""
    return f"{uk(moment)} {moment:%H:%M}"


def in_range(day: date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


def validate_in_range(day) -> None:
    """The validator of every date column and date input."""
    if isinstance(day, datetime):
        day = day.date()
    if isinstance(day, date) and not in_range(day):
        message = RANGE_MESSAGE.format(earliest=uk(EARLIEST_DATE), latest=uk(LATEST_DATE), day=uk(day))
        raise ValidationError(message, code="out_of_range")


def clean_date(day, field: str) -> date:
    """`day` if it is a date in range; a ValidationError keyed by `field` otherwise, as a service reports it."""
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError({field: "Give the date, e.g. 30/04/2020."})
    try:
        validate_in_range(day)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error
    return day


def parse_date(text: str) -> date | None:
    """A date typed in any of the accepted formats; None if it is none of them."""
    for pattern in INPUT_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def date_argument(text: str) -> date:
    """A command-line date in any accepted format and in range (argparse's `type=`)."""
    day = parse_date(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date: write it like 31/03/2021 or 2021-03-31.")
    try:
        validate_in_range(day)
    except ValidationError as error:
        raise argparse.ArgumentTypeError(error.messages[0]) from error
    return day


def in_range_constraint(field: str, name: str, *, nullable: bool = False) -> CheckConstraint:
    """The database's copy of the range, for a date column."""
    condition = Q(**{f"{field}__gte": EARLIEST_DATE, f"{field}__lte": LATEST_DATE})
    if nullable:
        condition |= Q(**{f"{field}__isnull": True})
    return CheckConstraint(
        condition=condition,
        name=name,
        violation_error_message=RANGE_MESSAGE.format(
            earliest=uk(EARLIEST_DATE), latest=uk(LATEST_DATE), day="the date"
        ),
    )


class UKDateField(forms.DateField):
    """A date typed as 31/03/2021 or 2021-03-31, shown as 31/03/2021, within the range."""

    input_formats = INPUT_FORMATS
    default_validators = [validate_in_range]
    default_error_messages = {"invalid": "Enter a real date, for example 31/03/2021 or 2021-03-31."}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(format=UK_FORMAT, attrs={"autocomplete": "off", "size": 10}))
        super().__init__(**kwargs)
