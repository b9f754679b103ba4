"""Random schedules, revisions (approved or not) and payments on random dates; then, for random dates D, the
dashboard, the due report and the year-end position as at D equal a plain-Python model of the records in force.
"""

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from settlements import models
from settlements.fiscal import FinancialYear
from settlements.money import from_pence, to_pence
from settlements.reports.dashboard import dashboard
from settlements.reports.instalments_due import DueFilters, matching_instalments
from settlements.reports.year_end import year_end_position
from settlements.services import ledger
from tests import as_at_model, factories

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

BASE = date(2020, 3, 1)
days = st.integers(min_value=0, max_value=900)


def split(draw, pence: int, parts: int) -> list[int]:
    """`pence` in `parts` positive amounts (fewer if there are not enough pence)."""
    parts = min(parts, pence)
    cuts = sorted(draw(st.sets(st.integers(1, pence - 1), min_size=parts - 1, max_size=parts - 1)) if parts > 1 else [])
    edges = [0, *cuts, pence]
    return [high - low for low, high in itertools.pairwise(edges)]


@st.composite
def records(draw) -> as_at_model.Records:
    """One to three settlements, each with its schedule, up to two revisions of it, and payments."""
    made = as_at_model.Records()
    keys = iter(range(1, 10_000))
    for _ in range(draw(st.integers(1, 3), label="settlements")):
        agreed_on = BASE + timedelta(days=draw(days, label="agreed"))
        amounts = draw(st.lists(st.integers(1, 5_000_000_00), min_size=1, max_size=4), label="amounts")
        settlement = as_at_model.Settlement(next(keys), agreed_on, draw(st.booleans(), label="approved"), sum(amounts))
        made.settlements.append(settlement)
        schedule = [
            as_at_model.Instalment(
                next(keys), settlement, n, agreed_on + timedelta(days=draw(days, label="due")), amount
            )
            for n, amount in enumerate(amounts, start=1)
        ]
        revised_on = agreed_on
        for _ in range(draw(st.integers(0, 2), label="revisions")):
            current = [i for i in schedule if i.superseded_by is None]
            replaced = [i for i in current if draw(st.booleans(), label="replaced")] or current[-1:]
            revised_on += timedelta(days=draw(st.integers(0, 400), label="revised after"))
            revision = as_at_model.Revision(next(keys), settlement, revised_on, draw(st.booleans(), label="approved"))
            made.revisions.append(revision)
            for i in replaced:
                i.superseded_by = revision
            number = max(i.number for i in schedule)
            for amount in split(draw, sum(i.amount for i in replaced), draw(st.integers(1, 3), label="new")):
                number += 1
                due_on = revised_on + timedelta(days=draw(days, label="new due"))
                schedule.append(as_at_model.Instalment(next(keys), settlement, number, due_on, amount, revision))
        made.instalments += schedule
    # Payments go only where a revision never replaced the instalment, as the services allow.
    payable = [i for i in made.instalments if i.superseded_by is None]
    # Never more than the instalment's amount in all, as the services refuse an overpayment.
    unpaid = {i.key: i.amount for i in payable}
    for _ in range(draw(st.integers(0, 6), label="payments")):
        instalment = draw(st.sampled_from(payable), label="paid instalment")
        if unpaid[instalment.key] == 0:
            continue
        paid_on = BASE + timedelta(days=draw(st.integers(0, 1500), label="paid on"))
        pence = draw(st.integers(1, unpaid[instalment.key]), label="pence")
        made.payments.append(as_at_model.Payment(instalment, paid_on, pence))
        unpaid[instalment.key] -= pence
        if draw(st.booleans(), label="reversed"):
            reversed_on = paid_on + timedelta(days=draw(st.integers(0, 200), label="reversed after"))
            made.payments.append(as_at_model.Payment(instalment, reversed_on, -pence))
            unpaid[instalment.key] += pence
    return made


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def store(made: as_at_model.Records) -> dict:
    """Write the records with plain inserts; returns {model key: primary key} for settlements and instalments."""
    payer, payee = factories.ForceFactory(short_name="Payer"), factories.ForceFactory(short_name="Payee")
    alliance = factories.AllianceFactory(members=[payer, payee])
    pks, rows = {}, {}
    for s in made.settlements:
        # Entered as drafts: approved once their schedules are in, since an approved one takes no new instalment.
        rows[s.key] = models.Settlement.objects.create(
            alliance=alliance, payer=payer, payee=payee, agreed_on=s.agreed_on, cash_amount=from_pence(s.cash),
        )  # fmt: skip
        pks[s.key] = rows[s.key].pk
    sequences = {}
    for r in made.revisions:
        sequences[r.settlement.key] = sequences.get(r.settlement.key, 0) + 1
        rows[r.key] = models.ScheduleRevision.objects.create(
            settlement=rows[r.settlement.key], sequence=sequences[r.settlement.key], revised_on=r.revised_on,
            reason="Renegotiated", decision_reference=f"Minute {r.key}",
            approved_at=noon(r.revised_on) if r.approved else None,
            status=models.RequestStatus.APPROVED if r.approved else models.RequestStatus.PENDING,
        )  # fmt: skip
    instalments = models.Instalment.objects.bulk_create(
        models.Instalment(
            settlement=rows[i.settlement.key], number=i.number, due_on=i.due_on, amount=from_pence(i.amount),
            introduced_by=i.introduced_by and rows[i.introduced_by.key],
            superseded_by=i.superseded_by and rows[i.superseded_by.key],
        )
        for i in made.instalments
    )  # fmt: skip
    factories.approve_in_bulk([rows[s.key] for s in made.settlements if s.approved])
    for i, row in zip(made.instalments, instalments, strict=True):
        rows[i.key] = row
        pks[i.key] = row.pk
    last = None
    for n, p in enumerate(made.payments):
        if p.signed > 0:
            last = models.Payment.objects.bulk_create(
                [models.Payment(instalment=rows[p.instalment.key], paid_on=p.paid_on, amount=from_pence(p.signed),
                                reference=f"H{n}", reference_key=f"h{n}")]
            )[0]  # fmt: skip
        else:
            models.Payment.objects.bulk_create(
                [models.Payment(instalment=rows[p.instalment.key], paid_on=p.paid_on, amount=from_pence(-p.signed),
                                reference=f"H{n}", reference_key=f"h{n}", kind=models.Payment.Kind.REVERSAL,
                                reverses=last, reason="Returned")]
            )  # fmt: skip
    ledger.restate()  # plain inserts skip the services that keep each instalment's paid balance
    return pks


def pence(money) -> int:
    return to_pence(money)


def check_dashboard(made, pks, as_of, include_pending):
    board = dashboard(as_of, include_pending=include_pending)
    model = made.dashboard(as_of, include_pending)
    [headline] = board.headlines
    assert {
        "agreed": pence(headline.agreed),
        "paid": pence(headline.paid),
        "outstanding": pence(headline.outstanding),
        "due_this_year": pence(headline.due_this_year),
        "due_this_year_outstanding": pence(headline.due_this_year_outstanding),
        "overdue": pence(headline.overdue),
        "overdue_count": board.overdue_count,
        "years": {y.financial_year: (pence(y.balance.amount), pence(y.balance.paid)) for y in board.years},
        "awaiting": (
            headline.awaiting.settlements,
            pence(headline.awaiting.cash),
            headline.awaiting.revisions,
            pence(headline.awaiting.rescheduled),
        ),
    } == model


def check_due_report(made, pks, as_of, include_pending):
    model = made.due_report(as_of, include_pending)
    expected = [(pks[key], status) for key, status in model["rows"]]
    filters = DueFilters(as_of=as_of, include_pending=include_pending)
    assert [(row.pk, row.status) for row in matching_instalments(filters)] == expected
    assert [(row.pk, row.status) for row in matching_instalments(filters, every_row=True)] == expected
    count, totals = matching_instalments(filters).count_and_totals(as_of)
    assert count == len(expected)
    assert {k: pence(v) for k, v in totals.items()} == {k: model[k] for k in ("amount", "paid", "outstanding")}


def check_year_end(made, pks, as_of, include_pending):
    fy = FinancialYear.for_date(as_of)
    position = year_end_position(fy, include_pending=include_pending)
    model = {pks[key]: split for key, split in made.year_end(fy, include_pending).items()}
    assert {p.settlement_id: (p.within_pence, p.after_pence) for p in position.settlements} == model
    assert pence(position.total) == sum(within + after for within, after in model.values())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    made=records(),
    dates=st.lists(st.integers(-30, 1600).map(lambda n: BASE + timedelta(days=n)), min_size=1, max_size=3),
    include_pending=st.booleans(),
)
def test_figures_as_at_a_date_equal_the_model_of_the_records_in_force(made, dates, include_pending):
    with transaction.atomic():
        pks = store(made)
        for as_of in dates:
            check_dashboard(made, pks, as_of, include_pending)
            check_due_report(made, pks, as_of, include_pending)
            check_year_end(made, pks, as_of, include_pending)
        transaction.set_rollback(True)
