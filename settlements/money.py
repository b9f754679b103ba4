"""Pounds and pence, exactly: conversions, formatting and exact database sums.

SQLite keeps decimals as floating point, so its SUM over a money column drifts by pennies at
scale. Every total in this app is summed as whole pence (integers), which both SQLite and
PostgreSQL add exactly, and turned back into Money once.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Coalesce, Round
from djmoney.forms import MoneyField as MoneyFormField
from djmoney.forms.widgets import MoneyWidget
from djmoney.models.fields import MoneyField
from djmoney.money import Money

GBP = "GBP"
PENNY = Decimal("0.01")
MAX_DIGITS = 14  # the columns hold up to £999,999,999,999.99
CEILING = Decimal("10000000000.00")  # £10bn: no amount this system takes is larger


class PoundsModelField(MoneyField):
    """django-money's field whose form reads amounts with parse_amount."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PoundsFormField, **kwargs})

    def deconstruct(self):
        # Only the form differs: the column is django-money's, and migrations say so.
        name, _path, args, kwargs = super().deconstruct()
        return name, "djmoney.models.fields.MoneyField", args, kwargs


def money_field(verbose_name: str, **kwargs) -> MoneyField:
    """A pounds-and-pence field: GBP only, two decimal places."""
    return PoundsModelField(
        verbose_name,
        max_digits=MAX_DIGITS,
        decimal_places=2,
        default_currency=GBP,
        currency_choices=[(GBP, "£ (GBP)")],
        **kwargs,
    )


def positive_constraint(field: str, name: str, what: str, *, nullable: bool = False) -> models.CheckConstraint:
    """The database's copy of validate_positive for an amount column: "`what` must be greater than £0.00."."""
    condition = Q(**{f"{field}__gt": 0})
    if nullable:
        condition = Q(**{f"{field}__isnull": True}) | condition
    return models.CheckConstraint(
        condition=condition, name=name, violation_error_message=f"{what} must be greater than £0.00."
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


def pounds(pence: int) -> Decimal:
    """Whole pence as an exact Decimal of pounds with two places, for exports and bulk inserts."""
    return Decimal(pence).scaleb(-2)


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


def clean_amount(value, field: str | None = None) -> Money:
    """`value` if it is a positive Money in pounds and whole pence up to the ceiling; a ValidationError otherwise.

    With `field`, the error is keyed by it, as a service reports errors.
    """
    try:
        _check_amount(value)
    except ValidationError as error:
        if field:
            raise ValidationError({field: error.messages}) from error
        raise
    return value


def _check_amount(value) -> None:
    if not isinstance(value, Money) or str(value.currency) != GBP:
        raise ValidationError("Give the amount in pounds sterling, e.g. £1,250,000.00.", code="currency")
    amount = value.amount
    if not amount.is_finite():
        raise ValidationError(f"“{amount}” is not an amount: give pounds and pence.", code="not_finite")
    if amount <= 0:
        raise ValidationError("Enter an amount greater than £0.00.", code="not_positive")
    if amount > CEILING:
        raise ValidationError(f"An amount is at most {format_gbp(CEILING)}.", code="above_ceiling")
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(PENNY):
        raise ValidationError("An amount has at most two decimal places (whole pence).", code="fraction_of_penny")


def validate_positive(value) -> None:
    """The field validator of every amount column: see clean_amount."""
    if value is not None:
        _check_amount(value if isinstance(value, Money) else Money(value, GBP))


def total(amounts) -> Money:
    """The exact sum of amounts, added in whole pence."""
    return from_pence(sum(to_pence(amount) for amount in amounts))


# What a person types: "1234.56", "1,234.56", "£1,234.56", "£10.5m", "£270k", "£1.2bn".
SHORTHAND = {"": 0, "k": 3, "m": 6, "bn": 9}
AMOUNT_PATTERN = re.compile(
    r"^(?P<sign>-?)\s*£?\s*(?P<number>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<fraction>[0-9]+))?\s*(?P<unit>k|m|bn)?$",
    re.ASCII | re.IGNORECASE,
)
DECIMAL_COMMA = re.compile(r"^£?([0-9]+),([0-9]{1,2})$", re.ASCII)
AMOUNT_EXAMPLE = "write it like 1,234.56, £270k or £10.5m"
MAX_AMOUNT_TEXT = 40


def parse_amount(text: str) -> Money:
    """An amount as a person writes it, read exactly; a ValidationError saying how to write it otherwise."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("Enter an amount.", code="required")
    shown = text if len(text) <= MAX_AMOUNT_TEXT else f"{text[:MAX_AMOUNT_TEXT]}…"
    match = AMOUNT_PATTERN.match(text) if len(text) <= MAX_AMOUNT_TEXT else None
    if match is None:
        raise ValidationError(f"“{shown}” is not an amount: {_how_to_write(text)}.", code="invalid")
    places = SHORTHAND[(match["unit"] or "").lower()]
    digits = match["number"].replace(",", "") + "." + (match["fraction"] or "0")
    with localcontext(prec=2 * MAX_AMOUNT_TEXT):  # exact: the text has fewer digits than this
        amount = Decimal(match["sign"] + digits).scaleb(places)
        if amount <= 0:
            raise ValidationError(f"“{shown}” is not greater than £0.00.", code="not_positive")
        if amount > CEILING:
            raise ValidationError(
                f"“{shown}” is more than {format_gbp(CEILING)}, the largest amount this system takes.",
                code="above_ceiling",
            )
        if amount != amount.quantize(PENNY):
            raise ValidationError(
                f"“{shown}” has more than two decimal places: amounts are in whole pence.", code="places"
            )
    return Money(amount.quantize(PENNY), GBP)


def _how_to_write(text: str) -> str:
    """The likeliest mistake in a refused amount, and how to write it instead."""
    if comma := DECIMAL_COMMA.match(text):
        whole, part = comma[1], comma[2]
        as_thousands, as_pence = Decimal(whole + part), Decimal(f"{whole}.{part}")
        return f"write {as_thousands:,.2f} or {as_pence:,.2f}"
    if any(character.isdigit() and not character.isascii() for character in text):
        return f"type the digits 0 to 9; {AMOUNT_EXAMPLE}"
    if "_" in text:
        return f"leave out the underscores; {AMOUNT_EXAMPLE}"
    if re.search(r"[0-9]e", text, re.IGNORECASE):
        return f"write the amount out in full, without an exponent; {AMOUNT_EXAMPLE}"
    if "," in text:
        return f"commas go between thousands only; {AMOUNT_EXAMPLE}"
    return AMOUNT_EXAMPLE


def Pence(field: str) -> Cast:  # noqa: N802 - reads as a database expression
    """An amount column as whole pence, rounded from the stored decimal."""
    return Cast(Round(models.F(field) * 100), models.BigIntegerField())


def SumPence(expression, **kwargs) -> Coalesce:  # noqa: N802
    """Sum of whole pence, 0 when there are no rows."""
    return Coalesce(models.Sum(expression, **kwargs), 0, output_field=models.BigIntegerField())


class AmountField(forms.CharField):
    """An amount typed as £1,250,000.00, 1250000, £270k or £10.5m, cleaned to Money by parse_amount."""

    def __init__(self, **kwargs):
        # No max_length: its validator would measure the cleaned Money; parse_amount refuses long text itself.
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, Money | Decimal):
            return value if isinstance(value, Money) else Money(value, GBP)
        text = super().to_python(value)
        return parse_amount(text) if text else None


class AmountPartField(AmountField):
    """The amount box of PoundsFormField: its value is the Decimal django-money pairs with the currency."""

    def to_python(self, value):
        money = super().to_python(value)
        return money.amount if money is not None else None


class PoundsFormField(MoneyFormField):
    """django-money's form field with its amount read by parse_amount: 1_000, 1E3 and full-width digits are refused."""

    def __init__(self, *args, max_digits=None, decimal_places=None, max_value=None, min_value=None, **kwargs):
        super().__init__(*args, **kwargs)
        amount = AmountPartField(required=False)
        self.fields = (amount, self.fields[1])
        self.widget = MoneyWidget(
            amount_widget=amount.widget, currency_widget=self.widget.widgets[1], default_currency=GBP
        )
