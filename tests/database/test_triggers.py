"""The database refuses what must never change, whoever asks: QuerySet.update(), QuerySet.delete(), raw SQL."""

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from djmoney.money import Money

from settlements import immutability, triggers
from settlements.fiscal import FinancialYear
from settlements.immutability import ImmutableRecordError
from settlements.models import Instalment, Payment, ScheduleRevision, Settlement, SettlementAdjustment
from settlements.services import EvenSplit, close_financial_year, revise_schedule
from tests.access_helpers import SUPERUSER, make_user
from tests.factories import (
    DraftSettlementFactory,
    PaymentFactory,
    SettlementAdjustmentFactory,
    SettlementFactory,
    scheduled,
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
    "settlements_instalment": {"paid_terms", "paid_delete", "settled_insert", "settled_move"},
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


# An approved schedule takes new instalments only from a revision


def new_instalment(settlement, **fields):
    fields = {"number": 9, **fields}
    return Instalment(settlement=settlement, due_on=date(2020, 4, 30), amount=Money("1.00", "GBP"), **fields)


def raw_insert(settlement, introduced_by=None):
    raw(
        "INSERT INTO settlements_instalment (settlement_id, number, due_on, amount, amount_currency, funding_source,"
        " reserve_name, notes, introduced_by_id, paid_to_date_pence) VALUES (%s, 9, '2020-04-30', 1, 'GBP',"
        " 'not_recorded', '', '', %s, 0)",
        settlement.pk,
        introduced_by,
    )


def pending_revision(settlement, sequence=1):
    return ScheduleRevision.objects.create(
        settlement=settlement,
        sequence=sequence,
        revised_on=date(2020, 9, 1),
        reason="Extended",
        decision_reference="M1",
    )


@pytest.mark.parametrize("status", ["approved", "withdrawn"])
def test_a_settled_schedule_refuses_a_new_instalment_by_the_orm_bulk_create_and_raw_sql(status):
    settlement = DraftSettlementFactory()
    Settlement.objects.filter(pk=settlement.pk).update(status=status)
    settlement.refresh_from_db()
    with pytest.raises(ImmutableRecordError, match="takes no new instalment: revise the schedule instead"):
        Instalment.objects.create(**{f.name: getattr(new_instalment(settlement), f.name) for f in FIELDS})
    message = refused(lambda: Instalment.objects.bulk_create([new_instalment(settlement)]))
    assert message == (
        "An approved or withdrawn settlement takes no new instalment: revise its schedule instead, "
        "for a second person to approve."
    )
    refused(lambda: raw_insert(settlement))
    assert not settlement.instalments.exists()


FIELDS = [Instalment._meta.get_field(name) for name in ("settlement", "number", "due_on", "amount")]


def test_a_draft_takes_new_instalments_by_every_path():
    draft = DraftSettlementFactory()
    Instalment.objects.bulk_create([new_instalment(draft, number=8)])
    raw_insert(draft)
    Instalment.objects.create(settlement=draft, number=1, due_on=date(2020, 4, 30), amount=draft.cash_amount)
    assert draft.instalments.count() == 3


def test_only_a_pending_revision_of_the_same_settlement_brings_new_instalments():
    settlement, other = SettlementFactory(), SettlementFactory()
    mine, theirs = pending_revision(settlement), pending_revision(other)
    refused(lambda: Instalment.objects.bulk_create([new_instalment(settlement, introduced_by=theirs)]))
    refused(lambda: raw_insert(settlement, theirs.pk))
    Instalment.objects.bulk_create([new_instalment(settlement, introduced_by=mine)])
    ScheduleRevision.objects.filter(pk=mine.pk).update(status="approved")
    refused(lambda: Instalment.objects.bulk_create([new_instalment(settlement, introduced_by=mine)]))
    refused(lambda: raw_insert(settlement, mine.pk))
    assert settlement.instalments.count() == 1


def test_an_instalment_cannot_move_onto_an_approved_settlement():
    draft, approved = DraftSettlementFactory(), SettlementFactory()
    instalment = Instalment.objects.create(
        settlement=draft, number=1, due_on=date(2020, 4, 30), amount=draft.cash_amount
    )
    refused(lambda: Instalment.objects.filter(pk=instalment.pk).update(settlement=approved))
    refused(
        lambda: raw("UPDATE settlements_instalment SET settlement_id = %s WHERE id = %s", approved.pk, instalment.pk)
    )
    assert Instalment.objects.get(pk=instalment.pk).settlement_id == draft.pk


def test_the_revision_service_still_replaces_an_approved_schedule():
    settlement = DraftSettlementFactory(cash_amount=Money("300.00", "GBP"))
    scheduled(settlement=settlement, terms=EvenSplit(3, 1, date(2020, 4, 30)))
    revision = revise_schedule(
        settlement=settlement,
        terms=EvenSplit(2, 6, date(2020, 9, 30)),
        revised_on=date(2020, 4, 1),
        reason="Extended",
        decision_reference="Minute 4",
    )
    assert revision.introduced_instalments.count() == 2
    assert settlement.instalments.current().count() == 2


def test_the_bypass_lets_a_bulk_load_onto_an_approved_settlement_through():
    settlement = SettlementFactory()
    with triggers.bypass():
        Instalment.objects.bulk_create([new_instalment(settlement)])
    assert settlement.instalments.count() == 1


def test_an_instalment_in_a_closed_year_is_still_refused_for_its_year_first():
    settlement = SettlementFactory()
    close_financial_year(financial_year=FinancialYear(2020), closed_by=make_user(SUPERUSER), today=date(2021, 5, 1))
    with pytest.raises(DatabaseError, match="closed financial year"), transaction.atomic():
        raw_insert(settlement)


def test_the_databases_refusal_of_a_new_instalment_reaches_the_admin_as_a_message(client, monkeypatch):
    settlement = SettlementFactory(cash_amount=Money("1.00", "GBP"))
    client.force_login(make_user(SUPERUSER))
    url = reverse("admin:settlements_instalment_add")
    data = {"settlement": settlement.pk, "number": 1, "due_on": "30/04/2020", "amount_0": "1.00", "amount_1": "GBP"}
    data |= {"funding_source": "not_recorded", "payments-TOTAL_FORMS": "0", "payments-INITIAL_FORMS": "0"}
    page = client.post(url, data)
    assert page.status_code == 200
    assert "takes no new instalment: revise the schedule instead" in page.content.decode()
    # Were the model's rule ever skipped, the database's refusal is still a message, never a server error.
    monkeypatch.setattr(immutability, "check_instalment_added", lambda instalment: None)
    page = client.post(url, data, follow=True)
    assert page.status_code == 200, page.context["errors"]
    assert "An approved or withdrawn settlement takes no new instalment" in page.content.decode()
    assert not settlement.instalments.exists()
