"""Paid to date and outstanding, as of a date, per instalment, settlement, force and financial year."""

from dataclasses import dataclass
from datetime import date

from djmoney.money import Money

from settlements.fiscal import FinancialYear
from settlements.models import Force, Instalment, Settlement
from settlements.money import from_pence


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


def instalment_balances(*, as_of: date, settlement: Settlement | None = None):
    """Current instalments with paid_pence, outstanding_pence and status as of the date."""
    instalments = (
        Instalment.objects.current().with_status(as_of).select_related("settlement__payer", "settlement__payee")
    )
    return instalments if settlement is None else instalments.filter(settlement=settlement)


def _scheduled(as_of: date):
    return Instalment.objects.current().with_balances(as_of)


def total_balance(*, as_of: date) -> Balance:
    return Balance(**_scheduled(as_of).totals())


def settlement_balance(*, settlement: Settlement, as_of: date) -> Balance:
    return Balance(**_scheduled(as_of).filter(settlement=settlement).totals())


def settlement_balances(*, as_of: date) -> dict[int, Balance]:
    """Every settlement with a schedule, by primary key."""
    return {row["settlement"]: Balance.from_row(row) for row in _scheduled(as_of).totals_by("settlement")}


def financial_year_balances(*, as_of: date, settlement: Settlement | None = None) -> dict[FinancialYear, Balance]:
    """By the financial year in which instalments fall due, earliest first."""
    instalments = _scheduled(as_of).with_financial_year()
    if settlement is not None:
        instalments = instalments.filter(settlement=settlement)
    rows = instalments.totals_by("fy_start_year").order_by("fy_start_year")
    return {FinancialYear(row["fy_start_year"]): Balance.from_row(row) for row in rows}


def force_balances(*, as_of: date) -> list[ForceBalance]:
    """Each force that is a party to a schedule: what it owes as payer and is owed as payee."""
    as_payer = {row["settlement__payer"]: row for row in _scheduled(as_of).totals_by("settlement__payer")}
    as_payee = {row["settlement__payee"]: row for row in _scheduled(as_of).totals_by("settlement__payee")}
    forces = Force.objects.filter(pk__in=set(as_payer) | set(as_payee)).order_by("name")
    return [
        ForceBalance(force, Balance.from_row(as_payer.get(force.pk)), Balance.from_row(as_payee.get(force.pk)))
        for force in forces
    ]
