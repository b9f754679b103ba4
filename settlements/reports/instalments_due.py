"""The instalment-due report: the instalments in force on a date with their status then, filtered and totalled."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q

from settlements.fiscal import FinancialYear
from settlements.models import Alliance, Force, Instalment, Payment

INCLUDES_PENDING = "Drafts and requests awaiting approval, counted as if approved"


@dataclass(frozen=True)
class DueFilters:
    """What the report is asked for; every field but `as_of` is optional."""

    as_of: date
    due_from: date | None = None
    due_to: date | None = None
    financial_year: FinancialYear | None = None
    statuses: tuple[str, ...] = field(default_factory=tuple)
    payer: Force | None = None
    payee: Force | None = None
    force: Force | None = None
    alliance: Alliance | None = None
    include_pending: bool = False

    def describe(self) -> list[tuple[str, str]]:
        """The filters in words, for headings, exports and print."""
        labels = dict(Instalment.Status.choices)
        parts = [
            ("Due from", self.due_from and f"{self.due_from:%d/%m/%Y}"),
            ("Due to", self.due_to and f"{self.due_to:%d/%m/%Y}"),
            ("Financial year", self.financial_year and str(self.financial_year)),
            ("Status", ", ".join(labels[s] for s in self.statuses)),
            ("Payer", self.payer and self.payer.short_name),
            ("Payee", self.payee and self.payee.short_name),
            ("Force on either side", self.force and self.force.short_name),
            ("Alliance", self.alliance and self.alliance.name),
            ("Includes", self.include_pending and INCLUDES_PENDING),
        ]
        return [("As of", f"{self.as_of:%d/%m/%Y}"), *((name, value) for name, value in parts if value)]


def instalments_due(filters: DueFilters, *, every_row: bool = False):
    """Matching instalments in force on the date, annotated with balances and status, sorted by due date.

    `every_row` reads the balances in the way that is quicker for all the rows (exports) and slower for a page
    when they must be summed from the payments, that is when some payment is dated after the date.
    """
    in_force = Instalment.objects.in_force(filters.as_of, include_pending=filters.include_pending)
    grouped = every_row and Payment.objects.cutoff(filters.as_of) is not None
    rows = (
        (in_force.with_status_grouped(filters.as_of) if grouped else in_force.with_status(filters.as_of))
        .select_related("settlement__alliance", "settlement__payer", "settlement__payee")
        .order_by("due_on", "settlement__payer__short_name", "settlement_id", "number")
    )
    if filters.due_from:
        rows = rows.filter(due_on__gte=filters.due_from)
    if filters.due_to:
        rows = rows.filter(due_on__lte=filters.due_to)
    if filters.financial_year:
        rows = rows.in_financial_year(filters.financial_year)
    if filters.payer:
        rows = rows.filter(settlement__payer=filters.payer)
    if filters.payee:
        rows = rows.filter(settlement__payee=filters.payee)
    if filters.force:
        rows = rows.filter(Q(settlement__payer=filters.force) | Q(settlement__payee=filters.force))
    if filters.alliance:
        rows = rows.filter(settlement__alliance=filters.alliance)
    if filters.statuses:
        rows = rows.filter(status__in=filters.statuses)
    return rows


def due_soon_or_overdue(as_of: date, days: int):
    """Instalments in force with something outstanding that are overdue or fall due within `days` of `as_of`."""
    return (
        Instalment.objects.in_force(as_of)
        .with_status(as_of)
        .select_related("settlement__alliance", "settlement__payer", "settlement__payee")
        .filter(due_on__lte=as_of + timedelta(days=days), outstanding_pence__gt=0)
        .order_by("due_on", "settlement__payer__short_name", "settlement_id", "number")
    )
