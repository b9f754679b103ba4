"""Whether a figure as at a date is final (its financial year is closed) or provisional (the year is open)."""

from dataclasses import dataclass
from datetime import date

from settlements.fiscal import FinancialYear
from settlements.models import YearClosing


@dataclass(frozen=True)
class YearStatus:
    financial_year: FinancialYear
    closing: YearClosing | None

    @property
    def is_closed(self) -> bool:
        return self.closing is not None

    @property
    def text(self) -> str:
        """'Financial year 2020/21 is closed: closed on … by …', or 'Provisional: the year is open (2021/22).'"""
        if self.closing is not None:
            return self.closing.describe()
        return f"Provisional: the year is open ({self.financial_year}); figures dated in it may still change."

    @property
    def row(self) -> tuple[str, str]:
        """The line for an Excel export's filters block (a CSV keeps its header as its first row)."""
        return ("Year status", self.text)


def year_status(as_of: date) -> YearStatus:
    return YearStatus(FinancialYear.for_date(as_of), YearClosing.objects.holding(as_of))
