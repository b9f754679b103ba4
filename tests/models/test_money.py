from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q
from djmoney.money import Money

from settlements.money import (
    format_gbp,
    from_pence,
    gbp,
    positive_constraint,
    pounds,
    to_pence,
    total,
    validate_positive,
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Money("10500000", "GBP"), "£10,500,000.00"),
        (Money("270000.00", "GBP"), "£270,000.00"),
        (Money("0.01", "GBP"), "£0.01"),
        (Money("-1234.5", "GBP"), "-£1,234.50"),
        (Decimal("999999999999.99"), "£999,999,999,999.99"),
        (None, ""),
    ],
)
def test_amounts_are_shown_in_pounds_with_thousands_and_pence(value, shown):
    assert format_gbp(value) == shown


def test_pence_round_trip_is_exact():
    assert to_pence(Money("10500000.01", "GBP")) == 1050000001
    assert from_pence(1050000001) == Money("10500000.01", "GBP")
    assert from_pence(None) == Money("0.00", "GBP")


def test_pence_become_exact_pounds_and_amounts_add_up_in_pence():
    assert [str(pounds(p)) for p in (1050000001, 5, -250, 0)] == ["10500000.01", "0.05", "-2.50", "0.00"]
    assert total([gbp("0.10")] * 3 + [gbp("-0.05")]) == gbp("0.25")
    assert total([]) == gbp("0.00")


def test_fractions_of_a_penny_are_refused():
    with pytest.raises(ValueError, match="more than two decimal places"):
        to_pence(Money("1.005", "GBP"))


def test_money_is_never_made_from_a_float():
    with pytest.raises(TypeError, match="never a float"):
        gbp(0.1)
    assert gbp("0.10") == Money("0.10", "GBP")


@pytest.mark.parametrize("amount", ["0", "-0.01", "-10500000"])
def test_zero_and_negative_amounts_are_refused(amount):
    with pytest.raises(ValidationError, match=r"greater than £0\.00"):
        validate_positive(Money(amount, "GBP"))


def test_the_databases_positive_check_says_what_must_be_above_nothing():
    check = positive_constraint("cash_amount", "cash_positive", "The cash amount")
    assert check.condition == Q(cash_amount__gt=0)
    assert check.violation_error_message == "The cash amount must be greater than £0.00."


def test_an_optional_amount_may_be_left_empty_but_never_nothing():
    check = positive_constraint("requested_amount", "requested_positive", "The amount requested", nullable=True)
    assert check.condition == Q(requested_amount__isnull=True) | Q(requested_amount__gt=0)
