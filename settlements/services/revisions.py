"""Rescheduling: a revision replaces the unpaid part of a schedule and keeps what it replaced readable."""

from datetime import date
from typing import Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from settlements import dating
from settlements.dates import uk
from settlements.models import Instalment, ScheduleRevision, Settlement
from settlements.money import total
from settlements.reports.balances import split_schedule

from . import locks
from .schedules import (
    EvenSplit,
    ExplicitAmounts,
    Funding,
    SchedulePlan,
    ScheduleTerms,
    check_settlement_schedule,
    create_instalment,
    plan_schedule,
)


def preview_revision(
    *, settlement: Settlement, terms: EvenSplit | ExplicitAmounts, **funding: Unpack[Funding]
) -> SchedulePlan:
    """The new instalments for the unpaid remainder of the schedule; nothing is saved."""
    _refuse_unless_revisable(settlement)
    kept, replaceable = split_schedule(settlement)
    if not kept and not replaceable:
        raise ValidationError("This settlement has no schedule to revise: generate one first.")
    if not replaceable:
        raise ValidationError(
            "Every instalment has payments recorded against it or falls due in a closed financial year: "
            "nothing is left to reschedule."
        )
    return plan_schedule(
        settlement,
        ScheduleTerms(terms, **funding),
        total=total(i.amount for i in replaceable),
        first_number=max((i.number for i in kept), default=0) + 1,
        replaces=sorted(i.pk for i in replaceable),
        target_name="an unpaid remainder",
    )


def revise_schedule(
    *,
    settlement: Settlement,
    terms: EvenSplit | ExplicitAmounts,
    revised_on: date,
    reason: str,
    decision_reference: str,
    created_by=None,
    today: date | None = None,
    **funding: Unpack[Funding],
) -> ScheduleRevision:
    """Replace the instalments with no payments by new ones for exactly the same remainder, keeping history."""
    if isinstance(revised_on, date):
        dating.refuse_future(revised_on, field="revised_on", what="A revision", today=today)
    with transaction.atomic():
        if isinstance(revised_on, date):
            locks.hold_years(revised_on)
            what = f"a schedule revision taking effect on {uk(revised_on)} cannot be made"
            dating.refuse_closed(revised_on, what=what, field="revised_on")
        settlement = locks.lock_settlement(settlement.pk)
        # Lock the schedule so that no payment lands on an instalment while it is being replaced.
        locks.lock_instalments(settlement)
        planned = preview_revision(settlement=settlement, terms=terms, **funding)
        revision = _new_revision(settlement, revised_on, reason, decision_reference, created_by)
        for instalment in Instalment.objects.filter(pk__in=planned.replaces):
            instalment.superseded_by = revision
            instalment._history_user = created_by
            instalment.save(update_fields=["superseded_by"])
        for row in planned.rows:
            create_instalment(planned, row, introduced_by=revision, created_by=created_by)
        check_settlement_schedule(settlement)
        revision.refresh_from_db()
    return revision


def _refuse_unless_revisable(settlement: Settlement) -> None:
    if not settlement.is_approved():
        raise ValidationError(
            f"This settlement is {settlement.get_status_display().lower()}: only an approved settlement's schedule is "
            "revised. A draft's schedule can be generated again."
        )
    if pending := settlement.revisions.pending().first():
        raise ValidationError(
            f"Revision {pending.sequence} of this schedule awaits approval: approve or reject it before revising again."
        )


def _new_revision(settlement, revised_on, reason, decision_reference, created_by) -> ScheduleRevision:
    if not isinstance(revised_on, date):
        raise ValidationError({"revised_on": "Give the date of the revision."})
    if revised_on < settlement.agreed_on:
        raise ValidationError(
            {"revised_on": f"A revision cannot come before the agreement of {uk(settlement.agreed_on)}."}
        )
    previous = settlement.revisions.aggregate(sequence=Max("sequence"), revised_on=Max("revised_on"))
    if previous["revised_on"] and revised_on < previous["revised_on"]:
        raise ValidationError(
            {"revised_on": f"The previous revision was made on {uk(previous['revised_on'])}: date this one later."}
        )
    revision = ScheduleRevision(
        settlement=settlement,
        sequence=(previous["sequence"] or 0) + 1,
        revised_on=revised_on,
        reason=(reason or "").strip(),
        decision_reference=(decision_reference or "").strip(),
        created_by=created_by,
    )
    revision.full_clean()
    revision._history_user = created_by
    revision.save()
    return revision


def schedule_before(revision: ScheduleRevision) -> list[Instalment]:
    """The schedule as it stood just before `revision`, in due-date order."""
    return list(Instalment.objects.in_force_before(revision).order_by("due_on", "number", "pk"))
