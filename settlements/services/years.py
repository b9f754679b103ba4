"""Closing a financial year once its accounts are signed, and reopening it, each by a finance approver."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from settlements import dating, roles
from settlements.dates import uk
from settlements.fiscal import FinancialYear
from settlements.models import Instalment, Payment, YearClosing

from . import locks
from .approvals import ApprovalRefused


def _check_approver(user, action: str) -> None:
    if not roles.can_close_financial_year(user):
        raise ApprovalRefused(f"{user} may not {action} a financial year: that needs the finance approver role.")


def years_with_entries_before(day: date) -> set[FinancialYear]:
    """The years before `day` in which an instalment fell due or a payment was made."""
    months = {
        *Instalment.objects.filter(due_on__lt=day).dates("due_on", "month"),
        *Payment.objects.filter(paid_on__lt=day).dates("paid_on", "month"),
    }
    return {FinancialYear.for_date(month) for month in months}


@transaction.atomic
def close_financial_year(*, financial_year: FinancialYear, closed_by, note: str = "", today: date | None = None):
    """Close a year whose accounts are signed: from then on nothing dated in it changes."""
    _check_approver(closed_by, "close")
    today = today or dating.london_today()
    if today <= financial_year.end:
        raise ValidationError(
            f"{financial_year} ends on {uk(financial_year.end)}: a year can be closed only after it has ended."
        )
    # The writes in flight in the year commit first, later ones wait (services.locks). Only this year is locked:
    # an entry landing meanwhile in an earlier open year is no more than one keyed there after the close.
    locks.lock_year(financial_year.start)
    # Lock the closings so that two approvers closing adjacent years keep them in order.
    closings = {c.starts_on: c for c in YearClosing.objects.select_for_update()}
    existing = closings.get(financial_year.start)
    if existing is not None and existing.is_closed:
        raise ValidationError(existing.describe())
    closed = {start for start, closing in closings.items() if closing.is_closed}
    still_open = sorted(fy for fy in years_with_entries_before(financial_year.start) if fy.start not in closed)
    if still_open:
        labels = ", ".join(str(fy) for fy in still_open)
        raise ValidationError(
            f"Years close in order: {labels} still open, with instalments or payments in it. Close it first."
        )
    closing = existing or YearClosing(starts_on=financial_year.start, ends_on=financial_year.end)
    closing.is_closed, closing.closed_by, closing.closed_at = True, closed_by, timezone.now()
    closing.note = (note or "").strip()
    closing.reopened_by, closing.reopened_at, closing.reopen_reason = None, None, ""
    return _save(closing, closed_by, f"Closed {financial_year}" + (f": {closing.note}" if closing.note else ""))


@transaction.atomic
def reopen_financial_year(*, financial_year: FinancialYear, reopened_by, reason: str):
    """Reopen a closed year, by an approver other than the one who closed it, with the reason."""
    _check_approver(reopened_by, "reopen")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for reopening the year."})
    locks.lock_year(financial_year.start)
    closings = {c.starts_on: c for c in YearClosing.objects.select_for_update()}
    closing = closings.get(financial_year.start)
    if closing is None or not closing.is_closed:
        raise ValidationError(f"Financial year {financial_year} is not closed.")
    if closing.closed_by_id == reopened_by.pk:
        raise ApprovalRefused(
            f"{reopened_by} closed {financial_year}, so another finance approver must reopen it (four eyes)."
        )
    later = sorted(c.financial_year for c in closings.values() if c.is_closed and c.starts_on > closing.starts_on)
    if later:
        raise ValidationError(
            f"{', '.join(str(fy) for fy in later)} closed after {financial_year}: reopen the later years first, "
            "so that their closing figures stay as signed."
        )
    closing.is_closed, closing.reopened_by, closing.reopened_at = False, reopened_by, timezone.now()
    closing.reopen_reason = reason
    return _save(closing, reopened_by, f"Reopened {financial_year}: {reason}")


def _save(closing: YearClosing, user, reason: str) -> YearClosing:
    closing.full_clean()
    closing._history_user = user
    closing._change_reason = reason[:100]
    closing.save()
    return closing
