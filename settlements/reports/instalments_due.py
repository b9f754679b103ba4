"""The instalment-due report: the instalments in force on a date with their status then, filtered and totalled."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q

from settlements.dates import uk
from settlements.fiscal import FinancialYear
from settlements.models import Alliance, Force, Instalment, Payment

INCLUDES_PENDING = "Drafts and requests awaiting approval, counted as if approved"

# The orders the report can be sorted in, by the name a link sends ("-amount" reverses "amount"): the column it
# sorts on first, and the order in words, ascending and descending.
SORTS = {
    "due": ("due_on", "due date", "due date, latest first"),
    "amount": ("amount", "amount, smallest first", "amount, largest first"),
    "outstanding": ("outstanding_pence", "outstanding, smallest first", "outstanding, largest first"),
    "payer": ("settlement__payer__short_name", "payer, A to Z", "payer, Z to A"),
    "payee": ("settlement__payee__short_name", "payee, A to Z", "payee, Z to A"),
}
DEFAULT_SORT = "due"
# Rows that tie on the sorted column keep one order, whatever the database: the same on every page and export.
TIE_BREAK = ("due_on", "settlement__payer__short_name", "settlement_id", "number", "pk")


def sort_key(sort: str) -> str:
    """`sort` if it names a known order, otherwise the default: a request never orders by anything else."""
    return sort if sort.removeprefix("-") in SORTS else DEFAULT_SORT


def sort_label(sort: str) -> str:
    """How the rows are sorted, in words: "due date", "amount, largest first"."""
    key = sort_key(sort)
    _column, ascending, descending = SORTS[key.removeprefix("-")]
    return descending if key.startswith("-") else ascending


def ordering(sort: str) -> tuple[str, ...]:
    """The database ordering of `sort`, followed by the tie-break."""
    key = sort_key(sort)
    column = SORTS[key.removeprefix("-")][0]
    first = f"-{column}" if key.startswith("-") else column
    return (first, *(name for name in TIE_BREAK if name != column))


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
    search: str = ""
    include_paid: bool = True
    sort: str = DEFAULT_SORT

    @property
    def leaves_out_paid(self) -> bool:
        """Paid instalments are left out unless asked for, by the tick box or by choosing the status."""
        return not self.include_paid and not self.statuses

    def describe(self) -> list[tuple[str, str]]:
        """The filters in words, for headings, exports and print."""
        labels = dict(Instalment.Status.choices)
        parts = [
            ("Due from", self.due_from and uk(self.due_from)),
            ("Due to", self.due_to and uk(self.due_to)),
            ("Financial year", self.financial_year and str(self.financial_year)),
            ("Status", ", ".join(labels[s] for s in self.statuses)),
            ("Payer", self.payer and self.payer.short_name),
            ("Payee", self.payee and self.payee.short_name),
            ("Force on either side", self.force and self.force.short_name),
            ("Alliance", self.alliance and self.alliance.name),
            ("Search", self.search and f"“{self.search}”"),
            ("Paid instalments", self.leaves_out_paid and "Left out"),
            ("Includes", self.include_pending and INCLUDES_PENDING),
            ("Sorted by", sort_key(self.sort) != DEFAULT_SORT and sort_label(self.sort)),
        ]
        return [("As of", uk(self.as_of)), *((name, value) for name, value in parts if value)]


def matching_instalments(filters: DueFilters, *, every_row: bool = False):
    """Matching instalments in force on the date, annotated with balances and status, sorted as asked.

    `every_row` reads the balances in the way that is quicker for all the rows (exports) and slower for a page
    when they must be summed from the payments, that is when some payment is dated after the date.
    """
    in_force = Instalment.objects.in_force(filters.as_of, include_pending=filters.include_pending)
    grouped = every_row and Payment.objects.cutoff(filters.as_of) is not None
    rows = (
        (in_force.with_status_grouped(filters.as_of) if grouped else in_force.with_status(filters.as_of))
        .select_related("settlement__alliance", "settlement__payer", "settlement__payee")
        .order_by(*ordering(filters.sort))
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
        rows = rows.involving(filters.force)
    if filters.alliance:
        rows = rows.filter(settlement__alliance=filters.alliance)
    if filters.search:
        rows = rows.filter(matching(filters.search, filters.as_of))
    if filters.statuses:
        rows = rows.filter(status__in=filters.statuses)
    elif filters.leaves_out_paid:
        rows = rows.exclude(status=Instalment.Status.PAID)
    return rows


def matching(text: str, as_of: date) -> Q:
    """Instalments whose alliance, payer or payee (name or short name), or a payment made by `as_of`, contain `text`."""
    references = Payment.objects.made_by(as_of).filter(reference__icontains=text).values("instalment_id")
    return (
        Q(settlement__alliance__name__icontains=text)
        | Q(settlement__payer__name__icontains=text)
        | Q(settlement__payer__short_name__icontains=text)
        | Q(settlement__payee__name__icontains=text)
        | Q(settlement__payee__short_name__icontains=text)
        | Q(pk__in=references)
    )


def due_soon_or_overdue(as_of: date, days: int):
    """Instalments in force with something outstanding that are overdue or fall due within `days` of `as_of`."""
    return (
        Instalment.objects.in_force(as_of)
        .with_status(as_of)
        .select_related("settlement__alliance", "settlement__payer", "settlement__payee")
        .filter(due_on__lte=as_of + timedelta(days=days), outstanding_pence__gt=0)
        .order_by("due_on", "settlement__payer__short_name", "settlement_id", "number")
    )
