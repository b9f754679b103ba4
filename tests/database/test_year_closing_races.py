"""Closing a year and writing in it at once, on PostgreSQL: the close holds what committed before it, and
refuses what comes after; never an entry in a closed year that landed after its closing."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction

from settlements import roles, services
from settlements.fiscal import FinancialYear
from settlements.models import Payment, YearClosing
from settlements.money import gbp
from settlements.services import locks
from tests.access_helpers import make_user
from tests.factories import InstalmentFactory, SettlementFactory
from tests.races import race, skip_unless_postgresql

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 30
YEAR = FinancialYear(2020)
PAID_ON = date(2021, 3, 31)  # the closing year's last day


@pytest.fixture(autouse=True)
def _postgresql_only():
    skip_unless_postgresql()


@pytest.fixture
def instalment():
    settlement = SettlementFactory(agreed_on=date(2020, 6, 1), cash_amount=gbp("1000.00"))
    return InstalmentFactory(settlement=settlement, number=1, due_on=PAID_ON, amount=gbp("1000.00"))


@pytest.fixture
def approvers():
    return make_user(roles.FINANCE_APPROVER, "closer"), make_user(roles.FINANCE_APPROVER, "reopener")


def closed_refusal(result) -> bool:
    """A refusal because the year is closed: the service's own words, or the trigger's."""
    words = "is closed"
    return isinstance(result, ValidationError | IntegrityError) and words in str(result)


def pay(instalment, reference):
    return services.record_payment(instalment=instalment, amount=gbp("1.00"), paid_on=PAID_ON, reference=reference)


def close_and_look(closer, reference):
    """Close the year; then, before the close commits, whether it can see the payment raced against it."""
    with transaction.atomic():
        services.close_financial_year(financial_year=YEAR, closed_by=closer)
        return Payment.objects.filter(reference=reference).exists()


def reopen_and_look(reopener, reference):
    """Reopen the year; then, before the reopening commits, whether a payment in it has landed already."""
    with transaction.atomic():
        services.reopen_financial_year(financial_year=YEAR, reopened_by=reopener, reason="Audit adjustment")
        return Payment.objects.filter(reference=reference).exists()


def test_a_payment_racing_the_close_of_its_year_is_held_by_the_close_or_refused(instalment, approvers):
    closer, reopener = approvers
    outcomes = set()
    for n in range(ROUNDS):
        reference = f"RACE-CLOSE-{n}"
        payment, close_saw_payment = race(
            lambda r=reference: pay(instalment, r), lambda r=reference: close_and_look(closer, r)
        )
        assert close_saw_payment in (True, False), close_saw_payment  # the close never fails
        if isinstance(payment, Payment):
            # Committed before the close took the year: the close saw it, so its figures hold it.
            assert close_saw_payment, f"round {n}: the payment landed after the close"
            outcomes.add("held")
        else:
            assert closed_refusal(payment), payment
            assert not Payment.objects.filter(reference=reference).exists()
            outcomes.add("refused")
        assert YearClosing.objects.get(starts_on=YEAR.start).is_closed
        services.reopen_financial_year(financial_year=YEAR, reopened_by=reopener, reason=f"Round {n}")
    print(f"outcomes over {ROUNDS} rounds: {sorted(outcomes)}")


def test_a_payment_racing_the_reopening_of_its_year_waits_for_it_or_is_refused(instalment, approvers):
    closer, reopener = approvers
    for n in range(ROUNDS):
        services.close_financial_year(financial_year=YEAR, closed_by=closer)
        reference = f"RACE-REOPEN-{n}"
        payment, reopen_saw_payment = race(
            lambda r=reference: pay(instalment, r), lambda r=reference: reopen_and_look(reopener, r)
        )
        assert reopen_saw_payment is False, reopen_saw_payment  # nothing landed while the year was closed
        if isinstance(payment, Payment):
            assert Payment.objects.filter(reference=reference).exists()
        else:
            assert closed_refusal(payment), payment
        assert not YearClosing.objects.get(starts_on=YEAR.start).is_closed


def test_a_close_under_way_makes_every_write_in_its_year_wait_even_raw_sql(instalment):
    """The close's lock and the triggers' lock are the same key: a write in the year waits for the close."""
    holding, release = threading.Event(), threading.Event()

    def close_in_progress():
        try:
            with transaction.atomic():
                locks.lock_year(YEAR.start)
                holding.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    thread = threading.Thread(target=close_in_progress)
    thread.start()
    try:
        assert holding.wait(timeout=10)
        for write in (
            lambda: pay(instalment, "WAITS-1"),
            lambda: raw_insert(instalment, date(2020, 4, 1)),
        ):
            with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                write()
        raw_insert(instalment, date(2021, 4, 1))  # the next year is not held
    finally:
        release.set()
        thread.join(timeout=30)
    assert Payment.objects.filter(paid_on=date(2021, 4, 1)).count() == 1


def raw_insert(instalment, paid_on):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO settlements_payment (instalment_id, kind, paid_on, amount, amount_currency, reference,"
            " reference_key, reason, recorded_at) VALUES (%s, 'payment', %s, 1, 'GBP', %s, %s, '', now())",
            [instalment.pk, paid_on, f"RAW-{paid_on}", f"raw-{paid_on}"],
        )
