"""One amount parser for every money input, and every service refusing a malformed Money."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from djmoney.money import Money

from settlements import models
from settlements.forms import parse_lines
from settlements.money import CEILING, clean_amount, gbp, parse_amount, validate_positive
from settlements.services import EvenSplit, ExplicitAmounts, preview_schedule, record_payment
from tests import factories
from tests.admin.test_admin import admin_url, settlement_form


@pytest.mark.parametrize(
    ("text", "pounds"),
    [
        ("1234.56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("£1,234.56", "1234.56"),
        ("  £1,234.56 ", "1234.56"),
        ("£10.5m", "10500000.00"),
        ("£270k", "270000.00"),
        ("10.5M", "10500000.00"),
        ("£1.23456789m", "1234567.89"),
        ("£1.5bn", "1500000000.00"),
        ("0.01", "0.01"),
        ("£10bn", "10000000000.00"),
        ("1,000,000", "1000000.00"),
    ],
)
def test_amounts_are_read_as_a_person_reads_them(text, pounds):
    assert parse_amount(text) == Money(pounds, "GBP")
    assert parse_amount(text).amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10,50", "“10,50” is not an amount: write 1,050.00 or 10.50."),
        ("1,00", "“1,00” is not an amount: write 100.00 or 1.00."),
        ("1_000", "leave out the underscores"),
        ("1e2", "without an exponent"),
        ("1E3", "without an exponent"),
        ("５", "type the digits 0 to 9"),  # noqa: RUF001 - a full-width digit is the point
        ("１２３", "type the digits 0 to 9"),  # noqa: RUF001
        ("1,0000", "commas go between thousands only"),
        ("1.005", "more than two decimal places"),
        ("£1.234567891m", "more than two decimal places"),
        ("NaN", "is not an amount"),
        ("Infinity", "is not an amount"),
        ("-inf", "is not an amount"),
        ("0", "not greater than £0.00"),
        ("0.00", "not greater than £0.00"),
        ("-5", "not greater than £0.00"),
        ("£10,000,000,000.01", "is more than £10,000,000,000.00"),
        ("£20bn", "is more than £10,000,000,000.00"),
        ("9" * 37 + "bn", "is more than £10,000,000,000.00"),
        ("1" * 500, "is not an amount"),
        ("", "Enter an amount"),
        ("ten pounds", "is not an amount"),
    ],
)
def test_amounts_a_person_would_misread_are_refused_with_how_to_write_them(text, message):
    with pytest.raises(ValidationError) as refused:
        parse_amount(text)
    assert message in refused.value.messages[0]


def test_the_ceiling_is_ten_billion_pounds():
    assert Decimal("10000000000.00") == CEILING
    assert parse_amount("10,000,000,000.00") == gbp(CEILING)


@pytest.mark.parametrize(
    "amount",
    [
        *(Money(text, "GBP") for text in ["NaN", "Infinity", "-Infinity", "1E+30", "1.001", "0", "-1"]),
        Money("10000000000.01", "GBP"),
        Money("1", "EUR"),
        Decimal("1.00"),
        "1.00",
        None,
    ],
    ids=repr,
)
def test_a_malformed_money_is_a_validation_error_not_a_crash(amount):
    with pytest.raises(ValidationError) as refused:
        clean_amount(amount, "amount")
    assert "amount" in refused.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [Money("Infinity", "GBP"), Money("1E+30", "GBP"), Money("NaN", "GBP")], ids=repr)
def test_the_payment_service_refuses_a_malformed_money_with_a_validation_error(amount):
    settlement = factories.DraftSettlementFactory()
    first, *_ = factories.scheduled(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    with pytest.raises(ValidationError) as refused:
        record_payment(instalment=first, amount=amount, paid_on=date(2020, 4, 30), reference="BACS-1")
    assert "amount" in refused.value.message_dict
    assert not models.Payment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [Money("Infinity", "GBP"), Money("1E+30", "GBP"), Money("NaN", "GBP")], ids=repr)
def test_the_schedule_service_refuses_a_malformed_money_with_a_validation_error(amount):
    settlement = factories.SettlementFactory()
    with pytest.raises(ValidationError):
        preview_schedule(settlement=settlement, terms=ExplicitAmounts(((date(2020, 4, 30), amount),)))


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [Money("Infinity", "GBP"), Money("1E+30", "GBP"), Money("NaN", "GBP")], ids=repr)
def test_a_model_refuses_a_malformed_money_with_a_validation_error(amount):
    alliance = factories.AllianceFactory()
    # django-money refuses an infinite amount as soon as it is set; a finite one is refused by full_clean.
    with pytest.raises(ValidationError):
        factories.SettlementFactory.build(alliance=alliance, cash_amount=amount).full_clean()
    with pytest.raises(ValidationError):
        validate_positive(amount)


def test_schedule_lines_read_amounts_with_the_same_parser():
    assert parse_lines("30/04/2020, £10.5m")[0][1] == gbp("10500000.00")
    with pytest.raises(ValidationError, match=r"write 1,050\.00 or 10\.50"):
        parse_lines("30/04/2020, 10,50")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1_000", "leave out the underscores"),
        ("1E3", "without an exponent"),
        ("１２３", "type the digits 0 to 9"),  # noqa: RUF001
        ("10,50", "write 1,050.00 or 10.50"),
        ("£20bn", "is more than £10,000,000,000.00"),
    ],
)
def test_the_admins_money_fields_refuse_what_a_person_would_misread(admin_client, typed, message):
    response = admin_client.post(
        admin_url(models.Settlement, "add"), settlement_form(factories.AllianceFactory(), cash_amount_0=typed)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors["cash_amount"])
    assert not models.Settlement.objects.exists()


@pytest.mark.django_db
def test_the_admins_money_fields_read_finance_shorthand_exactly(admin_client):
    data = settlement_form(factories.AllianceFactory(), cash_amount_0="£10.5m", requested_amount_0="£270k")
    assert admin_client.post(admin_url(models.Settlement, "add"), data).status_code == 302
    settlement = models.Settlement.objects.get()
    assert (settlement.cash_amount, settlement.requested_amount) == (gbp("10500000.00"), gbp("270000.00"))


@pytest.mark.django_db
def test_the_admin_shows_a_stored_amount_back_unchanged(admin_client):
    settlement = factories.SettlementFactory(cash_amount=gbp("1234567.89"), status=models.Settlement.Status.DRAFT)
    page = admin_client.get(admin_url(models.Settlement, "change", settlement.pk))
    assert 'value="1234567.89"' in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "wrong"), [("10,50", "1050.00"), ("1,00", "100.00"), ("1_000", "1000.00")])
def test_the_payment_form_refuses_amounts_it_used_to_misread(admin_client, typed, wrong):
    settlement = factories.DraftSettlementFactory()
    first, *_ = factories.scheduled(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    data = {"instalment": first.pk, "paid_on": "30/04/2020", "amount": typed, "reference": "BACS-1"}
    page = admin_client.post(reverse("admin:settlements_payment_add"), data)
    assert page.status_code == 200
    assert "is not an amount" in page.content.decode()
    assert not models.Payment.objects.filter(amount=Decimal(wrong)).exists()
    assert not models.Payment.objects.exists()
