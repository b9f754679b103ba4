"""Opening a record's admin page reads its row once, however many parts of the page ask about it."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from settlements.money import gbp
from settlements.services import EvenSplit
from tests.factories import DraftSettlementFactory, PaymentFactory, scheduled

pytestmark = pytest.mark.django_db

TERMS = EvenSplit(count=3, every_months=6, first_due_on=date(2020, 4, 30))


def reads_of(queries, table: str, pk: int) -> list[str]:
    """The queries that select `table`'s row `pk` by its id."""
    by_id = re.compile(rf'FROM "{table}" .*WHERE .*"{table}"\."id" = {pk}\b', re.DOTALL)
    return [q["sql"] for q in queries if q["sql"].lstrip().startswith("SELECT") and by_id.search(q["sql"])]


def open_change_page(client, model: str, pk: int):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse(f"admin:settlements_{model}_change", args=[pk]))
    assert page.status_code == 200
    return page, queries.captured_queries


# Queries for the whole page, a signed-in superuser's session included: before the record was read once a
# request they were 78 for the draft and 50 for the approved settlement (SQLite), 20 for the payment.
MOST_QUERIES = {"draft": 51, "approved": 14, "payment": 11}


@pytest.fixture
def draft():
    return DraftSettlementFactory(cash_amount=gbp("9000.00"))


@pytest.fixture
def approved(draft):
    instalments = scheduled(settlement=draft, terms=TERMS)
    PaymentFactory(instalment=instalments[0], amount=gbp("3000.00"))
    return draft


@pytest.mark.parametrize("state", ["draft", "approved"])
def test_a_settlements_change_page_reads_its_row_once(admin_client, request, state):
    settlement = request.getfixturevalue(state)
    page, queries = open_change_page(admin_client, "settlement", settlement.pk)
    assert str(settlement) in page.content.decode()
    assert len(reads_of(queries, "settlements_settlement", settlement.pk)) == 1
    assert len(queries) <= MOST_QUERIES[state]


def test_a_payments_change_page_reads_its_row_once(admin_client, approved):
    payment = approved.instalments.get(number=1).payments.get()
    page, queries = open_change_page(admin_client, "payment", payment.pk)
    assert "Reverse this payment" in page.content.decode()
    assert len(reads_of(queries, "settlements_payment", payment.pk)) == 1
    assert len(queries) <= MOST_QUERIES["payment"]
