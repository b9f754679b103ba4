"""The finance dashboard: headline figures, what is due, the years' balances, hosted services, alliance stages.

Everything is as of a date and counts settlements agreed on or before it (and payments made on or before
it). With a force, figures are split into what it must pay (as payer) and what it is owed (as payee).

An alliance's stage follows one rule, settlements outranking notices:
- it has a settlement agreed by the date: "closed" once every instalment is paid, "in payment" once
  anything is paid, otherwise "settled";
- otherwise its latest notice served by the date: "under review" (disputed or under independent review),
  "notice served" (served), "settled" (marked settled, no settlement entered yet);
- otherwise "running" (no notice, or the notice was withdrawn).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, OuterRef, Q, Subquery
from djmoney.money import Money

from settlements.fiscal import FinancialYear
from settlements.models import Alliance, Force, HostedService, Instalment, Settlement, TerminationNotice
from settlements.money import SumPence, from_pence

from .grouped import GroupTotal, balances_by
from .hosted import ENDING_SOON_DAYS

NEXT_DUE_LIMIT = 10


@dataclass(frozen=True)
class Headline:
    label: str
    agreed: Money
    non_cash: Money
    paid: Money
    outstanding: Money
    due_this_year: Money
    due_this_year_outstanding: Money
    overdue: Money


@dataclass(frozen=True)
class YearFigures:
    financial_year: FinancialYear
    balance: GroupTotal


@dataclass(frozen=True)
class AllianceStage:
    alliance: Alliance
    stage: str

    LABELS = {
        "running": "Running",
        "notice_served": "Notice served",
        "under_review": "Under review",
        "settled": "Settled",
        "in_payment": "In payment",
        "closed": "Closed",
    }

    @property
    def label(self) -> str:
        return self.LABELS[self.stage]


@dataclass(frozen=True)
class Dashboard:
    as_of: date
    force: Force | None
    financial_year: FinancialYear
    headlines: list[Headline]
    next_due: list[Instalment]
    overdue: list[Instalment]
    years: list[YearFigures]
    hosted_running: list[HostedService]
    hosted_ending: list[HostedService]
    alliances: list[AllianceStage]
    is_empty: bool


def settlements_in_scope(as_of: date):
    return Settlement.objects.filter(agreed_on__lte=as_of)


def instalments_in_scope(as_of: date, force: Force | None = None):
    rows = Instalment.objects.current().filter(settlement__agreed_on__lte=as_of)
    return rows.filter(Q(settlement__payer=force) | Q(settlement__payee=force)) if force else rows


def headline(label: str, as_of: date, settlements, instalments) -> Headline:
    """Agreed (cash, and non-cash adjustments), paid, outstanding, due this financial year and overdue."""
    fy = FinancialYear.for_date(as_of)
    agreed = settlements.with_headline().aggregate(cash=SumPence("cash_pence"), non_cash=SumPence("adjustments_pence"))
    overall = instalments.with_balances(as_of).totals()
    this_year = instalments.in_financial_year(fy).with_balances(as_of).totals()
    overdue = instalments.with_status(as_of).filter(status=Instalment.Status.OVERDUE).totals()
    return Headline(
        label=label,
        agreed=from_pence(agreed["cash"]),
        non_cash=from_pence(agreed["non_cash"]),
        paid=overall["paid"],
        outstanding=overall["outstanding"],
        due_this_year=this_year["amount"],
        due_this_year_outstanding=this_year["outstanding"],
        overdue=overdue["outstanding"],
    )


def headlines(as_of: date, force: Force | None) -> list[Headline]:
    settlements, instalments = settlements_in_scope(as_of), instalments_in_scope(as_of)
    if force is None:
        return [headline("All settlements", as_of, settlements, instalments)]
    return [
        headline(f"{force.short_name} pays", as_of, settlements.filter(payer=force),
                 instalments.filter(settlement__payer=force)),
        headline(f"{force.short_name} is owed", as_of, settlements.filter(payee=force),
                 instalments.filter(settlement__payee=force)),
    ]  # fmt: skip


def due_lists(as_of: date, force: Force | None) -> tuple[list[Instalment], list[Instalment]]:
    """The next instalments still to pay (at most NEXT_DUE_LIMIT) and every overdue one."""
    rows = (
        instalments_in_scope(as_of, force)
        .with_status(as_of)
        .select_related("settlement__alliance", "settlement__payer", "settlement__payee")
        .order_by("due_on", "settlement_id", "number")
    )
    next_due = rows.filter(due_on__gte=as_of, outstanding_pence__gt=0)[:NEXT_DUE_LIMIT]
    return list(next_due), list(rows.filter(status=Instalment.Status.OVERDUE))


def years(as_of: date, force: Force | None) -> list[YearFigures]:
    """Instalments by financial year: amount, paid and outstanding as of the date."""
    by_year = balances_by(instalments_in_scope(as_of, force).with_financial_year(), as_of, "fy_start_year")
    return [YearFigures(FinancialYear(year), balance) for (year,), balance in sorted(by_year.items())]


def hosted(as_of: date, force: Force | None) -> tuple[list[HostedService], list[HostedService]]:
    services = HostedService.objects.select_related("provider", "recipient")
    if force:
        services = services.filter(Q(provider=force) | Q(recipient=force))
    return list(services.running(as_of)), list(services.ending_within(as_of, ENDING_SOON_DAYS))


def stage_of(notice_status: str | None, settlement_count: int, balance: GroupTotal | None) -> str:
    """The rule in the module docstring."""
    if settlement_count:
        if balance and balance.amount.amount > 0 and balance.outstanding.amount <= 0:
            return "closed"
        if balance and balance.paid.amount > 0:
            return "in_payment"
        return "settled"
    return {
        TerminationNotice.Status.SERVED: "notice_served",
        TerminationNotice.Status.DISPUTED: "under_review",
        TerminationNotice.Status.UNDER_REVIEW: "under_review",
        TerminationNotice.Status.SETTLED: "settled",
    }.get(notice_status, "running")


def alliance_stages(as_of: date, force: Force | None) -> list[AllianceStage]:
    latest_notice = TerminationNotice.objects.filter(alliance=OuterRef("pk"), served_on__lte=as_of).order_by(
        "-served_on", "-pk"
    )
    alliances = Alliance.objects.annotate(
        notice_status=Subquery(latest_notice.values("status")[:1]),
        settlement_count=Count("settlements", filter=Q(settlements__agreed_on__lte=as_of)),
    ).order_by("name")
    if force:
        alliances = alliances.filter(pk__in=force.alliances.values("pk"))
    balances = balances_by(instalments_in_scope(as_of), as_of, "settlement__alliance")
    return [AllianceStage(a, stage_of(a.notice_status, a.settlement_count, balances.get((a.pk,)))) for a in alliances]


def dashboard(as_of: date, force: Force | None = None) -> Dashboard:
    next_due, overdue = due_lists(as_of, force)
    running, ending = hosted(as_of, force)
    stages = alliance_stages(as_of, force)
    return Dashboard(
        as_of=as_of,
        force=force,
        financial_year=FinancialYear.for_date(as_of),
        headlines=headlines(as_of, force),
        next_due=next_due,
        overdue=overdue,
        years=years(as_of, force),
        hosted_running=running,
        hosted_ending=ending,
        alliances=stages,
        is_empty=force is None and not stages,
    )
