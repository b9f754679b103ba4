"""Every CSV export neutralises a cell a spreadsheet would run as a formula; numbers stay numbers."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from djmoney.money import Money

from settlements.exports import csv_lines, neutralised
from tests import factories

DANGEROUS = ["=", "+", "-", "@", "\t", "\r"]
NAMES = {
    "=": '=HYPERLINK("http://x","y")',
    "+": "+SUM(1)",
    "-": "-1+1",
    "@": "@cmd",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}


@pytest.mark.parametrize("prefix", DANGEROUS, ids=repr)
def test_text_starting_with_a_formula_character_is_put_behind_a_quote(prefix):
    assert neutralised(NAMES[prefix]) == "'" + NAMES[prefix]


@pytest.mark.parametrize("value", ["West Mercia", "2020/21", "", "a=b", "GBP"])
def test_plain_text_is_left_alone(value):
    assert neutralised(value) == value


def test_a_negative_amount_stays_a_number_while_text_that_looks_like_one_is_quoted():
    line = "".join(csv_lines([[Decimal("-1234.50"), -3, "-1234.50", Decimal("0.00")]]))
    assert line == "-1234.50,-3,'-1234.50,0.00\r\n"


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def assert_no_cell_starts_with_a_formula_character(rows, prefix):
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(prefix) and not is_number(cell)]
    assert any(cell.startswith("'" + prefix) for cell in cells)


def is_number(cell: str) -> bool:
    try:
        Decimal(cell)
    except ArithmeticError:
        return False
    return True


@pytest.fixture
def hostile(db, request):
    """A settlement between forces, in an alliance, and from a reserve, all named with one dangerous prefix."""
    name = NAMES[request.param]
    payer = factories.ForceFactory(short_name=f"{name} payer", name=f"{name} Police")
    payee = factories.ForceFactory(short_name=f"{name} payee", name=f"{name} Constabulary")
    alliance = factories.AllianceFactory(name=f"{name} alliance", members=[payer, payee])
    settlement = factories.SettlementFactory(
        alliance=alliance, payer=payer, payee=payee, agreed_on=date(2020, 3, 30), cash_amount=Money("10", "GBP")
    )
    factories.InstalmentFactory(
        settlement=settlement, number=1, due_on=date(2020, 4, 30), amount=Money("10", "GBP"), reserve_name=name
    )
    return request.param


@pytest.mark.parametrize("hostile", DANGEROUS, indirect=True, ids=repr)
@pytest.mark.parametrize(
    ("view", "params"),
    [
        ("instalments_due", {"as_of": "31/03/2021"}),
        ("year_end", {"fy": "2019/20", "table": "settlements"}),
        ("year_end", {"fy": "2019/20", "table": "forces"}),
    ],
)
def test_every_csv_export_neutralises_each_dangerous_prefix(admin_client, hostile, view, params):
    response = admin_client.get(reverse(view), {**params, "format": "csv"})
    assert response.status_code == 200
    rows = rows_of(b"".join(response.streaming_content).decode())
    assert len(rows) > 1
    assert_no_cell_starts_with_a_formula_character(rows, hostile)


@pytest.mark.parametrize("hostile", DANGEROUS, indirect=True, ids=repr)
def test_the_digest_csv_neutralises_each_dangerous_prefix(django_user_model, hostile):
    user = django_user_model.objects.create_user("editor", "editor@example.police.uk")
    user.groups.add(Group.objects.get(name="finance_editor"))
    call_command("send_due_digest", "--as-of", "2020-04-01", stdout=io.StringIO())
    [(_, content, _)] = mail.outbox[0].attachments
    assert_no_cell_starts_with_a_formula_character(rows_of(content), hostile)


@pytest.mark.django_db
def test_amounts_in_the_csv_are_bare_numbers(admin_client):
    factories.InstalmentFactory(due_on=date(2020, 4, 30), amount=Money("1234.50", "GBP"))
    response = admin_client.get(reverse("instalments_due"), {"as_of": "31/03/2021", "format": "csv"})
    [_, row] = rows_of(b"".join(response.streaming_content).decode())
    assert row[6:10] == ["1234.50", "GBP", "0.00", "1234.50"]
