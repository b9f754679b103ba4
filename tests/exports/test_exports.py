"""CSV and Excel exports: exact header, every matching row, totals, real cells, and 400 for bad filters."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from settlements import csv_copy, exports
from settlements.fiscal import FinancialYear
from settlements.reports.instalments_due import DueFilters, matching_instalments
from tests import factories
from tests.scenarios import AS_OF, World, gbp

pytestmark = pytest.mark.django_db

HEADER = "alliance,payer,payee,instalment,due_on,financial_year,amount,currency,paid,outstanding,status,funding_source"
XLSX_HEADER = [
    "Alliance", "Payer", "Payee", "Instalment", "Due on", "Financial year",
    "Amount", "Currency", "Paid", "Outstanding", "Status", "Funding source",
]  # fmt: skip


def csv_text(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")


def due_csv(client, **params) -> tuple[str, list[dict]]:
    response = client.get(reverse("instalments_due"), {"include_paid": "on", **params, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    text = csv_text(response)
    return text, list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_csv_starts_with_a_byte_order_mark_and_the_exact_header(admin_client, world):
    text, _ = due_csv(admin_client, as_of=AS_OF.isoformat())
    assert text.startswith("\ufeff")
    assert text.removeprefix("\ufeff").splitlines()[0] == HEADER


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({}, lambda w, i: True),
        ({"fy": "2020/21"}, lambda w, i: i.due_on in FinancialYear(2020)),
        ({"status": ["overdue", "part_paid"]}, lambda w, i: w.status(i, AS_OF) in {"overdue", "part_paid"}),
        ({"payer": "Southdale"}, lambda w, i: i.settlement.payer.short_name == "Southdale"),
        ({"from": "2021-03-01", "to": "2022-12-31"}, lambda w, i: date(2021, 3, 1) <= i.due_on <= date(2022, 12, 31)),
        ({"from": "2021-03-31", "to": "2021-03-31"}, lambda w, i: i.due_on == date(2021, 3, 31)),
        ({"from": "2022-03-31", "to": "2022-03-31"}, lambda w, i: i.due_on == date(2022, 3, 31)),
    ],
)
def test_csv_rows_and_totals_match_the_instalments(admin_client, world, params, keep):
    _, rows = due_csv(admin_client, as_of=AS_OF.isoformat(), **params)
    expected = sorted((i for i in world.agreed_by(AS_OF) if keep(world, i)), key=lambda i: i.due_on)
    assert [(r["payer"], r["instalment"], r["due_on"]) for r in rows] == [
        (i.settlement.payer.short_name, str(i.number), i.due_on.isoformat()) for i in expected
    ]
    for row, instalment in zip(rows, expected, strict=True):
        assert row["amount"] == f"{instalment.amount.amount:.2f}"
        assert row["paid"] == f"{world.paid(instalment, AS_OF):.2f}"
        assert row["outstanding"] == f"{world.outstanding(instalment, AS_OF):.2f}"
        assert row["status"] == world.status(instalment, AS_OF)
        assert row["financial_year"] == str(FinancialYear.for_date(instalment.due_on))
        assert row["currency"] == "GBP"
    assert sum(Decimal(r["outstanding"]) for r in rows) == sum(world.outstanding(i, AS_OF) for i in expected)


def test_amounts_are_plain_decimals(admin_client):
    factories.InstalmentFactory(amount=gbp("10500000.00"), funding_source="reserves_and_efficiencies")
    _, [row] = due_csv(admin_client)
    assert row["amount"] == "10500000.00"
    assert row["funding_source"] == "Reserves and efficiencies"


def many_instalments(count: int):
    settlement = factories.SettlementFactory()
    amounts = [gbp(f"{n}.{n % 100:02d}") for n in range(1, count + 1)]
    for n, amount in enumerate(amounts):
        factories.InstalmentFactory(
            settlement=settlement, number=n + 1, due_on=date(2021, 1, 1) + timedelta(n), amount=amount
        )
    return amounts


def test_exports_hold_every_matching_row_not_one_page(admin_client):
    amounts = many_instalments(75)
    _, rows = due_csv(admin_client)
    assert len(rows) == 75
    assert sum(Decimal(r["amount"]) for r in rows) == sum(a.amount for a in amounts)
    sheet = xlsx_sheet(admin_client.get(reverse("instalments_due"), {"format": "xlsx"}))
    assert len(table_rows(sheet)) == 75


def xlsx_sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content))["Instalments due"]


def header_row(sheet) -> int:
    return next(row[0].row for row in sheet.iter_rows() if row[0].value == "Alliance")


def table_rows(sheet) -> list:
    start = header_row(sheet) + 1
    return [row for row in sheet.iter_rows(min_row=start) if row[0].value not in (None, "Total")]


def test_the_xlsx_has_filters_above_a_frozen_header_real_cells_and_a_totals_row(admin_client, world):
    response = admin_client.get(
        reverse("instalments_due"),
        {"format": "xlsx", "as_of": AS_OF.isoformat(), "payer": "West Mercia", "include_paid": "on"},
    )
    sheet = xlsx_sheet(response)
    top = [(row[0].value, row[1].value if len(row) > 1 else None) for row in sheet.iter_rows(max_row=header_row(sheet))]
    assert ("As of", "31/03/2021") in top and ("Payer", "West Mercia") in top
    header = header_row(sheet)
    assert [c.value for c in sheet[header]] == XLSX_HEADER
    assert sheet.freeze_panes == f"A{header + 1}"
    rows = table_rows(sheet)
    expected = sorted(
        (i for i in world.instalments if i.settlement.payer.short_name == "West Mercia"), key=lambda i: i.due_on
    )
    assert len(rows) == len(expected)
    for row, instalment in zip(rows, expected, strict=True):
        due_cell, amount_cell, outstanding_cell = row[4], row[6], row[9]
        assert isinstance(due_cell.value, datetime) and due_cell.value.date() == instalment.due_on
        assert due_cell.is_date
        assert amount_cell.value == instalment.amount.amount
        assert amount_cell.number_format == "£#,##0.00"
        assert Decimal(str(outstanding_cell.value)) == world.outstanding(instalment, AS_OF)
    [total] = [row for row in sheet.iter_rows() if row[0].value == "Total"]
    assert Decimal(str(total[6].value)) == sum(i.amount.amount for i in expected)
    assert Decimal(str(total[8].value)) == sum(world.paid(i, AS_OF) for i in expected)
    assert Decimal(str(total[9].value)) == sum(world.outstanding(i, AS_OF) for i in expected)
    assert total[9].number_format == "£#,##0.00"


@pytest.mark.parametrize("export", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"fy": "2020/22"}, "did you mean 2020/21?"),
        ({"from": "2020-02-31"}, "Enter a real date, for example 31/03/2021"),
        ({"payer": "Atlantis"}, "No force has the short name “Atlantis”"),
        ({"payee": "Nowhere"}, "No force has the short name “Nowhere”"),
        ({"status": "late"}, "“late” is not a status"),
        ({"as_of": "yesterday"}, "Enter a real date, for example 31/03/2021"),
    ],
)
def test_every_bad_filter_refuses_an_export_with_400(admin_client, export, params, message):
    response = admin_client.get(reverse("instalments_due"), {**params, "format": export})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_year_end_csv_by_settlement_and_by_force(admin_client, world):
    for table, first in [("settlements", "alliance"), ("forces", "force")]:
        response = admin_client.get(reverse("year_end"), {"fy": "2020/21", "format": "csv", "table": table})
        rows = list(csv.DictReader(io.StringIO(csv_text(response).removeprefix("\ufeff"))))
        assert rows and first in rows[0]
        if table == "settlements":
            s2 = world.settlements["s2"]
            [row] = [r for r in rows if r["payer"] == "Southdale"]
            own = [i for i in world.instalments if i.settlement_id == s2.pk]
            assert Decimal(row["after_12_months"]) == sum(
                world.outstanding(i, date(2021, 3, 31)) for i in own if i.due_on > date(2022, 3, 31)
            )
            assert row["agreed_on"] == s2.agreed_on.isoformat()
        else:
            assert sum(Decimal(r["creditor_within_12_months"]) for r in rows) == sum(
                Decimal(r["debtor_within_12_months"]) for r in rows
            )


def test_year_end_xlsx_has_both_tables_and_a_total(admin_client, world):
    response = admin_client.get(reverse("year_end"), {"fy": "2020/21", "format": "xlsx"})
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["By settlement", "By force"]
    sheet = workbook["By settlement"]
    assert sheet["A1"].value == "Year-end position at 31/03/2021"
    [total] = [row for row in sheet.iter_rows() if row[0].value == "Total"]
    fy = FinancialYear(2020)
    expected = sum(world.outstanding(i, fy.end) for i in world.instalments if i.settlement.agreed_on <= fy.end)
    assert Decimal(str(total[6].value)) == expected
    assert total[6].number_format == "£#,##0.00"


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_a_bad_year_refuses_a_year_end_export_with_400(admin_client, export):
    response = admin_client.get(reverse("year_end"), {"fy": "2019/21", "format": export})
    assert response.status_code == 400
    assert "did you mean 2019/20?" in response.content.decode()


def test_a_name_that_looks_like_a_formula_stays_text_in_excel(admin_client):
    alliance = factories.AllianceFactory(name='=HYPERLINK("http://example.com","x")')
    factories.InstalmentFactory(settlement=factories.SettlementFactory(alliance=alliance))
    sheet = xlsx_sheet(admin_client.get(reverse("instalments_due"), {"format": "xlsx"}))
    [row] = table_rows(sheet)
    assert row[0].value == alliance.name
    assert row[0].data_type == "s"


NAMES = ['Smith, Jones and "Partners"', "Line\nbreak", "Carriage\rreturn", " spaced ", "=SUM(A1)", "Zürich £ 東京"]


@pytest.mark.parametrize(
    "filters",
    [
        DueFilters(as_of=AS_OF),
        DueFilters(as_of=date(2020, 11, 1), statuses=("overdue", "part_paid")),
        DueFilters(as_of=date(2030, 1, 1)),
    ],
    ids=["as at 31/03/2021", "a past date with later payments", "after every payment"],
)
def test_postgresql_copy_writes_the_same_bytes_as_the_csv_module(world, filters):
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    for n, name in enumerate(NAMES):
        alliance = factories.AllianceFactory(name=name)
        settlement = factories.SettlementFactory(alliance=alliance, cash_amount=gbp("1000000.03"))
        due_on = date(2020, 4, n + 1)
        row = factories.InstalmentFactory(
            settlement=settlement, amount=gbp("1000000.03"), reserve_name=name, due_on=due_on
        )
        factories.PaymentFactory(instalment=row, amount=gbp("0.03"), paid_on=date(2021, 1, 1))
    rows = matching_instalments(filters, every_row=True)
    python = "".join(exports.due_csv_rows(rows))
    assert python.count("\r\n") >= len(NAMES)
    assert "".join(csv_copy.due_csv_rows(rows, lines_per_chunk=exports.LINES_PER_CHUNK)) == python


def year_end_oracle(world: World, fy: FinancialYear) -> tuple[dict, dict]:
    """Outstanding at 31 March, split at the next 31 March, summed here: per settlement and per force."""
    settlements, forces = {}, {}
    for instalment in world.agreed_by(fy.end):
        settlement = instalment.settlement
        owed = world.outstanding(instalment, fy.end)
        column = 0 if instalment.due_on <= fy.next().end else 1
        split = settlements.setdefault(settlement.pk, [Decimal("0.00"), Decimal("0.00")])
        split[column] += owed
        forces.setdefault(settlement.payer.short_name, [Decimal("0.00")] * 4)[column] += owed  # creditor
        forces.setdefault(settlement.payee.short_name, [Decimal("0.00")] * 4)[2 + column] += owed  # debtor
    return {pk: split for pk, split in settlements.items() if any(split)}, {
        force: split for force, split in forces.items() if any(split)
    }


def test_the_year_end_forces_csv_has_each_forces_four_columns_in_their_places(admin_client, world):
    fy = FinancialYear(2020)
    _, expected = year_end_oracle(world, fy)
    assert any(split[0] != split[1] != split[2] for split in expected.values())  # columns that differ
    response = admin_client.get(reverse("year_end"), {"fy": str(fy), "format": "csv", "table": "forces"})
    rows = list(csv.DictReader(io.StringIO(csv_text(response).removeprefix("\ufeff"))))
    columns = [
        "creditor_within_12_months",
        "creditor_after_12_months",
        "debtor_within_12_months",
        "debtor_after_12_months",
    ]
    assert {r["force"]: [Decimal(r[c]) for c in columns] for r in rows} == expected
    assert {r["currency"] for r in rows} == {"GBP"}


def test_the_year_end_xlsx_holds_every_column_of_both_tables(admin_client, world):
    fy = FinancialYear(2020)
    by_settlement, by_force = year_end_oracle(world, fy)
    response = admin_client.get(reverse("year_end"), {"fy": str(fy), "format": "xlsx"})
    workbook = load_workbook(io.BytesIO(response.content))

    def table(sheet, first_header):
        rows = [[cell.value for cell in row] for row in workbook[sheet].iter_rows()]
        start = next(n for n, row in enumerate(rows) if row[0] == first_header)
        return rows[start + 1 :]

    settlements = {s.pk: s for s in world.settlements.values()}
    expected = sorted(
        (
            [s.alliance.name, s.payer.short_name, s.payee.short_name, datetime(*s.agreed_on.timetuple()[:3]),
             within, after, within + after, "GBP"]
            for pk, (within, after) in by_settlement.items()
            for s in [settlements[pk]]
        ),
        key=lambda row: row[3],
    )  # fmt: skip
    *shown, total = table("By settlement", "Alliance")
    assert [[*row[:4], *(Decimal(str(v)) for v in row[4:7]), row[7]] for row in shown] == expected
    assert [Decimal(str(v)) for v in total[4:7]] == [sum(row[n] for row in expected) for n in (4, 5, 6)]
    forces = {row[0]: [Decimal(str(v)) for v in row[1:5]] for row in table("By force", "Force")}
    assert forces == by_force
