"""Who made a settlement what it is now: everyone who changed it or its parts since its last approval."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Q
from django.utils import timezone

from settlements.dates import uk
from settlements.models import Instalment, ScheduleRevision, Settlement, SettlementAdjustment

# History reasons that stamp a decision rather than make a change (see services.approvals).
APPROVED = "Approved"
REJECTED = "Rejected"
WITHDRAWN = "Withdrawn"
_STAMPS = (APPROVED, REJECTED, WITHDRAWN)


@dataclass(frozen=True)
class Act:
    """One thing a maker did: 'added the write-off adjustment' on a day."""

    what: str
    at: datetime

    def __str__(self):
        return f"{self.what} on {uk(timezone.localtime(self.at))}"


def _histories():
    return (
        (Settlement.history.model, "id", _describe_settlement),
        (SettlementAdjustment.history.model, "settlement_id", _describe_adjustment),
        (Instalment.history.model, "settlement_id", _describe_instalment),
        (ScheduleRevision.history.model, "settlement_id", _describe_revision),
    )


def _not_a_stamp(queryset):
    for reason in _STAMPS:
        queryset = queryset.exclude(history_change_reason__startswith=reason)
    return queryset


def last_approval_at(settlement_id) -> datetime | None:
    """When the settlement, or a request on it, was last approved (per the history)."""
    moments = [
        model.objects.filter(**{field: settlement_id}, history_change_reason=APPROVED).aggregate(
            at=Max("history_date")
        )["at"]
        for model, field, _describe in _histories()
        if model is not Instalment.history.model
    ]
    moments = [moment for moment in moments if moment is not None]
    return max(moments, default=None)


def acts_of(user, settlement: Settlement) -> list[Act]:
    """What `user` did to the settlement or its parts since its last approval, latest first."""
    since = last_approval_at(settlement.pk)
    acts = []
    for model, field, describe in _histories():
        rows = _not_a_stamp(model.objects.filter(**{field: settlement.pk}, history_user=user))
        if since is not None:
            rows = rows.filter(history_date__gt=since)
        acts += [Act(describe(row), row.history_date) for row in rows.order_by("-history_date")[:1]]
    acts += _entries_without_history(user, settlement, since)
    return sorted(acts, key=lambda act: act.at, reverse=True)


def _entries_without_history(user, settlement, since) -> list[Act]:
    """Records stamped with who entered them, for rows written without a user in their history."""
    acts = []
    if since is None and settlement.entered_by_id == user.pk:
        acts.append(Act("entered the settlement", settlement.approved_at or timezone.now()))
    pending = Q(status="pending") & (Q(created_by=user) if since is None else Q(created_by=user, created_at__gt=since))
    for revision in settlement.revisions.filter(pending):
        acts.append(Act(f"entered revision {revision.sequence}", revision.created_at))
    for adjustment in settlement.adjustments.filter(status="pending", entered_by=user):
        acts.append(Act(f"added the {adjustment.get_kind_display().lower()} adjustment", timezone.now()))
    return acts


def _verb(row, added="added", changed="changed", deleted="deleted") -> str:
    return {"+": added, "~": changed, "-": deleted}[row.history_type]


def _describe_settlement(row) -> str:
    return f"{_verb(row, added='entered')} the settlement"


def _describe_adjustment(row) -> str:
    return f"{_verb(row)} the {row.get_kind_display().lower()} adjustment"


def _describe_instalment(row) -> str:
    return f"{_verb(row)} instalment {row.number} of the schedule"


def _describe_revision(row) -> str:
    return f"{_verb(row, added='entered')} revision {row.sequence}"
