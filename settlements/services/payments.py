"""Payments against instalments, and reversals that correct them: added, never edited or deleted."""

from datetime import date
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from djmoney.money import Money

from settlements import dating
from settlements.dates import clean_date, uk
from settlements.models import Instalment, Payment
from settlements.money import clean_amount, format_gbp
from settlements.references import clean_reference, reference_key
from settlements.reports.balances import outstanding_on

from . import ledger, locks


def _lock(instalment) -> Instalment:
    """The instalment's settlement, then the instalment: the one lock order (services.locks)."""
    if instalment is None or getattr(instalment, "pk", None) is None:
        raise ValidationError({"instalment": "Choose the instalment."})
    settlement = locks.lock_settlement(locks.settlement_of(instalment.pk))
    rows = locks.lock_instalments(settlement, pks=[instalment.pk])
    if not rows:  # replaced by a new schedule between the look-up and the lock
        raise ValidationError({"instalment": "That instalment no longer exists: its schedule was generated again."})
    rows[0].settlement = settlement
    return rows[0]


def _refuse_unless_payable(instalment: Instalment, paid_on: date) -> None:
    """Payments go only against an approved settlement's schedule in force on the day paid."""
    settlement = instalment.settlement
    if not settlement.is_approved():
        raise ValidationError(
            {
                "instalment": f"This settlement is {settlement.get_status_display().lower()}: payments are recorded "
                "only once a second person has approved it."
            }
        )
    _refuse_superseded(instalment)
    revision = instalment.introduced_by
    if revision is not None and not revision.is_approved():
        raise ValidationError(
            {
                "instalment": f"Instalment {instalment.number} comes from revision {revision.sequence}, which "
                f"{'awaits approval' if revision.is_pending() else 'was rejected'}: record payments against the "
                "approved schedule."
            }
        )
    if not Instalment.objects.in_force(paid_on).filter(pk=instalment.pk).exists():
        raise ValidationError(
            {
                "paid_on": f"Instalment {instalment.number} was not in the schedule in force on {uk(paid_on)}: "
                f"its revision took effect on {uk(revision.revised_on)}."
                if revision
                else f"Instalment {instalment.number} was not in the schedule in force on {uk(paid_on)}."
            }
        )


def _refuse_superseded(instalment: Instalment) -> None:
    if instalment.superseded_by_id:
        revision = instalment.superseded_by
        awaiting = "" if revision.is_approved() else ", which awaits approval"
        raise ValidationError(
            {
                "instalment": f"Instalment {instalment.number} was replaced by revision {revision.sequence}{awaiting}: "
                "record payments against the current schedule."
            }
        )


def _describe(payment: Payment) -> str:
    return (
        f"{payment.get_kind_display().lower()} of {format_gbp(payment.amount)} on {uk(payment.paid_on)} "
        f"against instalment {payment.instalment.number}"
    )


def _existing_or_refuse(reference: str, **expected):
    """The payment already recorded under `reference` if it matches `expected`; an error if it differs."""
    existing = Payment.objects.select_related("instalment").filter(reference_key=reference_key(reference)).first()
    if existing is None:
        return None
    if all(getattr(existing, field) == value for field, value in expected.items()):
        return existing
    raise ValidationError(
        {"reference": f"Reference {reference} is already used by a {_describe(existing)}: give a new reference."}
    )


class Recorded(NamedTuple):
    """A payment asked for, and whether this call recorded it (False: it was already recorded, nothing changed)."""

    payment: Payment
    created: bool


def _save(payment: Payment, reference: str, expected: dict) -> Recorded:
    payment.full_clean()
    try:
        with transaction.atomic():
            payment.save()
            ledger.post(payment)
    except IntegrityError:
        # Another transaction recorded the same reference after we looked: answer as if we had seen it.
        existing = _existing_or_refuse(reference, **expected)
        if existing is None:
            raise
        return Recorded(existing, created=False)
    return Recorded(payment, created=True)


def record_payment(
    *, instalment, amount: Money, paid_on: date, reference: str, recorded_by=None, today: date | None = None
) -> Payment:
    """Record money paid against an instalment; the reference makes a repeated call harmless."""
    return record_payment_once(
        instalment=instalment, amount=amount, paid_on=paid_on, reference=reference, recorded_by=recorded_by, today=today
    ).payment


def record_payment_once(
    *, instalment, amount: Money, paid_on: date, reference: str, recorded_by=None, today: date | None = None
) -> Recorded:
    """As `record_payment`, saying whether this call recorded the payment or found it already recorded."""
    amount, reference = clean_amount(amount, "amount"), clean_reference(reference)
    paid_on = clean_date(paid_on, "paid_on")
    dating.refuse_future(paid_on, field="paid_on", what="A payment", today=today)
    with transaction.atomic():
        locks.hold_years(paid_on)
        locked = _lock(instalment)
        expected = {"kind": Payment.Kind.PAYMENT, "instalment_id": locked.pk, "amount": amount, "paid_on": paid_on}
        if existing := _existing_or_refuse(reference, **expected):
            return Recorded(existing, created=False)
        dating.refuse_closed(paid_on, what=f"a payment made on {uk(paid_on)} cannot be recorded", field="paid_on")
        if paid_on < locked.settlement.agreed_on:
            raise ValidationError(
                {
                    "paid_on": f"A payment cannot come before the settlement was agreed on "
                    f"{uk(locked.settlement.agreed_on)}."
                }
            )
        _refuse_unless_payable(locked, paid_on)
        outstanding = outstanding_on(locked)
        if amount > outstanding:
            raise ValidationError(
                {
                    "amount": f"{format_gbp(amount)} is more than the {format_gbp(outstanding)} outstanding "
                    f"on instalment {locked.number}."
                }
            )
        payment = Payment(
            instalment=locked, amount=amount, paid_on=paid_on, reference=reference, recorded_by=recorded_by
        )
        payment._history_user = recorded_by
        return _save(payment, reference, expected)


def _refuse_closed_reversal(original: Payment, reversed_on: date) -> None:
    made_on = original.paid_on
    dating.refuse_closed(made_on, what=f"payment {original.reference}, made on {uk(made_on)}, cannot be reversed")
    dating.refuse_closed(
        reversed_on, what=f"a reversal dated {uk(reversed_on)} cannot be recorded", field="reversed_on"
    )


def reverse_payment(
    *, payment: Payment, reversed_on: date, reason: str, reference: str, recorded_by=None, today: date | None = None
) -> Payment:
    """Correct a payment by a reversal of its full amount that points at it and gives the reason."""
    reference, reversed_on = clean_reference(reference), clean_date(reversed_on, "reversed_on")
    dating.refuse_future(reversed_on, field="reversed_on", what="A reversal", today=today)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for the reversal."})
    with transaction.atomic():
        locks.hold_years(reversed_on, *([payment.paid_on] if payment else []))
        locked = _lock(payment.instalment if payment else None)
        (original,) = [p for p in locks.lock_payments([locked]) if p.pk == payment.pk]
        expected = {"kind": Payment.Kind.REVERSAL, "reverses_id": original.pk, "paid_on": reversed_on, "reason": reason}
        if existing := _existing_or_refuse(reference, **expected):
            return existing
        if refusal := original.reversal_refusal():
            raise ValidationError(refusal)
        _refuse_superseded(locked)
        _refuse_closed_reversal(original, reversed_on)
        if reversed_on < original.paid_on:
            raise ValidationError(
                {"reversed_on": f"A reversal cannot come before the payment it reverses ({uk(original.paid_on)})."}
            )
        reversal = Payment(
            instalment=locked,
            kind=Payment.Kind.REVERSAL,
            reverses=original,
            amount=original.amount,
            paid_on=reversed_on,
            reference=reference,
            reason=reason,
            recorded_by=recorded_by,
        )
        reversal._history_user = recorded_by
        return _save(reversal, reference, expected).payment
