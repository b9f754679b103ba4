"""CSV and Excel exports of the reports: every matching row, amounts exact, dates as dates.

CSV files start with a UTF-8 byte-order mark so that Excel reads "£" and accents correctly;
other tools ignore it.
"""

import csv
from datetime import date
from decimal import Decimal
from io import BytesIO, StringIO

from django.db import connections
from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from settlements import csv_copy, xlsx
from settlements.fiscal import FinancialYear
from settlements.models import Instalment
from settlements.money import GBP, pounds

BOM = "\ufeff"
CHUNK_SIZE = 2000
MONEY_FORMAT = "£#,##0.00"
DATE_FORMAT = "dd/mm/yyyy"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DUE_HEADER = [
    "alliance", "payer", "payee", "instalment", "due_on", "financial_year",
    "amount", "currency", "paid", "outstanding", "status", "funding_source",
]  # fmt: skip


class Echo:
    """A file-like object that hands back what is written, so csv.writer can feed a stream."""

    def write(self, value):
        return value


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's CSV injection list).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """Text that a spreadsheet would run as a formula, behind a quote as OWASP recommends; numbers stay numbers.

    Amounts reach the writer as numbers (Decimal, int), so a negative amount stays a number; only text is quoted.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class CsvWriter:
    """The one CSV writer of the exports: every text cell neutralised on its way out."""

    def __init__(self, file):
        self._writer = csv.writer(file)

    def writerow(self, row):
        return self._writer.writerow([neutralised(value) for value in row])

    def writerows(self, rows):
        return self._writer.writerows([[neutralised(value) for value in row] for row in rows])


# The due report's columns as read from the database: plain tuples, no model instances or Money objects.
DUE_COLUMNS = (
    "settlement__alliance__name", "settlement__payer__short_name", "settlement__payee__short_name", "number",
    "due_on", "amount_pence", "paid_pence", "outstanding_pence", "status", "funding_source", "reserve_name",
)  # fmt: skip
FUNDING_LABELS = dict(Instalment.FundingSource.choices)
LINES_PER_CHUNK = 1000


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


def due_tuples(rows):
    """The report's rows as tuples of DUE_COLUMNS, fetched in chunks from a server-side cursor.

    Read without Django's per-value conversions, a tenth of an export's time at 100,000 rows: amounts are whole
    pence already, and due dates come as the driver gives them (see DueDates).
    """
    sql, params = rows.values_list(*DUE_COLUMNS).query.get_compiler(rows.db).as_sql()
    with connections[rows.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK_SIZE):
            yield from chunk


def as_text(values: list) -> list:
    """Values for CSV: ISO dates, plain decimals."""
    return [value.isoformat() if isinstance(value, date) else value for value in values]


def due_csv_lines(rows):
    """The CSV text of the due report, about LINES_PER_CHUNK lines a piece, starting with the BOM and header.

    On PostgreSQL the database formats the rows and COPY streams them (csv_copy.py), with the same bytes.
    """
    yield BOM + csv.writer(Echo()).writerow(DUE_HEADER)
    if connections[rows.db].vendor == "postgresql":
        yield from csv_copy.due_csv_rows(rows)
    else:
        yield from due_csv_rows(rows)


def due_csv_rows(rows):
    """The CSV lines of the rows, formatted here."""
    buffer = StringIO()
    writer = CsvWriter(buffer)
    dates = DueDates()
    chunk = []
    for alliance, payer, payee, number, due_on, amount, paid, outstanding, status, source, reserve in due_tuples(rows):
        _, iso, year = dates[due_on]
        chunk.append((
            alliance, payer, payee, number, iso, year, pounds(amount), GBP,
            pounds(paid), pounds(outstanding), status, funding_label(source, reserve),
        ))  # fmt: skip
        if len(chunk) == LINES_PER_CHUNK:
            writer.writerows(chunk)
            chunk.clear()
            yield drain(buffer)
    writer.writerows(chunk)
    yield drain(buffer)


def drain(buffer: StringIO) -> str:
    """What was written to the buffer since last drained."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


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


def xlsx_response(workbook: Workbook, filename: str) -> HttpResponse:
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def styled(sheet, value, number_format: str | None = None, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def start_sheet(workbook: Workbook, title: str, heading: str, filters: list[tuple[str, str]], header, rows):
    """A sheet whose heading, filters and as-of date sit above a frozen header row, columns as wide as `rows` need."""
    sheet = workbook.create_sheet(title)
    labels = [xlsx.header_label(name) for name in header]
    for letter, values in zip(xlsx.column_letters(len(labels)), zip(labels, *rows, strict=False), strict=True):
        sheet.column_dimensions[letter].width = xlsx.column_width(max(map(xlsx.shown_width, values)))
    header_row = len(filters) + 3
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.append([styled(sheet, heading, bold=True)])
    for name, value in filters:
        sheet.append(formatted_row(sheet, [name, value]))
    sheet.append([])
    sheet.append([styled(sheet, label, bold=True) for label in labels])
    return sheet


STATUS_LABELS = dict(Instalment.Status.choices)


def instalments_due_xlsx(rows, filters: list[tuple[str, str]], filename: str) -> HttpResponse:
    """Every row, then a totals row summed from the same rows as they are written; headers and statuses in words."""
    workbook = xlsx.Workbook()
    sheet = workbook.add_sheet("Instalments due", len(DUE_HEADER))
    sheet.append(["Instalments due"], bold=True, fit=False)
    for name, value in filters:
        sheet.append([name, value])
    sheet.append([])
    sheet.append([xlsx.header_label(name) for name in DUE_HEADER], bold=True)
    sheet.freeze()
    dates, money = DueDates(), pounds
    total_amount = total_paid = 0
    for alliance, payer, payee, number, due_on, amount, paid, outstanding, status, source, reserve in due_tuples(rows):
        total_amount += amount
        total_paid += paid
        day, _, year = dates[due_on]
        sheet.append((
            alliance, payer, payee, number, day, year, money(amount), GBP, money(paid),
            money(outstanding), STATUS_LABELS[status], funding_label(source, reserve),
        ))  # fmt: skip
    totals = [money(total_amount), GBP, money(total_paid), money(total_amount - total_paid)]
    sheet.append(["Total", None, None, None, None, None, *totals], bold=True)
    response = HttpResponse(workbook.content(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


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


def year_end_csv_lines(header: list[str], rows: list[list]):
    writer = CsvWriter(Echo())
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow(as_text(row))


def year_end_csv(position, table: str, filename: str) -> StreamingHttpResponse:
    if table == "forces":
        lines = year_end_csv_lines(YEAR_END_FORCE_HEADER, [force_position_row(p) for p in position.forces])
    else:
        lines = year_end_csv_lines(
            YEAR_END_SETTLEMENT_HEADER, [settlement_position_row(p) for p in position.settlements]
        )
    return csv_response(lines, filename)


def formatted_row(sheet, row: list) -> list:
    """Dates and amounts as real Excel dates and numbers; text always as text, never a formula."""
    cells = []
    for value in row:
        if isinstance(value, date):
            cells.append(styled(sheet, value, DATE_FORMAT))
        elif isinstance(value, Decimal):
            cells.append(styled(sheet, value, MONEY_FORMAT))
        elif isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # a name such as "=HYPERLINK(...)" stays a name
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def year_end_xlsx(position, filters: list[tuple[str, str]], filename: str) -> HttpResponse:
    workbook = Workbook(write_only=True)
    heading = f"Year-end position at {position.as_at:%d/%m/%Y}"
    rows = [settlement_position_row(p) for p in position.settlements]
    totals = [position.within_12_months.amount, position.after_12_months.amount, position.total.amount]
    total_row = ["Total", None, None, None, *totals, GBP]
    sheet = start_sheet(workbook, "By settlement", heading, filters, YEAR_END_SETTLEMENT_HEADER, [*rows, total_row])
    for row in rows:
        sheet.append(formatted_row(sheet, row))
    sheet.append([styled(sheet, "Total", bold=True), None, None, None, *formatted_row(sheet, totals), GBP])
    rows = [force_position_row(p) for p in position.forces]
    sheet = start_sheet(workbook, "By force", heading, filters, YEAR_END_FORCE_HEADER, rows)
    for row in rows:
        sheet.append(formatted_row(sheet, row))
    return xlsx_response(workbook, filename)
