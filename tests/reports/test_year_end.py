import random
import re
from datetime import date

import pytest
from django.urls import reverse

from settlements.fiscal import FinancialYear
from settlements.money import format_gbp, from_pence, gbp
from settlements.reports.year_end import latest_year_with_outstanding, year_end_position
from settlements.services import ExplicitAmounts, confirm_schedule, record_payment
from tests.factories import DraftSettlementFactory, ForceFactory, scheduled

pytestmark = pytest.mark.django_db

FY_2019 = FinancialYear.parse("2019/20")
FY_2020 = FinancialYear.parse("2020/21")


def schedule(settlement, *lines):
    return scheduled(settlement=settlement, terms=ExplicitAmounts(tuple((d, gbp(a)) for d, a in lines)))


@pytest.fixture
def seed_case():
    settlement = DraftSettlementFactory(cash_amount=gbp("10500000.00"), agreed_on=date(2020, 3, 30))
    instalments = schedule(
        settlement,
        (date(2020, 4, 30), "6500000.00"),
        (date(2021, 3, 31), "2000000.00"),
        (date(2021, 4, 1), "2000000.00"),
    )
    return settlement, instalments


def test_a_settlement_agreed_before_31_march_is_split_at_the_next_31_march(seed_case):
    settlement, _ = seed_case
    position = year_end_position(FY_2019)
    assert position.as_at == date(2020, 3, 31)
    (only,) = position.settlements
    assert only.settlement == settlement
    assert (only.within_12_months, only.after_12_months) == (gbp("8500000.00"), gbp("2000000.00"))
    assert only.total == gbp("10500000.00")
    assert (position.within_12_months, position.after_12_months, position.total) == (
        gbp("8500000.00"),
        gbp("2000000.00"),
        gbp("10500000.00"),
    )


def test_payments_after_31_march_are_not_counted_and_overdue_amounts_are_within_12_months(seed_case):
    _settlement, (first, second, _third) = seed_case
    record_payment(instalment=first, amount=gbp("6500000.00"), paid_on=date(2020, 4, 30), reference="R1")
    record_payment(instalment=second, amount=gbp("1000000.00"), paid_on=date(2021, 3, 31), reference="R2")
    record_payment(instalment=second, amount=gbp("1000000.00"), paid_on=date(2021, 4, 1), reference="R3")
    (only,) = year_end_position(FY_2020).settlements
    assert (only.within_12_months, only.after_12_months) == (gbp("3000000.00"), gbp("0.00"))


def test_the_payer_is_a_creditor_and_the_payee_a_debtor(seed_case):
    settlement, _ = seed_case
    forces = {fp.force: fp for fp in year_end_position(FY_2019).forces}
    payer, payee = forces[settlement.payer], forces[settlement.payee]
    assert (payer.creditor_within_12_months, payer.creditor_after_12_months) == (
        gbp("8500000.00"),
        gbp("2000000.00"),
    )
    assert (payer.debtor_within_12_months, payer.debtor_after_12_months) == (gbp("0.00"), gbp("0.00"))
    assert (payee.debtor_within_12_months, payee.debtor_after_12_months) == (gbp("8500000.00"), gbp("2000000.00"))
    assert (payee.creditor_within_12_months, payee.creditor_after_12_months) == (gbp("0.00"), gbp("0.00"))


def test_settlements_agreed_after_31_march_or_fully_paid_are_left_out(seed_case):
    later = DraftSettlementFactory(cash_amount=gbp("10.00"), agreed_on=date(2020, 4, 1))
    schedule(later, (date(2020, 5, 1), "10.00"))
    paid = DraftSettlementFactory(cash_amount=gbp("5.00"), agreed_on=date(2019, 4, 1))
    (instalment,) = schedule(paid, (date(2019, 5, 1), "5.00"))
    record_payment(instalment=instalment, amount=gbp("5.00"), paid_on=date(2019, 5, 1), reference="R1")
    assert [p.settlement for p in year_end_position(FY_2019).settlements] == [seed_case[0]]
    assert {p.settlement for p in year_end_position(FY_2020).settlements} == {seed_case[0], later}


def test_force_positions_add_up_to_the_whole(seed_case):
    settlement, _ = seed_case
    third = ForceFactory()
    settlement.alliance.members.add(third)
    other = DraftSettlementFactory(
        alliance=settlement.alliance, payer=third, payee=settlement.payer, cash_amount=gbp("0.03")
    )
    schedule(other, (date(2020, 3, 31), "0.01"), (date(2022, 1, 1), "0.02"))
    position = year_end_position(FY_2019)
    creditors = sum((f.creditor_within_12_months + f.creditor_after_12_months for f in position.forces), gbp("0"))
    debtors = sum((f.debtor_within_12_months + f.debtor_after_12_months for f in position.forces), gbp("0"))
    assert creditors == debtors == position.total == sum((p.total for p in position.settlements), gbp("0"))
    assert position.total == gbp("10500000.03")


def test_the_position_takes_a_fixed_number_of_queries(seed_case, django_assert_max_num_queries):
    for _ in range(5):
        settlement = DraftSettlementFactory(cash_amount=gbp("100.00"), agreed_on=date(2019, 4, 1))
        schedule(settlement, (date(2019, 5, 1), "40.00"), (date(2022, 5, 1), "60.00"))
    with django_assert_max_num_queries(2):
        position = year_end_position(FY_2019)
        names = [
            (p.settlement.payer.name, p.settlement.payee.name, p.settlement.alliance.name) for p in position.settlements
        ]
    assert len(names) == 6


def test_the_page_lists_settlements_a_page_at_a_time_with_totals_of_all(admin_client, seed_case, monkeypatch):
    monkeypatch.setattr("settlements.views.reports.YEAR_END_PAGE_SIZE", 2)
    for _ in range(2):
        settlement = DraftSettlementFactory(cash_amount=gbp("100.00"), agreed_on=date(2019, 4, 1))
        schedule(settlement, (date(2019, 5, 1), "40.00"), (date(2022, 5, 1), "60.00"))
    position = year_end_position(FY_2019)
    first = admin_client.get(reverse("year_end"), {"fy": str(FY_2019)})
    second = admin_client.get(reverse("year_end"), {"fy": str(FY_2019), "page": 2})
    assert [p.settlement_id for p in first.context["page"]] == [p.settlement_id for p in position.settlements[:2]]
    assert [p.settlement_id for p in second.context["page"]] == [position.settlements[2].settlement_id]
    assert "1 to 2 of 3" in first.text and "Total of all 3" in first.text
    assert format_gbp(position.total) in first.text and format_gbp(position.total) in second.text
    csv_lines = b"".join(admin_client.get(reverse("year_end"), {"fy": str(FY_2019), "format": "csv"}).streaming_content)
    assert csv_lines.count(b"\n") == 1 + 3


@pytest.fixture
def paid_by_2021():
    """£300 agreed 30/03/2020: £100 due 30/04/2020 and 31/03/2021, paid on the day; £100 due 01/04/2021."""
    settlement = DraftSettlementFactory(cash_amount=gbp("300.00"), agreed_on=date(2020, 3, 30))
    instalments = schedule(
        settlement, (date(2020, 4, 30), "100.00"), (date(2021, 3, 31), "100.00"), (date(2021, 4, 1), "100.00")
    )
    for n, instalment in enumerate(instalments[:2]):
        record_payment(instalment=instalment, amount=gbp("100.00"), paid_on=instalment.due_on, reference=f"YE-{n}")
    return instalments


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2021, 3, 30), FY_2019),  # 2020/21 has not ended: the last year to have ended is 2019/20
        (date(2021, 3, 31), FY_2019),
        (date(2021, 4, 1), FY_2020),  # £100 was outstanding at 31/03/2021
        (date(2024, 4, 1), FY_2020),  # nothing outstanding at the end of 2021/22, 2022/23 or 2023/24
    ],
)
def test_the_year_end_opens_on_the_latest_ended_year_with_something_outstanding(paid_by_2021, today, expected):
    record_payment(instalment=paid_by_2021[2], amount=gbp("100.00"), paid_on=date(2021, 4, 1), reference="YE-3")
    assert latest_year_with_outstanding(today) == expected


@pytest.mark.parametrize(
    ("paid_on", "expected"),
    [(date(2021, 3, 30), FY_2019), (date(2021, 3, 31), FY_2019), (date(2021, 4, 1), FY_2020)],
)
def test_a_year_whose_last_amount_was_paid_by_31_march_is_passed_over(paid_by_2021, paid_on, expected):
    record_payment(instalment=paid_by_2021[2], amount=gbp("100.00"), paid_on=paid_on, reference="YE-3")
    assert latest_year_with_outstanding(date(2024, 4, 1)) == expected


def test_with_nothing_ever_outstanding_the_year_end_opens_on_the_last_year_to_have_ended(db):
    assert latest_year_with_outstanding(date(2024, 4, 1)) == FinancialYear(2023)


def test_a_draft_counts_only_when_what_awaits_approval_is_included(paid_by_2021):
    record_payment(instalment=paid_by_2021[2], amount=gbp("100.00"), paid_on=date(2021, 4, 1), reference="YE-3")
    draft = DraftSettlementFactory(cash_amount=gbp("5.00"), agreed_on=date(2022, 6, 1))
    confirm_schedule(settlement=draft, terms=ExplicitAmounts(((date(2023, 6, 1), gbp("5.00")),)))
    assert latest_year_with_outstanding(date(2024, 4, 1)) == FY_2020
    assert latest_year_with_outstanding(date(2024, 4, 1), include_pending=True) == FinancialYear(2023)


def test_the_page_opens_on_that_year_and_shows_it_in_the_box(admin_client, paid_by_2021, monkeypatch):
    record_payment(instalment=paid_by_2021[2], amount=gbp("100.00"), paid_on=date(2021, 4, 1), reference="YE-3")
    monkeypatch.setattr("settlements.filters.timezone.localdate", lambda: date(2024, 4, 1))
    response = admin_client.get(reverse("year_end"))
    assert response.context["position"].financial_year == FY_2020
    assert re.search(r'<input type="text" name="fy" value="2020/21"', response.text)
    assert "Year-end position at 31 March 2021" in response.text
    typed = admin_client.get(reverse("year_end"), {"fy": "2022/23"})
    assert typed.context["position"].financial_year == FinancialYear(2022)
    assert re.search(r'<input type="text" name="fy" value="2022/23"', typed.text)


def test_both_tables_have_a_totals_row_exact_in_pence(admin_client):
    """Awkward amounts over many settlements and forces: the totals on the page are the sums to the penny."""
    rng = random.Random(7)
    within = after = 0
    for n in range(12):
        payer, payee = ForceFactory(short_name=f"Payer {n % 5}"), ForceFactory(short_name=f"Payee {n % 3}")
        first, second = rng.randrange(1, 10**11), rng.randrange(1, 10**11)
        settlement = DraftSettlementFactory(
            payer=payer, payee=payee, cash_amount=from_pence(first + second), agreed_on=date(2020, 3, 1)
        )
        schedule(
            settlement,
            (date(2020, 6, 30), str(from_pence(first).amount)),
            (date(2022, 6, 30), str(from_pence(second).amount)),
        )
        within, after = within + first, after + second
    response = admin_client.get(reverse("year_end"), {"fy": "2020/21"})
    html = response.text
    settlement_foot, force_foot = re.findall(r"<tfoot>(.*?)</tfoot>", html, flags=re.S)
    cells = re.findall(r'<td class="numeric">([^<]+)</td>', settlement_foot)
    assert cells == [
        format_gbp(from_pence(within)),
        format_gbp(from_pence(after)),
        format_gbp(from_pence(within + after)),
    ]
    cells = re.findall(r'<td class="numeric">([^<]+)</td>', force_foot)
    assert cells == [format_gbp(from_pence(within)), format_gbp(from_pence(after))] * 2
    forces = response.context["position"].forces
    assert sum(f.creditor_within_12_months.amount for f in forces) == from_pence(within).amount
    assert sum(f.debtor_after_12_months.amount for f in forces) == from_pence(after).amount
