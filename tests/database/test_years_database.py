"""The database itself refuses rows of a closed year: ORM update() and delete(), bulk and raw SQL alike."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from djmoney.money import Money

from settlements import roles, services, triggers
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
    services.reopen_financial_year(
        financial_year=FinancialYear(2020), reopened_by=make_user(roles.FINANCE_APPROVER, "second"), reason="Audit"
    )
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


# The closings themselves: never deleted, changed only by reopening or closing again.


def closing_refused(call, words="closing of a financial year"):
    with pytest.raises(IntegrityError, match=f"REFUSED: .*{words}") as error, transaction.atomic():
        call()
    return triggers.explain(error.value)


def raw(sql, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def closing(records):
    return YearClosing.objects.get(starts_on=FinancialYear(2020).start)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE settlements_yearclosing SET starts_on = '2019-04-01', ends_on = '2020-03-31' WHERE id = %s",
        "UPDATE settlements_yearclosing SET closed_by_id = (SELECT MAX(id) FROM auth_user) + 1 WHERE id = %s",
        "UPDATE settlements_yearclosing SET closed_at = '2030-01-01 00:00:00' WHERE id = %s",
        "UPDATE settlements_yearclosing SET note = 'rewritten' WHERE id = %s",
        "UPDATE settlements_yearclosing SET is_closed = FALSE WHERE id = %s",
        "DELETE FROM settlements_yearclosing WHERE id = %s",
    ],
    ids=["year", "closed_by", "closed_at", "note", "opened-without-a-reopening", "delete"],
)
def test_a_closing_refuses_raw_sql_that_rewrites_or_deletes_it(closing, sql):
    closing_refused(lambda: raw(sql, closing.pk))
    stored = YearClosing.objects.get(pk=closing.pk)
    assert (stored.is_closed, stored.closed_by_id, stored.closed_at) == (True, closing.closed_by_id, closing.closed_at)


def test_a_closing_refuses_orm_delete_and_update(closing):
    assert "never deleted" in closing_refused(lambda: YearClosing.objects.filter(pk=closing.pk).delete())
    closing_refused(lambda: YearClosing.objects.filter(pk=closing.pk).update(is_closed=False))
    assert YearClosing.objects.filter(pk=closing.pk, is_closed=True).exists()


def test_a_reopening_in_sql_by_the_closer_or_without_a_reason_is_refused(closing):
    reopen = "UPDATE settlements_yearclosing SET is_closed = FALSE, reopened_by_id = %s, reopened_at = %s, "
    other = make_user(roles.FINANCE_APPROVER, "other")
    later = closing.closed_at.replace(microsecond=0).replace(year=closing.closed_at.year + 1)
    closing_refused(lambda: raw(reopen + "reopen_reason = 'x' WHERE id = %s", closing.closed_by_id, later, closing.pk))
    closing_refused(lambda: raw(reopen + "reopen_reason = '' WHERE id = %s", other.pk, later, closing.pk))
    assert YearClosing.objects.get(pk=closing.pk).is_closed


def test_an_insert_of_a_reopened_closing_is_refused(records):
    user = make_user(roles.FINANCE_APPROVER, "other")
    closing_refused(
        lambda: raw(
            "INSERT INTO settlements_yearclosing (starts_on, ends_on, is_closed, closed_by_id, closed_at, note,"
            " reopened_by_id, reopened_at, reopen_reason) VALUES ('2021-04-01', '2022-03-31', FALSE, %s,"
            " '2022-05-01 00:00:00', '', %s, '2022-06-01 00:00:00', 'why')",
            user.pk,
            user.pk,
        ),
        words="starts closed",
    )


def test_the_services_close_reopen_and_close_again_through_the_triggers(closing):
    first, second = closing.closed_by, make_user(roles.FINANCE_APPROVER, "second")
    services.reopen_financial_year(financial_year=FinancialYear(2020), reopened_by=second, reason="Audit adjustment")
    reopened = YearClosing.objects.get(pk=closing.pk)
    assert (reopened.is_closed, reopened.reopened_by, reopened.reopen_reason) == (False, second, "Audit adjustment")
    closing_refused(lambda: YearClosing.objects.filter(pk=closing.pk).update(reopen_reason="Something else"))
    services.close_financial_year(financial_year=FinancialYear(2020), closed_by=second, note="Signed again")
    again = YearClosing.objects.get(pk=closing.pk)
    assert (again.is_closed, again.closed_by, again.note, again.reopened_by) == (True, second, "Signed again", None)
    services.reopen_financial_year(financial_year=FinancialYear(2020), reopened_by=first, reason="Second audit")
    assert not YearClosing.objects.get(pk=closing.pk).is_closed
    assert [h.history_change_reason for h in YearClosing.history.filter(id=closing.pk).order_by("history_id")] == [
        "Closed 2020/21",
        "Reopened 2020/21: Audit adjustment",
        "Closed 2020/21: Signed again",
        "Reopened 2020/21: Second audit",
    ]


# The way through, for flush and the bench's clean-up.


def test_the_bypass_lets_rows_of_a_closed_year_and_the_closing_be_cleaned_up(records):
    payment, instalment = records[CLOSED_DAY][Payment], records[CLOSED_DAY][Instalment]
    with pytest.raises(IntegrityError, match=r"^REFUSED: ") as error, transaction.atomic():
        Instalment.objects.filter(pk=instalment.pk).update(notes="changed")
    assert "in a closed financial year cannot be added, changed or removed" in triggers.explain(error.value)
    with triggers.bypass():
        Payment.objects.filter(pk=payment.pk)._raw_delete(connection.alias)
        Instalment.objects.filter(pk=instalment.pk)._raw_delete(connection.alias)
        YearClosing.objects.all()._raw_delete(connection.alias)
    assert not Payment.objects.filter(pk=payment.pk).exists()
    assert not Instalment.objects.filter(pk=instalment.pk).exists()
    assert not YearClosing.objects.exists()


def test_without_the_bypass_the_clean_up_is_refused_and_nothing_goes(records):
    payment = records[CLOSED_DAY][Payment]
    refused(lambda: Payment.objects.filter(pk=payment.pk)._raw_delete(connection.alias))
    assert Payment.objects.filter(pk=payment.pk).exists()
