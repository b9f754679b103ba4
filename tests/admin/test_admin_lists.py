"""The admin's lists of settlements, instalments and payments: the money first, searchable, dates drilled down."""

import re
from datetime import date

import pytest
from django.urls import reverse

from settlements.money import gbp
from settlements.services import ExplicitAmounts, record_payment, reverse_payment
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_and_reversed():
    """Dyfed-Powys pays Gwent £300 in two instalments; £100 paid (REF-PAID), and £40 paid then reversed."""
    dyfed = factories.ForceFactory(short_name="Dyfed-Powys", name="Heddlu Dyfed-Powys")
    gwent = factories.ForceFactory(short_name="Gwent", name="Gwent Police")
    alliance = factories.AllianceFactory(name="Cynghrair Tân a Dŵr", members=[dyfed, gwent])
    settlement = factories.DraftSettlementFactory(
        alliance=alliance, payer=dyfed, payee=gwent, cash_amount=gbp("300.00"), agreed_on=date(2020, 3, 30)
    )
    factories.SettlementAdjustmentFactory(settlement=settlement, amount=gbp("20.00"))
    lines = ((date(2020, 4, 30), gbp("100.00")), (date(2021, 3, 31), gbp("200.00")))
    first, second = factories.scheduled(settlement=settlement, terms=ExplicitAmounts(lines))
    record_payment(instalment=first, amount=gbp("100.00"), paid_on=date(2020, 4, 30), reference="REF-PAID")
    wrong = record_payment(instalment=second, amount=gbp("40.00"), paid_on=date(2021, 3, 1), reference="REF-WRONG")
    reverse_payment(payment=wrong, reversed_on=date(2021, 3, 2), reason="Keyed twice", reference="REF-BACK")
    return settlement, first, second


def columns(response) -> list[str]:
    return [str(name) for name in response.context["cl"].list_display]


def results(response) -> list:
    return list(response.context["cl"].result_list)


def test_the_settlement_list_shows_the_headline_and_status_before_the_names(admin_client, paid_and_reversed):
    response = admin_client.get(reverse("admin:settlements_settlement_changelist"))
    shown = columns(response)
    assert shown.index("headline_column") < shown.index("status") < shown.index("alliance")
    assert shown.index("cash_column") < shown.index("alliance")
    html = response.content.decode()
    assert '<td class="field-headline_column">£320.00</td>' in html
    assert '<td class="field-cash_column">£300.00</td>' in html


@pytest.mark.parametrize("term", ["Gwent", "Dyfed-Powys", "Heddlu", "Tân a Dŵr", "REF-PAID"])
def test_settlements_are_found_by_force_alliance_and_payment_reference(admin_client, paid_and_reversed, term):
    response = admin_client.get(reverse("admin:settlements_settlement_changelist"), {"q": term})
    assert results(response) == [paid_and_reversed[0]]


def test_the_instalment_list_shows_amount_paid_outstanding_and_status(admin_client, paid_and_reversed):
    response = admin_client.get(reverse("admin:settlements_instalment_changelist"))
    shown = columns(response)
    money = [shown.index(name) for name in ("amount_column", "paid", "outstanding", "status")]
    assert money == sorted(money) and money[0] <= 3
    html = response.content.decode()
    row = re.search(r"<tr>.*?31/03/2021.*?</tr>", html, flags=re.S)[0]
    assert "£200.00" in row and '<td class="field-paid">£0.00</td>' in row
    assert '<td class="field-outstanding">£200.00</td>' in row


@pytest.mark.parametrize(("term", "found"), [("REF-PAID", [0]), ("REF-BACK", [1]), ("gwent", [0, 1]), ("Atlantis", [])])
def test_instalments_are_found_by_names_and_payment_references(admin_client, paid_and_reversed, term, found):
    response = admin_client.get(reverse("admin:settlements_instalment_changelist"), {"q": term})
    instalments = paid_and_reversed[1:]
    assert sorted(i.pk for i in results(response)) == sorted(instalments[n].pk for n in found)


@pytest.mark.parametrize(
    ("drill", "found"),
    [({"due_on__year": "2020"}, [0]), ({"due_on__year": "2021", "due_on__month": "3"}, [1]), ({}, [0, 1])],
)
def test_instalments_drill_down_by_due_date(admin_client, paid_and_reversed, drill, found):
    response = admin_client.get(reverse("admin:settlements_instalment_changelist"), drill)
    assert response.context["cl"].date_hierarchy == "due_on"
    instalments = paid_and_reversed[1:]
    assert sorted(i.pk for i in results(response)) == sorted(instalments[n].pk for n in found)


def test_the_payment_list_shows_kind_and_amount_first_and_a_reversal_negative(admin_client, paid_and_reversed):
    response = admin_client.get(reverse("admin:settlements_payment_changelist"))
    shown = columns(response)
    assert shown[shown.index("reference") + 1 : shown.index("reference") + 3] == ["kind", "signed_amount"]
    html = response.content.decode()
    assert '<td class="field-signed_amount">-£40.00</td>' in html
    assert html.count('<td class="field-signed_amount">£40.00</td>') == 1
    assert '<td class="field-signed_amount">£100.00</td>' in html


@pytest.mark.parametrize("term", ["Gwent Police", "Dyfed-Powys", "Tân a Dŵr", "REF-BACK"])
def test_payments_are_found_by_names_and_reference(admin_client, paid_and_reversed, term):
    response = admin_client.get(reverse("admin:settlements_payment_changelist"), {"q": term})
    expected = 1 if term == "REF-BACK" else 3
    assert len(results(response)) == expected
