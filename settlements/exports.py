"""CSV and Excel exports of the reports: every matching row, amounts exact, dates as dates.

CSV files start with a UTF-8 byte-order mark so that Excel reads "£" and accents correctly; other tools ignore
it. Every CSV goes through `csv_lines`, every workbook through `xlsx.py`.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import date
from io import StringIO
from itertools import islice
from typing import NamedTuple

from django.db import connections
from django.http import HttpResponse, StreamingHttpResponse

from settlements import csv_copy, xlsx
from settlements.dates import uk
from settlements.fiscal import FinancialYear
from settlements.models import Instalment
from settlements.money import GBP, pounds

BOM = "\ufeff"
CHUNK_SIZE = 2000
LINES_PER_CHUNK = 1000
DUE_HEADER = [
    "alliance", "payer", "payee", "instalment", "due_on", "financial_year",
    "amount", "currency", "paid", "outstanding", "status", "funding_source",
]  # fmt: skip

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's CSV injection list).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """Text that a spreadsheet would run as a formula, behind a quote as OWASP recommends; numbers stay numbers.

    Amounts reach the writer as numbers (Decimal, int), so a negative amount stays a number; only text is quoted.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def chunks(rows: Iterable, size: int) -> Iterator[list]:
    """The rows in lists of `size` (the last one shorter)."""
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


def csv_lines(rows: Iterable) -> Iterator[str]:
    """The one CSV writer of the exports: the rows' lines, LINES_PER_CHUNK a piece, every text cell neutralised
    and every date in ISO form."""
    buffer = StringIO()
    writer = csv.writer(buffer)
    for chunk in chunks(rows, LINES_PER_CHUNK):
        writer.writerows([[csv_value(value) for value in row] for row in chunk])
        yield drain(buffer)


def csv_value(value):
    """A cell as the CSV holds it: ISO dates, plain decimals, text neutralised."""
    return value.isoformat() if isinstance(value, date) else neutralised(value)


def header_line(header: list[str]) -> str:
    """The byte-order mark and the header row."""
    return BOM + "".join(csv_lines([header]))


def drain(buffer: StringIO) -> str:
    """What was written to the buffer since last drained."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


class DueRow(NamedTuple):
    """One row of the due report as read from the database: no model instance, no Money object."""

    alliance: str
    payer: str
    payee: str
    number: int
    due_on: date | str  # as the driver gives it: see DueDates
    amount_pence: int
    paid_pence: int
    outstanding_pence: int
    status: str
    funding_source: str
    reserve_name: str


DUE_COLUMNS = (
    "settlement__alliance__name", "settlement__payer__short_name", "settlement__payee__short_name", "number",
    "due_on", "amount_pence", "paid_pence", "outstanding_pence", "status", "funding_source", "reserve_name",
)  # fmt: skip
FUNDING_LABELS = dict(Instalment.FundingSource.choices)
STATUS_LABELS = dict(Instalment.Status.choices)


def funding_label(source: str, reserve_name: str) -> str:
    label = FUNDING_LABELS.get(source, source)
    return f"{label}: {reserve_name}" if reserve_name else label


class DueDates(dict):
    """Each due date as the database driver gives it (a date, or ISO text from SQLite): the date, its ISO text and
    the name of its financial year, worked out once per date."""

    def __missing__(self, value) -> tuple[date, str, str]:
        day = value if isinstance(value, date) else date.fromisoformat(value)
        self[value] = worked_out = (day, day.isoformat(), str(FinancialYear.for_date(day)))
        return worked_out


def due_rows(rows) -> Iterator[DueRow]:
    """The report's rows, fetched in chunks from a server-side cursor.

    Read without Django's per-value conversions: amounts are whole pence already, and due dates come as the
    driver gives them (see DueDates).
    """
    sql, params = rows.values_list(*DUE_COLUMNS).query.get_compiler(rows.db).as_sql()
    with connections[rows.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK_SIZE):
            yield from map(DueRow._make, chunk)


def due_csv_lines(rows) -> Iterator[str]:
    """The CSV text of the due report, about LINES_PER_CHUNK lines a piece, starting with the BOM and header.

    On PostgreSQL the database formats the rows and COPY streams them (csv_copy.py), with the same bytes.
    """
    yield header_line(DUE_HEADER)
    if connections[rows.db].vendor == "postgresql":
        yield from csv_copy.due_csv_rows(rows, lines_per_chunk=LINES_PER_CHUNK)
    else:
        yield from due_csv_rows(rows)


def due_csv_rows(rows) -> Iterator[str]:
    """The CSV lines of the rows, formatted here."""
    dates = DueDates()
    return csv_lines(due_csv_row(row, *dates[row.due_on][1:]) for row in due_rows(rows))


def due_csv_row(row: DueRow, due_on: str, year: str) -> tuple:
    return (
        row.alliance, row.payer, row.payee, row.number, due_on, year, pounds(row.amount_pence), GBP,
        pounds(row.paid_pence), pounds(row.outstanding_pence), row.status,
        funding_label(row.funding_source, row.reserve_name),
    )  # fmt: skip


def filename(report: str, as_of: date, include_pending: bool) -> str:
    """The export's name without extension; it says when drafts and pending requests are counted, since a CSV's
    header row stays the same either way."""
    return f"{report}-{as_of.isoformat()}{'-including-awaiting-approval' if include_pending else ''}"


def csv_response(lines, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def instalments_due_csv(rows, filename: str) -> StreamingHttpResponse:
    return csv_response(due_csv_lines(rows), filename)


def instalments_due_xlsx(rows, filters: list[tuple[str, str]], filename: str) -> HttpResponse:
    """Every row, then a totals row summed from the same rows as they are written; headers and statuses in words."""
    workbook = xlsx.Workbook()
    sheet = workbook.add_sheet("Instalments due", len(DUE_HEADER))
    xlsx.heading(sheet, "Instalments due", filters, DUE_HEADER)
    dates = DueDates()
    total_amount = total_paid = 0
    for row in due_rows(rows):
        total_amount += row.amount_pence
        total_paid += row.paid_pence
        day, _, year = dates[row.due_on]
        sheet.append((
            row.alliance, row.payer, row.payee, row.number, day, year, pounds(row.amount_pence), GBP,
            pounds(row.paid_pence), pounds(row.outstanding_pence), STATUS_LABELS[row.status],
            funding_label(row.funding_source, row.reserve_name),
        ))  # fmt: skip
    totals = [pounds(total_amount), GBP, pounds(total_paid), pounds(total_amount - total_paid)]
    sheet.append(["Total", None, None, None, None, None, *totals], bold=True)
    return xlsx.response(workbook, filename)


YEAR_END_SETTLEMENT_HEADER = [
    "alliance", "payer", "payee", "agreed_on", "within_12_months", "after_12_months", "total", "currency",
]  # fmt: skip
YEAR_END_FORCE_HEADER = [
    "force", "creditor_within_12_months", "creditor_after_12_months",
    "debtor_within_12_months", "debtor_after_12_months", "currency",
]  # fmt: skip


def settlement_position_row(position) -> list:
    return [
        position.alliance_name,
        position.payer.short_name,
        position.payee.short_name,
        position.agreed_on,
        pounds(position.within_pence),
        pounds(position.after_pence),
        pounds(position.within_pence + position.after_pence),
        GBP,
    ]


def force_position_row(position) -> list:
    return [
        position.force.short_name,
        position.creditor_within_12_months.amount,
        position.creditor_after_12_months.amount,
        position.debtor_within_12_months.amount,
        position.debtor_after_12_months.amount,
        GBP,
    ]


def year_end_csv(position, table: str, filename: str) -> StreamingHttpResponse:
    if table == "forces":
        header, rows = YEAR_END_FORCE_HEADER, map(force_position_row, position.forces)
    else:
        header, rows = YEAR_END_SETTLEMENT_HEADER, map(settlement_position_row, position.settlements)
    return csv_response([header_line(header), *csv_lines(rows)], filename)


def year_end_xlsx(position, filters: list[tuple[str, str]], filename: str) -> HttpResponse:
    workbook = xlsx.Workbook()
    heading = f"Year-end position at {uk(position.as_at)}"
    sheet = workbook.add_sheet("By settlement", len(YEAR_END_SETTLEMENT_HEADER))
    xlsx.heading(sheet, heading, filters, YEAR_END_SETTLEMENT_HEADER, fit_filters=False)
    for row in map(settlement_position_row, position.settlements):
        sheet.append(row)
    totals = [position.within_12_months.amount, position.after_12_months.amount, position.total.amount]
    sheet.append(["Total", None, None, None, *totals, GBP], bold={0})
    sheet = workbook.add_sheet("By force", len(YEAR_END_FORCE_HEADER))
    xlsx.heading(sheet, heading, filters, YEAR_END_FORCE_HEADER, fit_filters=False)
    for row in map(force_position_row, position.forces):
        sheet.append(row)
    return xlsx.response(workbook, filename)
