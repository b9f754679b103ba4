"""A balance as the dashboard shows it: what is scheduled, what is paid, and what is left."""

from dataclasses import dataclass

from djmoney.money import Money


@dataclass(frozen=True)
class GroupTotal:
    amount: Money
    paid: Money

    @property
    def outstanding(self) -> Money:
        return self.amount - self.paid
