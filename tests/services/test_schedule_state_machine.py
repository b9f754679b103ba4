"""Random schedules, payments, reversals and revisions: after every step no money is created or lost, and each
instalment's stored paid balance equals its payments less reversals."""

import itertools
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from settlements.fiscal import FinancialYear
from settlements.models import Instalment, Payment, ScheduleRevision
from settlements.money import CEILING, format_gbp, from_pence, to_pence
from settlements.reports.year_end import year_end_position
from settlements.services import (
    EvenSplit,
    ExplicitAmounts,
    confirm_schedule,
    record_payment,
    reverse_payment,
    revise_schedule,
    schedule_before,
    split_schedule,
)
from tests.balances import (
    Balance,
    financial_year_balances,
    force_balances,
    instalment_balances,
    settlement_balance,
)
from tests.factories import DraftSettlementFactory, approve, approve_revision

pytestmark = pytest.mark.slow

AGREED = date(2020, 3, 30)
EVERYTHING = date(2100, 1, 1)
days = st.integers(min_value=0, max_value=1500)
counter = {"examples": 0, "steps": 0}


def terms_for(data, pence: int):
    """Even terms, or explicit lines that add up to `pence` (by date or by financial year)."""
    if data.draw(st.booleans(), label="even"):
        count = data.draw(st.integers(1, 8), label="count")
        every = data.draw(st.integers(1, 12), label="every")
        return EvenSplit(count, every, AGREED + timedelta(days=data.draw(days, label="first")))
    cuts = data.draw(st.lists(st.integers(1, max(pence - 1, 1)), max_size=5, unique=True), label="cuts")
    edges = [0, *sorted(c for c in cuts if c < pence), pence]
    lines = []
    for low, high in itertools.pairwise(edges):
        if data.draw(st.booleans(), label="by year"):
            when = FinancialYear(data.draw(st.integers(2020, 2024), label="year"))
        else:
            when = AGREED + timedelta(days=data.draw(days, label="due"))
        lines.append((when, from_pence(high - low)))
    return ExplicitAmounts(tuple(lines))


class ScheduleMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        counter["examples"] += 1
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.settlement = None
        self.references = itertools.count(1)
        self.ledger = {}  # payment pk -> (date, signed pence), kept in Python alongside the database
        self.last_revised_on = AGREED
        self.checks = 0

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @initialize(pence=st.integers(min_value=1, max_value=int(CEILING * 100)))
    def agree(self, pence):
        self.settlement = DraftSettlementFactory(cash_amount=from_pence(pence), agreed_on=AGREED)

    @precondition(lambda self: self.settlement and self.settlement.is_draft() and self.current())
    @rule()
    def approve(self):
        counter["steps"] += 1
        approve(self.settlement)

    def current(self):
        return list(self.settlement.instalments.current().order_by("number"))

    def payments(self, **filters):
        return list(Payment.objects.filter(instalment__settlement=self.settlement, **filters).order_by("pk"))

    def outstanding_pence(self, instalment) -> int:
        return instalment_balances(as_of=EVERYTHING, include_pending=True).get(pk=instalment.pk).outstanding_pence

    @rule(data=st.data())
    def generate(self, data):
        counter["steps"] += 1
        had_history = bool(self.payments()) or self.settlement.revisions.exists() or self.settlement.is_approved()
        terms = terms_for(data, to_pence(self.settlement.cash_amount))
        try:
            confirm_schedule(settlement=self.settlement, terms=terms)
        except ValidationError:
            too_many = isinstance(terms, EvenSplit) and terms.count > to_pence(self.settlement.cash_amount)
            assert had_history or too_many
        else:
            assert not had_history

    @precondition(lambda self: self.settlement and self.settlement.instalments.current().exists())
    @rule(data=st.data())
    def pay(self, data):
        counter["steps"] += 1
        instalment = data.draw(st.sampled_from(self.current()), label="instalment")
        outstanding = self.outstanding_pence(instalment)
        pence = data.draw(st.integers(1, outstanding + 2), label="pence")
        paid_on = AGREED + timedelta(days=data.draw(days, label="paid on"))
        try:
            payment = record_payment(
                instalment=instalment, amount=from_pence(pence), paid_on=paid_on, reference=f"P{next(self.references)}"
            )
        except ValidationError as error:
            revision = instalment.introduced_by
            if self.settlement.is_draft():
                assert "only once a second person has approved it" in error.messages[0]
            elif revision is not None and revision.revised_on > paid_on:
                assert "not in the schedule in force" in error.messages[0]
            else:
                assert pence > outstanding
                assert f"the {format_gbp(from_pence(outstanding))} outstanding" in error.messages[0]
        else:
            assert self.settlement.is_approved()
            assert pence <= outstanding
            self.ledger[payment.pk] = (paid_on, pence)

    @precondition(
        lambda self: self.settlement and Payment.objects.filter(instalment__settlement=self.settlement).exists()
    )
    @rule(data=st.data())
    def repeat_a_payment(self, data):
        counter["steps"] += 1
        payment = data.draw(st.sampled_from(self.payments(kind="payment")), label="payment")
        again = record_payment(
            instalment=payment.instalment, amount=payment.amount, paid_on=payment.paid_on, reference=payment.reference
        )
        assert again == payment
        with pytest.raises(ValidationError):
            record_payment(
                instalment=payment.instalment,
                amount=from_pence(to_pence(payment.amount) + 1),
                paid_on=payment.paid_on,
                reference=payment.reference,
            )

    @precondition(
        lambda self: self.settlement and Payment.objects.filter(instalment__settlement=self.settlement).exists()
    )
    @rule(data=st.data())
    def reverse(self, data):
        counter["steps"] += 1
        payment = data.draw(st.sampled_from(self.payments(kind="payment")), label="payment")
        already = Payment.objects.filter(reverses=payment).exists()
        reversed_on = payment.paid_on + timedelta(days=data.draw(st.integers(0, 90), label="after"))
        try:
            reversal = reverse_payment(
                payment=payment, reversed_on=reversed_on, reason="Correction", reference=f"R{next(self.references)}"
            )
        except ValidationError:
            assert already
        else:
            assert not already
            self.ledger[reversal.pk] = (reversed_on, -to_pence(reversal.amount))

    @precondition(lambda self: self.settlement and self.settlement.instalments.current().exists())
    @rule(data=st.data())
    def revise(self, data):
        counter["steps"] += 1
        kept, replaceable = split_schedule(self.settlement)
        remainder = sum(to_pence(i.amount) for i in replaceable)
        terms = terms_for(data, max(remainder, 1))
        revised_on = self.last_revised_on + timedelta(days=data.draw(st.integers(0, 200), label="revised after"))
        before = [(i.pk, i.amount) for i in kept]
        try:
            revision = revise_schedule(
                settlement=self.settlement,
                terms=terms,
                revised_on=revised_on,
                reason="Renegotiated",
                decision_reference=f"Minute {next(self.references)}",
            )
        except ValidationError:
            too_many = isinstance(terms, EvenSplit) and terms.count > remainder
            assert self.settlement.is_draft() or not replaceable or too_many
        else:
            approve_revision(revision)
            self.last_revised_on = revised_on
            assert [(i.pk, i.amount) for i in split_schedule(self.settlement)[0]][: len(before)] == before

    @invariant()
    def no_money_is_created_or_lost(self):
        if self.settlement is None:
            return
        current = self.current()
        cash = to_pence(self.settlement.cash_amount)
        if current:
            assert sum(to_pence(i.amount) for i in current) == cash
        for revision in ScheduleRevision.objects.filter(settlement=self.settlement):
            assert sum(to_pence(i.amount) for i in schedule_before(revision)) == cash
        assert not Payment.objects.filter(instalment__superseded_by__isnull=False).exists()
        # One date per step, in turn, keeps the run short: all time, mid-schedule, before any due date.
        self.checks += 1
        self.check_balances((EVERYTHING, AGREED + timedelta(days=400), AGREED + timedelta(days=30))[self.checks % 3])
        assert settlement_balance(settlement=self.settlement, as_of=EVERYTHING).paid == self.paid_by(EVERYTHING)
        # The balance each instalment stores is its payments less reversals, whatever happened in between.
        assert not Instalment.objects.filter(settlement=self.settlement).with_wrong_paid_balance().exists()

    def paid_by(self, as_of):
        return from_pence(sum(pence for paid_on, pence in self.ledger.values() if paid_on <= as_of))

    def check_balances(self, as_of):
        rows = list(instalment_balances(as_of=as_of, settlement=self.settlement))
        for row in rows:
            assert 0 <= row.paid_pence <= row.amount_pence
            assert row.outstanding_pence == row.amount_pence - row.paid_pence
        whole = settlement_balance(settlement=self.settlement, as_of=as_of)
        assert whole.paid == self.paid_by(as_of)
        parts = Balance(
            *(from_pence(sum(getattr(r, f) for r in rows)) for f in ("amount_pence", "paid_pence", "outstanding_pence"))
        )
        assert whole == parts
        by_year = financial_year_balances(as_of=as_of, settlement=self.settlement).values()
        assert sum((b.outstanding for b in by_year), from_pence(0)) == whole.outstanding
        forces = {fb.force.pk: fb for fb in force_balances(as_of=as_of)}
        if rows:
            assert forces[self.settlement.payer_id].as_payer == whole
            assert forces[self.settlement.payee_id].as_payee == whole
        fy = FinancialYear.for_date(min(as_of, date(2030, 3, 31)))
        position = year_end_position(fy)
        at_year_end = settlement_balance(settlement=self.settlement, as_of=fy.end).outstanding
        assert position.total == at_year_end
        # Split here by due date, from the instalments in force at 31 March: a column swap or a moved
        # boundary (due on the next 31 March is within 12 months) shows.
        horizon, at_end = fy.next().end, list(instalment_balances(as_of=fy.end, settlement=self.settlement))
        within = sum(r.outstanding_pence for r in at_end if r.due_on <= horizon)
        after = sum(r.outstanding_pence for r in at_end if r.due_on > horizon)
        assert (to_pence(position.within_12_months), to_pence(position.after_12_months)) == (within, after)


@pytest.mark.django_db
def test_no_money_is_created_or_lost_whatever_happens_to_a_schedule():
    counter.update(examples=0, steps=0)
    run_state_machine_as_test(
        ScheduleMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
    print(f"\nschedule state machine: {counter['examples']} examples, {counter['steps']} steps")
    assert counter["examples"] >= 25
