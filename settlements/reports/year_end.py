"""The year-end position: at 31 March, what each settlement leaves owed within and after 12 months."""

from collections import defaultdict
from dataclasses import dataclass, field
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
    """One settlement's position at 31 March: a creditor of the payer and a debtor of the payee.

    It carries what the report shows, read in the grouped query; `settlement` loads the model itself (one query).
    """

    settlement_id: int
    agreed_on: date
    alliance_name: str
    payer: Force
    payee: Force
    within_pence: int
    after_pence: int

    @property
    def within_12_months(self) -> Money:
        return from_pence(self.within_pence)

    @property
    def after_12_months(self) -> Money:
        return from_pence(self.after_pence)

    @property
    def total(self) -> Money:
        return from_pence(self.within_pence + self.after_pence)

    loader: "SettlementLoader" = field(repr=False, compare=False, default=None)

    @property
    def settlement(self) -> Settlement:
        return self.loader[self.settlement_id]


class SettlementLoader(dict):
    """The positions' settlements, all read in one query the first time any of them is asked for."""

    def __init__(self, pks):
        super().__init__()
        self.pks = pks

    def __missing__(self, pk: int) -> Settlement:
        self.update(Settlement.objects.select_related("payer", "payee", "alliance").in_bulk(self.pks))
        return self[pk]


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
    include_pending: bool
    within_12_months: Money
    after_12_months: Money
    total: Money


SETTLEMENT_COLUMNS = (
    "settlement", "settlement__agreed_on", "settlement__alliance__name",
    "settlement__payer", "settlement__payer__name", "settlement__payer__short_name",
    "settlement__payee", "settlement__payee__name", "settlement__payee__short_name",
)  # fmt: skip
FORCE_FIELDS = ["id", "name", "short_name"]


def outstanding_by_horizon(as_at: date, horizon: date, include_pending: bool = False) -> dict[tuple, list[int]]:
    """Pence outstanding at `as_at` per settlement, from the schedules in force on that day: [due on or before
    `horizon`, due after it].

    Keyed by SETTLEMENT_COLUMNS: one grouped query gives everything the report shows.
    """
    rows = (
        Instalment.objects.in_force(as_at, include_pending=include_pending)
        .with_balances(as_at)
        .annotate(
            horizon=Case(
                When(due_on__lte=horizon, then=Value(WITHIN)), default=Value(AFTER), output_field=models.IntegerField()
            )
        )
        .order_by()
        .values(*SETTLEMENT_COLUMNS, "horizon")
        .annotate(outstanding=SumPence("outstanding_pence"))
        .values_list(*SETTLEMENT_COLUMNS, "horizon", "outstanding")
    )
    pence = defaultdict(lambda: [0, 0])
    for *settlement, horizon_index, outstanding in rows:
        pence[tuple(settlement)][horizon_index] += outstanding
    return {key: split for key, split in pence.items() if any(split)}


def year_end_position(fy: FinancialYear, *, include_pending: bool = False) -> YearEndPosition:
    """The position at the end of `fy`: the schedules in force and the payments made on or before its 31 March.

    A revision dated after that day changes later years only. One query (two if a settlement itself is read).
    """
    as_at = fy.end
    pence = outstanding_by_horizon(as_at, fy.next().end, include_pending)
    # The forces as read with the sums (id, name, short name); any other field loads on demand.
    forces = {}
    for key in pence:
        for pk, name, short_name in (key[3:6], key[6:9]):
            if pk not in forces:
                forces[pk] = Force.from_db("default", FORCE_FIELDS, (pk, name, short_name))
    loader = SettlementLoader([key[0] for key in pence])
    positions = [
        SettlementPosition(key[0], key[1], key[2], forces[key[3]], forces[key[6]], *pence[key], loader=loader)
        for key in sorted(pence, key=lambda key: (key[1], key[0]))
    ]
    within = sum(split[WITHIN] for split in pence.values())
    after = sum(split[AFTER] for split in pence.values())
    return YearEndPosition(
        financial_year=fy,
        as_at=as_at,
        settlements=positions,
        forces=_force_positions(positions),
        include_pending=include_pending,
        within_12_months=from_pence(within),
        after_12_months=from_pence(after),
        total=from_pence(within + after),
    )


def latest_year_with_outstanding(today: date, *, include_pending: bool = False) -> FinancialYear:
    """The latest financial year ended before `today` at whose 31 March something was outstanding.

    The last year to have ended when no year had anything outstanding. One query for the earliest settlement,
    then one a year, going back from the last year to have ended: as many as there are years, not rows.
    """
    last_ended = FinancialYear.for_date(today).previous()
    earliest = Settlement.objects.in_force(last_ended.end, include_pending=include_pending).aggregate(
        first=models.Min("agreed_on")
    )["first"]
    if earliest is None:
        return last_ended
    year = last_ended
    while year.end >= earliest:
        if outstanding_at(year.end, include_pending=include_pending):
            return year
        year = year.previous()
    return last_ended


def outstanding_at(as_at: date, *, include_pending: bool = False) -> bool:
    """Whether any instalment in force on `as_at` had something outstanding that day."""
    in_force = Instalment.objects.in_force(as_at, include_pending=include_pending)
    return in_force.with_balances(as_at).filter(outstanding_pence__gt=0).exists()


def _force_positions(positions: list[SettlementPosition]) -> list[ForcePosition]:
    forces, owes, owed = {}, defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    for position in positions:
        forces[position.payer.pk], forces[position.payee.pk] = position.payer, position.payee
        for index, value in ((WITHIN, position.within_pence), (AFTER, position.after_pence)):
            owes[position.payer.pk][index] += value
            owed[position.payee.pk][index] += value
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
