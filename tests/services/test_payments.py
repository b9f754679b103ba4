from datetime import date

import pytest
from django.core.exceptions import ValidationError
from djmoney.money import Money

from settlements.models import Instalment, Payment
from settlements.money import gbp
from settlements.services import (
    EvenSplit,
    outstanding_on,
    record_payment,
    reverse_payment,
    revise_schedule,
)
from tests.factories import DraftSettlementFactory, InstalmentFactory, scheduled
from tests.races import race, skip_unless_postgresql

pytestmark = pytest.mark.django_db


@pytest.fixture
def instalment():
    return InstalmentFactory(number=1, amount=gbp("1000.00"), due_on=date(2020, 4, 30))


def pay(instalment, amount, reference="BACS-1", paid_on=date(2020, 4, 30)):
    return record_payment(instalment=instalment, amount=gbp(amount), paid_on=paid_on, reference=reference)


def test_part_payments_reduce_what_is_outstanding(instalment):
    pay(instalment, "400.00", "BACS-1")
    pay(instalment, "599.99", "BACS-2")
    assert outstanding_on(instalment) == gbp("0.01")


def test_an_overpayment_is_refused_giving_the_outstanding_amount(instalment):
    pay(instalment, "400.00")
    with pytest.raises(ValidationError) as error:
        pay(instalment, "600.01", "BACS-2")
    assert error.value.message_dict == {"amount": ["£600.01 is more than the £600.00 outstanding on instalment 1."]}


def test_the_same_reference_with_the_same_data_returns_the_existing_payment(instalment):
    first = pay(instalment, "400.00")
    again = pay(instalment, "400.00")
    assert again == first
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    "change", [{"amount": "400.01"}, {"paid_on": date(2020, 5, 1)}, {"instalment": "other"}], ids=str
)
def test_the_same_reference_with_different_data_is_an_error(instalment, change):
    pay(instalment, "400.00")
    other = InstalmentFactory(settlement=instalment.settlement, number=2, amount=gbp("1000.00"))
    arguments = {"instalment": instalment, "amount": "400.00", "paid_on": date(2020, 4, 30), **change}
    if arguments["instalment"] == "other":
        arguments["instalment"] = other
    with pytest.raises(
        ValidationError, match=r"Reference BACS-1 is already used by a payment of £400\.00 on 30/04/2020"
    ):
        pay(arguments["instalment"], arguments["amount"], paid_on=arguments["paid_on"])


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        (gbp("0.00"), "amount"),
        (gbp("-5.00"), "amount"),
        (Money("1.001", "GBP"), "amount"),
        (Money("5.00", "EUR"), "amount"),
        ("5.00", "amount"),
    ],
)
def test_bad_amounts_are_refused(instalment, amount, field):
    with pytest.raises(ValidationError) as error:
        record_payment(instalment=instalment, amount=amount, paid_on=date(2020, 4, 30), reference="R")
    assert field in error.value.message_dict


def test_a_blank_reference_and_a_missing_date_are_refused(instalment):
    with pytest.raises(ValidationError) as error:
        record_payment(instalment=instalment, amount=gbp("1.00"), paid_on=date(2020, 4, 30), reference="  ")
    assert "reference" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record_payment(instalment=instalment, amount=gbp("1.00"), paid_on="30/04/2020", reference="R")
    assert "paid_on" in error.value.message_dict


def test_a_payment_cannot_come_before_the_agreement(instalment):
    with pytest.raises(ValidationError, match="agreed on 30/03/2020"):
        pay(instalment, "1.00", paid_on=date(2020, 3, 29))


def test_a_reversal_points_at_the_payment_and_gives_money_back_to_outstanding(instalment):
    payment = pay(instalment, "400.00")
    reversal = reverse_payment(payment=payment, reversed_on=date(2020, 5, 1), reason="Paid twice", reference="REV-1")
    assert (reversal.kind, reversal.reverses, reversal.amount) == ("reversal", payment, gbp("400.00"))
    assert outstanding_on(instalment) == gbp("1000.00")
    assert reverse_payment(payment=payment, reversed_on=date(2020, 5, 1), reason="Paid twice", reference="REV-1") == (
        reversal
    )


def test_a_payment_is_reversed_once_and_a_reversal_never(instalment):
    payment = pay(instalment, "400.00")
    assert payment.can_be_reversed()
    reversal = reverse_payment(payment=payment, reversed_on=date(2020, 5, 1), reason="Wrong", reference="REV-1")
    assert not payment.can_be_reversed() and not reversal.can_be_reversed()
    with pytest.raises(ValidationError, match="already reversed by REV-1"):
        reverse_payment(payment=payment, reversed_on=date(2020, 5, 1), reason="Wrong", reference="REV-2")
    with pytest.raises(ValidationError, match="cannot itself be reversed"):
        reverse_payment(payment=reversal, reversed_on=date(2020, 5, 1), reason="Wrong", reference="REV-3")


def test_a_reversal_needs_a_reason_and_cannot_come_before_the_payment(instalment):
    payment = pay(instalment, "400.00")
    with pytest.raises(ValidationError) as error:
        reverse_payment(payment=payment, reversed_on=date(2020, 5, 1), reason=" ", reference="REV-1")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        reverse_payment(payment=payment, reversed_on=date(2020, 4, 29), reason="Wrong", reference="REV-1")
    assert "reversed_on" in error.value.message_dict


def test_payments_on_a_superseded_instalment_are_refused():
    settlement = DraftSettlementFactory(cash_amount=gbp("100.00"))
    first, second = scheduled(settlement=settlement, terms=EvenSplit(2, 1, date(2020, 4, 30)))
    pay(first, "50.00")
    revise_schedule(
        settlement=settlement,
        terms=EvenSplit(2, 1, date(2020, 8, 31)),
        revised_on=date(2020, 5, 1),
        reason="Extended",
        decision_reference="Minute 1",
    )
    with pytest.raises(ValidationError, match="replaced by revision 1, which awaits approval"):
        pay(second, "1.00", "BACS-2")


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_payments_of_60_percent_cannot_overpay():
    skip_unless_postgresql()
    for round_ in range(20):
        instalment = InstalmentFactory(number=1, amount=gbp("1000.00"))

        def pay_sixty_percent(reference, pk=instalment.pk):
            return pay(Instalment.objects.get(pk=pk), "600.00", reference)

        outcomes = race(*(lambda n=n, r=round_: pay_sixty_percent(f"BACS-{r}-{n}") for n in (1, 2)))
        refusals = [o.message_dict["amount"][0] for o in outcomes if isinstance(o, ValidationError)]
        assert sum(isinstance(o, Payment) for o in outcomes) == 1, outcomes
        assert refusals == ["£600.00 is more than the £400.00 outstanding on instalment 1."], outcomes
        assert outstanding_on(instalment) == gbp("400.00")
