"""The year-end position: at a financial year's 31 March, what each settlement still owes, within and after 12 months.

A settlement agreed on or before 31 March is a creditor in the payer's accounts and a debtor in the
payee's. Its outstanding balance counts payments made on or before that day; instalments due on or
before the next 31 March (overdue ones included) fall within 12 months, later ones after.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import BooleanField, Case, Value, When
from djmoney.money import Money

from settlements.fiscal import FinancialYear
from settlements.models import Force, Instalment, Settlement
from settlements.money import from_pence

from .grouped import balances_by

ZERO = from_pence(0)


@dataclass(frozen=True)
class SettlementPosition:
    settlement: Settlement
    within_12_months: Money
    after_12_months: Money

    @property
    def total(self) -> Money:
        return self.within_12_months + self.after_12_months


@dataclass(frozen=True)
class ForcePosition:
    force: Force
    creditor_within_12_months: Money
    creditor_after_12_months: Money
    debtor_within_12_months: Money
    debtor_after_12_months: Money


@dataclass(frozen=True)
class YearEndPosition:
    financial_year: FinancialYear
    as_at: date
    settlements: list[SettlementPosition]
    forces: list[ForcePosition]
    within_12_months: Money
    after_12_months: Money
    total: Money


def settlement_positions(fy: FinancialYear) -> list[SettlementPosition]:
    """Settlements with something outstanding at the year end, by agreement date."""
    horizon = fy.next().end
    instalments = (
        Instalment.objects.current()
        .filter(settlement__agreed_on__lte=fy.end)
        .annotate(
            later=Case(When(due_on__gt=horizon, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
    )
    balances = balances_by(instalments, fy.end, "settlement", "later")
    settlements = Settlement.objects.filter(pk__in={pk for pk, _ in balances}).select_related(
        "payer", "payee", "alliance"
    )
    positions = []
    for settlement in settlements.order_by("agreed_on", "pk"):
        within, after = balances.get((settlement.pk, False)), balances.get((settlement.pk, True))
        position = SettlementPosition(
            settlement, within.outstanding if within else ZERO, after.outstanding if after else ZERO
        )
        if position.total.amount:
            positions.append(position)
    return positions


def force_positions(positions: list[SettlementPosition]) -> list[ForcePosition]:
    sums = defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO])
    forces = {}
    for position in positions:
        payer, payee = position.settlement.payer, position.settlement.payee
        forces[payer.pk], forces[payee.pk] = payer, payee
        sums[payer.pk][0] += position.within_12_months
        sums[payer.pk][1] += position.after_12_months
        sums[payee.pk][2] += position.within_12_months
        sums[payee.pk][3] += position.after_12_months
    ordered = sorted(forces.values(), key=lambda force: force.name)
    return [ForcePosition(force, *sums[force.pk]) for force in ordered]


def year_end_position(fy: FinancialYear) -> YearEndPosition:
    positions = settlement_positions(fy)
    within = sum((p.within_12_months for p in positions), ZERO)
    after = sum((p.after_12_months for p in positions), ZERO)
    return YearEndPosition(fy, fy.end, positions, force_positions(positions), within, after, within + after)
