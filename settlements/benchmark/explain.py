"""EXPLAIN of the SQL the dashboard and the reports send (EXPLAIN ANALYZE on PostgreSQL).

Each entry calls the report function a page or an export calls, with the filters the bench measures it with;
the SQL it sends is captured and explained, so the plans follow the reports as they change.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from settlements import exports
from settlements.fiscal import FinancialYear
from settlements.models import Force, Settlement
from settlements.reports.dashboard import dashboard
from settlements.reports.hosted import hosted_terms
from settlements.reports.instalments_due import DueFilters, matching_instalments
from settlements.reports.settlement import settlement_picture
from settlements.reports.year_end import year_end_position
from settlements.views.reports import PAGE_SIZE

from .plan import AS_OF, PAST
from .suite import largest_settlement


def first_page(filters: DueFilters) -> list:
    return list(matching_instalments(filters)[:PAGE_SIZE])


def count_and_totals(filters: DueFilters) -> tuple:
    return matching_instalments(filters).count_and_totals(filters.as_of)


def every_row(filters: DueFilters) -> int:
    """Read every row as the exports do (the CSV on PostgreSQL wraps the same SELECT in COPY)."""
    return sum(1 for _ in exports.due_rows(matching_instalments(filters, every_row=True)))


def report_queries(payer: Force | None = None, largest: Settlement | None = None) -> dict:
    """Callables that run the reports on the bench data as the bench's pages ask for them, by name."""
    payer = payer or Force.objects.get(short_name="Bench 01")
    largest = largest or largest_settlement()
    fy = FinancialYear.for_date(AS_OF)
    # The page leaves paid instalments out unless asked; the exports read every row.
    page = DueFilters(as_of=AS_OF, include_paid=False)
    paid_included = DueFilters(as_of=AS_OF)
    in_fy = DueFilters(as_of=AS_OF, include_paid=False, financial_year=fy)
    of_payer = DueFilters(as_of=AS_OF, include_paid=False, payer=payer)
    return {
        "dashboard": lambda: dashboard(AS_OF),
        "dashboard as at a past date": lambda: dashboard(PAST),
        "dashboard, one force": lambda: dashboard(AS_OF, payer),
        "settlement page, the largest": lambda: settlement_picture(largest.pk, AS_OF),
        "due report: first page": lambda: first_page(page),
        "due report: count and totals": lambda: count_and_totals(page),
        "due report, paid included: first page": lambda: first_page(paid_included),
        "due report, paid included: count and totals": lambda: count_and_totals(paid_included),
        "due report, fy: first page": lambda: first_page(in_fy),
        "due report, fy: count and totals": lambda: count_and_totals(in_fy),
        "due report, payer: first page": lambda: first_page(of_payer),
        "due report, payer: count and totals": lambda: count_and_totals(of_payer),
        "due report exports: every row": lambda: every_row(paid_included),
        "year-end": lambda: year_end_position(fy.previous()),
        "hosted services": lambda: hosted_terms(AS_OF),
    }


def explain_sql(sql: str) -> str:
    prefix = "EXPLAIN (ANALYZE, BUFFERS)" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    with connection.cursor() as cursor:
        cursor.execute(f"{prefix} {sql}")
        return "\n".join(" | ".join(str(cell) for cell in row) for row in cursor.fetchall())


def plans(queries: dict | None = None) -> str:
    """Run each query once, then EXPLAIN the SQL it sent; returns the plans as text."""
    out = []
    for name, run in (queries or report_queries()).items():
        with CaptureQueriesContext(connection) as captured:
            run()
        for query in captured.captured_queries:
            out += [f"-- {name}", query["sql"], explain_sql(query["sql"]), ""]
    return "\n".join(out)
