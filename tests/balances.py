"""Test oracles: paid to date and outstanding, as of a date, per instalment, settlement, force and financial year.

Each counts the schedules in force on the date (`Instalment.objects.in_force`) through the QuerySet methods the
reports use, one figure at a time, so that the tests can hold the reports' figures against them.
"""

from dataclasses import dataclass
from datetime import date

from djmoney.money import Money

from settlements.fiscal import FinancialYear
from settlements.models import Force, Instalment, Settlement
from settlements.money import from_pence
from settlements.reports.grouped import GroupTotal


@dataclass(frozen=True)
class Balance:
    """What is scheduled, what has been paid by the date, and what is still owed."""

    amount: Money
    paid: Money
    outstanding: Money

    @classmethod
    def from_row(cls, row: dict | None) -> "Balance":
        row = row or {}
        return cls(*(from_pence(row.get(key)) for key in ("amount", "paid", "outstanding")))


@dataclass(frozen=True)
class ForceBalance:
    force: Force
    as_payer: Balance
    as_payee: Balance


def instalment_balances(*, as_of: date, settlement: Settlement | None = None, include_pending: bool = False):
    """Instalments in force on the date with paid_pence, outstanding_pence and status as of it."""
    instalments = (
        Instalment.objects.in_force(as_of, include_pending=include_pending)
        .with_status(as_of)
        .select_related("settlement__payer", "settlement__payee")
    )
    return instalments if settlement is None else instalments.filter(settlement=settlement)


def _scheduled(as_of: date, include_pending: bool = False):
    return Instalment.objects.in_force(as_of, include_pending=include_pending).with_balances(as_of)


def total_balance(*, as_of: date, include_pending: bool = False) -> Balance:
    return Balance(**_scheduled(as_of, include_pending).totals())


def settlement_balance(*, settlement: Settlement, as_of: date, include_pending: bool = False) -> Balance:
    return Balance(**_scheduled(as_of, include_pending).filter(settlement=settlement).totals())


def settlement_balances(*, as_of: date, include_pending: bool = False) -> dict[int, Balance]:
    """Every settlement with a schedule in force, by primary key."""
    rows = _scheduled(as_of, include_pending).totals_by("settlement")
    return {row["settlement"]: Balance.from_row(row) for row in rows}


def financial_year_balances(
    *, as_of: date, settlement: Settlement | None = None, include_pending: bool = False
) -> dict[FinancialYear, Balance]:
    """By the financial year in which instalments fall due, earliest first."""
    instalments = _scheduled(as_of, include_pending).with_financial_year()
    if settlement is not None:
        instalments = instalments.filter(settlement=settlement)
    rows = instalments.totals_by("fy_start_year").order_by("fy_start_year")
    return {FinancialYear(row["fy_start_year"]): Balance.from_row(row) for row in rows}


def force_balances(*, as_of: date, include_pending: bool = False) -> list[ForceBalance]:
    """Each force that is a party to a schedule in force: what it owes as payer and is owed as payee."""
    scheduled = _scheduled(as_of, include_pending)
    as_payer = {row["settlement__payer"]: row for row in scheduled.totals_by("settlement__payer")}
    as_payee = {row["settlement__payee"]: row for row in scheduled.totals_by("settlement__payee")}
    forces = Force.objects.filter(pk__in=set(as_payer) | set(as_payee)).order_by("name")
    return [
        ForceBalance(force, Balance.from_row(as_payer.get(force.pk)), Balance.from_row(as_payee.get(force.pk)))
        for force in forces
    ]


def balances_by(instalments, as_of: date | None, *keys: str) -> dict[tuple, GroupTotal]:
    """{(values of `keys`): GroupTotal} over the instalments; a key is a field name or an annotation."""
    rows = instalments.with_balances(as_of).totals_by(*keys)
    return {tuple(row[k] for k in keys): GroupTotal(from_pence(row["amount"]), from_pence(row["paid"])) for row in rows}
