"""Approval of settlements and schedule revisions, under maker-checker: never by whoever entered or last changed it."""

import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from settlements import roles
from settlements.models import ScheduleRevision, Settlement

logger = logging.getLogger("settlements.approvals")


class ApprovalRefused(PermissionDenied):
    """An approval that the rules forbid; the message says which rule."""


def _makers(record, entered_by) -> set:
    """Who entered the record and who last changed it (per its history)."""
    last_change = record.history.order_by("-history_date", "-history_id").first()
    return {user.pk for user in (entered_by, last_change and last_change.history_user) if user is not None}


def _check_checker(*, record, entered_by, approved_by, allowed: bool, noun: str) -> None:
    if not allowed:
        raise ApprovalRefused(f"{approved_by} may not approve a {noun}: that needs the finance approver role.")
    if approved_by.pk in _makers(record, entered_by):
        raise ApprovalRefused(
            f"{approved_by} entered or last changed this {noun}, so someone else must approve it (maker-checker)."
        )


@transaction.atomic
def approve_settlement(*, settlement: Settlement, approved_by, as_of: datetime | None = None) -> Settlement:
    """Approve a draft settlement; from then on its amounts and parties cannot change."""
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.is_approved():
        raise ApprovalRefused(f"This settlement was already approved by {settlement.approved_by}.")
    _check_checker(
        record=settlement,
        entered_by=settlement.entered_by,
        approved_by=approved_by,
        allowed=roles.can_approve_settlement(approved_by),
        noun="settlement",
    )
    settlement.status = Settlement.Status.APPROVED
    return _stamp_approval(settlement, approved_by, as_of)


@transaction.atomic
def approve_schedule_revision(*, revision: ScheduleRevision, approved_by, as_of: datetime | None = None):
    """Approve a schedule revision that someone else entered."""
    revision = ScheduleRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.approved_at is not None:
        raise ApprovalRefused(f"This schedule revision was already approved by {revision.approved_by}.")
    _check_checker(
        record=revision,
        entered_by=revision.created_by,
        approved_by=approved_by,
        allowed=roles.can_approve_schedule_revision(approved_by),
        noun="schedule revision",
    )
    return _stamp_approval(revision, approved_by, as_of)


def _stamp_approval(record, approved_by, as_of: datetime | None):
    """Record who approved and when, with "Approved" as the reason in the record's history."""
    record.approved_by = approved_by
    record.approved_at = as_of or timezone.now()
    record.full_clean()
    record._history_user = approved_by
    record._change_reason = "Approved"
    record.save()
    logger.info("%s %s approved by %s", record._meta.verbose_name.capitalize(), record, approved_by)
    return record
