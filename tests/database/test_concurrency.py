"""Two writers at once on PostgreSQL: no deadlock, no lost update, and the money consistent after every round.

Each test builds its rows before the barrier, runs the writers on their own connections, and checks what
the database holds afterwards. Only the refusals the rules allow may come back.
"""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from settlements import roles, services
from settlements.models import Instalment, Payment, Settlement
from settlements.money import from_pence, gbp, to_pence
from tests.access_helpers import form_data, make_user
from tests.factories import DraftSettlementFactory, approve, checker
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 30
EVEN = services.EvenSplit(3, 1, date(2020, 4, 30))


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and deadlocks need PostgreSQL")


def refusal(result, *words) -> bool:
    return isinstance(result, ValidationError | PermissionDenied) and any(w in str(result) for w in words)


def assert_schedule_adds_up(settlement):
    settlement = Settlement.objects.get(pk=settlement.pk)
    current = settlement.instalments.current()
    assert from_pence(sum(to_pence(i.amount) for i in current)) == settlement.cash_amount
    assert not Payment.objects.filter(
        instalment__settlement=settlement, instalment__superseded_by__isnull=False
    ).exists()
    for instalment in Instalment.objects.filter(settlement=settlement).with_balances():
        assert 0 <= instalment.paid_pence <= instalment.amount_pence


@pytest.fixture
def editor():
    return make_user(roles.FINANCE_EDITOR)


def approved_schedule(editor):
    settlement = DraftSettlementFactory(entered_by=editor, cash_amount=gbp("300.00"))
    services.confirm_schedule(settlement=settlement, terms=EVEN, created_by=editor)
    approve(settlement)
    return Settlement.objects.get(pk=settlement.pk)


def test_a_revision_and_payments_at_once_never_deadlock(editor):
    for n in range(ROUNDS):
        settlement = approved_schedule(editor)
        first, second, _third = settlement.instalments.order_by("number")
        # Part paid already, so the revision keeps it and a further payment on it always goes through.
        services.record_payment(instalment=first, amount=gbp("1.00"), paid_on=date(2020, 4, 30), reference=f"P0-{n}")
        results = race(
            lambda s=settlement, n=n: services.revise_schedule(
                settlement=s,
                terms=services.EvenSplit(1, 1, date(2021, 3, 31)),
                revised_on=date(2020, 4, 1),
                reason="Extended",
                decision_reference=f"Minute {n}",
                created_by=editor,
            ),
            lambda i=second, n=n: services.record_payment(
                instalment=i, amount=gbp("100.00"), paid_on=date(2020, 5, 30), reference=f"P2-{n}"
            ),
            lambda i=first, n=n: services.record_payment(
                instalment=i, amount=gbp("99.00"), paid_on=date(2020, 4, 30), reference=f"P1-{n}"
            ),
        )
        revision, on_second, on_first = results
        assert not isinstance(revision, Exception), revision
        assert isinstance(on_first, Payment), on_first
        assert isinstance(on_second, Payment) or refusal(on_second, "replaced by revision 1"), on_second
        assert_schedule_adds_up(settlement)


def test_generating_a_schedule_and_payments_at_once_never_deadlock(editor):
    for n in range(ROUNDS):
        draft = DraftSettlementFactory(entered_by=editor, cash_amount=gbp("300.00"))
        (old, *_rest) = services.confirm_schedule(settlement=draft, terms=EVEN, created_by=editor)
        generate, pay = race(
            lambda d=draft: services.confirm_schedule(
                settlement=d, terms=services.EvenSplit(2, 1, date(2020, 4, 30)), created_by=editor
            ),
            lambda i=old, n=n: services.record_payment(
                instalment=i, amount=gbp("1.00"), paid_on=date(2020, 4, 30), reference=f"P-{n}"
            ),
        )
        assert isinstance(generate, list), generate
        assert refusal(pay, "approved it", "does not exist", "no longer exists"), pay
        assert_schedule_adds_up(draft)


def test_an_approval_and_an_admin_save_at_once_never_lose_either(editor):
    browser = Client()
    browser.force_login(editor)
    approver = checker()
    saved = approved = 0
    for n in range(ROUNDS):
        draft = DraftSettlementFactory(entered_by=editor, cash_amount=gbp("300.00"))
        url = reverse("admin:settlements_settlement_change", args=[draft.pk])
        data = {**form_data(browser.get(url)), "cash_amount_0": "250.00", "notes": f"Amended {n}"}
        seen = Settlement.objects.get(pk=draft.pk)
        approval, response = race(
            lambda s=seen: services.approve_settlement(settlement=s, approved_by=approver),
            lambda u=url, d=data: browser.post(u, d),
        )
        stored = Settlement.objects.get(pk=draft.pk)
        if stored.is_approved():
            approved += 1
            assert isinstance(approval, Settlement)
            assert (stored.cash_amount, stored.notes) == (gbp("300.00"), "")
            assert response.status_code == 200 and "changed since you opened it" in response.content.decode()
        else:
            saved += 1
            assert response.status_code == 302
            assert (stored.cash_amount, stored.notes) == (gbp("250.00"), f"Amended {n}")
            assert refusal(approval, "changed since you opened it"), approval
    assert saved + approved == ROUNDS


def test_two_approvals_at_once_approve_once(editor):
    first, second = checker("checker_one"), checker("checker_two")
    for _ in range(ROUNDS):
        draft = DraftSettlementFactory(entered_by=editor, cash_amount=gbp("300.00"))
        mine, theirs = Settlement.objects.get(pk=draft.pk), Settlement.objects.get(pk=draft.pk)
        results = race(
            lambda: services.approve_settlement(settlement=mine, approved_by=first),  # noqa: B023 - run at once
            lambda: services.approve_settlement(settlement=theirs, approved_by=second),  # noqa: B023
        )
        approvals = [r for r in results if isinstance(r, Settlement)]
        assert len(approvals) == 1, results
        assert all(isinstance(r, Settlement) or refusal(r, "already approved") for r in results), results
        stored = Settlement.objects.get(pk=draft.pk)
        assert stored.approved_by == approvals[0].approved_by
        assert stored.history.filter(history_change_reason="Approved").count() == 1


def test_two_reversals_of_one_payment_at_once_reverse_it_once(editor):
    for n in range(ROUNDS):
        settlement = approved_schedule(editor)
        first = settlement.instalments.order_by("number").first()
        payment = services.record_payment(
            instalment=first, amount=gbp("100.00"), paid_on=date(2020, 4, 30), reference=f"P-{n}"
        )
        results = race(
            *[
                lambda r=reference, p=payment: services.reverse_payment(
                    payment=p, reversed_on=date(2020, 5, 1), reason="Paid in error", reference=r
                )
                for reference in (f"R-{n}-a", f"R-{n}-b")
            ]
        )
        reversals = [r for r in results if isinstance(r, Payment)]
        assert len(reversals) == 1, results
        assert all(isinstance(r, Payment) or refusal(r, "already reversed") for r in results), results
        assert services.outstanding_on(first) == gbp("100.00")
        assert_schedule_adds_up(settlement)
