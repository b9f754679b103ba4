"""No entry from the future: payments, reversals and revisions are dated on or before today in London."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from djmoney.money import Money

from settlements import dating, services
from settlements.models import Payment, ScheduleRevision
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 30)
YESTERDAY, TOMORROW = date(2026, 11, 29), date(2026, 12, 1)


@pytest.fixture
def instalment():
    settlement = factories.SettlementFactory(agreed_on=date(2026, 1, 5), cash_amount=Money("1000.00", "GBP"))
    factories.InstalmentFactory(settlement=settlement, number=2, due_on=date(2027, 6, 30), amount=Money("400", "GBP"))
    return factories.InstalmentFactory(
        settlement=settlement, number=1, due_on=date(2026, 6, 30), amount=Money("600", "GBP")
    )


def pay(instalment, paid_on, today=TODAY, reference="R1"):
    return services.record_payment(
        instalment=instalment, amount=Money("10.00", "GBP"), paid_on=paid_on, reference=reference, today=today
    )


@pytest.mark.parametrize("paid_on", [YESTERDAY, TODAY])
def test_a_payment_dated_today_or_before_is_recorded(instalment, paid_on):
    assert pay(instalment, paid_on).paid_on == paid_on


def test_a_payment_dated_tomorrow_is_refused_saying_why(instalment):
    with pytest.raises(ValidationError) as refusal:
        pay(instalment, TOMORROW)
    assert refusal.value.message_dict["paid_on"] == [
        "A payment cannot be dated after today (30/11/2026): 01/12/2026 is in the future."
    ]
    assert not Payment.objects.exists()


@pytest.mark.parametrize("reversed_on, allowed", [(YESTERDAY, True), (TODAY, True), (TOMORROW, False)])
def test_a_reversal_is_dated_today_at_the_latest(instalment, reversed_on, allowed):
    payment = pay(instalment, date(2026, 11, 1))

    def reverse():
        return services.reverse_payment(
            payment=payment, reversed_on=reversed_on, reason="Keyed twice", reference="REV-1", today=TODAY
        )

    if allowed:
        assert reverse().paid_on == reversed_on
    else:
        with pytest.raises(ValidationError, match="A reversal cannot be dated after today"):
            reverse()
        assert Payment.objects.count() == 1


@pytest.mark.parametrize("revised_on, allowed", [(YESTERDAY, True), (TODAY, True), (TOMORROW, False)])
def test_a_revision_takes_effect_today_at_the_latest(instalment, revised_on, allowed):
    def revise():
        return services.revise_schedule(
            settlement=instalment.settlement,
            terms=services.ExplicitAmounts(lines=((date(2027, 9, 30), Money("1000.00", "GBP")),)),
            revised_on=revised_on,
            reason="Extended",
            decision_reference="Minute 9",
            today=TODAY,
        )

    if allowed:
        assert revise().revised_on == revised_on
    else:
        with pytest.raises(ValidationError, match=r"A revision cannot be dated after today \(30/11/2026\): 01/12/2026"):
            revise()
        assert not ScheduleRevision.objects.exists()


@pytest.mark.parametrize(
    "now, london_today",
    [
        (datetime(2026, 7, 1, 22, 59, tzinfo=UTC), date(2026, 7, 1)),  # 23:59 BST
        (datetime(2026, 7, 1, 23, 0, tzinfo=UTC), date(2026, 7, 2)),  # 00:00 BST: already tomorrow in London
        (datetime(2026, 1, 15, 23, 59, tzinfo=UTC), date(2026, 1, 15)),  # GMT: London and UTC agree
        (datetime(2026, 1, 16, 0, 0, tzinfo=UTC), date(2026, 1, 16)),
        (datetime(2027, 3, 31, 23, 30, tzinfo=UTC), date(2027, 4, 1)),  # the year end, in summer time
    ],
)
def test_today_is_the_day_in_london(monkeypatch, now, london_today):
    monkeypatch.setattr(timezone, "now", lambda: now)
    assert dating.london_today() == london_today


def test_just_after_midnight_in_summer_the_new_day_is_accepted(monkeypatch, instalment):
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 7, 1, 23, 30, tzinfo=UTC))  # 00:30 on 2 July, BST
    assert services.record_payment(
        instalment=instalment, amount=Money("1.00", "GBP"), paid_on=date(2026, 7, 2), reference="LATE-1"
    ).paid_on == date(2026, 7, 2)
    with pytest.raises(ValidationError, match=r"after today \(02/07/2026\): 03/07/2026 is in the future"):
        services.record_payment(
            instalment=instalment, amount=Money("1.00", "GBP"), paid_on=date(2026, 7, 3), reference="LATE-2"
        )


def test_the_admin_refuses_a_payment_dated_tomorrow(admin_client, instalment):
    tomorrow = dating.london_today().toordinal() + 1
    response = admin_client.post(
        "/admin/settlements/payment/add/",
        {
            "instalment": instalment.pk,
            "paid_on": date.fromordinal(tomorrow).strftime("%d/%m/%Y"),
            "amount": "10.00",
            "reference": "ADMIN-1",
        },
    )
    assert response.status_code == 200
    assert "cannot be dated after today" in response.content.decode()
    assert not Payment.objects.exists()


def test_the_admin_refuses_a_reversal_dated_tomorrow(admin_client, instalment):
    payment = services.record_payment(
        instalment=instalment, amount=Money("10.00", "GBP"), paid_on=date(2026, 7, 1), reference="ADMIN-P"
    )
    tomorrow = date.fromordinal(dating.london_today().toordinal() + 1)
    response = admin_client.post(
        f"/admin/settlements/payment/{payment.pk}/reverse/",
        {"reversed_on": tomorrow.strftime("%d/%m/%Y"), "reason": "Keyed twice", "reference": "ADMIN-R"},
    )
    assert response.status_code == 200
    assert "A reversal cannot be dated after today" in response.content.decode()
    assert not Payment.objects.filter(reference="ADMIN-R").exists()


def test_the_admin_refuses_a_revision_dated_tomorrow(admin_client, instalment):
    tomorrow = date.fromordinal(dating.london_today().toordinal() + 1)
    url = f"/admin/settlements/settlement/{instalment.settlement_id}/revise-schedule/"
    data = {
        "revised_on": tomorrow.strftime("%d/%m/%Y"),
        "reason": "Extended",
        "decision_reference": "Minute 4",
        "method": "explicit",
        "lines": "30/09/2027 £1,000.00",
        "funding_source": "not_recorded",
    }
    digest = admin_client.post(url, data).context["digest"]
    response = admin_client.post(url, {**data, "confirm": "1", "digest": digest})
    assert response.status_code == 200
    assert "A revision cannot be dated after today" in response.content.decode()
    assert not ScheduleRevision.objects.exists()
