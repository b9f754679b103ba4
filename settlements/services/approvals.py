"""Four eyes over what a settlement is worth: approving, rejecting and withdrawing, never by one of its makers.

The makers of a settlement are everyone who created or changed, since its last approval, the settlement,
one of its adjustments, its schedule or a revision of it (settlements.services.makers). None of them may
approve it, nor a request on it: superusers included. An approval is of the version the approver saw.
"""

import logging
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from settlements import roles, transitions
from settlements.models import Instalment, RequestStatus, ScheduleRevision, Settlement, SettlementAdjustment

from . import held, locks, makers

logger = logging.getLogger("settlements.approvals")


class ApprovalRefused(PermissionDenied):
    """An approval that the rules forbid; the message says which rule."""


class StaleVersionError(ValidationError):
    """The record or one of its parts changed after the approver's copy of it was read."""

    def __init__(self, record):
        super().__init__(
            f"{record} changed since you opened it; review it again before approving it.", code="stale_version"
        )


def _check_checker(*, settlement, approved_by, allowed: bool, noun: str) -> None:
    if not allowed:
        article = "an" if noun[0] in "aeiou" else "a"
        raise ApprovalRefused(f"{approved_by} may not approve {article} {noun}: that needs the finance approver role.")
    acts = makers.acts_of(approved_by, settlement)
    if acts:
        raise ApprovalRefused(f"You {acts[0]}, so someone else must approve it (maker-checker: four eyes).")


def _check_version(seen, stored) -> None:
    if getattr(seen, "version", None) != stored.version:
        raise StaleVersionError(stored)


@transaction.atomic
def approve_settlement(*, settlement: Settlement, approved_by, as_of: datetime | None = None) -> Settlement:
    """Approve a draft settlement with its adjustments and schedule, as `settlement` was read; then they are locked.

    Payments held with it (from an import) are then recorded with their own dates; if one is refused, so is this.
    """
    locked = locks.lock_settlement(settlement.pk)
    if locked.is_approved():
        raise ApprovalRefused(f"This settlement was already approved by {locked.approved_by}.")
    transitions.set_status(locked, Settlement.Status.APPROVED)
    _check_checker(
        settlement=locked,
        approved_by=approved_by,
        allowed=roles.can_approve_settlement(approved_by),
        noun="settlement",
    )
    _check_version(settlement, locked)
    _stamp_approval(locked, approved_by, as_of)
    for adjustment in locked.adjustments.filter(status=RequestStatus.PENDING).order_by("pk"):
        transitions.set_status(adjustment, RequestStatus.APPROVED)
        _stamp_approval(adjustment, approved_by, as_of)
    try:
        held.record_held_payments(settlement=locked, recorded_by=approved_by)
    except held.HeldPaymentRefusedError as refusal:
        raise ApprovalRefused(refusal.messages[0]) from refusal
    locked.refresh_from_db()
    return locked


@transaction.atomic
def approve_schedule_revision(*, revision: ScheduleRevision, approved_by, as_of: datetime | None = None):
    """Approve a pending schedule revision, as `revision` was read, entered by someone else."""
    locked = locks.lock_revision(revision.pk)
    if locked.is_approved():
        raise ApprovalRefused(f"This schedule revision was already approved by {locked.approved_by}.")
    _decide_request(locked, locked.settlement, approved_by, REVISION)
    _check_version(revision, locked)
    return _stamp_approval(locked, approved_by, as_of)


@transaction.atomic
def approve_adjustment(*, adjustment: SettlementAdjustment, approved_by, as_of: datetime | None = None):
    """Approve an adjustment requested on an approved settlement, entered by someone else."""
    settlement = locks.lock_settlement(adjustment.settlement_id)
    locked = SettlementAdjustment.objects.select_for_update().get(pk=adjustment.pk)
    _decide_request(locked, settlement, approved_by, ADJUSTMENT)
    _check_unchanged(adjustment, locked)
    return _stamp_approval(locked, approved_by, as_of)


@transaction.atomic
def reject_schedule_revision(*, revision: ScheduleRevision, rejected_by, reason: str, as_of: datetime | None = None):
    """Send a pending revision back: its instalments leave the schedule and the ones it replaced return."""
    reason = _reason(reason, "rejecting it")
    if not roles.can_approve_schedule_revision(rejected_by):
        raise ApprovalRefused(
            f"{rejected_by} may not reject a schedule revision: that needs the finance approver role."
        )
    locked = locks.lock_revision(revision.pk)
    transitions.set_status(locked, RequestStatus.REJECTED)
    note = f"{makers.REJECTED} with revision {locked.sequence}"
    # Introduced rows leave the schedule first, so the replaced ones can take their numbers back.
    for instalment in locks.lock_instalments(locked.settlement, pks=locked.introduced_instalments.values("pk")):
        _restamp(instalment, rejected_by, note, superseded_by=locked)
    for instalment in locks.lock_instalments(locked.settlement, pks=locked.superseded_instalments.values("pk")):
        if instalment.introduced_by_id != locked.pk:
            _restamp(instalment, rejected_by, note, superseded_by=None)
    return _stamp_rejection(locked, rejected_by, reason, as_of)


@transaction.atomic
def reject_adjustment(*, adjustment: SettlementAdjustment, rejected_by, reason: str, as_of: datetime | None = None):
    """Send back an adjustment requested on an approved settlement; it stays on record and counts nowhere."""
    reason = _reason(reason, "rejecting it")
    if not roles.can_approve_settlement(rejected_by):
        raise ApprovalRefused(f"{rejected_by} may not reject an adjustment: that needs the finance approver role.")
    locks.lock_settlement(adjustment.settlement_id)
    locked = SettlementAdjustment.objects.select_for_update().get(pk=adjustment.pk)
    transitions.set_status(locked, RequestStatus.REJECTED)
    return _stamp_rejection(locked, rejected_by, reason, as_of)


@transaction.atomic
def withdraw_settlement(*, settlement: Settlement, withdrawn_by, reason: str, as_of: datetime | None = None):
    """Withdraw a mistaken draft with a reason: it counts nowhere and stays in the history."""
    reason = _reason(reason, "withdrawing it")
    if not (roles.can_approve_settlement(withdrawn_by) or withdrawn_by.has_perm("settlements.change_settlement")):
        raise PermissionDenied(f"{withdrawn_by} may not withdraw a settlement: that needs a finance role.")
    locked = locks.lock_settlement(settlement.pk)
    transitions.set_status(locked, Settlement.Status.WITHDRAWN)
    locked.withdrawn_by, locked.withdrawn_at, locked.withdrawal_reason = withdrawn_by, as_of or timezone.now(), reason
    _save_stamp(locked, withdrawn_by, f"{makers.WITHDRAWN}: {reason}")
    return locked


def _reason(reason, doing: str) -> str:
    text = (reason or "").strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationError({"reason": f"Give the reason for {doing}."})
    return text


class RequestKind(NamedTuple):
    """A change to an approved settlement that needs its own approval, and who may give it."""

    noun: str
    what: str
    may_approve: Callable[[object], bool]


REVISION = RequestKind("schedule revision", "a revision of its schedule", roles.can_approve_schedule_revision)
ADJUSTMENT = RequestKind("adjustment", "an adjustment", roles.can_approve_settlement)


def _decide_request(request, settlement: Settlement, approved_by, kind: RequestKind) -> None:
    """A request is approved only on an approved settlement, by a finance approver who is none of its makers."""
    transitions.set_status(request, RequestStatus.APPROVED)
    _refuse_unless_settlement_approved(settlement, kind.what)
    allowed = kind.may_approve(approved_by)
    _check_checker(settlement=settlement, approved_by=approved_by, allowed=allowed, noun=kind.noun)


def _refuse_unless_settlement_approved(settlement: Settlement, what: str) -> None:
    if not settlement.is_approved():
        raise ApprovalRefused(
            f"This settlement is {settlement.get_status_display().lower()}: {what} is approved only on an approved "
            "settlement."
        )


def _check_unchanged(seen: SettlementAdjustment, stored: SettlementAdjustment) -> None:
    if any(getattr(seen, f) != getattr(stored, f) for f in ("kind", "description", "amount", "settlement_id")):
        raise StaleVersionError(stored)


def _restamp(instalment: Instalment, user, note: str, *, superseded_by) -> None:
    instalment.superseded_by = superseded_by
    instalment._history_user = user
    instalment._change_reason = note
    instalment.save(update_fields=["superseded_by"])


def _stamp_approval(record, approved_by, as_of: datetime | None):
    """Record who approved and when, with "Approved" as the reason in the record's history."""
    record.approved_by = approved_by
    record.approved_at = as_of or timezone.now()
    return _save_stamp(record, approved_by, makers.APPROVED)


def _stamp_rejection(record, rejected_by, reason: str, as_of: datetime | None):
    record.rejected_by, record.rejected_at, record.rejection_reason = rejected_by, as_of or timezone.now(), reason
    return _save_stamp(record, rejected_by, f"{makers.REJECTED}: {reason}"[:100])


def _save_stamp(record, user, reason: str):
    record.full_clean()
    record._history_user = user
    record._change_reason = reason[:100]
    record.save()
    logger.info("%s %s %s by %s", record._meta.verbose_name.capitalize(), record, reason.split(":")[0].lower(), user)
    return record
