"""What was agreed by a date, and what awaits approval beside it: drafts and revisions not yet approved.

Figures count only approved settlements and revisions (`in_force`); what awaits approval is shown apart,
so that a reader knows what the figures leave out, and is counted only when the reader asks for it.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import BigIntegerField, Count, IntegerField, Max, Q, Subquery, Value
from djmoney.money import Money

from settlements.models import Alliance, Force, Instalment, ScheduleRevision, Settlement
from settlements.models.settlement import either_side
from settlements.money import Pence, SumPence, from_pence


@dataclass(frozen=True)
class Awaiting:
    """Drafts agreed by the date and revisions dated by then, not yet approved."""

    settlements: int
    cash: Money
    revisions: int
    rescheduled: Money

    def __bool__(self) -> bool:
        return bool(self.settlements or self.revisions)


@dataclass(frozen=True)
class Agreed:
    """Cash and non-cash agreed in the settlements that count on the date, and what awaits approval."""

    cash: Money
    non_cash: Money
    awaiting: Awaiting


def parties_filter(
    *,
    payer: Force | None = None,
    payee: Force | None = None,
    force: Force | None = None,
    alliance: Alliance | None = None,
) -> Q:
    """Settlements of a payer, a payee, a force on either side and an alliance (each when given)."""
    query = Q()
    if payer:
        query &= Q(payer=payer)
    if payee:
        query &= Q(payee=payee)
    if force:
        query &= either_side(force)
    if alliance:
        query &= Q(alliance=alliance)
    return query


def _single_value(queryset, expression):
    """`expression` aggregated over the whole queryset, as a subquery that gives one row even when it is empty."""
    summed = queryset.order_by().annotate(whole=Value(1)).values("whole").annotate(value=expression).values("value")
    return Subquery(summed, output_field=BigIntegerField())


def agreed(as_of: date, *, include_pending: bool = False, parties: Q | None = None) -> Agreed:
    """What was agreed by `as_of` and what awaits approval, among the settlements matching `parties`: one query."""
    scope = Settlement.objects.in_force(as_of, include_pending=True).filter(parties or Q())
    counted = None if include_pending else Q(pk__in=Settlement.objects.approved().values("pk"))
    waiting = Q(pk__in=Settlement.objects.awaiting_approval().values("pk"))
    revisions = ScheduleRevision.objects.awaiting_approval().filter(
        revised_on__lte=as_of, settlement__in=scope.values("pk")
    )
    rescheduled = Instalment.objects.filter(introduced_by__in=revisions.values("pk"))
    sums = scope.with_headline().aggregate(
        cash=SumPence("cash_pence", filter=counted),
        non_cash=SumPence("adjustments_pence", filter=counted),
        drafts=Count("pk", filter=waiting),
        drafts_cash=SumPence("cash_pence", filter=waiting),
        # The same one-row subqueries on every row: Max reads their value (NULL when no settlement is in scope,
        # and then no revision is either).
        revisions=Max(_single_value(revisions, Count("pk")), output_field=IntegerField()),
        rescheduled=Max(_single_value(rescheduled, SumPence(Pence("amount")))),
    )
    return Agreed(
        cash=from_pence(sums["cash"]),
        non_cash=from_pence(sums["non_cash"]),
        awaiting=Awaiting(
            settlements=sums["drafts"],
            cash=from_pence(sums["drafts_cash"]),
            revisions=sums["revisions"] or 0,
            rescheduled=from_pence(sums["rescheduled"]),
        ),
    )


def awaiting_approval(as_of: date, *, parties: Q | None = None) -> Awaiting:
    """Drafts agreed by `as_of` and revisions dated by then that are not yet approved, among `parties`."""
    return agreed(as_of, parties=parties).awaiting
