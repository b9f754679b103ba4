"""Another formulation of the costliest report read, EXPLAINed beside it to show what an index cannot fix."""

from django.db.models import F

from settlements.models import Instalment
from settlements.money import Pence
from settlements.reports.instalments_due import DEFAULT_SORT, ordering
from settlements.views.reports import PAGE_SIZE

from .plan import AS_OF


def proposal_queries() -> dict:
    """The due report's first page with each instalment's paid figure as a correlated subquery, so no GROUP BY."""
    first_page = (
        Instalment.objects.in_force(AS_OF)
        .select_related("settlement__payer", "settlement__payee", "settlement__alliance")
        .annotate(amount_pence=Pence("amount"), paid_pence=Instalment.objects.paid_from_payments(AS_OF))
        .annotate(outstanding_pence=F("amount_pence") - F("paid_pence"))
        .order_by(*ordering(DEFAULT_SORT))
    )
    return {"proposal, due report first page: paid by correlated subquery": lambda: list(first_page[:PAGE_SIZE])}
