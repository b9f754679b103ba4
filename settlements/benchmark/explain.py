"""EXPLAIN of the queries the dashboard and reports rest on (EXPLAIN ANALYZE on PostgreSQL)."""

from datetime import timedelta

from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from settlements.fiscal import FinancialYear, add_months
from settlements.models import Force, HostedService, Instalment

from .plan import AS_OF

PAGE = 50


def report_queries() -> dict:
    """Callables that run the shared reads as the reports use them, by name."""
    fy = FinancialYear.for_date(AS_OF)
    year_end = fy.previous().end
    payer = Force.objects.get(short_name="Bench 01")
    due = Instalment.objects.current().with_status(AS_OF).select_related("settlement__payer", "settlement__payee")
    return {
        "due report, first page": lambda: list(due.order_by("due_on", "number", "pk")[:PAGE]),
        "due report, totals of every row": lambda: due.totals(),
        "due report, fy first page": lambda: list(due.in_financial_year(fy)[:PAGE]),
        "due report, payer first page": lambda: list(due.filter(settlement__payer=payer)[:PAGE]),
        "due report, payer totals": lambda: due.filter(settlement__payer=payer).totals(),
        "year-end position rows": lambda: list(
            Instalment.objects.current()
            .filter(settlement__agreed_on__lte=year_end)
            .with_balances(year_end)
            .filter(outstanding_pence__gt=0)
            .values("settlement_id", "due_on", "outstanding_pence")
        ),
        "dashboard, headline totals": lambda: Instalment.objects.current().with_balances(AS_OF).totals(),
        "dashboard, due this fy": lambda: (
            Instalment.objects.current().in_financial_year(fy).with_balances(AS_OF).totals()
        ),
        "dashboard, overdue totals": lambda: due.filter(status=Instalment.Status.OVERDUE).totals(),
        "dashboard, next due": lambda: list(due.filter(due_on__gte=AS_OF, outstanding_pence__gt=0)[:10]),
        "dashboard, by financial year": lambda: list(
            Instalment.objects.current()
            .with_financial_year()
            .with_balances(AS_OF)
            .values("fy_start_year", "amount_pence", "paid_pence")
        ),
        "dashboard, hosted services ending": lambda: list(
            HostedService.objects.ending_within(AS_OF, 90).select_related("provider", "recipient")
        ),
        "dashboard, one force's instalments": lambda: due.filter(
            Q(settlement__payer=payer) | Q(settlement__payee=payer),
            due_on__lte=add_months(AS_OF, 12),
            due_on__gte=AS_OF - timedelta(days=365),
        ).totals(),
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
