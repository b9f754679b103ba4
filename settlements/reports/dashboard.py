"""The finance dashboard: headline figures, what is due, the years' balances, hosted services, alliance stages.

Everything is as of a date and counts the schedules in force on it (`Instalment.objects.in_force`: approved
settlements agreed on or before it, approved revisions from their date) and the payments made on or before
it. What awaits approval is shown apart, and counted only when asked for. With a force, figures are split
into what it must pay (as payer) and what it is owed (as payee).

An alliance's stage follows one rule, settlements outranking notices:
- it has a settlement agreed by the date: "closed" once every instalment is paid, "in payment" once
  anything is paid, otherwise "settled";
- otherwise its latest notice served by the date: "under review" (disputed or under independent review),
  "notice served" (served), "settled" (marked settled, no settlement entered yet);
- otherwise "running" (no notice, or the notice was withdrawn).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlencode

from django.db import connection
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from djmoney.money import Money

from settlements.fiscal import FinancialYear
from settlements.models import Alliance, Force, HostedService, Instalment, Payment, Settlement, TerminationNotice
from settlements.models.parties import ENDING_SOON_DAYS, ending_soon_by
from settlements.money import from_pence

from .awaiting import Awaiting, agreed, parties_filter
from .grouped import GroupTotal

NEXT_DUE_LIMIT = 10
# The dashboard lists only this many overdue instalments, hosted services and alliances, with counts of all:
# its cost must not grow with the data; the reports list everything.
LIST_LIMIT = 10


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
    awaiting: Awaiting


@dataclass(frozen=True)
class YearFigures:
    financial_year: FinancialYear
    balance: GroupTotal


STAGE_LABELS = {
    "running": "Running",
    "notice_served": "Notice served",
    "under_review": "Under review",
    "settled": "Settled",
    "in_payment": "In payment",
    "closed": "Closed",
}


class Staged:
    """Something at an alliance stage, which it names in words."""

    stage: str

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.stage]


@dataclass(frozen=True)
class AllianceStage(Staged):
    alliance: Alliance
    stage: str


@dataclass(frozen=True)
class StageCount(Staged):
    stage: str
    count: int


@dataclass(frozen=True)
class Dashboard:
    as_of: date
    force: Force | None
    include_pending: bool
    financial_year: FinancialYear
    headlines: list[Headline]
    next_due: list[Instalment]
    overdue: list[Instalment]
    overdue_count: int
    years: list[YearFigures]
    hosted_running: list[HostedService]
    hosted_ending: list[HostedService]
    hosted_running_count: int
    hosted_ending_count: int
    alliances: list[AllianceStage]
    alliance_count: int
    stage_counts: list[StageCount]
    is_empty: bool

    @property
    def overdue_query(self) -> str:
        """The due report's filters for the overdue instalments this dashboard counts."""
        filters = {"as_of": self.as_of.isoformat(), "status": "overdue"}
        return urlencode({**filters, "force": self.force.short_name} if self.force else filters, quote_via=quote)

    @property
    def due_from_query(self) -> str:
        """The due report's filters for every instalment due from the dashboard's date."""
        return urlencode({"as_of": self.as_of.isoformat(), "from": self.as_of.isoformat()})

    @property
    def ending_soon_days(self) -> int:
        return ENDING_SOON_DAYS

    @property
    def hosted_query(self) -> str:
        """The hosted-service report's filters for the dashboard's date."""
        return urlencode({"as_of": self.as_of.isoformat()})


@dataclass(frozen=True)
class YearSums:
    """One financial year's sums in pence: amount, paid, and what is overdue (outstanding and how many)."""

    amount: int = 0
    paid: int = 0
    overdue: int = 0
    overdue_count: int = 0


def instalments_in_scope(as_of: date, force: Force | None = None, *, include_pending: bool = False):
    rows = Instalment.objects.in_force(as_of, include_pending=include_pending)
    return rows.involving(force) if force else rows


# The columns `grouped_sums` may group by: whole numbers named in its SQL, never taken from a request.
GROUPINGS = frozenset({"fy_start_year", "settlement__alliance", "settlement__payer", "settlement__payee"})


def grouped_sums(instalments, as_of: date, paid_to: date | None, *keys: str) -> dict[str, dict]:
    """{key: {value: (amount, paid, overdue, overdue count)}}, in pence, for each of `keys` over the instalments as
    at `as_of`, counting payments made by `paid_to` (`Payment.objects.cutoff`).

    A key is `fy_start_year`, `settlement__alliance` or another column of the instalments. Every grouping sums
    the same rows, read once: each instalment's paid is its stored balance when `paid_to` is None (every payment
    counts), otherwise its payments joined and summed once (`with_status_grouped`); the groupings are summed over
    those rows in one outer query, which the ORM cannot write over aggregates (why: docs/benchmarks/README.md).
    """
    due = Case(When(due_on__lt=as_of, then=Value(1)), default=Value(0), output_field=IntegerField())
    rows = instalments.order_by().with_financial_year()
    rows = rows.with_balances(None) if paid_to is None else rows.with_status_grouped(paid_to)
    inner = rows.annotate(is_due=due).values(*keys, "amount_pence", "paid_pence", "outstanding_pence", "is_due")
    sql, params = inner.query.sql_with_params()
    owing = "i.is_due = 1 AND i.outstanding_pence > 0"
    sums = (
        f"SUM(i.amount_pence), SUM(i.paid_pence), SUM(CASE WHEN {owing} THEN i.outstanding_pence ELSE 0 END), "
        f"SUM(CASE WHEN {owing} THEN 1 ELSE 0 END)"
    )
    if not set(keys) <= GROUPINGS:
        raise ValueError(f"Cannot group by {keys}")
    selects = [f'SELECT {n}, i."{key}", {sums} FROM i GROUP BY i."{key}"' for n, key in enumerate(keys)]  # noqa: S608
    query = f"WITH i AS ({sql}) " + " UNION ALL ".join(selects)  # the ORM's own SQL and quoted column names
    grouped = {key: {} for key in keys}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        # PostgreSQL hands EXTRACT and SUM back as numeric: every value here is a whole number.
        for n, value, *figures in cursor:
            grouped[keys[n]][int(value)] = tuple(int(figure) for figure in figures)
    return grouped


def year_sums(instalments, as_of: date, paid_to: date | None) -> dict[int, YearSums]:
    """{fy_start_year: YearSums} as at `as_of`, counting payments made by `paid_to`: see `grouped_sums`."""
    years = grouped_sums(instalments, as_of, paid_to, "fy_start_year")["fy_start_year"]
    return {year: YearSums(*figures) for year, figures in years.items()}


def headline(label: str, as_of: date, include_pending: bool, parties: Q, by_year: dict[int, YearSums]) -> Headline:
    """Agreed (cash, and non-cash adjustments), paid, outstanding, due this financial year, overdue, and what
    awaits approval."""
    sums = agreed(as_of, include_pending=include_pending, parties=parties)
    this_year = by_year.get(FinancialYear.for_date(as_of).start_year, YearSums())
    amount = sum(year.amount for year in by_year.values())
    paid = sum(year.paid for year in by_year.values())
    return Headline(
        label=label,
        agreed=sums.cash,
        non_cash=sums.non_cash,
        paid=from_pence(paid),
        outstanding=from_pence(amount - paid),
        due_this_year=from_pence(this_year.amount),
        due_this_year_outstanding=from_pence(this_year.amount - this_year.paid),
        overdue=from_pence(sum(year.overdue for year in by_year.values())),
        awaiting=sums.awaiting,
    )


def headlines(
    as_of: date, force: Force | None, include_pending: bool, by_year: dict[int, YearSums], paid_to: date | None
) -> list[Headline]:
    """One headline for everything (from the years' sums already made), or two for a force."""
    if force is None:
        return [headline("All settlements", as_of, include_pending, Q(), by_year)]
    instalments = instalments_in_scope(as_of, include_pending=include_pending)
    return [
        headline(f"{force.short_name} pays", as_of, include_pending, parties_filter(payer=force),
                 year_sums(instalments.filter(settlement__payer=force), as_of, paid_to)),
        headline(f"{force.short_name} is owed", as_of, include_pending, parties_filter(payee=force),
                 year_sums(instalments.filter(settlement__payee=force), as_of, paid_to)),
    ]  # fmt: skip


def due_lists(as_of: date, force: Force | None, include_pending: bool) -> tuple[list[Instalment], list[Instalment]]:
    """The next instalments still to pay and the oldest overdue ones, each walking the due-date index."""
    rows = (
        instalments_in_scope(as_of, force, include_pending=include_pending)
        .with_status(as_of)
        .select_related("settlement__alliance", "settlement__payer", "settlement__payee")
        .order_by("due_on", "settlement_id", "number")
    )
    next_due = rows.filter(due_on__gte=as_of, outstanding_pence__gt=0)[:NEXT_DUE_LIMIT]
    overdue = rows.filter(due_on__lt=as_of, outstanding_pence__gt=0)[:LIST_LIMIT]
    return list(next_due), list(overdue)


def years(by_year: dict[int, YearSums]) -> list[YearFigures]:
    """Instalments by financial year: amount, paid and outstanding as of the date."""
    return [
        YearFigures(FinancialYear(year), GroupTotal(from_pence(sums.amount), from_pence(sums.paid)))
        for year, sums in sorted(by_year.items())
    ]


def hosted(as_of: date, force: Force | None) -> tuple[list[HostedService], list[HostedService], dict]:
    """The running services ending soonest and those ending soon (at most LIST_LIMIT each), and counts."""
    services = HostedService.objects.select_related("provider", "recipient").order_by("ends_on", "service", "pk")
    if force:
        services = services.involving(force)
    soon = ending_soon_by(as_of)
    counts = services.running(as_of).aggregate(running=Count("pk"), ending=Count("pk", filter=Q(ends_on__lte=soon)))
    running = list(services.running(as_of)[:LIST_LIMIT])
    return running, [service for service in running if service.is_ending_soon(as_of)], counts


def stage_of(notice_status: str | None, settled: int, amount_pence: int = 0, paid_pence: int = 0) -> str:
    """The rule in the module docstring, for one alliance: its latest notice's status, whether (or how many times)
    it is settled, and its schedules' amount and paid in pence."""
    if settled:
        if amount_pence > 0 and paid_pence >= amount_pence:
            return "closed"
        if paid_pence > 0:
            return "in_payment"
        return "settled"
    return NOTICE_STAGES.get(notice_status, "running")


NOTICE_STAGES = {
    TerminationNotice.Status.SERVED: "notice_served",
    TerminationNotice.Status.DISPUTED: "under_review",
    TerminationNotice.Status.UNDER_REVIEW: "under_review",
    TerminationNotice.Status.SETTLED: "settled",
}


def staged_alliances(
    alliances, as_of: date, paid_to: date | None, include_pending: bool = False, balances: dict | None = None
) -> list[tuple[int, str, str]]:
    """(pk, name, stage) of each alliance as of the date, the most recent first, by the rule of `stage_of`.

    Two reads whatever the number of alliances: their schedules' sums in one grouped pass over the instalments
    (paid as stored, or made by `paid_to`), and each alliance with its latest notice and whether it is settled.
    Not a subquery per alliance: see docs/benchmarks/README.md.
    """
    if balances is None:
        sums = instalments_in_scope(as_of, include_pending=include_pending)
        if alliances.query.where:
            sums = sums.filter(settlement__alliance__in=alliances.values("pk"))
        balances = grouped_sums(sums, as_of, paid_to, "settlement__alliance")["settlement__alliance"]
    latest_notice = TerminationNotice.objects.filter(alliance=OuterRef("pk"), served_on__lte=as_of).order_by(
        "-served_on", "-pk"
    )
    rows = (
        alliances.annotate(
            settled=Exists(
                Settlement.objects.in_force(as_of, include_pending=include_pending).filter(alliance=OuterRef("pk"))
            ),
            notice_status=Subquery(latest_notice.values("status")[:1]),
        )
        .order_by("-starts_on", "name")
        .values_list("pk", "name", "notice_status", "settled")
    )
    return [(pk, name, stage_of(notice, settled, *balances.get(pk, (0, 0))[:2])) for pk, name, notice, settled in rows]


def alliance_stages(
    as_of: date, force: Force | None, include_pending: bool, paid_to: date | None, balances: dict | None = None
) -> tuple[list[AllianceStage], list[StageCount]]:
    """The most recent alliances (at most LIST_LIMIT) with their stages, and how many alliances are at each stage."""
    alliances = Alliance.objects.all()
    if force:
        alliances = alliances.filter(pk__in=force.alliances.values("pk"))
    staged = staged_alliances(alliances, as_of, paid_to, include_pending, balances)
    counts = Counter(stage for _, _, stage in staged)
    listed = [AllianceStage(Alliance(pk=pk, name=name), stage) for pk, name, stage in staged[:LIST_LIMIT]]
    return listed, [StageCount(stage, counts[stage]) for stage in STAGE_LABELS if stage in counts]


def dashboard(as_of: date, force: Force | None = None, *, include_pending: bool = False) -> Dashboard:
    """The dashboard as of a date; `include_pending` counts drafts and pending revisions as if approved."""
    paid_to = Payment.objects.cutoff(as_of)
    scope = instalments_in_scope(as_of, force, include_pending=include_pending)
    if force is None:
        # The years and the alliances' stages sum the same instalments: one read gives both.
        sums = grouped_sums(scope, as_of, paid_to, "fy_start_year", "settlement__alliance")
        by_year = {year: YearSums(*figures) for year, figures in sums["fy_start_year"].items()}
        balances = sums["settlement__alliance"]
    else:
        by_year, balances = year_sums(scope, as_of, paid_to), None
    next_due, overdue = due_lists(as_of, force, include_pending)
    running, ending, hosted_counts = hosted(as_of, force)
    stages, stage_counts = alliance_stages(as_of, force, include_pending, paid_to, balances)
    alliance_count = sum(item.count for item in stage_counts)
    return Dashboard(
        as_of=as_of,
        force=force,
        include_pending=include_pending,
        financial_year=FinancialYear.for_date(as_of),
        headlines=headlines(as_of, force, include_pending, by_year, paid_to),
        next_due=next_due,
        overdue=overdue,
        overdue_count=sum(year.overdue_count for year in by_year.values()),
        years=years(by_year),
        hosted_running=running,
        hosted_ending=ending,
        hosted_running_count=hosted_counts["running"],
        hosted_ending_count=hosted_counts["ending"],
        alliances=stages,
        alliance_count=alliance_count,
        stage_counts=stage_counts,
        is_empty=force is None and not alliance_count,
    )
