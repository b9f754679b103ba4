"""The due report's sorting, search and paid-instalment filter, on the page and in both exports."""

import csv
import io
import re
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from settlements.exports import DUE_HEADER
from settlements.money import gbp
from settlements.services import ExplicitAmounts, record_payment
from tests import factories

pytestmark = pytest.mark.django_db

AS_OF = "2021-03-31"


@pytest.fixture
def rows() -> dict:
    """Two settlements whose instalments tie on due date, amount and outstanding; one paid, one part paid.

    Welsh: Dyfed-Powys pays Gwent under "Cynghrair Tân a Dŵr". Formula-like: Avon pays Wiltshire under
    "=SUM(1+1) joint working", with a payment referenced "=CMD-7".
    """
    dyfed = factories.ForceFactory(short_name="Dyfed-Powys", name="Heddlu Dyfed-Powys")
    gwent = factories.ForceFactory(short_name="Gwent", name="Gwent Police")
    avon = factories.ForceFactory(short_name="Avon", name="Avon and Somerset Police")
    wilts = factories.ForceFactory(short_name="Wiltshire", name="Wiltshire Police")
    welsh = factories.AllianceFactory(name="Cynghrair Tân a Dŵr", members=[dyfed, gwent])
    formula = factories.AllianceFactory(name="=SUM(1+1) joint working", members=[avon, wilts])
    a = factories.DraftSettlementFactory(alliance=welsh, payer=dyfed, payee=gwent, cash_amount=gbp("300.00"))
    b = factories.DraftSettlementFactory(alliance=formula, payer=avon, payee=wilts, cash_amount=gbp("300.00"))
    lines_a = ((date(2020, 4, 30), gbp("100.00")), (date(2020, 10, 31), gbp("100.00")), (date(2021, 4, 30), gbp("100")))
    lines_b = ((date(2020, 4, 30), gbp("100.00")), (date(2020, 10, 31), gbp("200.00")))
    a1, a2, a3 = factories.scheduled(settlement=a, terms=ExplicitAmounts(lines_a))
    b1, b2 = factories.scheduled(settlement=b, terms=ExplicitAmounts(lines_b))
    record_payment(instalment=a1, amount=gbp("100.00"), paid_on=date(2020, 4, 30), reference="BACS-Ŵ-001")
    record_payment(instalment=b1, amount=gbp("40.00"), paid_on=date(2020, 4, 30), reference="=CMD-7")
    return {"a1": a1, "a2": a2, "a3": a3, "b1": b1, "b2": b2}


def due(client, **params):
    return client.get(reverse("instalments_due"), {"as_of": AS_OF, **params})


def names(response, rows) -> list[str]:
    by_pk = {row.pk: name for name, row in rows.items()}
    return [by_pk[row.pk] for row in response.context["page"]]


def csv_keys(client, **params) -> list[tuple[str, str]]:
    response = due(client, format="csv", **params)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == DUE_HEADER
    return [(line[1], line[4]) for line in lines[1:]]


def xlsx_keys(client, **params) -> list[tuple[str, str]]:
    sheet = load_workbook(io.BytesIO(due(client, format="xlsx", **params).content))["Instalments due"]
    found = [(row[1].value, row[4].value) for row in sheet.iter_rows() if row[0].value not in {None, "Total"}]
    start = next(n for n, (payer, _) in enumerate(found) if payer == "Payer") + 1
    return [(payer, day.date().isoformat()) for payer, day in found[start:]]


def keys(rows, order: list[str]) -> list[tuple[str, str]]:
    return [(rows[name].settlement.payer.short_name, rows[name].due_on.isoformat()) for name in order]


# Still to pay as at 31/03/2021: b1 £100 (£60 outstanding), a2 £100, a3 £100, b2 £200; a1 is paid.
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["b1", "b2", "a2", "a3"]),  # due date; on 31/10/2020 Avon before Dyfed-Powys
        ("due", ["b1", "b2", "a2", "a3"]),
        ("-due", ["a3", "b2", "a2", "b1"]),  # latest first; ties still in the tie-break's order
        ("amount", ["b1", "a2", "a3", "b2"]),  # three at £100 in due-date order
        ("-amount", ["b2", "b1", "a2", "a3"]),
        ("outstanding", ["b1", "a2", "a3", "b2"]),
        ("-outstanding", ["b2", "a2", "a3", "b1"]),
        ("payer", ["b1", "b2", "a2", "a3"]),
        ("-payer", ["a2", "a3", "b1", "b2"]),
        ("payee", ["a2", "a3", "b1", "b2"]),
        ("-payee", ["b1", "b2", "a2", "a3"]),
        ("settlement__payer__password", ["b1", "b2", "a2", "a3"]),  # not a known order: the default
        ("-pk", ["b1", "b2", "a2", "a3"]),
    ],
)
def test_the_report_and_its_exports_sort_with_a_stable_tie_break(admin_client, rows, sort, expected):
    response = due(admin_client, sort=sort)
    assert response.status_code == 200
    assert names(response, rows) == expected
    assert csv_keys(admin_client, sort=sort) == keys(rows, expected)
    assert xlsx_keys(admin_client, sort=sort) == keys(rows, expected)


def test_the_sorted_column_says_so_and_its_link_reverses_the_order(admin_client, rows):
    html = due(admin_client, sort="amount").content.decode()
    [amount] = re.findall(r'<th scope="col" class="numeric" aria-sort="[a-z]+"><a href="[^"]+"', html)
    assert 'aria-sort="ascending"' in amount and "sort=-amount" in amount
    assert html.count("aria-sort=") == 1
    assert "sorted by amount, smallest first" in html
    html = due(admin_client, sort="-amount", page="2").content.decode()
    assert re.search(r'aria-sort="descending"><a href="\?[^"]*sort=amount', html)
    assert "page=2" not in re.search(r'aria-sort="descending"><a href="([^"]+)"', html)[1]
    assert 'aria-sort="ascending"' in due(admin_client).content.decode().split("Due on")[0][-200:]


def test_filtering_keeps_the_order_chosen(admin_client, rows):
    response = due(admin_client, sort="-amount")
    assert '<input type="hidden" name="sort" value="-amount"' in response.content.decode()
    assert ("Sorted by", "amount, largest first") in response.context["filters"].describe()


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("dŵr", ["a2", "a3"]),  # the alliance's name, Welsh letters and all
        ("Tân a Dŵr", ["a2", "a3"]),
        ("gwent", ["a2", "a3"]),  # the payee's short name, any case
        ("Heddlu", ["a2", "a3"]),  # the payer's full name
        ("wiltshire police", ["b1", "b2"]),
        ("=SUM(1+1)", ["b1", "b2"]),  # a formula-like name is text like any other
        ("=sum(", ["b1", "b2"]),
        ("=CMD", ["b1"]),  # a payment reference
        ("BACS-Ŵ", []),  # a1's reference: a1 is paid, so left out
        ("+", ["b1", "b2"]),
        ("%", []),  # no wildcard: nothing is named with a percent sign
        ("_", []),
        ("  Gwent  ", ["a2", "a3"]),
        ("Atlantis", []),
    ],
)
def test_the_search_looks_in_alliance_force_names_and_payment_references(admin_client, rows, q, expected):
    response = due(admin_client, q=q)
    assert response.status_code == 200
    assert names(response, rows) == expected
    assert csv_keys(admin_client, q=q) == keys(rows, expected)
    assert [payer for payer, _ in xlsx_keys(admin_client, q=q)] == [p for p, _ in keys(rows, expected)]


def test_a_search_finds_a_paid_instalment_by_its_reference_once_paid_ones_are_included(admin_client, rows):
    assert names(due(admin_client, q="bacs-Ŵ-001", include_paid="on"), rows) == ["a1"]


@pytest.mark.parametrize(("as_of", "found"), [("2020-04-29", []), ("2020-04-30", ["b1"]), ("2020-05-01", ["b1"])])
def test_a_reference_is_found_from_the_day_of_its_payment(admin_client, rows, as_of, found):
    assert names(due(admin_client, q="=CMD-7", as_of=as_of), rows) == found


def test_a_search_longer_than_100_characters_is_refused_by_the_filter(admin_client, rows):
    response = due(admin_client, q="x" * 101)
    assert response.status_code == 400
    assert "at most 100 characters" in response.content.decode()


def test_the_csv_cells_of_a_formula_like_name_stay_neutralised_when_searched(admin_client, rows):
    response = due(admin_client, q="=SUM", format="csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "\n'=SUM(1+1) joint working,Avon," in text.replace("\r\n", "\n")


# a1 (£100, due 30/04/2020) is paid in full on 30/04/2020.
@pytest.mark.parametrize(
    ("as_of", "shown"),
    [("2020-04-29", True), ("2020-04-30", False), ("2020-05-01", False)],
)
def test_paid_instalments_are_left_out_unless_asked_for(admin_client, rows, as_of, shown):
    assert ("a1" in names(due(admin_client, as_of=as_of), rows)) is shown
    assert "a1" in names(due(admin_client, as_of=as_of, include_paid="on"), rows)
    exported = csv_keys(admin_client, as_of=as_of)
    assert (keys(rows, ["a1"])[0] in exported) is shown


def test_choosing_the_paid_status_shows_the_paid_ones(admin_client, rows):
    assert names(due(admin_client, status="paid"), rows) == ["a1"]
    assert names(due(admin_client, status=["paid", "overdue"]), rows) == ["b1", "a1", "b2", "a2"]


def test_the_paid_filter_is_one_labelled_tick_away_and_named_in_the_scope(admin_client, rows):
    response = due(admin_client)
    html = response.content.decode()
    assert re.search(r'<input type="checkbox" name="include_paid"(?![^>]*checked)[^>]* id="id_include_paid">', html)
    assert '<label for="id_include_paid">Include paid instalments</label>' in html
    assert ("Paid instalments", "Left out") in response.context["filters"].describe()
    totals = response.context["totals"]
    assert totals == {"amount": gbp("500.00"), "paid": gbp("40.00"), "outstanding": gbp("460.00")}
    assert "£460.00" in response.content.decode().split("<tfoot>")[1]
    included = due(admin_client, include_paid="on")
    assert included.context["totals"] == {"amount": gbp("600.00"), "paid": gbp("140.00"), "outstanding": gbp("460.00")}
    assert "Paid instalments" not in dict(included.context["filters"].describe())


def test_the_xlsx_scope_names_the_search_the_order_and_what_is_left_out(admin_client, rows):
    sheet = load_workbook(io.BytesIO(due(admin_client, format="xlsx", q="Gwent", sort="-amount").content)).active
    scope = {row[0].value: row[1].value for row in sheet.iter_rows(max_row=8) if len(row) > 1 and row[1].value}
    assert scope["Search"] == "“Gwent”"
    assert scope["Paid instalments"] == "Left out"
    assert scope["Sorted by"] == "amount, largest first"


def test_the_payer_link_opens_the_instalment(admin_client, rows):
    html = due(admin_client).content.decode()
    instalment_url = reverse("admin:settlements_instalment_change", args=[rows["a2"].pk])
    assert f'<a href="{instalment_url}">Dyfed-Powys' in html
    settlement_url = reverse("admin:settlements_settlement_change", args=[rows["a2"].settlement_id])
    assert f'<a href="{settlement_url}">Dyfed-Powys' not in html


def test_the_alliance_filter_takes_a_typed_name(admin_client, rows, monkeypatch):
    monkeypatch.setattr("settlements.filters.ALLIANCES_LISTED", 1)
    assert names(due(admin_client, alliance="Cynghrair Tân a Dŵr"), rows) == ["a2", "a3"]
    assert csv_keys(admin_client, alliance="Cynghrair Tân a Dŵr") == keys(rows, ["a2", "a3"])
    response = due(admin_client, alliance="Cynghrair")
    assert response.status_code == 400
    assert "No alliance is called “Cynghrair”: choose one from the list." in response.content.decode()
