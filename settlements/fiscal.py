"""The UK public-sector financial year: 1 April to 31 March, written 2020/21."""

import re
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date

LABEL_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")
LABEL_HELP = "a financial year is written like 2020/21: four digits, a slash, and the next year's last two"


@dataclass(frozen=True, order=True)
class FinancialYear:
    """The year that starts on 1 April of `start_year` and ends on 31 March after it."""

    start_year: int

    def __post_init__(self):
        # What a date can hold; the years this system takes are FIRST_YEAR to LAST_YEAR below.
        if not MINYEAR <= self.start_year < MAXYEAR:
            raise ValueError(f"{self.start_year} is not a year a date can hold")

    @classmethod
    def for_date(cls, day: date) -> "FinancialYear":
        """The financial year a date falls in; 31 March belongs to the year that is ending."""
        return cls(day.year if day.month >= 4 else day.year - 1)

    @classmethod
    def parse(cls, label: str) -> "FinancialYear":
        """Read a label such as "2020/21"; raise ValueError saying what a valid label looks like."""
        text = (label or "").strip()
        match = LABEL_PATTERN.match(text)
        if not match:
            raise ValueError(f"'{label}' is not a financial year: {LABEL_HELP}")
        start_year, end_suffix = int(match[1]), int(match[2])
        if (start_year + 1) % 100 != end_suffix:
            expected = f"{start_year}/{(start_year + 1) % 100:02d}"
            raise ValueError(f"'{label}' is not a financial year: {LABEL_HELP} (did you mean {expected}?)")
        if not FIRST_YEAR.start_year <= start_year <= LAST_YEAR.start_year:
            raise ValueError(f"'{label}' is outside the years this system takes: {FIRST_YEAR} to {LAST_YEAR}")
        return cls(start_year)

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    def next(self) -> "FinancialYear":
        return FinancialYear(self.start_year + 1)

    def previous(self) -> "FinancialYear":
        return FinancialYear(self.start_year - 1)

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


# Every date a person or a file can enter falls in these years: every agreement these forces have or will have.
FIRST_YEAR = FinancialYear(1990)
LAST_YEAR = FinancialYear(2099)
EARLIEST_DATE = FIRST_YEAR.start  # 1 April 1990
LATEST_DATE = LAST_YEAR.end  # 31 March 2100


def months_between(start: date, end: date) -> int:
    """Whole calendar months from `start`'s month to `end`'s."""
    return (end.year - start.year) * 12 + end.month - start.month


def add_months(day: date, months: int) -> date:
    """The same day `months` later, held to the month's last day (31 January + 1 month = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, _days_in_month(year, month)))


def is_month_end(day: date) -> bool:
    """Whether `day` is the last day of its month (30 September, 28 or 29 February, 31 March)."""
    return day.day == _days_in_month(day.year, day.month)


def step_months(first: date, months: int) -> date:
    """`months` after `first` on month-end terms: from a month's last day, the last day of each later month.

    30/09/2024 + 6 months is 31/03/2025, not 30/03/2025; any other day keeps its day of the month, held to the
    month's last day (add_months).
    """
    later = add_months(first, months)
    if is_month_end(first):
        return later.replace(day=_days_in_month(later.year, later.month))
    return later


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days
