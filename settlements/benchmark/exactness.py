"""The bench's check that the dashboard is exact: its paid figures, by financial year and in total, against the
same sums made instalment by instalment from the payments themselves, as at the bench's date (read from the
stored balances) and as at a past one (summed from the payments), and every stored balance against its payments.
Any difference fails the command."""

from datetime import date

from settlements.dates import uk
from settlements.models import Instalment
from settlements.money import SumPence, from_pence
from settlements.reports.dashboard import dashboard, instalments_in_scope


def paid_by_year(as_of: date) -> dict[int, int]:
    """{fy_start_year: pence paid by `as_of`} over the dashboard's instalments, each summed from its payments."""
    rows = (
        instalments_in_scope(as_of)
        .annotate(paid_by_then=Instalment.objects.paid_from_payments(as_of))
        .with_financial_year()
        .order_by()
        .values("fy_start_year")
        .annotate(pence=SumPence("paid_by_then"))
    )
    return {row["fy_start_year"]: row["pence"] for row in rows}


def differences(as_of: date) -> list[str]:
    """What the dashboard as at `as_of` shows that the payments do not bear out, in words (none when exact)."""
    figures, paid = dashboard(as_of), paid_by_year(as_of)
    found = [
        f"{year.financial_year} as at {uk(as_of)}: the dashboard shows {year.balance.paid} paid, "
        f"the payments add up to {from_pence(paid.get(year.financial_year.start_year, 0))}"
        for year in figures.years
        if year.balance.paid != from_pence(paid.get(year.financial_year.start_year, 0))
    ]
    [headline] = figures.headlines
    if headline.paid != from_pence(sum(paid.values())):
        found.append(f"paid as at {uk(as_of)}: the dashboard shows {headline.paid}, the payments add up to "
                     f"{from_pence(sum(paid.values()))}")  # fmt: skip
    wrong = Instalment.objects.with_wrong_paid_balance().count()
    if wrong:
        found.append(f"{wrong:,} instalments have a stored paid balance that differs from their payments")
    return found
