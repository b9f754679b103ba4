"""One rule for an instalment's due date: on or after its settlement was agreed, wherever it is entered."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from djmoney.money import Money

from settlements import models
from settlements.services import ExplicitAmounts, preview_schedule
from tests import factories
from tests.admin.test_admin import admin_url

pytestmark = pytest.mark.django_db


def instalment_form(settlement, due_on: str) -> dict:
    return {
        "settlement": settlement.pk,
        "number": "1",
        "due_on": due_on,
        "amount_0": "10500000.00",
        "amount_1": "GBP",
        "funding_source": "not_recorded",
        "reserve_name": "",
        "notes": "",
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
        "payments-MAX_NUM_FORMS": "1000",
    }


@pytest.mark.parametrize(("due_on", "taken"), [("29/03/2020", False), ("30/03/2020", True), ("31/03/2020", True)])
def test_the_admins_instalment_form_takes_a_due_date_on_or_after_the_agreement(admin_client, due_on, taken):
    settlement = factories.SettlementFactory(agreed_on=date(2020, 3, 30), status=models.Settlement.Status.DRAFT)
    response = admin_client.post(admin_url(models.Instalment, "add"), instalment_form(settlement, due_on))
    assert models.Instalment.objects.exists() is taken
    if not taken:
        errors = response.context["adminform"].form.errors["due_on"]
        assert "cannot fall due on 29/03/2020, before the settlement was agreed on 30/03/2020" in errors[0]


def test_the_settlement_page_refuses_an_inline_instalment_due_before_the_agreement(admin_client):
    settlement = factories.SettlementFactory(agreed_on=date(2020, 3, 30), status=models.Settlement.Status.DRAFT)
    instalment = factories.InstalmentFactory(settlement=settlement, due_on=date(2020, 4, 30), amount=Money("1", "GBP"))
    model = models.Instalment(settlement=settlement, number=2, due_on=date(2020, 3, 29), amount=Money("1", "GBP"))
    with pytest.raises(ValidationError) as refused:
        model.full_clean()
    assert "before the settlement was agreed" in refused.value.message_dict["due_on"][0]
    assert instalment.pk


@pytest.mark.parametrize(("due_on", "taken"), [(date(2020, 3, 29), False), (date(2020, 3, 30), True)])
def test_the_schedule_service_keeps_the_same_rule(due_on, taken):
    settlement = factories.DraftSettlementFactory(agreed_on=date(2020, 3, 30))
    terms = ExplicitAmounts(((due_on, settlement.cash_amount),))
    if taken:
        assert preview_schedule(settlement=settlement, terms=terms).rows[0].due_on == due_on
    else:
        with pytest.raises(ValidationError, match="before the settlement was agreed on 30/03/2020"):
            preview_schedule(settlement=settlement, terms=terms)
