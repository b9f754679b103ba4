"""Deterministic shapes for benchmark data: how many, when and how much, drawn from one seeded generator."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from settlements.fiscal import add_months

# The benchmark's "today": fixed, so that runs on different days measure the same data.
AS_OF = date(2026, 1, 15)
# A past date for figures that must sum the payments made by then: the year end before AS_OF.
PAST = date(2025, 3, 31)
FORCE_COUNT = 43
FIRST_AGREEMENT = date(2008, 4, 1)
MAX_INSTALMENTS = 24
BATCH = 2000
SERVICES = ["Transactional services", "Forensic services", "File storage", "IT services", "Firearms training"]


def random_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def schedule_lengths(rng: random.Random, size: int) -> list[int]:
    """Instalments per settlement (1 to 24, about 8 on average) adding up to exactly `size`."""
    lengths, total = [], 0
    while total < size:
        length = min(1 + min(MAX_INSTALMENTS - 1, int(rng.expovariate(1 / 7.5))), size - total)
        lengths.append(length)
        total += length
    return lengths


@dataclass
class InstalmentPlan:
    number: int
    due_on: date
    pence: int
    superseded: bool = False
    introduced: bool = False


@dataclass
class SettlementPlan:
    agreed_on: date
    payer: int
    payee: int
    instalments: list[InstalmentPlan] = field(default_factory=list)
    revised_on: date | None = None

    @property
    def cash_pence(self) -> int:
        return sum(i.pence for i in self.instalments if not i.superseded)


def plan_schedule(rng: random.Random, agreed_on: date, length: int) -> tuple[list[InstalmentPlan], date | None]:
    """Instalments monthly to yearly; a few schedules were renegotiated, replacing their last instalments."""
    every = rng.choice([1, 1, 3, 3, 6, 12])
    revised = length >= 4 and rng.random() < 0.03
    replaced = length // 4 if revised else 0
    current = length - replaced
    rows = [
        InstalmentPlan(number, add_months(agreed_on, every * number), rng.randrange(5_000_00, 2_500_000_00))
        for number in range(1, current + 1)
    ]
    for row in rows[current - replaced :]:
        row.introduced = True
        rows.append(InstalmentPlan(row.number, add_months(row.due_on, -3), row.pence, superseded=True))
    revised_on = add_months(rows[current - replaced].due_on, -4) if revised else None
    return rows, revised_on


def payments_for(rng: random.Random, due_on: date, pence: int) -> list[tuple[str, date, int]]:
    """(kind, paid_on, pence) against one instalment due before AS_OF: about half paid, some part paid."""
    draw = rng.random()
    paid_on = min(due_on + timedelta(days=rng.randint(-5, 25)), AS_OF)
    if draw < 0.5:
        made = [("payment", paid_on, pence)]
        reversed_on = paid_on + timedelta(days=rng.randint(1, 20))
        if rng.random() < 0.03 and reversed_on <= AS_OF:
            made.append(("reversal", reversed_on, pence))
        return made
    if draw < 0.6 and pence > 1:
        return [("payment", paid_on, rng.randrange(1, pence))]
    return []
