"""Reports as at a date in a closed year are the same, byte for byte, after every change still allowed."""

import hashlib
import io
from datetime import date

import pytest
from django.urls import reverse
from djmoney.money import Money
from openpyxl import load_workbook

from settlements import roles, services
from settlements.fiscal import FinancialYear
from tests import factories
from tests.access_helpers import make_user

pytestmark = pytest.mark.django_db

AS_AT = date(2021, 3, 31)
TODAY = date(2026, 11, 30)


def gbp(amount: str) -> Money:
    return Money(amount, "GBP")


def body(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content) if response.streaming else response.content


def xlsx_cells(content: bytes) -> dict:
    """Every sheet's cell values and number formats; not the workbook's properties, which say when it was made."""
    book = load_workbook(io.BytesIO(content))
    return {
        sheet.title: [[(cell.value, cell.number_format) for cell in row] for row in sheet.iter_rows()]
        for sheet in book.worksheets
    }


def reports(client) -> dict:
    """The year-end position of 2020/21 and the due report as at 31/03/2021, in every export."""
    year_end, due = reverse("year_end"), reverse("instalments_due")
    csvs = {
        "year-end by settlement": body(client.get(year_end, {"fy": "2020/21", "format": "csv"})),
        "year-end by force": body(client.get(year_end, {"fy": "2020/21", "format": "csv", "table": "forces"})),
        "due as at 31/03/2021": body(client.get(due, {"as_of": AS_AT.isoformat(), "format": "csv"})),
        "due in 2021/22 as at 31/03/2021": body(
            client.get(due, {"as_of": AS_AT.isoformat(), "fy": "2021/22", "format": "csv"})
        ),
    }
    workbooks = {
        "year-end": xlsx_cells(body(client.get(year_end, {"fy": "2020/21", "format": "xlsx"}))),
        "due": xlsx_cells(body(client.get(due, {"as_of": AS_AT.isoformat(), "format": "xlsx"}))),
    }
    return {"csv": csvs, "xlsx": workbooks}


def sha256(reports_: dict) -> dict:
    return {name: hashlib.sha256(content).hexdigest() for name, content in reports_["csv"].items()}


@pytest.fixture
def people():
    return {
        "editor": make_user(roles.FINANCE_EDITOR, "eddie"),
        "alice": make_user(roles.FINANCE_APPROVER, "alice"),
        "bob": make_user(roles.FINANCE_APPROVER, "bob"),
    }


@pytest.fixture
def signed_2020(people):
    """The seed case's shape: £10.5m agreed 30/03/2020 in three instalments, part paid by 31/03/2021; 2020/21 closed."""
    settlement = factories.SettlementFactory(agreed_on=date(2020, 3, 30), cash_amount=gbp("10500000.00"))
    rows = [
        factories.InstalmentFactory(settlement=settlement, number=n, due_on=due, amount=gbp(amount))
        for n, (due, amount) in enumerate(
            [(date(2020, 4, 30), "6000000.00"), (date(2021, 3, 31), "2500000.00"), (date(2021, 7, 31), "2000000.00")],
            start=1,
        )
    ]
    pay(rows[0], date(2020, 4, 30), "6000000.00", "WM-2020-001")
    pay(rows[1], date(2021, 3, 31), "1000000.00", "WM-2021-001")
    services.close_financial_year(financial_year=FinancialYear(2020), closed_by=people["alice"], note="Signed")
    return settlement, rows


def pay(instalment, paid_on, amount, reference):
    return services.record_payment(
        instalment=instalment, amount=gbp(amount), paid_on=paid_on, reference=reference, today=TODAY
    )


def every_later_change(settlement, rows, people):
    """A later payment, a backdated payment and a reversal in the open year, a later revision, a new settlement."""
    late = pay(rows[1], date(2021, 4, 15), "1500000.00", "WM-2021-002")  # paid late, in 2021/22
    services.reverse_payment(
        payment=late, reversed_on=date(2021, 4, 16), reason="Keyed twice", reference="WM-2021-002R", today=TODAY
    )
    pay(rows[1], date(2021, 4, 2), "1500000.00", "WM-2021-003")  # keyed today, backdated inside the open year
    revision = services.revise_schedule(
        settlement=settlement,
        terms=services.ExplicitAmounts(
            lines=((date(2022, 5, 31), gbp("1000000.00")), (date(2023, 5, 31), gbp("1000000.00")))
        ),
        revised_on=date(2021, 6, 1),
        reason="Payment period extended",
        decision_reference="Joint board minute 2021/07",
        created_by=people["editor"],
        today=TODAY,
    )
    services.approve_schedule_revision(revision=revision, approved_by=people["bob"])
    later = factories.SettlementFactory(
        status="draft", agreed_on=date(2021, 5, 1), cash_amount=gbp("250000.00"), entered_by=people["editor"]
    )
    new_rows = services.confirm_schedule(
        settlement=later, terms=services.EvenSplit(count=2, every_months=6, first_due_on=date(2021, 6, 30))
    )
    later.refresh_from_db()  # approve the version as it now stands, with its schedule
    services.approve_settlement(settlement=later, approved_by=people["alice"])
    pay(new_rows[0], date(2021, 6, 30), "125000.00", "NS-2021-001")


def test_a_closed_years_reports_are_the_same_after_every_allowed_change(client, people, signed_2020):
    client.force_login(people["alice"])
    before = reports(client)
    every_later_change(*signed_2020, people)
    after = reports(client)
    assert sha256(after) == sha256(before)
    assert after["csv"] == before["csv"]
    assert after["xlsx"] == before["xlsx"]


def test_the_same_changes_do_show_in_the_open_year(client, people, signed_2020):
    client.force_login(people["alice"])
    due = reverse("instalments_due")
    before = body(client.get(due, {"as_of": "2021-09-30", "format": "csv"}))
    every_later_change(*signed_2020, people)
    after = body(client.get(due, {"as_of": "2021-09-30", "format": "csv"}))
    assert after != before
    assert b"2022-05-31" in after and b"2022-05-31" not in before
