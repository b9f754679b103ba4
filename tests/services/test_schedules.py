from datetime import date

import pytest
from django.core.exceptions import ValidationError

from settlements import services
from settlements.fiscal import FinancialYear
from settlements.models import Instalment
from settlements.money import gbp
from settlements.reports import balances
from settlements.services import (
    EvenSplit,
    ExplicitAmounts,
    ScheduleTerms,
    confirm_schedule,
    preview_revision,
    preview_schedule,
    record_payment,
    revise_schedule,
    schedule_before,
    split_evenly,
    validate_schedule_total,
)
from tests.factories import (
    DraftSettlementFactory,
    PaymentFactory,
    SettlementFactory,
    approve_revision,
    scheduled,
)

pytestmark = pytest.mark.django_db


def amounts(instalments):
    return [str(i.amount.amount) for i in instalments]


def test_split_evenly_gives_the_odd_pennies_to_the_earliest_parts():
    assert split_evenly(gbp("10.00"), 3) == [gbp("3.34"), gbp("3.33"), gbp("3.33")]
    assert split_evenly(gbp("10500000.00"), 3) == [gbp("3500000.00")] * 3


@pytest.mark.parametrize(
    ("total", "parts"),
    [("0.00", 1), ("-1.00", 2), ("1.00", 0), ("1.00", -1), ("0.02", 3)],
)
def test_split_evenly_refuses_what_cannot_be_split(total, parts):
    with pytest.raises(ValueError, match="split"):
        split_evenly(gbp(total), parts)


def test_split_evenly_allows_one_penny_each():
    assert split_evenly(gbp("0.03"), 3) == [gbp("0.01")] * 3


def test_preview_lists_every_instalment_with_its_year_and_the_total():
    settlement = DraftSettlementFactory(cash_amount=gbp("10500000.00"))
    plan = preview_schedule(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 9, 30)))
    assert [(r.number, r.due_on, str(r.financial_year), r.amount) for r in plan.rows] == [
        (1, date(2020, 9, 30), "2020/21", gbp("3500000.00")),
        (2, date(2021, 3, 31), "2020/21", gbp("3500000.00")),
        (3, date(2021, 9, 30), "2021/22", gbp("3500000.00")),
    ]
    assert plan.total == settlement.cash_amount
    assert not Instalment.objects.exists()


def test_confirm_writes_the_schedule():
    settlement = DraftSettlementFactory(cash_amount=gbp("100.00"))
    confirm_schedule(settlement=settlement, terms=EvenSplit(3, 1, date(2020, 4, 30)), funding_source="general_reserve")
    saved = list(settlement.instalments.order_by("number"))
    assert amounts(saved) == ["33.34", "33.33", "33.33"]
    assert [i.due_on for i in saved] == [date(2020, 4, 30), date(2020, 5, 31), date(2020, 6, 30)]
    assert {i.funding_source for i in saved} == {"general_reserve"}


def test_monthly_instalments_from_31_january_hold_to_the_end_of_february():
    settlement = DraftSettlementFactory(agreed_on=date(2020, 1, 1), cash_amount=gbp("3.00"))
    plan = preview_schedule(settlement=settlement, terms=EvenSplit(3, 1, date(2021, 1, 31)))
    assert [r.due_on for r in plan.rows] == [date(2021, 1, 31), date(2021, 2, 28), date(2021, 3, 31)]


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        (date(2024, 9, 29), [date(2024, 9, 29), date(2025, 3, 29), date(2025, 9, 29), date(2026, 3, 29)]),
        (date(2024, 9, 30), [date(2024, 9, 30), date(2025, 3, 31), date(2025, 9, 30), date(2026, 3, 31)]),
        (date(2024, 10, 1), [date(2024, 10, 1), date(2025, 4, 1), date(2025, 10, 1), date(2026, 4, 1)]),
    ],
)
def test_a_first_due_date_on_a_month_end_gives_month_end_dates(first, expected):
    settlement = DraftSettlementFactory(agreed_on=date(2024, 9, 1), cash_amount=gbp("10.00"))
    plan = preview_schedule(settlement=settlement, terms=EvenSplit(count=4, every_months=6, first_due_on=first))
    assert [r.due_on for r in plan.rows] == expected
    assert [r.amount for r in plan.rows] == [gbp("2.50")] * 4


def test_a_revision_from_a_month_end_keeps_month_end_dates():
    settlement, _first = paid_first_of_three()
    terms = EvenSplit(count=3, every_months=6, first_due_on=date(2020, 9, 30))
    plan = preview_revision(settlement=settlement, terms=terms)
    assert [r.due_on for r in plan.rows] == [date(2020, 9, 30), date(2021, 3, 31), date(2021, 9, 30)]


def test_explicit_amounts_by_financial_year_fall_due_on_31_march():
    settlement = DraftSettlementFactory(cash_amount=gbp("10500000.00"))
    terms = ExplicitAmounts(
        ((FinancialYear.parse("2021/22"), gbp("4000000.00")), (FinancialYear.parse("2020/21"), gbp("6500000.00")))
    )
    instalments = confirm_schedule(settlement=settlement, terms=terms)
    assert [(i.number, i.due_on, i.amount) for i in instalments] == [
        (1, date(2021, 3, 31), gbp("6500000.00")),
        (2, date(2022, 3, 31), gbp("4000000.00")),
    ]


def test_explicit_amounts_that_do_not_add_up_are_refused_naming_the_difference():
    settlement = DraftSettlementFactory(cash_amount=gbp("10500000.00"))
    terms = ExplicitAmounts(((date(2020, 4, 30), gbp("6500000.00")), (date(2021, 4, 30), gbp("3999999.99"))))
    with pytest.raises(ValidationError) as error:
        preview_schedule(settlement=settlement, terms=terms)
    assert error.value.messages == [
        "instalments total £10,499,999.99 against a cash amount of £10,500,000.00: £0.01 unallocated"
    ]


def test_over_allocation_is_named():
    with pytest.raises(ValidationError, match=r"£10,500,000.01 against a cash amount of £10,500,000.00: £0.01 over"):
        validate_schedule_total(cash_amount=gbp("10500000.00"), amounts=[gbp("10000000.00"), gbp("500000.01")])


def test_no_instalments_is_not_yet_a_schedule():
    assert validate_schedule_total(cash_amount=gbp("1.00"), amounts=[]) is None  # nothing to add up yet
    with pytest.raises(ValidationError, match=r"£0\.01 unallocated"):  # one instalment is a schedule, and short
        validate_schedule_total(cash_amount=gbp("1.00"), amounts=[gbp("0.99")])
    with pytest.raises(ValidationError, match=r"£0\.00 against a cash amount of £1\.00"):
        validate_schedule_total(cash_amount=gbp("1.00"), amounts=[gbp("0.00")])


def test_an_instalment_cannot_fall_due_before_the_agreement():
    settlement = DraftSettlementFactory(agreed_on=date(2020, 3, 30))
    with pytest.raises(ValidationError, match="before the settlement was agreed"):
        preview_schedule(settlement=settlement, terms=EvenSplit(2, 1, date(2020, 3, 29)))


@pytest.mark.parametrize(("count", "every"), [(0, 1), (241, 1), (2, 0), (2, 121)])
def test_impossible_even_terms_are_refused(count, every):
    with pytest.raises(ValidationError):
        preview_schedule(settlement=DraftSettlementFactory(), terms=EvenSplit(count, every, date(2020, 4, 1)))


def test_more_instalments_than_pennies_is_refused():
    settlement = DraftSettlementFactory(cash_amount=gbp("0.02"))
    with pytest.raises(ValidationError, match="less than a penny each"):
        preview_schedule(settlement=settlement, terms=EvenSplit(3, 1, date(2020, 4, 1)))


def test_a_draft_schedule_is_replaced_by_a_new_one():
    settlement = DraftSettlementFactory(cash_amount=gbp("100.00"))
    confirm_schedule(settlement=settlement, terms=EvenSplit(4, 1, date(2020, 4, 30)))
    confirm_schedule(settlement=settlement, terms=EvenSplit(2, 1, date(2020, 4, 30)))
    assert amounts(settlement.instalments.all()) == ["50.00", "50.00"]


def test_generating_over_a_schedule_with_payments_is_refused():
    settlement = DraftSettlementFactory(cash_amount=gbp("100.00"))
    first, _second = confirm_schedule(settlement=settlement, terms=EvenSplit(2, 1, date(2020, 4, 30)))
    PaymentFactory(instalment=first, amount=gbp("1.00"))
    with pytest.raises(ValidationError, match="revise the schedule instead"):
        confirm_schedule(settlement=settlement, terms=EvenSplit(3, 1, date(2020, 4, 30)))
    assert settlement.instalments.count() == 2


def paid_first_of_three():
    settlement = DraftSettlementFactory(cash_amount=gbp("10500000.00"))
    first, _, _ = scheduled(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    record_payment(instalment=first, amount=gbp("1000000.00"), paid_on=date(2020, 4, 30), reference="R1")
    return settlement, first


def revise(settlement, terms, **kwargs):
    return revise_schedule(
        settlement=settlement,
        terms=terms,
        revised_on=kwargs.pop("revised_on", date(2020, 9, 1)),
        reason="Payment period extended to 16 months",
        decision_reference="Joint board minute 2020/14",
        **kwargs,
    )


def test_a_revision_replaces_only_the_instalments_without_payments():
    settlement, first = paid_first_of_three()
    revision = revise(settlement, EvenSplit(4, 2, date(2020, 11, 30)))
    current = list(settlement.instalments.current().order_by("number"))
    assert current[0] == first
    assert [i.number for i in current] == [1, 2, 3, 4, 5]
    assert amounts(current[1:]) == ["1750000.00"] * 4
    assert {i.introduced_by for i in current[1:]} == {revision}
    assert settlement.instalments.filter(superseded_by=revision).count() == 2
    assert revision.sequence == 1


def test_the_schedule_before_a_revision_stays_readable():
    settlement, _first = paid_first_of_three()
    original = amounts(settlement.instalments.order_by("number"))
    first_revision = revise(settlement, EvenSplit(4, 2, date(2020, 11, 30)))
    between = amounts(settlement.instalments.current().order_by("number"))
    approve_revision(first_revision)
    second_revision = revise(settlement, EvenSplit(1, 1, date(2021, 8, 31)), revised_on=date(2021, 1, 1))
    assert second_revision.sequence == 2
    assert amounts(schedule_before(first_revision)) == original
    assert amounts(schedule_before(second_revision)) == between
    assert amounts(settlement.instalments.current()) == ["3500000.00", "7000000.00"]


def test_a_revision_must_cover_exactly_the_unpaid_remainder():
    settlement, _first = paid_first_of_three()
    terms = ExplicitAmounts(((date(2021, 1, 31), gbp("7000000.01")),))
    with pytest.raises(ValidationError, match=r"against an unpaid remainder of £7,000,000\.00: £0\.01 over-allocated"):
        preview_revision(settlement=settlement, terms=terms)


def test_a_revision_needs_a_reason_and_a_decision():
    settlement, _first = paid_first_of_three()
    with pytest.raises(ValidationError) as error:
        revise_schedule(
            settlement=settlement,
            terms=EvenSplit(1, 1, date(2021, 1, 31)),
            revised_on=date(2020, 9, 1),
            reason=" ",
            decision_reference="",
        )
    assert set(error.value.message_dict) == {"reason", "decision_reference"}
    assert not settlement.revisions.exists()


def test_a_fully_paid_schedule_has_nothing_to_revise():
    settlement = DraftSettlementFactory(cash_amount=gbp("10.00"))
    (only,) = scheduled(settlement=settlement, terms=EvenSplit(1, 1, date(2020, 4, 30)))
    record_payment(instalment=only, amount=gbp("10.00"), paid_on=date(2020, 4, 30), reference="R1")
    with pytest.raises(ValidationError, match="nothing is left to reschedule"):
        revise(settlement, EvenSplit(1, 1, date(2021, 1, 31)))


def test_a_settlement_without_a_schedule_cannot_be_revised():
    with pytest.raises(ValidationError, match="generate one first"):
        revise(SettlementFactory(), EvenSplit(1, 1, date(2021, 1, 31)))


def test_revisions_are_dated_in_order():
    settlement, _first = paid_first_of_three()
    approve_revision(revise(settlement, EvenSplit(2, 1, date(2021, 1, 31)), revised_on=date(2020, 9, 1)))
    with pytest.raises(ValidationError, match="previous revision was made on 01/09/2020"):
        revise(settlement, EvenSplit(2, 1, date(2021, 1, 31)), revised_on=date(2020, 8, 31))


FUNDED = {"funding_source": "earmarked_reserve", "reserve_name": "Exit reserve"}


def test_a_schedule_and_a_revision_take_the_funding_by_keyword():
    settlement = DraftSettlementFactory(cash_amount=gbp("100.00"))
    plan = preview_schedule(settlement=settlement, terms=EvenSplit(2, 1, date(2020, 4, 30)), **FUNDED)
    assert (plan.funding_source, plan.reserve_name) == ("earmarked_reserve", "Exit reserve")
    settlement, _first = paid_first_of_three()
    revision = revise(settlement, EvenSplit(2, 2, date(2020, 11, 30)), **FUNDED)
    introduced = {(i.funding_source, i.reserve_name) for i in revision.introduced_instalments.all()}
    assert introduced == {("earmarked_reserve", "Exit reserve")}


def test_the_funding_is_not_recorded_unless_given():
    settlement, _first = paid_first_of_three()
    plan = preview_revision(settlement=settlement, terms=EvenSplit(2, 2, date(2020, 11, 30)))
    assert (plan.funding_source, plan.reserve_name) == (Instalment.FundingSource.NOT_RECORDED, "")
    assert ScheduleTerms(EvenSplit(2, 2, date(2020, 11, 30))).funding_source == Instalment.FundingSource.NOT_RECORDED


def test_a_schedule_service_refuses_a_keyword_it_does_not_know():
    settlement = DraftSettlementFactory(cash_amount=gbp("100.00"))
    with pytest.raises(TypeError, match="funding"):
        preview_schedule(settlement=settlement, terms=EvenSplit(2, 1, date(2020, 4, 30)), funding="general_reserve")


def test_the_reads_the_schedule_pages_use_are_the_reports_own():
    assert services.outstanding_on is balances.outstanding_on
    assert services.split_schedule is balances.split_schedule
    assert services.difference_message is balances.difference_message
