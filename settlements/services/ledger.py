"""The paid balance each instalment carries, `Instalment.paid_to_date_pence`, kept the way a ledger keeps one.

Only the payment services move it, through `post`, in the payment's own transaction and under the
instalment's row lock, so that it always equals the instalment's payments less its reversals. A database
check keeps it between 0 and the amount; `manage.py verify_balances` recomputes it from the payments.
"""

from django.db.models import F

from settlements.models import Instalment, Payment
from settlements.money import to_pence


def post(payment: Payment) -> None:
    """Add a payment to its instalment's paid balance, or take a reversal off it, just after saving it."""
    pence = to_pence(payment.amount)
    signed = -pence if payment.is_reversal() else pence
    Instalment.objects.filter(pk=payment.instalment_id).update(paid_to_date_pence=F("paid_to_date_pence") + signed)


def restate(instalments=None) -> int:
    """Set the paid balances from the payments (every instalment by default): after a bulk load that skips `post`."""
    rows = Instalment.objects.all() if instalments is None else instalments
    return rows.order_by().update(paid_to_date_pence=Instalment.objects.paid_from_payments())
