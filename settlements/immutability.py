"""Records that must not change once they count: approved settlements and their adjustments, paid
instalments and payments. A further adjustment may still be added to an approved settlement, as a
recorded correction.

The models' clean(), save() and delete() call these checks, so the admin, the services and plain ORM
calls meet the same rule with the same message. Each check compares with the row as stored, so saving
a record unchanged is allowed. QuerySet.update() and raw SQL are out of their reach, as for any model rule.
"""

import logging

from django.core.exceptions import ValidationError

logger = logging.getLogger("settlements.locks")

# Status and the approval stamp are locked too: otherwise "un-approving" would unlock the amounts.
SETTLEMENT_LOCKED_FIELDS = (
    "alliance",
    "payer",
    "payee",
    "cash_amount",
    "requested_amount",
    "recommended_amount",
    "status",
    "approved_by",
    "approved_at",
)


class ImmutableRecordError(ValidationError):
    """A change refused because the record is settled; the message says why and what to do instead."""

    def __init__(self, message: str):
        super().__init__(message, code="immutable")
        # The log's request context names who tried.
        logger.info("Refused a change to a locked record: %s", message)


def _stored(obj):
    if obj._state.adding or obj.pk is None:
        return None
    return type(obj)._base_manager.filter(pk=obj.pk).first()


def _changed(obj, stored, names) -> list[str]:
    fields = [obj._meta.get_field(name) for name in names]
    return [str(f.verbose_name) for f in fields if getattr(obj, f.attname) != getattr(stored, f.attname)]


def _all_field_names(obj) -> list[str]:
    return [f.name for f in obj._meta.concrete_fields if not f.primary_key]


def is_paid_instalment(instalment) -> bool:
    """Paid in full as stored, counting every payment and reversal."""
    if instalment.pk is None:
        return False
    balances = type(instalment).objects.with_balances().filter(pk=instalment.pk, outstanding_pence__lte=0)
    return balances.exists()


def settlement_locked_fields(settlement) -> tuple[str, ...]:
    """The fields of this settlement that can no longer change (none until it is approved)."""
    stored = _stored(settlement)
    return SETTLEMENT_LOCKED_FIELDS if stored is not None and stored.is_approved() else ()


def check_settlement_save(settlement) -> None:
    stored = _stored(settlement)
    if stored is None or not stored.is_approved():
        return
    changed = _changed(settlement, stored, SETTLEMENT_LOCKED_FIELDS)
    if changed:
        raise ImmutableRecordError(
            f"This settlement is approved, so its {', '.join(changed)} cannot change: an approved settlement "
            "stays as agreed. Record a correction as an adjustment or a schedule revision."
        )


def check_settlement_delete(settlement) -> None:
    stored = _stored(settlement)
    if stored is not None and stored.is_approved():
        raise ImmutableRecordError(
            "This settlement is approved and cannot be deleted: it is a record of what was agreed."
        )


def check_adjustment_save(adjustment) -> None:
    stored = _stored(adjustment)
    if stored is None or not stored.settlement.is_approved():
        return
    changed = _changed(adjustment, stored, _all_field_names(adjustment))
    if changed:
        raise ImmutableRecordError(
            f"This adjustment is part of an approved settlement, so its {', '.join(changed)} cannot change. "
            "Record a further adjustment instead."
        )


def check_adjustment_delete(adjustment) -> None:
    stored = _stored(adjustment)
    if stored is not None and stored.settlement.is_approved():
        raise ImmutableRecordError(
            "This adjustment is part of an approved settlement and cannot be deleted. Record a further adjustment."
        )


def check_instalment_save(instalment) -> None:
    stored = _stored(instalment)
    if stored is None or not is_paid_instalment(stored):
        return
    changed = _changed(instalment, stored, _all_field_names(instalment))
    if changed:
        raise ImmutableRecordError(
            f"{stored} is paid in full, so its {', '.join(changed)} cannot change. "
            "Correct it with a reversal of a payment or a schedule revision."
        )


def check_instalment_delete(instalment) -> None:
    if is_paid_instalment(instalment):
        raise ImmutableRecordError(f"{instalment} is paid in full and cannot be deleted.")


def check_payment_save(payment) -> None:
    stored = _stored(payment)
    if stored is None:
        return
    changed = _changed(payment, stored, _all_field_names(payment))
    if changed:
        raise ImmutableRecordError(
            f"Payment {stored.reference} is recorded, so its {', '.join(changed)} cannot change. "
            "Record a reversal of it instead."
        )


def check_payment_delete(payment) -> None:
    if payment.pk is not None:
        raise ImmutableRecordError(
            f"Payment {payment.reference} is recorded and cannot be deleted. Record a reversal of it instead."
        )
