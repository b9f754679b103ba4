"""An import, all or nothing: every sheet in one transaction, rolled back after a dry run or on any error."""

import time
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from import_export.results import RowResult

from settlements import dating
from settlements.models import Settlement
from settlements.services.schedules import check_settlement_schedule
from settlements.triggers import explain

from . import widgets
from .reading import Sheet
from .resources import REQUIRED, SHEETS

HEADER_ROWS = 1  # data starts on the sheet's second row


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self):
        where = [f"Sheet {self.sheet}"] + ([f"row {self.row}"] if self.row else [])
        where += [self.column] if self.column else []
        return f"{', '.join(where)}: {self.message}"


@dataclass
class RowOutcome:
    row: int
    action: str  # new, update, skip (unchanged) or invalid
    record: str
    changes: str = ""


@dataclass
class SheetOutcome:
    name: str
    rows: list[RowOutcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    def summary(self) -> str:
        """ "2 added, 1 unchanged": what the sheet's rows do."""
        words = {"new": "added", "update": "changed", "skip": "unchanged", "invalid": "refused"}
        counts = [(self.count(action), word) for action, word in words.items()]
        return ", ".join(f"{count} {word}" for count, word in counts if count)


@dataclass
class Outcome:
    sheets: list[SheetOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: bool = False
    seconds: float = 0.0

    def changes(self) -> int:
        return sum(sheet.count("new") + sheet.count("update") for sheet in self.sheets)


ACTIONS = {
    RowResult.IMPORT_TYPE_NEW: "new",
    RowResult.IMPORT_TYPE_UPDATE: "update",
    RowResult.IMPORT_TYPE_SKIP: "skip",
}


def run_import(*, sheets: list[Sheet], user, confirm: bool) -> Outcome:
    """Import the sheets in order; write them only when `confirm` and not one row is refused."""
    started = time.monotonic()
    outcome = Outcome()
    by_name = {sheet.name.strip().lower(): sheet for sheet in sheets}
    known = {name.lower() for name in SHEETS}
    for sheet in sheets:
        if sheet.name.strip().lower() not in known and sheet.rows:
            outcome.problems.append(
                Problem(
                    sheet.name, None, None, f"is not a sheet this import reads: name it one of {', '.join(SHEETS)}."
                )
            )
    cache = widgets.found.set({})
    try:
        with transaction.atomic(), dating.closings_read_once():
            _import_all(by_name, user, outcome)
            outcome.written = confirm and not outcome.problems
            if not outcome.written:
                transaction.set_rollback(True)
    finally:
        widgets.found.reset(cache)
    outcome.seconds = time.monotonic() - started
    return outcome


def _import_all(by_name: dict, user, outcome: Outcome) -> None:
    for name, resource_class in SHEETS.items():
        sheet = by_name.get(name.lower())
        if sheet is None or not sheet.rows:
            continue
        missing = [column for column in REQUIRED[name] if column not in sheet.headers]
        if missing:
            outcome.problems.append(Problem(name, 1, None, f"the column “{missing[0]}” is missing."))
            continue
        touched = {}
        sheet_outcome = _import_sheet(name, sheet, resource_class(user=user), outcome.problems, touched)
        outcome.sheets.append(sheet_outcome)
        if name == "Schedules":
            _check_schedules(sheet_outcome, touched, outcome.problems)


def _dataset(sheet: Sheet) -> tablib.Dataset:
    width = len(sheet.headers)
    rows = [(list(row) + [None] * width)[:width] for row in sheet.rows]
    return tablib.Dataset(*rows, headers=sheet.headers)


def _import_sheet(name: str, sheet: Sheet, resource, problems: list, touched: dict) -> SheetOutcome:
    """Import one sheet; its problems join `problems`, and `touched` maps each settlement written to its last row."""
    result = resource.import_data(
        _dataset(sheet), dry_run=False, use_transactions=True, raise_errors=False, retain_instance_in_row_result=True
    )
    outcome = SheetOutcome(name)
    errors = dict(result.row_errors())
    for number, row_result in enumerate(result.rows, start=1):
        row = number + HEADER_ROWS
        if row_result.validation_error is not None:
            for field_name, messages in _messages(row_result.validation_error).items():
                column = None if field_name == NON_FIELD_ERRORS else resource.column_of(field_name)
                problems += [Problem(name, row, column, message) for message in messages]
            outcome.rows.append(RowOutcome(row, "invalid", ""))
        elif number in errors or row_result.errors:
            for error in errors.get(number, row_result.errors):
                problems.append(Problem(name, row, None, _sentence(error.error, resource._meta.model)))
            outcome.rows.append(RowOutcome(row, "invalid", ""))
        else:
            action = ACTIONS.get(row_result.import_type, row_result.import_type)
            if action in ("new", "update") and getattr(row_result.instance, "settlement_id", None):
                touched[row_result.instance.settlement_id] = row
            outcome.rows.append(RowOutcome(row, action, row_result.object_repr or "", _changes(resource, row_result)))
    return outcome


def _messages(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}


def _sentence(error, model) -> str:
    """A refusal in words: a rule's own message, a trigger's, or the violated constraint's."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if explained := explain(error):
        return explained
    for constraint in model._meta.constraints:
        if constraint.name in str(error):
            return str(constraint.violation_error_message)
    return f"this row could not be saved ({type(error).__name__}: {str(error)[:200]})."


def _changes(resource, row_result) -> str:
    original, instance = getattr(row_result, "original", None), row_result.instance
    if row_result.import_type != RowResult.IMPORT_TYPE_UPDATE or original is None or instance is None:
        return ""
    return ", ".join(
        column.column_name
        for column in resource.fields.values()
        if column.attribute not in (None, "members") and column.get_value(original) != column.get_value(instance)
    )


def _check_schedules(outcome: SheetOutcome, touched: dict, problems: list) -> None:
    """Each settlement's schedule adds up to its cash amount, as when entered by hand: reported on its last row."""
    for settlement in Settlement.objects.filter(pk__in=touched, status=Settlement.Status.DRAFT):
        try:
            check_settlement_schedule(settlement)
        except ValidationError as error:
            problems.append(
                Problem("Schedules", touched[settlement.pk], "Amount", f"{settlement}: {error.messages[0]}.")
            )
