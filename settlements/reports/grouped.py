"""Balances grouped by any column, summed in the database in whole pence.

`with_balances` sums payments through a join, so its figures cannot be grouped again by alliance or
financial year without counting an instalment once per payment. Here the paid figure of each
instalment is a correlated subquery, which groups safely.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import BigIntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from djmoney.money import Money

from settlements.models import Payment
from settlements.models.schedule import PaymentQuerySet
from settlements.money import Pence, SumPence, from_pence


@dataclass(frozen=True)
class GroupTotal:
    amount: Money
    paid: Money

    @property
    def outstanding(self) -> Money:
        return self.amount - self.paid


def paid_pence(as_of: date | None):
    """Per instalment: payments less reversals made on or before `as_of`, in pence."""
    payments = (
        Payment.objects.made_by(as_of)
        .filter(instalment=OuterRef("pk"))
        .order_by()
        .values("instalment")
        .annotate(pence=Sum(PaymentQuerySet.signed_pence()))
        .values("pence")
    )
    return Coalesce(Subquery(payments, output_field=BigIntegerField()), 0)


def balances_by(instalments, as_of: date | None, *keys: str) -> dict[tuple, GroupTotal]:
    """{(values of `keys`): GroupTotal} over the instalments; a key is a field name or an annotation."""
    rows = (
        instalments.annotate(row_amount=Pence("amount"), row_paid=paid_pence(as_of))
        .order_by()
        .values(*keys)
        .annotate(amount=SumPence("row_amount"), paid=SumPence("row_paid"))
    )
    return {tuple(row[k] for k in keys): GroupTotal(from_pence(row["amount"]), from_pence(row["paid"])) for row in rows}
