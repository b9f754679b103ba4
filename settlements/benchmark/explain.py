"""EXPLAIN of the queries the dashboard and reports rest on (EXPLAIN ANALYZE on PostgreSQL).

The querysets mirror the reports' reads: balances through the shared `with_status` join, and a
correlated subquery of payments where rows are grouped again (by financial year, settlement, alliance).
"""

from datetime import date

from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Case, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext

from settlements.fiscal import FinancialYear
from settlements.models import Force, HostedService, Instalment, Payment
from settlements.models.schedule import PaymentQuerySet
from settlements.money import Pence, SumPence

from .plan import AS_OF

PAGE = 50
ORDER = ("due_on", "settlement__payer__short_name", "settlement_id", "number")


def paid_subquery(as_of: date):
    payments = (
        Payment.objects.made_by(as_of)
        .filter(instalment=OuterRef("pk"))
        .order_by()
        .values("instalment")
        .annotate(pence=Sum(PaymentQuerySet.signed_pence()))
        .values("pence")
    )
    return Coalesce(Subquery(payments, output_field=BigIntegerField()), 0)


def grouped_balances(instalments, as_of: date, *keys: str) -> list:
    rows = instalments.annotate(row_amount=Pence("amount"), row_paid=paid_subquery(as_of))
    return list(rows.order_by().values(*keys).annotate(amount=SumPence("row_amount"), paid=SumPence("row_paid")))


def report_queries() -> dict:
    """Callables that run the reports' main reads on the bench data, by name."""
    fy = FinancialYear.for_date(AS_OF)
    year_end = fy.previous()
    payer = Force.objects.get(short_name="Bench 01")
    current = Instalment.objects.in_force(AS_OF)
    due = current.with_status(AS_OF).select_related("settlement__payer", "settlement__payee")
    due = due.select_related("settlement__alliance").order_by(*ORDER)
    later = Case(
        When(due_on__gt=year_end.next().end, then=Value(True)), default=Value(False), output_field=BooleanField()
    )
    return {
        "due report: first page": lambda: list(due[:PAGE]),
        "due report: count for the paginator": lambda: due.count(),
        "due report: totals row": lambda: due.totals(),
        "due report, fy: first page": lambda: list(due.in_financial_year(fy)[:PAGE]),
        "due report, payer: first page": lambda: list(due.filter(settlement__payer=payer)[:PAGE]),
        "due report, payer: totals row": lambda: due.filter(settlement__payer=payer).totals(),
        "year-end: balances by settlement": lambda: grouped_balances(
            Instalment.objects.in_force(year_end.end).annotate(later=later),
            year_end.end,
            "settlement",
            "later",
        ),
        "dashboard: paid and outstanding": lambda: current.with_balances(AS_OF).totals(),
        "dashboard: due this fy": lambda: current.in_financial_year(fy).with_balances(AS_OF).totals(),
        "dashboard: overdue": lambda: current.with_status(AS_OF).filter(status=Instalment.Status.OVERDUE).totals(),
        "dashboard: next due": lambda: list(due.filter(due_on__gte=AS_OF, outstanding_pence__gt=0)[:10]),
        "dashboard: by financial year": lambda: grouped_balances(current.with_financial_year(), AS_OF, "fy_start_year"),
        "dashboard: by alliance": lambda: grouped_balances(current, AS_OF, "settlement__alliance"),
        "dashboard: hosted services ending": lambda: list(HostedService.objects.ending_soon(AS_OF)),
        "dashboard, force: paid and outstanding": lambda: current.involving(payer).with_balances(AS_OF).totals(),
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
