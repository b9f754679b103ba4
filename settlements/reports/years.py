"""Whether a figure as at a date is final (its financial year is closed) or provisional (the year is open).

Figures that include what awaits approval are neither: they are not what the closed year holds, so they
never carry the closing's "closed on … by …".
"""

from dataclasses import dataclass
from datetime import date

from settlements.fiscal import FinancialYear
from settlements.models import YearClosing


@dataclass(frozen=True)
class YearStatus:
    financial_year: FinancialYear
    closing: YearClosing | None
    include_pending: bool = False

    @property
    def is_closed(self) -> bool:
        return self.closing is not None

    @property
    def is_final(self) -> bool:
        """The closed year's own figures: its year is closed and nothing awaiting approval is added in."""
        return self.is_closed and not self.include_pending

    @property
    def text(self) -> str:
        """'Financial year 2020/21 is closed: closed on … by …', or 'Provisional: the year is open (2021/22).'"""
        if self.is_final:
            return self.closing.describe()
        if self.is_closed:
            return (
                f"These figures include items awaiting approval: they are not the closed figures of financial year "
                f"{self.financial_year}."
            )
        provisional = f"Provisional: the year is open ({self.financial_year}); figures dated in it may still change."
        return f"{provisional} They include items awaiting approval." if self.include_pending else provisional

    @property
    def row(self) -> tuple[str, str]:
        """The line for an Excel export's filters block (a CSV keeps its header as its first row)."""
        return ("Year status", self.text)


def year_status(as_of: date, include_pending: bool = False) -> YearStatus:
    return YearStatus(FinancialYear.for_date(as_of), YearClosing.objects.holding(as_of), include_pending)
