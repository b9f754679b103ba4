import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from settlements.fiscal import FinancialYear
from settlements.models import Instalment
from settlements.money import Pence, SumPence, from_pence, gbp
from settlements.reports.year_end import year_end_position
from settlements.services import EvenSplit, ExplicitAmounts, record_payment, reverse_payment
from tests.balances import (
    Balance,
    financial_year_balances,
    force_balances,
    instalment_balances,
    settlement_balance,
    settlement_balances,
    total_balance,
)
from tests.factories import DraftSettlementFactory, scheduled

pytestmark = pytest.mark.django_db

DUE = date(2020, 9, 30)


def balance(amount, paid, outstanding):
    return Balance(gbp(amount), gbp(paid), gbp(outstanding))


def status_on(instalment, as_of):
    return instalment_balances(as_of=as_of).get(pk=instalment.pk).status


@pytest.fixture
def seed_case():
    """£10.5m in three instalments over 2020/21 and 2021/22, the largest first."""
    settlement = DraftSettlementFactory(cash_amount=gbp("10500000.00"))
    lines = (
        (date(2020, 4, 30), gbp("6500000.00")),
        (date(2021, 3, 31), gbp("2000000.00")),
        (date(2021, 7, 31), gbp("2000000.00")),
    )
    return settlement, scheduled(settlement=settlement, terms=ExplicitAmounts(lines))


@pytest.mark.parametrize(
    ("as_of", "status"),
    [(DUE - timedelta(days=1), "upcoming"), (DUE, "upcoming"), (DUE + timedelta(days=1), "overdue")],
)
def test_status_around_the_due_date_with_nothing_paid(as_of, status):
    (instalment,) = scheduled(settlement=DraftSettlementFactory(), terms=EvenSplit(1, 1, DUE))
    assert status_on(instalment, as_of) == status


@pytest.mark.parametrize(
    ("as_of", "status"),
    [(DUE - timedelta(days=1), "part_paid"), (DUE, "part_paid"), (DUE + timedelta(days=1), "overdue")],
)
def test_status_around_the_due_date_when_part_paid(as_of, status):
    (instalment,) = scheduled(settlement=DraftSettlementFactory(), terms=EvenSplit(1, 1, DUE))
    record_payment(instalment=instalment, amount=gbp("1.00"), paid_on=date(2020, 4, 1), reference="R1")
    assert status_on(instalment, as_of) == status


def test_paid_in_full_by_the_due_date_stays_paid_after_it():
    (instalment,) = scheduled(settlement=DraftSettlementFactory(cash_amount=gbp("5.00")), terms=EvenSplit(1, 1, DUE))
    record_payment(instalment=instalment, amount=gbp("5.00"), paid_on=DUE, reference="R1")
    assert status_on(instalment, DUE - timedelta(days=1)) == "upcoming"
    assert status_on(instalment, DUE) == "paid"
    assert status_on(instalment, DUE + timedelta(days=1)) == "paid"


def test_a_figure_as_of_a_date_counts_only_payments_made_by_then(seed_case):
    settlement, (first, _, _) = seed_case
    record_payment(instalment=first, amount=gbp("6500000.00"), paid_on=date(2020, 5, 1), reference="R1")
    assert settlement_balance(settlement=settlement, as_of=date(2020, 4, 30)) == balance(
        "10500000.00", "0.00", "10500000.00"
    )
    assert settlement_balance(settlement=settlement, as_of=date(2020, 5, 1)) == balance(
        "10500000.00", "6500000.00", "4000000.00"
    )


def test_a_reversal_counts_from_its_own_date(seed_case):
    settlement, (first, _, _) = seed_case
    payment = record_payment(instalment=first, amount=gbp("100.00"), paid_on=date(2020, 5, 1), reference="R1")
    reverse_payment(payment=payment, reversed_on=date(2020, 6, 1), reason="Duplicate", reference="REV-1")
    assert settlement_balance(settlement=settlement, as_of=date(2020, 5, 31)).paid == gbp("100.00")
    assert settlement_balance(settlement=settlement, as_of=date(2020, 6, 1)).paid == gbp("0.00")


def test_a_reversal_on_the_day_of_its_payment_nets_to_nothing_from_that_day(seed_case):
    settlement, (first, _, _) = seed_case
    payment = record_payment(instalment=first, amount=gbp("100.00"), paid_on=date(2020, 5, 1), reference="R1")
    reverse_payment(payment=payment, reversed_on=date(2020, 5, 1), reason="Keyed twice", reference="REV-1")
    for as_of in (date(2020, 4, 30), date(2020, 5, 1), date(2020, 5, 2)):
        assert settlement_balance(settlement=settlement, as_of=as_of).paid == gbp("0.00"), as_of
    assert status_on(first, date(2020, 5, 1)) == "overdue"  # due 30/04/2020, nothing paid on balance


def test_a_payment_made_on_the_date_counts_when_later_payments_exist(seed_case):
    """With a payment dated after the date, the figure sums the payments rather than reading stored balances."""
    settlement, (first, _, _) = seed_case
    record_payment(instalment=first, amount=gbp("100.00"), paid_on=date(2020, 5, 1), reference="R1")
    record_payment(instalment=first, amount=gbp("50.00"), paid_on=date(2020, 6, 1), reference="R2")
    paid = [settlement_balance(settlement=settlement, as_of=day).paid for day in (date(2020, 4, 30), date(2020, 5, 1))]
    assert paid == [gbp("0.00"), gbp("100.00")]
    rows = instalment_balances(as_of=date(2020, 5, 1), settlement=settlement)
    assert {r.pk: r.paid_pence for r in rows}[first.pk] == 10000


def test_the_year_end_puts_an_instalment_due_on_the_next_31_march_within_12_months(seed_case):
    """At 31/03/2020: 31/03/2021 (the next 31 March) is within 12 months; 31/07/2021 after."""
    position = year_end_position(FinancialYear(2019))
    assert (position.within_12_months, position.after_12_months) == (gbp("8500000.00"), gbp("2000000.00"))
    [row] = position.settlements
    assert (row.within_pence, row.after_pence) == (850_000_000, 200_000_000)


def test_balances_by_financial_year_put_31_march_in_the_year_ending(seed_case):
    _settlement, (first, _, _) = seed_case
    record_payment(instalment=first, amount=gbp("500000.00"), paid_on=date(2020, 5, 1), reference="R1")
    assert financial_year_balances(as_of=date(2021, 1, 1)) == {
        FinancialYear(2020): balance("8500000.00", "500000.00", "8000000.00"),
        FinancialYear(2021): balance("2000000.00", "0.00", "2000000.00"),
    }


def test_force_balances_as_payer_and_as_payee(seed_case):
    settlement, (first, _, _) = seed_case
    record_payment(instalment=first, amount=gbp("0.01"), paid_on=date(2020, 5, 1), reference="R1")
    other = DraftSettlementFactory(payer=settlement.payee, payee=settlement.payer, alliance=settlement.alliance)
    scheduled(settlement=other, terms=EvenSplit(3, 1, date(2020, 6, 1)))
    forces = {fb.force: fb for fb in force_balances(as_of=date(2021, 1, 1))}
    assert forces[settlement.payer].as_payer == balance("10500000.00", "0.01", "10499999.99")
    assert forces[settlement.payer].as_payee == balance("10500000.00", "0.00", "10500000.00")
    assert forces[settlement.payee].as_payee == balance("10500000.00", "0.01", "10499999.99")


def test_every_total_is_the_sum_of_its_parts(seed_case):
    settlement, (first, second, _) = seed_case
    record_payment(instalment=first, amount=gbp("6500000.00"), paid_on=date(2020, 5, 1), reference="R1")
    record_payment(instalment=second, amount=gbp("0.03"), paid_on=date(2020, 5, 1), reference="R2")
    scheduled(settlement=DraftSettlementFactory(cash_amount=gbp("0.07")), terms=EvenSplit(3, 5, date(2020, 6, 1)))
    as_of = date(2021, 6, 1)
    whole = total_balance(as_of=as_of)
    assert whole == add(*settlement_balances(as_of=as_of).values())
    assert whole == add(*financial_year_balances(as_of=as_of).values())
    assert whole == add(*(fb.as_payer for fb in force_balances(as_of=as_of)))
    assert whole == add(*(fb.as_payee for fb in force_balances(as_of=as_of)))
    rows = instalment_balances(as_of=as_of)
    assert whole == Balance(
        from_pence(sum(i.amount_pence for i in rows)),
        from_pence(sum(i.paid_pence for i in rows)),
        from_pence(sum(i.outstanding_pence for i in rows)),
    )
    assert settlement_balances(as_of=as_of)[settlement.pk] == balance("10500000.00", "6500000.03", "3999999.97")


def add(*balances):
    return Balance(
        *(sum((getattr(b, key) for b in balances), gbp("0.00")) for key in ("amount", "paid", "outstanding"))
    )


def test_superseded_instalments_leave_the_balances(seed_case):
    from settlements.services import revise_schedule

    settlement, (first, _, _) = seed_case
    record_payment(instalment=first, amount=gbp("6500000.00"), paid_on=date(2020, 5, 1), reference="R1")
    revise_schedule(
        settlement=settlement,
        terms=EvenSplit(4, 1, date(2021, 5, 31)),
        revised_on=date(2021, 1, 1),
        reason="Extended",
        decision_reference="Minute 7",
    )
    assert settlement_balance(settlement=settlement, as_of=date(2021, 6, 1)) == balance(
        "10500000.00", "6500000.00", "4000000.00"
    )
    assert Instalment.objects.filter(settlement=settlement).count() == 7


@pytest.mark.slow
def test_100000_amounts_up_to_10bn_total_exactly_in_the_database(capsys):
    rng = random.Random(20200330)
    settlements = [DraftSettlementFactory(cash_amount=gbp("999999999999.99")) for _ in range(5)]
    pence = [rng.randint(1, 10_000_000_000_00) for _ in range(100_000)]
    Instalment.objects.bulk_create(
        [
            Instalment(settlement=settlements[n % 5], number=n // 5 + 1, due_on=DUE, amount=from_pence(p))
            for n, p in enumerate(pence)
        ],
        batch_size=5000,
    )
    expected = sum(Decimal(p) / 100 for p in pence)
    exact = from_pence(Instalment.objects.aggregate(pence=SumPence(Pence("amount")))["pence"])
    plain = Instalment.objects.aggregate(total=Sum("amount"))["total"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(amount) FROM settlements_instalment")
        (raw,) = cursor.fetchone()
    assert exact.amount == expected
    # Drafts, so that their instalments need not add up to a cash amount: counted by including what awaits approval.
    assert total_balance(as_of=DUE, include_pending=True).amount == gbp(expected)
    with capsys.disabled():
        print(
            f"\n{connection.vendor}: pence sum {exact.amount} (exact); "
            f"plain SUM {raw!r} off by {Decimal(raw) - expected}"
            f"; through the ORM {plain} off by {Decimal(plain) - expected}"
        )
