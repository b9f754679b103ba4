"""CSV and Excel exports of the reports: every matching row, amounts exact, dates as dates.

CSV files start with a UTF-8 byte-order mark so that Excel reads "£" and accents correctly;
other tools ignore it.
"""

import csv
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from settlements.fiscal import FinancialYear
from settlements.models import Instalment
from settlements.money import from_pence

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


def funding(instalment: Instalment) -> str:
    label = instalment.get_funding_source_display()
    return f"{label}: {instalment.reserve_name}" if instalment.reserve_name else label


def due_values(row: Instalment) -> list:
    """One instalment as typed values: dates as dates, amounts as Decimals."""
    settlement = row.settlement
    return [
        settlement.alliance.name,
        settlement.payer.short_name,
        settlement.payee.short_name,
        row.number,
        row.due_on,
        str(FinancialYear.for_date(row.due_on)),
        from_pence(row.amount_pence).amount,
        "GBP",
        from_pence(row.paid_pence).amount,
        from_pence(row.outstanding_pence).amount,
        row.status,
        funding(row),
    ]


def as_text(values: list) -> list:
    """Values for CSV: ISO dates, plain decimals."""
    return [value.isoformat() if isinstance(value, date) else value for value in values]


def due_csv_lines(rows):
    """The CSV text of the due report, line by line, starting with the byte-order mark and header."""
    writer = csv.writer(Echo())
    yield BOM + writer.writerow(DUE_HEADER)
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow(as_text(due_values(row)))


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


def start_sheet(workbook: Workbook, title: str, heading: str, filters: list[tuple[str, str]], header: list[str]):
    """A sheet whose heading, filters and as-of date sit above a frozen header row."""
    sheet = workbook.create_sheet(title)
    header_row = len(filters) + 3
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.append([styled(sheet, heading, bold=True)])
    for name, value in filters:
        sheet.append(formatted_row(sheet, [name, value]))
    sheet.append([])
    sheet.append([styled(sheet, name, bold=True) for name in header])
    return sheet


def instalments_due_xlsx(rows, totals: dict, filters: list[tuple[str, str]], filename: str) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = start_sheet(workbook, "Instalments due", "Instalments due", filters, DUE_HEADER)
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        sheet.append(formatted_row(sheet, due_values(row)))
    sheet.append(
        [
            styled(sheet, "Total", bold=True),
            *[None] * 5,
            styled(sheet, totals["amount"].amount, MONEY_FORMAT, bold=True),
            "GBP",
            styled(sheet, totals["paid"].amount, MONEY_FORMAT, bold=True),
            styled(sheet, totals["outstanding"].amount, MONEY_FORMAT, bold=True),
        ]
    )
    return xlsx_response(workbook, filename)


YEAR_END_SETTLEMENT_HEADER = [
    "alliance", "payer", "payee", "agreed_on", "within_12_months", "after_12_months", "total", "currency",
]  # fmt: skip
YEAR_END_FORCE_HEADER = [
    "force", "creditor_within_12_months", "creditor_after_12_months",
    "debtor_within_12_months", "debtor_after_12_months", "currency",
]  # fmt: skip


def settlement_position_row(position) -> list:
    settlement = position.settlement
    return [
        settlement.alliance.name,
        settlement.payer.short_name,
        settlement.payee.short_name,
        settlement.agreed_on,
        position.within_12_months.amount,
        position.after_12_months.amount,
        position.total.amount,
        "GBP",
    ]


def force_position_row(position) -> list:
    return [
        position.force.short_name,
        position.creditor_within_12_months.amount,
        position.creditor_after_12_months.amount,
        position.debtor_within_12_months.amount,
        position.debtor_after_12_months.amount,
        "GBP",
    ]


def year_end_csv_lines(header: list[str], rows: list[list]):
    writer = csv.writer(Echo())
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
    sheet = start_sheet(workbook, "By settlement", heading, filters, YEAR_END_SETTLEMENT_HEADER)
    for settlement_position in position.settlements:
        sheet.append(formatted_row(sheet, settlement_position_row(settlement_position)))
    totals = [position.within_12_months.amount, position.after_12_months.amount, position.total.amount]
    sheet.append([styled(sheet, "Total", bold=True), None, None, None, *formatted_row(sheet, totals), "GBP"])
    sheet = start_sheet(workbook, "By force", heading, filters, YEAR_END_FORCE_HEADER)
    for force_position in position.forces:
        sheet.append(formatted_row(sheet, force_position_row(force_position)))
    return xlsx_response(workbook, filename)
