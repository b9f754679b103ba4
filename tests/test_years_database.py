"""The database itself refuses rows of a closed year: ORM update() and delete(), bulk and raw SQL alike."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from djmoney.money import Money

from settlements import roles, services
from settlements.fiscal import FinancialYear
from settlements.models import Instalment, Payment, ScheduleRevision, Settlement, SettlementAdjustment, YearClosing
from tests import factories
from tests.access_helpers import make_user

pytestmark = pytest.mark.django_db

CLOSED_DAY, OPEN_DAY = date(2021, 3, 31), date(2021, 4, 1)


@pytest.fixture
def records():
    """One record of each guarded kind dated on 31/03/2021 (2020/21) and one on 01/04/2021 (2021/22)."""
    made = {}
    for day in (CLOSED_DAY, OPEN_DAY):
        settlement = factories.SettlementFactory(agreed_on=day, cash_amount=Money("10.00", "GBP"))
        instalment = factories.InstalmentFactory(
            settlement=settlement, number=1, due_on=day, amount=settlement.cash_amount
        )
        made[day] = {
            Settlement: settlement,
            SettlementAdjustment: factories.SettlementAdjustmentFactory(settlement=settlement),
            Instalment: instalment,
            Payment: factories.PaymentFactory(instalment=instalment, paid_on=day, amount=Money("1.00", "GBP")),
            ScheduleRevision: ScheduleRevision.objects.create(
                settlement=settlement, sequence=1, revised_on=day, reason="Extended", decision_reference="M1"
            ),
        }
    services.close_financial_year(financial_year=FinancialYear(2020), closed_by=make_user(roles.FINANCE_APPROVER))
    return made


CHANGES = {
    Settlement: {"notes": "changed"},
    SettlementAdjustment: {"description": "changed"},
    Instalment: {"notes": "changed"},
    Payment: {"reason": "changed"},
    ScheduleRevision: {"reason": "changed"},
}
MODELS = list(CHANGES)
# Refused in any year (migration 0008_protected_rows): a payment, and an adjustment once approved.
NEVER_CHANGED = {Payment, SettlementAdjustment}


def refused(call):
    refusal = "in a closed financial year cannot be added, changed or removed"
    with pytest.raises(IntegrityError, match=refusal), transaction.atomic():
        call()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_orm_update_of_a_row_in_a_closed_year_is_refused(records, model):
    refused(lambda: model.objects.filter(pk=records[CLOSED_DAY][model].pk).update(**CHANGES[model]))
    if model in NEVER_CHANGED:
        return
    assert model.objects.filter(pk=records[OPEN_DAY][model].pk).update(**CHANGES[model]) == 1


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_raw_sql_update_of_a_row_in_a_closed_year_is_refused(records, model):
    (column, value), table = next(iter(CHANGES[model].items())), model._meta.db_table
    sql = f"UPDATE {table} SET {column} = %s WHERE id = %s"  # noqa: S608 - names from the models

    def update(pk):
        with connection.cursor() as cursor:
            cursor.execute(sql, [value, pk])

    refused(lambda: update(records[CLOSED_DAY][model].pk))
    if model not in NEVER_CHANGED:
        update(records[OPEN_DAY][model].pk)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_raw_sql_delete_of_a_row_in_a_closed_year_is_refused(records, model):
    sql = f"DELETE FROM {model._meta.db_table} WHERE id = %s"  # noqa: S608 - a name from the model

    def delete():
        with connection.cursor() as cursor:
            cursor.execute(sql, [records[CLOSED_DAY][model].pk])

    refused(delete)
    assert model.objects.filter(pk=records[CLOSED_DAY][model].pk).exists()


def test_orm_delete_of_rows_in_a_closed_year_is_refused(records):
    refused(lambda: Payment.objects.filter(pk=records[CLOSED_DAY][Payment].pk).delete())
    refused(lambda: SettlementAdjustment.objects.filter(pk=records[CLOSED_DAY][SettlementAdjustment].pk).delete())
    refused(lambda: ScheduleRevision.objects.filter(pk=records[CLOSED_DAY][ScheduleRevision].pk).delete())


def test_moving_a_row_into_a_closed_year_is_refused(records):
    refused(lambda: Payment.objects.filter(pk=records[OPEN_DAY][Payment].pk).update(paid_on=CLOSED_DAY))
    refused(lambda: Instalment.objects.filter(pk=records[OPEN_DAY][Instalment].pk).update(due_on=CLOSED_DAY))


def test_bulk_and_raw_inserts_dated_in_a_closed_year_are_refused(records):
    instalment = records[OPEN_DAY][Instalment]
    payment = Payment(instalment=instalment, paid_on=CLOSED_DAY, amount=Money("1.00", "GBP"), reference="BULK-1")
    refused(lambda: Payment.objects.bulk_create([payment]))
    settlement = records[CLOSED_DAY][Settlement]

    def insert():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO settlements_settlementadjustment (settlement_id, kind, description, amount,"
                " amount_currency) VALUES (%s, 'write_off', 'raw', 1, 'GBP')",
                [settlement.pk],
            )

    refused(insert)
    # Due in the open year, from the settlement's pending revision: its settlement's year does not hold it.
    revision = records[CLOSED_DAY][ScheduleRevision]
    new = Instalment(
        settlement=settlement, number=2, due_on=OPEN_DAY, amount=Money("1.00", "GBP"), introduced_by=revision
    )
    Instalment.objects.bulk_create([new])


def test_writing_a_row_of_a_closed_year_unchanged_is_allowed(records):
    instalment = records[CLOSED_DAY][Instalment]
    assert Instalment.objects.filter(pk=instalment.pk).update(notes=instalment.notes) == 1  # unchanged: allowed


def test_reopening_lets_the_rows_change_again(records):
    YearClosing.objects.update(is_closed=False)
    assert Instalment.objects.filter(pk=records[CLOSED_DAY][Instalment].pk).update(notes="changed") == 1


# SQLite's RAISE takes only a fixed text; PostgreSQL's message names the year.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL names the year in its message")
def test_postgresql_names_the_closed_year(records):
    refusal = "Financial year 2020/21 is closed: A payment or reversal made"
    with pytest.raises(IntegrityError, match=refusal), transaction.atomic():
        Payment.objects.filter(pk=records[CLOSED_DAY][Payment].pk).update(reason="x")


@pytest.mark.django_db(transaction=True)
def test_flush_opens_closed_years_first_so_test_teardown_can_empty_the_database():
    settlement = factories.SettlementFactory(agreed_on=CLOSED_DAY, cash_amount=Money("10.00", "GBP"))
    factories.InstalmentFactory(settlement=settlement, number=1, due_on=CLOSED_DAY, amount=settlement.cash_amount)
    services.close_financial_year(financial_year=FinancialYear(2020), closed_by=make_user(roles.FINANCE_APPROVER))
    call_command("flush", interactive=False, verbosity=0)
    assert not Settlement.objects.exists() and not Instalment.objects.exists() and not YearClosing.objects.exists()
