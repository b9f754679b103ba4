"""The Excel writer: every file it writes opens in openpyxl with the same cells, types, number formats, fonts,
frozen rows and widths as the same rows written by openpyxl; text stays text, whatever characters it holds."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils.escape import unescape

from settlements import xlsx
from settlements.exports import DUE_HEADER
from settlements.fiscal import FinancialYear
from settlements.models import Instalment
from settlements.reports.years import year_status
from tests import factories
from tests.scenarios import AS_OF, gbp

TEXTS = [
    "West Mercia and Warwickshire",
    '=HYPERLINK("http://example.com","x")',
    "+44 20 7946 0000",
    "#N/A",
    "Fish & chips <b>",
    "  leading and trailing  ",
    "line\nbreak\tand tab",
    "bell\x07 and null\x00 and escape\x1b",
    "carriage\r\nreturn",
    "_x0041_ looks like an escape",
    "Ærøskøbing, Zürich, £, €, 東京, 🚓",
]


def written(rows: list[tuple[list, bool]], frozen: int = 0) -> bytes:
    workbook = xlsx.Workbook()
    sheet = workbook.add_sheet("Sheet", max((len(values) for values, _ in rows), default=1))
    for n, (values, bold) in enumerate(rows, start=1):
        sheet.append(values, bold=bold)
        if n == frozen:
            sheet.freeze()
    return workbook.content()


def reference(rows: list[tuple[list, bool]]) -> bytes:
    """The same rows written by openpyxl, cell by cell, as the exports were written before."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet")
    for values, bold in rows:
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, date):
                cell.number_format = xlsx.DATE_FORMAT
            elif isinstance(value, Decimal):
                cell.number_format = xlsx.MONEY_FORMAT
            elif isinstance(value, str):
                cell.data_type = "s"
            if bold:
                cell.font = Font(bold=True)
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cells(content: bytes, sheet: str = "Sheet") -> list[list[tuple]]:
    """Every non-empty cell as (value, type, number format, bold), text unescaped as Excel shows it."""
    rows = []
    for row in load_workbook(io.BytesIO(content))[sheet].iter_rows():
        rows.append(
            [
                (unescape(c.value) if c.data_type == "s" else c.value, c.data_type, c.number_format, bool(c.font.b))
                for c in row
                if c.value is not None
            ]
        )
    return rows


def test_each_kind_of_value_reads_back_as_openpyxl_writes_it():
    rows = [
        (["Instalments due"], True),
        (["As of", "31/03/2021"], False),
        ([], False),
        (["Alliance", "Due on", "Amount", "Instalment"], True),
        (["West Mercia", date(2021, 3, 31), Decimal("10500000.00"), 1], False),
        (["Northshire", date(1900, 3, 1), Decimal("-0.01"), 240], False),
        (["Total", None, Decimal("333333.34"), None], True),
    ]
    assert cells(written(rows)) == cells(reference(rows))


def test_an_empty_sheet_opens():
    assert cells(written([])) == []


@pytest.mark.parametrize("text", TEXTS)
def test_text_stays_text_with_every_character_it_holds(text):
    [[cell]] = cells(written([([text], False)]))
    assert cell == (text, "s", "General", False)


def test_text_that_openpyxl_writes_faithfully_reads_back_the_same_from_both():
    # openpyxl refuses control characters, lets XML turn \r\n into \n and leaves _x0041_ to be read as "A".
    plain = [text for text in TEXTS if "_x" not in text and not any(ord(c) < 32 and c not in "\t\n" for c in text)]
    rows = [(plain, False)]
    assert cells(written(rows)) == cells(reference(rows))


def test_rows_above_the_header_stay_in_view_and_columns_fit_their_widest_value():
    rows = [(["Heading"], True), (["Alliance", "Amount", "Due on", "Instalment"], True)]
    rows += [(["A much longer alliance name", Decimal("10500000.00"), date(2021, 3, 31), 12], False)]
    sheet = load_workbook(io.BytesIO(written(rows, frozen=2)))["Sheet"]
    assert sheet.freeze_panes == "A3"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCD"}
    assert widths == {
        "A": len("A much longer alliance name") + 2,
        "B": len("£10,500,000.00") + 2,
        "C": len("dd/mm/yyyy") + 2,
        "D": len("Instalment") + 2,
    }


def test_a_value_of_another_kind_is_refused_rather_than_guessed():
    with pytest.raises(TypeError, match="cannot hold float"):
        written([([1.5], False)])


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("financial_year", "Financial year"),
        ("due_on", "Due on"),
        ("creditor_within_12_months", "Creditor within 12 months"),
    ],
)
def test_machine_names_become_headers_a_person_reads(name, label):
    assert xlsx.header_label(name) == label


@pytest.mark.django_db
def test_the_due_export_holds_the_same_cells_as_openpyxl_would_write(admin_client, world):
    factories.AllianceFactory(name="=cmd|' /C calc'!A0")
    params = {"format": "xlsx", "as_of": AS_OF.isoformat(), "include_paid": "on"}
    response = admin_client.get(reverse("instalments_due"), params)
    assert response.status_code == 200
    rows = [(["Instalments due"], True), (["As of", "31/03/2021"], False), (list(year_status(AS_OF).row), False)]
    rows.append(([], False))
    rows.append(([xlsx.header_label(name) for name in DUE_HEADER], True))
    # As at 31/03/2021: the settlement agreed on 01/06/2021 is in no figure yet.
    expected = sorted(world.agreed_by(AS_OF), key=lambda i: (i.due_on, i.settlement.payer.short_name, i.number))
    statuses = dict(Instalment.Status.choices)
    for i in expected:
        paid, outstanding = world.paid(i, AS_OF), world.outstanding(i, AS_OF)
        funding = dict(Instalment.FundingSource.choices)[i.funding_source]
        rows.append(
            (
                [
                    i.settlement.alliance.name, i.settlement.payer.short_name, i.settlement.payee.short_name, i.number,
                    i.due_on, str(FinancialYear.for_date(i.due_on)), i.amount.amount, "GBP", paid, outstanding,
                    statuses[world.status(i, AS_OF)], f"{funding}: {i.reserve_name}" if i.reserve_name else funding,
                ],
                False,
            )
        )  # fmt: skip
    amount = sum(i.amount.amount for i in expected)
    paid = sum(world.paid(i, AS_OF) for i in expected)
    rows.append((["Total", None, None, None, None, None, amount, "GBP", paid, amount - paid], True))
    assert cells(response.content, "Instalments due") == cells(reference(rows))
    assert "Part paid" in {row[10][0] for row in cells(response.content, "Instalments due")[4:-1]}


@pytest.mark.django_db
def test_a_large_amount_gets_a_column_wide_enough_to_show_it(admin_client):
    factories.InstalmentFactory(amount=gbp("123456789012.34"), settlement__cash_amount=gbp("123456789012.34"))
    response = admin_client.get(reverse("instalments_due"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content))["Instalments due"]
    assert sheet.column_dimensions["G"].width >= len("£123,456,789,012.34")


@pytest.mark.django_db
def test_the_year_end_export_has_headers_a_person_reads_and_columns_that_fit(admin_client, world):
    response = admin_client.get(reverse("year_end"), {"fy": "2020/21", "format": "xlsx"})
    workbook = load_workbook(io.BytesIO(response.content))
    settlements, forces = workbook["By settlement"], workbook["By force"]
    header = next(row[0].row for row in settlements.iter_rows() if row[0].value == "Alliance")
    assert [c.value for c in settlements[header]] == [
        "Alliance", "Payer", "Payee", "Agreed on", "Within 12 months", "After 12 months", "Total", "Currency",
    ]  # fmt: skip
    assert forces.cell(header, 2).value == "Creditor within 12 months"
    assert settlements.column_dimensions["A"].width == len("West Mercia and Warwickshire") + 2
    assert forces.column_dimensions["B"].width == len("Creditor within 12 months") + 2


def test_dates_are_whole_days_from_excels_epoch():
    [[(value, kind, number_format, _)]] = cells(written([([date(2020, 3, 30)], False)]))
    assert (value, kind, number_format) == (datetime(2020, 3, 30), "d", "dd/mm/yyyy")
    assert date(2020, 3, 30) - xlsx.EXCEL_EPOCH == timedelta(days=43920)
