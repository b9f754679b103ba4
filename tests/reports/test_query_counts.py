"""The dashboard, the reports and their exports run the same number of queries for 10 or 1,000 instalments."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from djmoney.money import Money

from settlements.models import Instalment, Payment
from settlements.services import ledger
from tests import factories

pytestmark = pytest.mark.django_db

SEARCHED = {"q": "Force", "sort": "-outstanding", "include_paid": "on"}
SEARCHED_CSV = {**SEARCHED, "q": "BULK-", "format": "csv"}
SEARCHED_XLSX = {**SEARCHED, "sort": "payee", "format": "xlsx"}
# Measured on SQLite and PostgreSQL (the same for 10 and 1,000 instalments); a signed-in user's session and user
# look-ups are included. Each page: URL name, query string, most queries allowed.
PAGES = {
    "dashboard": ("dashboard", {"as_of": "2021-03-31"}, 14),
    "dashboard for a force": ("dashboard", {"as_of": "2021-03-31", "force": "Force 1"}, 20),
    # One query reads whether the as-at date's financial year is closed; one whether a payment is dated later.
    "instalments due": ("instalments_due", {"as_of": "2021-03-31", "status": ["overdue", "paid"]}, 10),
    "instalments due CSV": ("instalments_due", {"as_of": "2021-03-31", "format": "csv"}, 4),
    "instalments due XLSX": ("instalments_due", {"as_of": "2021-03-31", "format": "xlsx"}, 5),
    # Searched, sorted, paid ones included: no more queries than the plain page; an alliance is one look-up more.
    "instalments due, searched and sorted": ("instalments_due", {"as_of": "2021-03-31", **SEARCHED}, 10),
    "instalments due CSV, searched and sorted": ("instalments_due", {"as_of": "2021-03-31", **SEARCHED_CSV}, 4),
    "instalments due XLSX, searched and sorted": ("instalments_due", {"as_of": "2021-03-31", **SEARCHED_XLSX}, 5),
    "instalments due, one alliance": ("instalments_due", {"as_of": "2021-03-31", "alliance": "Alliance 1"}, 11),
    # The page, not its exports, also reads what awaits approval.
    "year end": ("year_end", {"fy": "2020/21"}, 5),
    # Without a year: one look-up for the earliest settlement and one a year back to the first with something
    # outstanding (here the last to have ended, as the test data's last instalments fall due in 2028).
    "year end, latest year with something outstanding": ("year_end", {}, 7),
    "year end CSV": ("year_end", {"fy": "2020/21", "format": "csv"}, 4),
    "year end XLSX": ("year_end", {"fy": "2020/21", "format": "xlsx"}, 4),
    "hosted services": ("hosted_services", {"as_of": "2021-03-31"}, 4),
}


def build(count: int):
    """`count` instalments over a few settlements, half of them paid, plus hosted services and notices."""
    forces = [factories.ForceFactory(short_name=f"Force {n}") for n in range(4)]
    settlements = []
    for n in range(4):
        alliance = factories.AllianceFactory(name=f"Alliance {n}", members=[forces[n], forces[(n + 1) % 4]])
        factories.TerminationNoticeFactory(alliance=alliance, served_by=forces[n])
        factories.HostedServiceFactory(alliance=alliance, starts_on=date(2020, 4, 1) + timedelta(30 * n))
        settlements.append(factories.DraftSettlementFactory(alliance=alliance, agreed_on=date(2020, 3, 30)))
    instalments = Instalment.objects.bulk_create(
        Instalment(
            settlement=settlements[n % 4],
            number=n // 4 + 1,
            due_on=date(2020, 4, 1) + timedelta(days=3 * n),
            amount=Money("1000.01", "GBP"),
        )
        for n in range(count)
    )
    factories.approve_in_bulk(settlements)
    Payment.objects.bulk_create(
        Payment(
            instalment=row,
            paid_on=row.due_on,
            amount=Money("500.00", "GBP"),
            reference=f"BULK-{row.pk}",
            reference_key=f"bulk-{row.pk}",
        )
        for row in instalments[::2]
    )
    ledger.restate()
    return forces


def fetch(client, page: str):
    url_name, params, _ = PAGES[page]
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    if response.streaming:
        assert b"".join(response.streaming_content).count(b"\n") > 1
    return response


@pytest.mark.parametrize("count", [10, 1000])
@pytest.mark.parametrize("page", list(PAGES))
def test_queries_do_not_grow_with_the_data(admin_client, django_assert_max_num_queries, count, page):
    build(count)
    with django_assert_max_num_queries(PAGES[page][2]):
        fetch(admin_client, page)
