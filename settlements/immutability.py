"""Records that must not change once they count: approved (or withdrawn) settlements with their adjustments
and schedule, approved or rejected requests, instalments with payments, and payments. An approved
settlement changes only through a request approved by a second person: a further adjustment or a
schedule revision.

Each model declares its rule with LockedWhenDecided (a LockRule naming the checks below), whose clean(),
save() and delete() call them, so the admin, the services and plain ORM calls meet the same rule with the same
message. Each check compares with the row as stored, so saving a record unchanged is allowed. QuerySet.update(),
bulk deletes and raw SQL meet the database triggers (settlements.triggers) instead, whose refusals
settlements.triggers.explain() turns into these words.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

logger = logging.getLogger("settlements.locks")

# Status and the approval stamp are locked too: otherwise "un-approving" would unlock the amounts.
SETTLEMENT_LOCKED_FIELDS = (
    "alliance",
    "termination_notice",
    "payer",
    "payee",
    "agreed_on",
    "cash_amount",
    "requested_amount",
    "recommended_amount",
    "full_and_final",
    "status",
    "entered_by",
    "approved_by",
    "approved_at",
    "withdrawn_by",
    "withdrawn_at",
    "withdrawal_reason",
)

# A decided request (approved or rejected) keeps what was decided and by whom.
REVISION_LOCKED_FIELDS = (
    "settlement",
    "sequence",
    "revised_on",
    "reason",
    "decision_reference",
    "status",
    "created_by",
    "approved_by",
    "approved_at",
    "rejected_by",
    "rejected_at",
    "rejection_reason",
)

# What an instalment with payments keeps: the database refuses these too (settlements.triggers).
PAID_INSTALMENT_LOCKED_FIELDS = ("amount", "due_on")


class ImmutableRecordError(ValidationError):
    """A change refused because the record is settled; the message says why and what to do instead."""

    def __init__(self, message: str):
        super().__init__(message, code="immutable")


def _enforce(check: Callable[[object], None], obj) -> None:
    """Run a lock check for a real change, logging a refusal (the log's request context names who tried)."""
    try:
        check(obj)
    except ImmutableRecordError as refusal:
        logger.info("Refused a change to a locked record: %s", " ".join(refusal.messages))
        raise


def _stored(obj):
    if obj._state.adding or obj.pk is None:
        return None
    return type(obj)._base_manager.filter(pk=obj.pk).first()


def _changed(obj, stored, names) -> list[str]:
    fields = [obj._meta.get_field(name) for name in names]
    return [str(f.verbose_name) for f in fields if getattr(obj, f.attname) != getattr(stored, f.attname)]


def _refuse_changed(obj, stored, names, refusal: Callable[[str], str]) -> None:
    """Refuse if any of `names` differs from the stored row: `refusal` words it, given the changed fields' names."""
    changed = _changed(obj, stored, names)
    if changed:
        raise ImmutableRecordError(refusal(", ".join(changed)))


def _all_field_names(obj, *, but: tuple[str, ...] = ()) -> list[str]:
    return [f.name for f in obj._meta.concrete_fields if not f.primary_key and f.name not in but]


def is_paid_instalment(instalment) -> bool:
    """Paid in full as stored, counting every payment and reversal."""
    if instalment.pk is None:
        return False
    balances = type(instalment).objects.with_balances().filter(pk=instalment.pk, outstanding_pence__lte=0)
    return balances.exists()


def is_settled(settlement) -> bool:
    """Approved or withdrawn: its terms stay as they were decided."""
    return settlement is not None and not settlement.is_draft()


def settlement_locked_fields(settlement) -> tuple[str, ...]:
    """The fields of this settlement that can no longer change (none while it is a draft)."""
    stored = _stored(settlement)
    return SETTLEMENT_LOCKED_FIELDS if is_settled(stored) else ()


def check_settlement_save(settlement) -> None:
    stored = _stored(settlement)
    if not is_settled(stored):
        return
    _refuse_changed(
        settlement,
        stored,
        SETTLEMENT_LOCKED_FIELDS,
        lambda changed: (
            f"This settlement is {stored.get_status_display().lower()}, so its {changed} cannot change: "
            "it stays as decided. Request a further adjustment or a schedule revision for a second person to approve."
        ),
    )


def check_settlement_delete(settlement) -> None:
    if settlement.pk is not None:
        raise ImmutableRecordError(
            "A settlement is never deleted: it stays in the history. Withdraw a mistaken draft instead, with a reason."
        )


def check_adjustment_save(adjustment) -> None:
    stored = _stored(adjustment)
    if stored is None:
        if adjustment.settlement_id and adjustment.settlement.is_withdrawn():
            raise ImmutableRecordError("This settlement is withdrawn: it takes no further adjustments.")
        return
    if stored.is_pending():
        return
    _refuse_changed(
        adjustment,
        stored,
        _all_field_names(adjustment),
        lambda changed: (
            f"This adjustment is {stored.get_status_display().lower()}, so its {changed} cannot change. "
            "Request a further adjustment instead."
        ),
    )


def check_adjustment_delete(adjustment) -> None:
    stored = _stored(adjustment)
    if stored is not None and (not stored.is_pending() or not stored.settlement.is_draft()):
        raise ImmutableRecordError(
            f"This adjustment is {stored.get_status_display().lower()} on a "
            f"{stored.settlement.get_status_display().lower()} settlement and cannot be deleted: "
            "an approver rejects a request that should not stand."
        )


def has_payments(instalment) -> bool:
    return (
        instalment.pk is not None and type(instalment).objects.filter(pk=instalment.pk, payments__isnull=False).exists()
    )


def check_instalment_save(instalment) -> None:
    stored = _stored(instalment)
    if stored is None:
        check_instalment_added(instalment)
        return
    if has_payments(stored):
        _refuse_changed(
            instalment,
            stored,
            PAID_INSTALMENT_LOCKED_FIELDS,
            lambda changed: (
                f"{stored} has payments recorded against it, so its {changed} cannot change. "
                "Correct it with a reversal of a payment or a schedule revision."
            ),
        )
    if is_settled(stored.settlement):
        _refuse_changed(
            instalment,
            stored,
            [n for n in type(instalment).TERMS if not n.endswith("_by")],
            lambda changed: (
                f"{stored} is part of the schedule of an "
                f"{stored.settlement.get_status_display().lower()} settlement, so its {changed} cannot change: "
                "revise the schedule instead, for a second person to approve."
            ),
        )


def check_instalment_added(instalment) -> None:
    """A settled schedule takes new instalments only from a pending revision of it (the database refuses too)."""
    settlement = instalment.settlement if instalment.settlement_id else None
    if not is_settled(settlement):
        return
    revision = instalment.introduced_by if instalment.introduced_by_id else None
    if revision is not None and revision.is_pending() and revision.settlement_id == settlement.pk:
        return
    raise ImmutableRecordError(
        f"This settlement is {settlement.get_status_display().lower()}, so its schedule takes no new instalment: "
        "revise the schedule instead, for a second person to approve."
    )


def check_instalment_delete(instalment) -> None:
    stored = _stored(instalment)
    if stored is None:
        return
    if has_payments(stored):
        raise ImmutableRecordError(f"{stored} has payments recorded against it and cannot be deleted.")
    if is_settled(stored.settlement):
        raise ImmutableRecordError(
            f"{stored} is part of the schedule of an {stored.settlement.get_status_display().lower()} settlement "
            "and cannot be deleted: revise the schedule instead."
        )


def check_revision_save(revision) -> None:
    stored = _stored(revision)
    if stored is None or stored.is_pending():
        return
    _refuse_changed(
        revision,
        stored,
        REVISION_LOCKED_FIELDS,
        lambda changed: f"{stored} is {stored.get_status_display().lower()}, so its {changed} cannot change.",
    )


def check_revision_delete(revision) -> None:
    if revision.pk is not None:
        raise ImmutableRecordError(
            "A schedule revision is never deleted: it stays in the history. "
            "An approver rejects one that should not stand."
        )


def check_payment_save(payment) -> None:
    stored = _stored(payment)
    if stored is None:
        return
    # Payment.save() derives the reference key from the reference before this check: the reference speaks for both.
    _refuse_changed(
        payment,
        stored,
        _all_field_names(payment, but=("reference_key",)),
        lambda changed: (
            f"Payment {stored.reference} is recorded, so its {changed} cannot change. Record a reversal of it instead."
        ),
    )


def check_payment_delete(payment) -> None:
    if payment.pk is not None:
        raise ImmutableRecordError(
            f"Payment {payment.reference} is recorded and cannot be deleted. Record a reversal of it instead."
        )


@dataclass(frozen=True)
class LockRule:
    """A model's immutability rule: the check of a save (against the stored row) and of a delete."""

    on_save: Callable[[object], None]
    on_delete: Callable[[object], None]


SETTLEMENT_RULE = LockRule(on_save=check_settlement_save, on_delete=check_settlement_delete)
ADJUSTMENT_RULE = LockRule(on_save=check_adjustment_save, on_delete=check_adjustment_delete)
INSTALMENT_RULE = LockRule(on_save=check_instalment_save, on_delete=check_instalment_delete)
REVISION_RULE = LockRule(on_save=check_revision_save, on_delete=check_revision_delete)
PAYMENT_RULE = LockRule(on_save=check_payment_save, on_delete=check_payment_delete)


class LockedWhenDecided:
    """For a model whose records lock once decided: its `lock_rule` runs in clean(), save() and delete().

    clean() calls refuse_locked_change() where its other checks let it, for the form's message; save() runs the rule
    again against the row as stored then, because what it depends on (the settlement's status, the payments) may
    have changed since clean() read it, and no trigger covers every such change (an unpaid instalment of a
    settlement approved in between, for one).
    """

    lock_rule: LockRule

    def refuse_locked_change(self) -> None:
        """ImmutableRecordError if this save would change what the stored record keeps."""
        _enforce(type(self).lock_rule.on_save, self)

    def save(self, *args, **kwargs):
        _enforce(type(self).lock_rule.on_save, self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _enforce(type(self).lock_rule.on_delete, self)
        return super().delete(*args, **kwargs)


def delete_refusal(obj) -> str | None:
    """Why the model rule would refuse to delete `obj` (None if it would not); asking is not logged."""
    rule = getattr(type(obj), "lock_rule", None)
    try:
        if rule is not None:
            rule.on_delete(obj)
    except ImmutableRecordError as refusal:
        return " ".join(refusal.messages)
    return None
