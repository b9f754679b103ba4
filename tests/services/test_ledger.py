"""The paid balance each instalment carries: moved only by the payment services, checked by the database and by
`verify_balances`, filled from existing payments by its migration, and right when two writers race."""

import importlib
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import F

import settlements.migrations
from settlements.models import Instalment, Payment
from settlements.money import gbp
from settlements.services import record_payment, reverse_payment
from tests.factories import InstalmentFactory, PaymentFactory
from tests.races import race

pytestmark = pytest.mark.django_db


@pytest.fixture
def instalment():
    return InstalmentFactory(number=1, amount=gbp("1000.00"), due_on=date(2020, 4, 30))


def pay(instalment, amount, reference, paid_on=date(2020, 4, 30)):
    return record_payment(instalment=instalment, amount=gbp(amount), paid_on=paid_on, reference=reference)


def stored(instalment) -> int:
    return Instalment.objects.values_list("paid_to_date_pence", flat=True).get(pk=instalment.pk)


def test_a_payment_adds_to_the_stored_balance_and_a_reversal_takes_it_back(instalment):
    first = pay(instalment, "400.00", "BACS-1")
    pay(instalment, "0.01", "BACS-2")
    assert stored(instalment) == 40001
    reverse_payment(payment=first, reversed_on=date(2020, 5, 1), reason="Bounced", reference="REV-1")
    assert stored(instalment) == 1


def test_a_repeated_reference_moves_the_balance_once(instalment):
    pay(instalment, "400.00", "BACS-1")
    pay(instalment, "400.00", "BACS-1")
    assert stored(instalment) == 40000


def test_a_refused_payment_leaves_the_balance_as_it_was(instalment):
    pay(instalment, "999.99", "BACS-1")
    with pytest.raises(ValidationError):
        pay(instalment, "0.02", "BACS-2")
    assert stored(instalment) == 99999


@pytest.mark.parametrize("pence", [-1, 100001])
def test_the_database_keeps_the_balance_between_nothing_and_the_amount(instalment, pence):
    with pytest.raises(IntegrityError), transaction.atomic():
        Instalment.objects.filter(pk=instalment.pk).update(paid_to_date_pence=pence)


@pytest.mark.parametrize("pence", [0, 100000])
def test_nothing_and_the_whole_amount_are_allowed(instalment, pence):
    Instalment.objects.filter(pk=instalment.pk).update(paid_to_date_pence=pence)
    assert stored(instalment) == pence


def test_an_amount_cut_below_what_is_paid_is_refused_by_the_database(instalment):
    pay(instalment, "400.00", "BACS-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Instalment.objects.filter(pk=instalment.pk).update(amount=gbp("399.99"))


def test_an_instance_read_before_a_payment_does_not_write_its_old_balance_back(instalment):
    stale = Instalment.objects.get(pk=instalment.pk)
    pay(instalment, "400.00", "BACS-1")
    stale.notes = "Paid by BACS"
    stale.save()
    assert stored(instalment) == 40000
    assert Instalment.objects.get(pk=instalment.pk).notes == "Paid by BACS"


def test_the_instalment_history_does_not_repeat_the_payments(instalment):
    pay(instalment, "400.00", "BACS-1")
    assert "paid_to_date_pence" not in {f.name for f in Instalment.history.model._meta.fields}
    assert instalment.history.count() == 1


def test_verify_balances_passes_when_every_balance_matches(instalment, capsys):
    payment = pay(instalment, "400.00", "BACS-1")
    reverse_payment(payment=payment, reversed_on=date(2020, 5, 1), reason="Bounced", reference="REV-1")
    InstalmentFactory()
    call_command("verify_balances")
    assert "Checked 2 instalments: every stored paid balance equals its payments." in capsys.readouterr().out


def test_verify_balances_lists_each_difference_and_fails(instalment, capsys):
    pay(instalment, "400.00", "BACS-1")
    other = InstalmentFactory()
    Payment.objects.create(instalment=other, paid_on=date(2020, 5, 1), amount=gbp("10.00"), reference="RAW-1")
    Instalment.objects.filter(pk=instalment.pk).update(paid_to_date_pence=F("paid_to_date_pence") + 1)
    with pytest.raises(CommandError, match="2 of 2 instalments have a stored paid balance that differs"):
        call_command("verify_balances")
    out = capsys.readouterr().out
    assert f"Instalment id {instalment.pk} " in out
    assert "stored paid £400.01, payments less reversals £400.00, difference £0.01" in out
    assert "stored paid £0.00, payments less reversals £10.00, difference -£10.00" in out


def fill_sql() -> str:
    """The migration's statement that sets the balances from the payments recorded before it."""
    [path] = Path(settlements.migrations.__file__).parent.glob("*_instalment_paid_to_date.py")
    return importlib.import_module(f"settlements.migrations.{path.stem}").FILL_PAID_TO_DATE


def test_the_migration_fills_each_balance_from_the_payments_already_recorded():
    paid = PaymentFactory(amount=gbp("1000.00"))
    part = PaymentFactory(amount=gbp("0.29"))
    reversed_ = PaymentFactory(amount=gbp("333.33"))
    PaymentFactory(
        instalment=reversed_.instalment,
        kind=Payment.Kind.REVERSAL,
        reverses=reversed_,
        amount=gbp("333.33"),
        reason="Bounced",
    )
    untouched = InstalmentFactory()
    Instalment.objects.update(paid_to_date_pence=0)
    with connection.cursor() as cursor:
        cursor.execute(fill_sql())
    assert [stored(i) for i in (paid.instalment, part.instalment, reversed_.instalment, untouched)] == [
        100000,
        29,
        0,
        0,
    ]
    assert not Instalment.objects.with_wrong_paid_balance().exists()


def writers(instalment, first, prefix):
    """Two payments that cannot both fit, a reversal that makes room, and a reference used twice."""
    return (
        lambda: pay(instalment, "400.00", f"{prefix}-1"),
        lambda: pay(instalment, "400.00", f"{prefix}-2"),
        lambda: reverse_payment(payment=first, reversed_on=date(2020, 5, 1), reason="Bounced", reference=f"{prefix}-3"),
        lambda: pay(instalment, "300.00", f"{prefix}-1"),
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_and_reversals_keep_the_stored_balance_exact():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    for round_ in range(15):
        instalment = InstalmentFactory(amount=gbp("1000.00"))
        first = pay(instalment, "300.00", f"R{round_}-0")
        results = race(*writers(instalment, first, f"R{round_}"))
        for result in results:
            assert isinstance(result, Payment | ValidationError), result
        recorded = Payment.objects.filter(instalment=instalment)
        assert stored(instalment) == sum((-1 if p.is_reversal() else 1) * int(p.amount.amount * 100) for p in recorded)
        assert 0 <= stored(instalment) <= 100000
    assert not Instalment.objects.with_wrong_paid_balance().exists()
