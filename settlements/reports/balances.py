"""The schedule of a settlement as the pages that change it show it."""

from datetime import date

from django.db.models import Exists, OuterRef
from djmoney.money import Money

from settlements.models import Instalment, Payment, Settlement, YearClosing
from settlements.money import format_gbp, from_pence


def current_schedule(*, settlement: Settlement, as_of: date):
    """The schedule as it stands now, drafts and pending revisions included, with balances and status as of the
    date: for the pages that change a schedule, not for figures."""
    return settlement.instalments.current().with_status(as_of).select_related("settlement__payer", "settlement__payee")


def split_schedule(settlement: Settlement) -> tuple[list[Instalment], list[Instalment]]:
    """Current instalments that stay (any payment recorded, even one reversed, or due in a closed year) and
    those a revision replaces."""
    closed = YearClosing.objects.closed().filter(starts_on__lte=OuterRef("due_on"), ends_on__gte=OuterRef("due_on"))
    instalments = (
        settlement.instalments.current()
        .annotate(has_payments=Exists(Payment.objects.filter(instalment=OuterRef("pk"))), in_closed_year=Exists(closed))
        .order_by("number", "pk")
    )
    kept = [i for i in instalments if i.has_payments or i.in_closed_year]
    replaceable = [i for i in instalments if not (i.has_payments or i.in_closed_year)]
    return kept, replaceable


def outstanding_on(instalment: Instalment) -> Money:
    """Everything still owed on an instalment, counting every payment and reversal recorded."""
    pence = Instalment.objects.filter(pk=instalment.pk).with_balances().values_list("outstanding_pence", flat=True)
    return from_pence(pence.get())


def difference_message(total: Money, target: Money, target_name: str = "a cash amount") -> str:
    """'instalments total £10,499,999.99 against a cash amount of £10,500,000.00: £0.01 unallocated'."""
    gap = target - total
    state = "unallocated" if gap.amount > 0 else "over-allocated"
    return (
        f"instalments total {format_gbp(total)} against {target_name} of {format_gbp(target)}: "
        f"{format_gbp(abs(gap))} {state}"
    )
