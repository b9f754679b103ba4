"""Status transitions, declared once: which moves each record allows, and the one function that makes them."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from settlements.dates import uk
from settlements.models import RequestStatus, ScheduleRevision, Settlement, SettlementAdjustment

# From each status, the statuses a record may move to. Anything not listed is refused.
ALLOWED = {
    Settlement: {
        Settlement.Status.DRAFT: {Settlement.Status.APPROVED, Settlement.Status.WITHDRAWN},
    },
    SettlementAdjustment: {
        RequestStatus.PENDING: {RequestStatus.APPROVED, RequestStatus.REJECTED},
    },
    ScheduleRevision: {
        RequestStatus.PENDING: {RequestStatus.APPROVED, RequestStatus.REJECTED},
    },
}


class TransitionError(ValidationError):
    """A status change the table does not allow; the message says where the record stands."""


def can_move(record, new_status) -> bool:
    return new_status in ALLOWED[type(record)].get(record.status, set())


def set_status(record, new_status) -> None:
    """Move `record` to `new_status` (not saved), or refuse with where it stands and by whom."""
    if not can_move(record, new_status):
        current = record.get_status_display().split(",")[0].lower()
        target = dict(record._meta.get_field("status").choices)[new_status]
        raise TransitionError(
            f"This {record._meta.verbose_name} is {current}{_by_whom(record)}, so it cannot be "
            f"{target.split(',')[0].lower()} now.",
            code="transition",
        )
    record.status = new_status


def _by_whom(record) -> str:
    for who, when in (("approved_by", "approved_at"), ("rejected_by", "rejected_at"), ("withdrawn_by", "withdrawn_at")):
        user, at = getattr(record, who, None), getattr(record, when, None)
        if user is not None and at is not None:
            return f" (by {user} on {uk(timezone.localtime(at))})"
    return ""
