"""Template files a person downloads from the import page: a workbook with every sheet, or one CSV per sheet."""

import csv
import io

from openpyxl import Workbook

from .resources import SHEETS, columns


def workbook(rows_by_sheet: dict[str, list[list]] | None = None) -> bytes:
    """An XLSX workbook with a sheet per kind of record, headed by its columns (and any rows given)."""
    book = Workbook(write_only=True)
    for name in SHEETS:
        sheet = book.create_sheet(name)
        sheet.append(columns(name))
        for row in (rows_by_sheet or {}).get(name, []):
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_template(name: str) -> bytes:
    """One sheet's columns as a CSV file, with the byte-order mark Excel needs to read it as UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(columns(name))
    return buffer.getvalue().encode("utf-8-sig")
