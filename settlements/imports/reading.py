"""Reading an uploaded workbook or CSV file into sheets of text, within bounds of size, rows and time.

A file is refused, with a sentence saying why, when it is not what its name says (filetypes.check), when an
XLSX would unpack to more than MAX_UNPACKED_BYTES (a zip bomb: refused from the zip's directory, before
anything is inflated), when a sheet has more than MAX_ROWS rows (refused from the sheet's declared size where it
has one, else as soon as row MAX_ROWS + 1 is read, never reading the rest), or when a cell holds a formula.
Formulas are refused rather than read as text or as their cached value: a cached value may be stale or absent,
and a formula is how a spreadsheet turns into a command (CSV injection), so the person pastes values instead.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from settlements import filetypes
from settlements.dates import uk

MAX_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 30
MAX_CELL_CHARACTERS = 2_000
FORMULA_PREFIX = "="


class ImportFileError(ValidationError):
    """The file as a whole is refused; nothing in it is read further."""


@dataclass
class Sheet:
    """One sheet: its name, its header row and its data rows as text (None for an empty cell)."""

    name: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)


def read_upload(file, name: str, *, csv_sheet: str | None = None) -> list[Sheet]:
    """The sheets of an XLSX workbook, or of a CSV file (one sheet, named `csv_sheet`)."""
    if file.size > MAX_BYTES:
        raise ImportFileError(f"“{name}” is larger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller files.")
    file_type = filetypes.type_of_name(name)
    if file_type not in (filetypes.XLSX, filetypes.CSV):
        raise ImportFileError(f"“{name}” is not a workbook: import an Excel (XLSX) or CSV file.")
    try:
        filetypes.check(file, name)
    except ValidationError as error:
        raise ImportFileError(error.messages[0]) from error
    if file_type is filetypes.CSV:
        if not csv_sheet:
            raise ImportFileError("Say what the CSV file holds (forces, alliances, ...): a CSV file has one sheet.")
        return [_read_csv(file, csv_sheet)]
    return _read_xlsx(file)


def _read_csv(file, sheet_name: str) -> Sheet:
    file.seek(0)
    raw = file.read(MAX_BYTES + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    sheet = None
    for number, row in enumerate(reader, start=1):
        if number > MAX_ROWS + 1:
            raise _too_many_rows(sheet_name)
        cells = [_text(sheet_name, number, column, value) for column, value in enumerate(row, start=1)]
        if sheet is None:
            sheet = Sheet(sheet_name, _headers(sheet_name, cells))
        elif any(cell is not None for cell in cells):
            sheet.rows.append(cells)
    if sheet is None:
        raise ImportFileError(f"{sheet_name}: the file is empty; the first row names the columns.")
    return sheet


def _read_xlsx(file) -> list[Sheet]:
    file.seek(0)
    try:
        members = zipfile.ZipFile(file).infolist()
    except zipfile.BadZipFile as error:
        raise ImportFileError("This workbook is damaged: save it again from Excel.") from error
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            f"This workbook would unpack to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB: it is refused."
        )
    _count_rows(file, members)
    file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds of error on a damaged file
        raise ImportFileError("This workbook cannot be read: save it again from Excel as .xlsx.") from error
    try:
        return [_read_worksheet(worksheet) for worksheet in workbook.worksheets]
    finally:
        workbook.close()


ROW_TAG = re.compile(rb"<(?:[A-Za-z0-9_]+:)?row[\s>/]")


def _count_rows(file, members) -> None:
    """Refuse a sheet of too many rows from its XML, reading only as far as the row past the limit.

    openpyxl reads a whole sheet to size one that does not declare its size, so the rows are counted first.
    """
    file.seek(0)
    archive = zipfile.ZipFile(file)
    for member in members:
        if not (member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")):
            continue
        count, tail = 0, b""
        with archive.open(member) as part:
            while chunk := part.read(1024 * 1024):
                window = tail + chunk
                count += len(ROW_TAG.findall(window)) - len(ROW_TAG.findall(tail))
                tail = window[-32:]
                if count > MAX_ROWS + 1:
                    raise ImportFileError(
                        f"A sheet of this workbook ({member.filename.rsplit('/', 1)[-1]}) has more than "
                        f"{MAX_ROWS:,} rows: import it in parts of at most {MAX_ROWS:,} rows."
                    )


def _read_worksheet(worksheet) -> Sheet:
    name = worksheet.title
    if (worksheet.max_row or 0) > MAX_ROWS + 1:  # the sheet's own declared size: refused before reading it
        raise _too_many_rows(name)
    sheet = None
    for number, row in enumerate(worksheet.iter_rows(max_col=MAX_COLUMNS + 1), start=1):
        if number > MAX_ROWS + 1:
            raise _too_many_rows(name)
        cells = []
        for column, cell in enumerate(row, start=1):
            if getattr(cell, "data_type", None) == "f":
                raise ImportFileError(
                    f"Sheet {name}, row {number}, column {get_column_letter(column)} holds a formula "
                    f"({str(cell.value)[:40]}): paste its value instead (Paste special, Values)."
                )
            cells.append(_text(name, number, column, cell.value))
        if sheet is None:
            sheet = Sheet(name, _headers(name, cells))
        elif any(cell is not None for cell in cells):
            sheet.rows.append(cells[: len(sheet.headers)])
    return sheet or Sheet(name, [])


def _headers(sheet: str, cells: list) -> list[str]:
    headers = [cell or "" for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    if len(headers) > MAX_COLUMNS:
        raise ImportFileError(f"Sheet {sheet} has more than {MAX_COLUMNS} columns: use the template's columns.")
    return headers


def _text(sheet: str, row: int, column: int, value):
    """A cell as text: a number by its shortest decimal form (never a float), a date as 30/03/2020."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date) and not isinstance(value, datetime):
        return uk(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        value = Decimal(repr(value))
    text = str(value).strip()
    if len(text) > MAX_CELL_CHARACTERS:
        raise ImportFileError(
            f"Sheet {sheet}, row {row}, column {get_column_letter(column)} holds more than "
            f"{MAX_CELL_CHARACTERS:,} characters: it is refused."
        )
    if text.startswith(FORMULA_PREFIX):
        raise ImportFileError(
            f"Sheet {sheet}, row {row}, column {get_column_letter(column)} holds a formula ({text[:40]}): "
            "write its value instead."
        )
    return text or None


def _too_many_rows(sheet: str) -> ImportFileError:
    return ImportFileError(
        f"Sheet {sheet} has more than {MAX_ROWS:,} rows: import it in parts of at most {MAX_ROWS:,} rows."
    )
