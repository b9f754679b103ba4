"""Approved settlements, paid instalments and payments refuse change through the admin, the services and the ORM."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from settlements.immutability import ImmutableRecordError
from settlements.models import Instalment, Payment, Settlement, SettlementAdjustment
from settlements.services import ledger
from tests.access_helpers import SUPERUSER, form_data, make_user
from tests.factories import (
    ForceFactory,
    InstalmentFactory,
    PaymentFactory,
    SettlementAdjustmentFactory,
    SettlementFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved():
    return SettlementFactory(status=Settlement.Status.APPROVED, requested_amount=Money("12000000.00", "GBP"))


@pytest.fixture
def paid():
    return PaymentFactory().instalment


@pytest.fixture
def admin(client):
    client.force_login(make_user(SUPERUSER))
    return client


def change_url(obj) -> str:
    return reverse(f"admin:settlements_{obj._meta.model_name}_change", args=[obj.pk])


def delete_url(obj) -> str:
    return reverse(f"admin:settlements_{obj._meta.model_name}_delete", args=[obj.pk])


LOCKED_CHANGES = {
    "cash_amount": lambda s: Money("10000000.00", "GBP"),
    "requested_amount": lambda s: Money("1.00", "GBP"),
    "recommended_amount": lambda s: Money("11000000.00", "GBP"),
    "payer": lambda s: ForceFactory(),
    "payee": lambda s: ForceFactory(),
    "alliance": lambda s: SettlementFactory().alliance,
    "status": lambda s: Settlement.Status.DRAFT,
}


# Approved settlement


@pytest.mark.parametrize("field", LOCKED_CHANGES)
def test_an_approved_settlements_amounts_and_parties_refuse_save(approved, field):
    setattr(approved, field, LOCKED_CHANGES[field](approved))
    with pytest.raises(ImmutableRecordError, match="approved"):
        approved.save()


@pytest.mark.parametrize("field", LOCKED_CHANGES)
def test_an_approved_settlement_refuses_the_validation_that_services_run(approved, field):
    setattr(approved, field, LOCKED_CHANGES[field](approved))
    with pytest.raises(ValidationError, match="cannot change"):
        approved.full_clean()


def test_an_approved_settlement_still_takes_notes(approved):
    approved.notes = "Signed copy filed"
    approved.full_clean()
    approved.save()
    assert Settlement.objects.get(pk=approved.pk).notes == "Signed copy filed"


def test_a_draft_settlement_can_change(approved):
    draft = SettlementFactory(status=Settlement.Status.DRAFT)
    draft.cash_amount = Money("1.00", "GBP")
    draft.save()
    assert Settlement.objects.get(pk=draft.pk).cash_amount == Money("1.00", "GBP")


def test_an_approved_settlement_refuses_delete(approved):
    with pytest.raises(ImmutableRecordError, match="never deleted"):
        approved.delete()
    assert Settlement.objects.filter(pk=approved.pk).exists()


def test_the_admin_shows_an_approved_settlements_amounts_read_only_and_says_why(admin, approved):
    page = admin.get(change_url(approved))
    assert b"This settlement is approved" in page.content
    form = page.context["adminform"].form
    assert not {"cash_amount", "requested_amount", "payer", "payee", "alliance", "status"} & set(form.fields)
    assert "notes" in form.fields


def test_the_admin_ignores_a_posted_change_to_an_approved_amount(admin, approved):
    data = form_data(admin.get(change_url(approved)))
    data.update({"cash_amount_0": "1.00", "notes": "Changed by the admin"})
    assert admin.post(change_url(approved), data).status_code == 302
    approved.refresh_from_db()
    assert (approved.cash_amount, approved.notes) == (Money("10500000.00", "GBP"), "Changed by the admin")


def test_the_admin_refuses_to_delete_an_approved_settlement(admin, approved):
    assert admin.get(delete_url(approved)).status_code == 403
    assert admin.post(delete_url(approved), {"post": "yes"}).status_code == 403


# Paid instalment


def test_a_paid_instalment_refuses_save(paid):
    paid.due_on = date(2021, 1, 1)
    with pytest.raises(ImmutableRecordError, match="has payments recorded against it, so its due on cannot"):
        paid.save()


def test_a_paid_instalment_refuses_the_validation_that_services_run(paid):
    paid.amount = Money("1.00", "GBP")
    with pytest.raises(ValidationError, match="has payments recorded against it, so its amount cannot"):
        paid.full_clean()


def test_a_paid_instalment_refuses_delete(paid):
    with pytest.raises(ImmutableRecordError, match="cannot be deleted"):
        paid.delete()


def test_a_part_paid_instalment_keeps_its_due_date_but_its_notes_can_change():
    payment = PaymentFactory(amount=Money("400.00", "GBP"))
    instalment = payment.instalment
    instalment.due_on = date(2021, 1, 1)
    with pytest.raises(ImmutableRecordError, match="has payments recorded"):
        instalment.save()
    instalment.refresh_from_db()
    instalment.notes = "Remittance advice received"
    instalment.save()
    assert instalment.history.count() == 2


def test_an_instalment_whose_payment_was_reversed_still_keeps_its_due_date(paid):
    payment = paid.payments.get()
    reversal = Payment.objects.create(
        instalment=paid,
        kind=Payment.Kind.REVERSAL,
        reverses=payment,
        paid_on=payment.paid_on,
        amount=payment.amount,
        reference="REV-1",
        reason="Paid to the wrong account",
    )
    ledger.post(reversal)
    stored = Instalment.objects.get(pk=paid.pk)
    assert stored.paid_to_date_pence == 0  # nothing paid any more, but payments are recorded against it
    paid.due_on = date(2021, 1, 1)
    with pytest.raises(ImmutableRecordError, match="has payments recorded"):
        paid.save()
    assert Instalment.objects.get(pk=paid.pk).due_on == stored.due_on != date(2021, 1, 1)


def test_the_admin_shows_a_paid_instalment_read_only_and_refuses_delete(admin, paid):
    page = admin.get(change_url(paid))
    assert b"This instalment is paid in full" in page.content
    form = page.context["adminform"].form
    assert not {"amount", "due_on", "number", "settlement"} & set(form.fields)
    assert admin.get(delete_url(paid)).status_code == 403


def test_the_settlement_page_offers_no_edit_or_delete_of_a_schedule_with_payments(admin, paid):
    page = admin.get(change_url(paid.settlement))
    (inline,) = [f for f in page.context["inline_admin_formsets"] if f.opts.model is Instalment]
    assert not inline.has_change_permission
    assert not inline.has_delete_permission
    assert not inline.has_add_permission


def test_a_post_to_the_settlement_page_leaves_a_paid_instalment_as_it_was(admin, paid):
    data = form_data(admin.get(change_url(paid.settlement)))
    data |= {"instalments-0-amount_0": "999.00", "instalments-0-DELETE": "on"}
    admin.post(change_url(paid.settlement), data)
    paid.refresh_from_db()
    assert paid.amount == Money("1000.00", "GBP")


# Payment


def test_a_payment_refuses_save():
    payment = PaymentFactory()
    payment.amount = Money("1.00", "GBP")
    with pytest.raises(ImmutableRecordError, match="Record a reversal"):
        payment.save()


def test_a_payment_refuses_delete():
    payment = PaymentFactory()
    with pytest.raises(ImmutableRecordError, match="cannot be deleted"):
        payment.delete()
    assert Payment.objects.filter(pk=payment.pk).exists()


def test_a_payments_new_reference_is_refused_in_the_words_of_the_reference():
    payment = PaymentFactory(reference="BACS-0001")
    payment.reference = "BACS-0002"
    with pytest.raises(ImmutableRecordError) as refusal:
        payment.save()
    assert refusal.value.messages == [
        "Payment BACS-0001 is recorded, so its reference cannot change. Record a reversal of it instead."
    ]


def test_a_payment_saved_unchanged_is_left_alone():
    payment = PaymentFactory()
    payment.save()
    assert Payment.objects.get(pk=payment.pk).amount == payment.amount


def test_the_admin_shows_a_payment_read_only_and_says_why(admin):
    payment = PaymentFactory()
    page = admin.get(change_url(payment))
    assert b"Payments are kept as recorded" in page.content
    assert b'name="amount_0"' not in page.content
    assert admin.post(change_url(payment), {"amount_0": "1.00", "amount_1": "GBP"}).status_code == 403
    assert admin.get(delete_url(payment)).status_code == 403


def test_the_admin_offers_no_bulk_delete_of_payments(admin):
    PaymentFactory()
    page = admin.get(reverse("admin:settlements_payment_changelist"))
    assert page.status_code == 200 and page.context["cl"].result_count == 1  # the list, with the payment in it
    assert b"delete_selected" not in page.content


def test_the_instalment_admin_shows_recorded_payments_read_only(admin):
    payment = PaymentFactory(amount=Money("400.00", "GBP"))
    data = form_data(admin.get(change_url(payment.instalment)))
    assert "payments-0-amount_0" not in data
    data["payments-0-amount_0"] = "1.00"
    data["payments-0-DELETE"] = "on"
    admin.post(change_url(payment.instalment), data)
    payment.refresh_from_db()
    assert payment.amount == Money("400.00", "GBP")


def test_the_admin_still_records_a_new_payment_on_an_instalment(admin):
    instalment = InstalmentFactory()
    data = {"instalment": instalment.pk, "paid_on": "30/04/2020", "amount": "250.00", "reference": "BACS-0001"}
    assert admin.post(reverse("admin:settlements_payment_add"), data).status_code == 302
    assert instalment.payments.get().reference == "BACS-0001"


# Adjustment


def test_an_adjustment_of_an_approved_settlement_refuses_change_and_delete():
    adjustment = SettlementAdjustmentFactory()
    adjustment.amount = Money("1.00", "GBP")
    with pytest.raises(ImmutableRecordError, match="This adjustment is approved, so its amount cannot change"):
        adjustment.save()
    with pytest.raises(ImmutableRecordError, match="cannot be deleted"):
        SettlementAdjustment.objects.get(pk=adjustment.pk).delete()


def test_a_further_adjustment_may_be_added_to_an_approved_settlement():
    adjustment = SettlementAdjustmentFactory()
    further = SettlementAdjustmentFactory(
        settlement=adjustment.settlement, description="Further write-off", status="pending"
    )
    assert adjustment.settlement.adjustments.count() == 2
    assert list(adjustment.settlement.adjustments.approved()) == [adjustment]
    assert further.is_pending()


def test_an_adjustment_of_a_draft_settlement_may_change():
    adjustment = SettlementAdjustmentFactory(settlement__status="draft")
    adjustment.amount = Money("1.00", "GBP")
    adjustment.save()
    adjustment.refresh_from_db()
    assert adjustment.amount == Money("1.00", "GBP")


# The rule runs at the validation and again at the save


def stored_row_reads(model, captured) -> int:
    """How many queries read the whole stored row of `model` (the immutability check's look-up)."""
    table = model._meta.db_table
    return sum(q["sql"].startswith(f'SELECT "{table}"."id", "{table}".') for q in captured)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SettlementFactory(status=Settlement.Status.APPROVED),
        lambda: SettlementAdjustmentFactory(),
        lambda: PaymentFactory().instalment,
    ],
    ids=["approved settlement", "approved adjustment", "paid instalment"],
)
def test_each_check_reads_the_stored_row_once_and_the_save_checks_again(make):
    made = make()
    record = type(made).objects.get(pk=made.pk)
    with CaptureQueriesContext(connection) as queries:
        record.full_clean()
    assert stored_row_reads(type(record), queries) == 1
    with CaptureQueriesContext(connection) as queries:
        record.save()
    assert stored_row_reads(type(record), queries) == 1


def test_an_instalment_validated_while_a_draft_is_refused_if_the_settlement_is_approved_before_the_save():
    instalment = InstalmentFactory(settlement=SettlementFactory(status=Settlement.Status.DRAFT))
    number, instalment.number = instalment.number, 999
    instalment.full_clean()
    Settlement.objects.filter(pk=instalment.settlement_id).update(status=Settlement.Status.APPROVED)
    with pytest.raises(ImmutableRecordError, match="its number cannot change"):
        instalment.save()
    assert Instalment.objects.get(pk=instalment.pk).number == number


def test_a_value_changed_after_validation_is_still_refused_by_the_save(approved):
    approved.full_clean()
    approved.cash_amount = Money("1.00", "GBP")
    with pytest.raises(ImmutableRecordError, match="its cash amount cannot change"):
        approved.save()


def test_a_record_validated_once_is_checked_again_at_its_next_save(approved):
    approved.full_clean()
    approved.save()
    approved.status = Settlement.Status.DRAFT
    with pytest.raises(ImmutableRecordError, match="its status cannot change"):
        approved.save()
