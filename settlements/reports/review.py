"""What an approver looks at before deciding: the terms, adjustments and schedule with who entered each, and a
revision's schedule before and after, with totals in pence.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db.models import Q
from djmoney.money import Money

from settlements.models import Instalment, ScheduleRevision, Settlement, SettlementAdjustment
from settlements.money import from_pence, to_pence, total
from settlements.users import name_of


@dataclass(frozen=True)
class Entry:
    """Who entered a record and when, and who last changed it (from its history)."""

    entered_by: str = ""
    entered_at: datetime | None = None
    changed_by: str = ""
    changed_at: datetime | None = None


def _or_stamped(entry: Entry | None, user) -> Entry:
    """The history's entry, or the user stamped on the record where the history has none (rows entered by code)."""
    entry = entry or Entry()
    return entry if entry.entered_by or user is None else replace(entry, entered_by=name_of(user))


def entries(model, pks) -> dict:
    """{pk: Entry} for the rows of `model`, read from its history in one query (decision stamps left out)."""
    from settlements.services import makers

    rows = (
        model.history.filter(id__in=list(pks))
        .exclude(
            Q(history_change_reason__startswith=makers.APPROVED) | Q(history_change_reason__startswith=makers.REJECTED)
        )
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    found = {}
    for row in rows:
        seen = found.get(row.id, Entry())
        if row.history_type == "+" or seen.entered_at is None:
            found[row.id] = Entry(name_of(row.history_user), row.history_date, seen.changed_by, seen.changed_at)
        else:
            found[row.id] = Entry(seen.entered_by, seen.entered_at, name_of(row.history_user), row.history_date)
    return found


@dataclass
class Totals:
    amount: Money
    paid: Money
    outstanding: Money


@dataclass
class SettlementReview:
    settlement: Settlement
    entry: Entry
    adjustments: list = field(default_factory=list)  # (adjustment, entry)
    schedule: list = field(default_factory=list)  # (instalment with balances, entry)
    adjustments_total: Money | None = None
    headline: Money | None = None
    schedule_totals: Totals | None = None

    @property
    def schedule_difference(self) -> Money:
        """Cash amount less the schedule's total: £0.00 when the schedule adds up."""
        return from_pence(to_pence(self.settlement.cash_amount) - to_pence(self.schedule_totals.amount))


def _totals(instalments) -> Totals:
    return Totals(**instalments.totals()) if instalments.exists() else Totals(*(from_pence(0),) * 3)


def settlement_review(settlement: Settlement) -> SettlementReview:
    """The settlement as it would be approved: its terms, its adjustments that count or await, its schedule."""
    adjustments = list(settlement.adjustments.exclude(status="rejected").select_related("entered_by").order_by("pk"))
    schedule = settlement.instalments.current().with_balances().order_by("due_on", "number", "pk")
    adjustment_entries = entries(SettlementAdjustment, [a.pk for a in adjustments])
    instalment_entries = entries(Instalment, [i.pk for i in schedule])
    adjustments_total = total(a.amount for a in adjustments)
    return SettlementReview(
        settlement=settlement,
        entry=_or_stamped(entries(Settlement, [settlement.pk]).get(settlement.pk), settlement.entered_by),
        adjustments=[(a, _or_stamped(adjustment_entries.get(a.pk), a.entered_by)) for a in adjustments],
        schedule=[(i, instalment_entries.get(i.pk, Entry())) for i in schedule],
        adjustments_total=adjustments_total,
        headline=total([settlement.cash_amount, adjustments_total]),
        schedule_totals=_totals(schedule),
    )


@dataclass
class RevisionReview:
    revision: ScheduleRevision
    entry: Entry
    before: list  # (instalment with balances, what the revision does to it: "stays" or "replaced")
    after: list  # (instalment with balances, "stays" or "new")
    before_totals: Totals
    after_totals: Totals

    @property
    def unpaid_difference(self) -> Money:
        """Unpaid after less unpaid before: £0.00 when the revision reschedules exactly what was owed."""
        return from_pence(to_pence(self.after_totals.outstanding) - to_pence(self.before_totals.outstanding))


def in_force_after(revision: ScheduleRevision):
    """The schedule as `revision` makes it: what stood before it, less what it replaces, plus what it brings."""
    return Instalment.objects.filter(settlement=revision.settlement_id).filter(
        Q(introduced_by__isnull=True) | Q(introduced_by__sequence__lte=revision.sequence),
        Q(superseded_by__isnull=True) | Q(superseded_by__sequence__gt=revision.sequence),
    )


def revision_review(revision: ScheduleRevision) -> RevisionReview:
    before = Instalment.objects.in_force_before(revision).with_balances().order_by("due_on", "number", "pk")
    after = in_force_after(revision).with_balances().order_by("due_on", "number", "pk")
    replaced = set(revision.superseded_instalments.values_list("pk", flat=True))
    return RevisionReview(
        revision=revision,
        entry=_or_stamped(entries(ScheduleRevision, [revision.pk]).get(revision.pk), revision.created_by),
        before=[(i, "replaced" if i.pk in replaced else "stays") for i in before],
        after=[(i, "new" if i.introduced_by_id == revision.pk else "stays") for i in after],
        before_totals=_totals(before),
        after_totals=_totals(after),
    )


@dataclass
class AdjustmentReview:
    adjustment: SettlementAdjustment
    entry: Entry
    headline_now: Money
    headline_after: Money


def adjustment_review(adjustment: SettlementAdjustment) -> AdjustmentReview:
    """A requested adjustment, who entered it, and the settlement's headline now and once it is approved."""
    now = adjustment.settlement.headline_amount()
    after = total([now, adjustment.amount]) if not adjustment.is_approved() else now
    return AdjustmentReview(
        adjustment=adjustment,
        entry=_or_stamped(entries(SettlementAdjustment, [adjustment.pk]).get(adjustment.pk), adjustment.entered_by),
        headline_now=now,
        headline_after=after,
    )
