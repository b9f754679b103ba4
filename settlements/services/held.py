"""Payments held with an imported draft: recorded through the payment service when the settlement is approved."""

from django.core.exceptions import ValidationError

from settlements.dates import uk
from settlements.money import format_gbp

from .payments import record_payment


class HeldPaymentRefusedError(ValidationError):
    """A held payment that the payment service would refuse: the approval is refused with it."""


def record_held_payments(*, settlement, recorded_by) -> list:
    """Record every held payment of a settlement just approved, in date order, each with its own date.

    Runs inside the approval's transaction: one refusal refuses the approval, naming the payment and the reason.
    """
    recorded = []
    for held in settlement.held_payments.filter(payment__isnull=True).order_by("paid_on", "pk"):
        instalment = settlement.instalments.current().filter(number=held.instalment_number).first()
        try:
            if instalment is None:
                raise ValidationError(f"the schedule has no instalment {held.instalment_number}")
            payment = record_payment(
                instalment=instalment,
                amount=held.amount,
                paid_on=held.paid_on,
                reference=held.reference,
                recorded_by=recorded_by,
            )
        except ValidationError as error:
            raise HeldPaymentRefusedError(
                f"The held payment {held.reference} ({format_gbp(held.amount)} paid on {uk(held.paid_on)} against "
                f"instalment {held.instalment_number}) would be refused: {' '.join(error.messages)} Correct it "
                "before approving.",
                code="held_payment",
            ) from error
        held.payment = payment
        held._history_user = recorded_by
        held._change_reason = "Recorded"
        held.save(update_fields=["payment"])
        recorded.append(payment)
    return recorded
