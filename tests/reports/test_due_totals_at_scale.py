"""The due report's count and totals at the size where a decimal sum drifts: 10,000 rows of £0.10 and £0.20."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from settlements.models import Instalment, Payment
from settlements.money import from_pence
from settlements.services import ledger
from tests.factories import DraftSettlementFactory, approve_in_bulk

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

AGREED = date(2020, 3, 30)
ROWS = 10_000


@pytest.fixture
def dimes():
    """10,000 instalments of 10p and 20p; every third one paid 10p, the payments spread over 300 days."""
    assert sum([0.1, 0.2] * (ROWS // 2)) != 1500  # summed as floats, they drift
    settlement = DraftSettlementFactory(cash_amount=from_pence(ROWS // 2 * 30), agreed_on=AGREED)
    rows = Instalment.objects.bulk_create(
        Instalment(
            settlement=settlement, number=n, due_on=AGREED + timedelta(days=n % 300), amount=from_pence(10 + n % 2 * 10)
        )
        for n in range(1, ROWS + 1)
    )
    approve_in_bulk([settlement])  # the database takes no new instalment once a settlement is approved
    payments = [
        Payment(instalment=row, paid_on=AGREED + timedelta(days=row.number % 300), amount=from_pence(10),
                reference=f"P{row.pk}", reference_key=f"p{row.pk}")
        for row in rows
        if row.number % 3 == 0
    ]  # fmt: skip
    Payment.objects.bulk_create(payments)
    ledger.restate(settlement.instalments.all())  # a bulk load skips the services that keep the paid balance
    return rows, payments


def report(client, as_of: date):
    response = client.get(reverse("instalments_due"), {"as_of": as_of.isoformat(), "include_paid": "on"})
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("days", [300, 150], ids=["every-payment-made", "some-payments-after-the-date"])
def test_count_and_totals_are_exact_on_the_page(admin_client, dimes, days):
    _rows, payments = dimes
    as_of = AGREED + timedelta(days=days)
    paid = sum(10 for p in payments if p.paid_on <= as_of)
    assert (paid < len(payments) * 10) is (days < 300)  # the second case reads the payments, not stored balances
    response = report(admin_client, as_of)
    assert response.context["page"].paginator.count == ROWS
    assert response.context["totals"] == {
        "amount": from_pence(150_000),
        "paid": from_pence(paid),
        "outstanding": from_pence(150_000 - paid),
    }
    html = response.content.decode()
    assert f"Total of all {ROWS} matching" in html
    assert "£1,500.00" in html and f"£{paid / 100:,.2f}" in html and f"£{(150_000 - paid) / 100:,.2f}" in html
