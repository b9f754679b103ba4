"""Pounds and pence, exactly: conversions, formatting and exact database sums.

SQLite keeps decimals as floating point, so its SUM over a money column drifts by pennies at
scale. Every total in this app is summed as whole pence (integers), which both SQLite and
PostgreSQL add exactly, and turned back into Money once.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Cast, Coalesce, Round
from djmoney.models.fields import MoneyField
from djmoney.money import Money

GBP = "GBP"
PENNY = Decimal("0.01")
MAX_DIGITS = 14  # up to £999,999,999,999.99


def money_field(verbose_name: str, **kwargs) -> MoneyField:
    """A pounds-and-pence field: GBP only, two decimal places."""
    return MoneyField(
        verbose_name,
        max_digits=MAX_DIGITS,
        decimal_places=2,
        default_currency=GBP,
        currency_choices=[(GBP, "£ (GBP)")],
        **kwargs,
    )


def gbp(amount) -> Money:
    """Money in pounds from a Decimal, int or numeric string (never a float)."""
    if isinstance(amount, float):
        raise TypeError("money is never a float: pass a Decimal or a string")
    if isinstance(amount, Money):
        return amount
    return Money(Decimal(amount), GBP)


def to_pence(money: Money) -> int:
    """Whole pence in an amount; refuses amounts with fractions of a penny."""
    value = money.amount * 100
    if value != value.to_integral_value():
        raise ValueError(f"{money.amount} has more than two decimal places")
    return int(value)


def from_pence(pence: int | None) -> Money:
    """Money from whole pence (None counts as nothing)."""
    return Money((Decimal(pence or 0) / 100).quantize(PENNY), GBP)


def format_gbp(value) -> str:
    """£10,500,000.00, with a leading minus for negative amounts; an empty string for None."""
    if value is None or value == "":
        return ""
    amount = value.amount if isinstance(value, Money) else Decimal(value)
    amount = amount.quantize(PENNY, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


def validate_positive(value) -> None:
    """Refuse zero and negative amounts with a message a person understands."""
    amount = value.amount if isinstance(value, Money) else value
    if amount is not None and amount <= 0:
        raise ValidationError("Enter an amount greater than £0.00.", code="not_positive")


def validate_pounds_sterling(value) -> None:
    if isinstance(value, Money) and str(value.currency) != GBP:
        raise ValidationError("Amounts are in pounds sterling (GBP) only.", code="currency")


def Pence(field: str) -> Cast:  # noqa: N802 - reads as a database expression
    """An amount column as whole pence, rounded from the stored decimal."""
    return Cast(Round(models.F(field) * 100), models.BigIntegerField())


def SumPence(expression, **kwargs) -> Coalesce:  # noqa: N802
    """Sum of whole pence, 0 when there are no rows."""
    return Coalesce(models.Sum(expression, **kwargs), 0, output_field=models.BigIntegerField())
