"""Balances grouped by any column, summed in the database in whole pence."""

from dataclasses import dataclass
from datetime import date

from djmoney.money import Money

from settlements.money import from_pence


@dataclass(frozen=True)
class GroupTotal:
    amount: Money
    paid: Money

    @property
    def outstanding(self) -> Money:
        return self.amount - self.paid


def balances_by(instalments, as_of: date | None, *keys: str) -> dict[tuple, GroupTotal]:
    """{(values of `keys`): GroupTotal} over the instalments; a key is a field name or an annotation."""
    rows = instalments.with_balances(as_of).totals_by(*keys)
    return {tuple(row[k] for k in keys): GroupTotal(from_pence(row["amount"]), from_pence(row["paid"])) for row in rows}
