"""The database refuses what must never change, whoever asks: QuerySet.update(), QuerySet.delete(), raw SQL."""

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from djmoney.money import Money

from settlements import triggers
from settlements.models import Instalment, Payment, ScheduleRevision, Settlement, SettlementAdjustment
from tests.access_helpers import SUPERUSER, make_user
from tests.factories import (
    DraftSettlementFactory,
    PaymentFactory,
    SettlementAdjustmentFactory,
    SettlementFactory,
)

pytestmark = pytest.mark.django_db


def refused(write):
    with pytest.raises(DatabaseError, match="REFUSED") as error, transaction.atomic():
        write()
    return triggers.explain(error.value)


def raw(sql, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def payment():
    return PaymentFactory(amount=Money("400.00", "GBP"))


@pytest.fixture
def revision():
    revision = ScheduleRevision.objects.create(
        settlement=SettlementFactory(),
        sequence=1,
        revised_on=date(2020, 9, 1),
        reason="Extended",
        decision_reference="M1",
    )
    ScheduleRevision.objects.filter(pk=revision.pk).update(status="approved")
    return revision


def test_a_payment_refuses_update_delete_and_raw_sql(payment):
    rows = Payment.objects.filter(pk=payment.pk)
    assert "never changed" in refused(lambda: rows.update(amount=Money("1.00", "GBP")))
    assert "never deleted" in refused(lambda: rows.delete())
    refused(lambda: raw("UPDATE settlements_payment SET reference = 'X' WHERE id = %s", payment.pk))
    refused(lambda: raw("DELETE FROM settlements_payment WHERE id = %s", payment.pk))
    assert Payment.objects.get(pk=payment.pk).amount == Money("400.00", "GBP")


def test_an_instalment_with_payments_keeps_its_amount_and_due_date_but_not_its_notes(payment):
    rows = Instalment.objects.filter(pk=payment.instalment_id)
    assert "keeps its amount and due date" in refused(lambda: rows.update(amount=Money("1.00", "GBP")))
    refused(lambda: rows.update(due_on=date(2030, 1, 1)))
    refused(lambda: raw("UPDATE settlements_instalment SET due_on = '2030-01-01' WHERE id = %s", payment.instalment_id))
    refused(lambda: raw("DELETE FROM settlements_instalment WHERE id = %s", payment.instalment_id))
    assert rows.update(notes="Remittance advice received") == 1


def test_an_instalment_without_payments_can_still_change_in_sql():
    draft = DraftSettlementFactory()
    instalment = Instalment.objects.create(
        settlement=draft, number=1, due_on=date(2020, 4, 30), amount=draft.cash_amount
    )
    assert Instalment.objects.filter(pk=instalment.pk).update(due_on=date(2020, 5, 1)) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"agreed_on": date(2021, 4, 1)},
        {"full_and_final": False},
        {"requested_amount": Money("12000000.00", "GBP")},
        {"cash_amount": Money("1.00", "GBP")},
        {"status": "draft"},
    ],
    ids=str,
)
def test_an_approved_settlement_refuses_a_change_to_its_terms_in_sql(change):
    settlement = SettlementFactory()
    rows = Settlement.objects.filter(pk=settlement.pk)
    assert "keeps its terms" in refused(lambda: rows.update(**change))


def test_an_approved_settlement_refuses_delete_in_sql_but_its_notes_may_change():
    settlement = SettlementFactory()
    refused(lambda: raw("DELETE FROM settlements_settlement WHERE id = %s", settlement.pk))
    assert Settlement.objects.filter(pk=settlement.pk).update(notes="Filed") == 1


def test_a_draft_settlement_changes_freely_in_sql():
    draft = DraftSettlementFactory()
    assert Settlement.objects.filter(pk=draft.pk).update(agreed_on=date(2020, 3, 31)) == 1


def test_an_approved_revision_keeps_its_reason_and_decision(revision):
    rows = ScheduleRevision.objects.filter(pk=revision.pk)
    assert "keeps its reason" in refused(lambda: rows.update(reason="Something else"))
    refused(lambda: raw("UPDATE settlements_schedulerevision SET decision_reference = 'X' WHERE id = %s", revision.pk))
    refused(lambda: rows.delete())


def test_an_approved_settlements_adjustment_refuses_delete_and_change():
    adjustment = SettlementAdjustmentFactory()
    rows = SettlementAdjustment.objects.filter(pk=adjustment.pk)
    assert "never deleted" in refused(lambda: rows.delete())
    refused(lambda: raw("DELETE FROM settlements_settlementadjustment WHERE id = %s", adjustment.pk))
    refused(lambda: rows.update(amount=Money("5000000.00", "GBP")))
    assert rows.exists()


def test_the_bypass_lets_the_clean_up_through(payment):
    with triggers.bypass():
        Payment.objects.filter(pk=payment.pk).delete()
    assert not Payment.objects.filter(pk=payment.pk).exists()
    other = PaymentFactory()
    refused(lambda: Payment.objects.filter(pk=other.pk).delete())


def test_a_superusers_bulk_delete_of_an_approved_adjustment_is_refused_with_a_message(client):
    adjustment = SettlementAdjustmentFactory(description="Write-off of running costs")
    client.force_login(make_user(SUPERUSER))
    url = reverse("admin:settlements_settlementadjustment_changelist")
    data = {"action": "delete_selected", "_selected_action": [adjustment.pk], "post": "yes"}
    response = client.post(url, data)
    assert response.status_code in (200, 302, 403)
    assert SettlementAdjustment.objects.filter(pk=adjustment.pk).exists()
    page = client.post(url, {"action": "delete_selected", "_selected_action": [adjustment.pk]})
    assert page.status_code == 200
    assert "permission to delete" in page.content.decode()


def test_the_inline_delete_box_of_an_approved_adjustment_is_not_offered(client):
    adjustment = SettlementAdjustmentFactory()
    client.force_login(make_user(SUPERUSER))
    page = client.get(reverse("admin:settlements_settlement_change", args=[adjustment.settlement_id]))
    formset = next(f for f in page.context["inline_admin_formsets"] if f.formset.prefix == "adjustments")
    assert not formset.formset.can_delete


PROTECTED = {
    "settlements_payment": {"no_update", "no_delete"},
    "settlements_instalment": {"paid_terms", "paid_delete"},
    "settlements_settlement": {"locked", "no_delete"},
    "settlements_schedulerevision": {"locked", "no_delete"},
    "settlements_settlementadjustment": {"locked", "no_delete"},
    "settlements_document": {"no_update", "no_delete"},
}


def test_every_protected_row_trigger_survives_the_migrations():
    """SQLite drops a table's triggers when a migration rebuilds the table: a later migration must re-create them."""
    if connection.vendor == "sqlite":
        sql = "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'"
    else:
        sql = "SELECT event_object_table, trigger_name FROM information_schema.triggers"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        present = set(cursor.fetchall())
    expected = {(table, f"{table}_{name}") for table, names in PROTECTED.items() for name in names}
    closed_year = [f"closed_year_{event}" for event in ("insert", "update", "delete")]
    expected |= {(table, f"{table}_{name}") for table in CLOSED_YEAR_GUARDED for name in closed_year}
    expected |= {
        ("settlements_yearclosing", f"settlements_yearclosing_kept_{e}") for e in ("insert", "update", "delete")
    }
    if connection.vendor == "postgresql":  # one trigger for the three events, listed once per event
        expected = {(table, name.rsplit("_", 1)[0] if "_closed_year_" in name else name) for table, name in expected}
    assert expected <= present


CLOSED_YEAR_GUARDED = [
    "settlements_payment",
    "settlements_instalment",
    "settlements_schedulerevision",
    "settlements_settlement",
    "settlements_settlementadjustment",
]


def test_the_closed_year_triggers_in_force_are_those_that_wait_for_a_close_and_honour_the_bypass():
    """Re-created from an older migration, they would lose the bypass (SQLite) or the year's lock (PostgreSQL)."""
    if connection.vendor == "sqlite":
        sql = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%%closed_year%%'"
        needed = ["settlements_guard()", "REFUSED: "]
    else:
        sql = "SELECT proname, prosrc FROM pg_proc WHERE proname LIKE 'settlements_%%closed_year'"
        needed = ["settlements_closed_year_held(", "REFUSED: "]
    with connection.cursor() as cursor:
        cursor.execute(sql)
        found = dict(cursor.fetchall())
    assert len(found) == (15 if connection.vendor == "sqlite" else 5), sorted(found)
    for name, text in found.items():
        assert all(word in text for word in needed), name
