"""The year-end position: at 31 March, what each settlement leaves owed within and after 12 months."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.db.models import Case, Value, When
from djmoney.money import Money

from settlements.fiscal import FinancialYear
from settlements.models import Force, Instalment, Settlement
from settlements.money import SumPence, from_pence

WITHIN, AFTER = 0, 1


@dataclass(frozen=True)
class SettlementPosition:
    """One settlement's position at 31 March: a creditor of the payer and a debtor of the payee."""

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


def outstanding_by_horizon(as_at: date, horizon: date) -> dict[int, list[int]]:
    """Pence outstanding at `as_at` per settlement: [due on or before `horizon`, due after it]."""
    rows = (
        Instalment.objects.current()
        .filter(settlement__agreed_on__lte=as_at)
        .with_balances(as_at)
        .annotate(
            horizon=Case(
                When(due_on__lte=horizon, then=Value(WITHIN)), default=Value(AFTER), output_field=models.IntegerField()
            )
        )
        .order_by()
        .values("settlement", "horizon")
        .annotate(outstanding=SumPence("outstanding_pence"))
    )
    pence = defaultdict(lambda: [0, 0])
    for row in rows:
        pence[row["settlement"]][row["horizon"]] += row["outstanding"]
    return {pk: split for pk, split in pence.items() if any(split)}


def year_end_position(fy: FinancialYear) -> YearEndPosition:
    """The position at the end of `fy`, counting payments on or before its 31 March; two queries."""
    as_at = fy.end
    pence = outstanding_by_horizon(as_at, fy.next().end)
    settlements = (
        Settlement.objects.filter(agreed_on__lte=as_at)
        .select_related("payer", "payee", "alliance")
        .order_by("agreed_on", "pk")
    )
    positions = [
        SettlementPosition(s, from_pence(pence[s.pk][WITHIN]), from_pence(pence[s.pk][AFTER]))
        for s in settlements
        if s.pk in pence
    ]
    within = sum(split[WITHIN] for split in pence.values())
    after = sum(split[AFTER] for split in pence.values())
    return YearEndPosition(
        financial_year=fy,
        as_at=as_at,
        settlements=positions,
        forces=_force_positions(positions, pence),
        within_12_months=from_pence(within),
        after_12_months=from_pence(after),
        total=from_pence(within + after),
    )


def _force_positions(positions: list[SettlementPosition], pence: dict[int, list[int]]) -> list[ForcePosition]:
    forces, owes, owed = {}, defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    for position in positions:
        settlement, split = position.settlement, pence[position.settlement.pk]
        forces[settlement.payer_id], forces[settlement.payee_id] = settlement.payer, settlement.payee
        for index in (WITHIN, AFTER):
            owes[settlement.payer_id][index] += split[index]
            owed[settlement.payee_id][index] += split[index]
    return [
        ForcePosition(
            force=force,
            creditor_within_12_months=from_pence(owes[pk][WITHIN]),
            creditor_after_12_months=from_pence(owes[pk][AFTER]),
            debtor_within_12_months=from_pence(owed[pk][WITHIN]),
            debtor_after_12_months=from_pence(owed[pk][AFTER]),
        )
        for pk, force in sorted(forces.items(), key=lambda item: item[1].name)
    ]
