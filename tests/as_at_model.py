"""A plain-Python model of the records, and of the figures as at a date that the reports must agree with.

It knows nothing of the database: settlements, revisions, instalments and payments are plain values, and every
figure is worked out here by hand, in whole pence, from the records effective on the date.
"""

from dataclasses import dataclass, field
from datetime import date

from settlements.fiscal import FinancialYear


@dataclass
class Settlement:
    key: int
    agreed_on: date
    approved: bool
    cash: int


@dataclass
class Revision:
    key: int
    settlement: Settlement
    revised_on: date
    approved: bool


@dataclass
class Instalment:
    key: int
    settlement: Settlement
    number: int
    due_on: date
    amount: int
    introduced_by: Revision | None = None
    superseded_by: Revision | None = None


@dataclass
class Payment:
    instalment: Instalment
    paid_on: date
    signed: int  # a reversal takes its amount back


@dataclass
class Records:
    settlements: list[Settlement] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    instalments: list[Instalment] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)

    # What counts on a day.

    def counts(self, settlement: Settlement, as_of: date, include_pending: bool) -> bool:
        return settlement.agreed_on <= as_of and (settlement.approved or include_pending)

    def effective(self, revision: Revision | None, as_of: date, include_pending: bool) -> bool:
        return revision is not None and revision.revised_on <= as_of and (revision.approved or include_pending)

    def in_force(self, as_of: date, include_pending: bool = False) -> list[Instalment]:
        return [
            i
            for i in self.instalments
            if self.counts(i.settlement, as_of, include_pending)
            and (i.introduced_by is None or self.effective(i.introduced_by, as_of, include_pending))
            and not self.effective(i.superseded_by, as_of, include_pending)
        ]

    def paid(self, instalment: Instalment, as_of: date) -> int:
        return sum(p.signed for p in self.payments if p.instalment is instalment and p.paid_on <= as_of)

    def outstanding(self, instalment: Instalment, as_of: date) -> int:
        return instalment.amount - self.paid(instalment, as_of)

    def status(self, instalment: Instalment, as_of: date) -> str:
        if self.outstanding(instalment, as_of) <= 0:
            return "paid"
        if instalment.due_on < as_of:
            return "overdue"
        return "part_paid" if self.paid(instalment, as_of) > 0 else "upcoming"

    # The figures.

    def dashboard(self, as_of: date, include_pending: bool = False) -> dict:
        rows = self.in_force(as_of, include_pending)
        this_year = [i for i in rows if i.due_on in FinancialYear.for_date(as_of)]
        overdue = [i for i in rows if i.due_on < as_of and self.outstanding(i, as_of) > 0]
        years = {}
        for i in rows:
            amount, paid = years.get(FinancialYear.for_date(i.due_on), (0, 0))
            years[FinancialYear.for_date(i.due_on)] = (amount + i.amount, paid + self.paid(i, as_of))
        return {
            "agreed": sum(s.cash for s in self.settlements if self.counts(s, as_of, include_pending)),
            "paid": sum(self.paid(i, as_of) for i in rows),
            "outstanding": sum(self.outstanding(i, as_of) for i in rows),
            "due_this_year": sum(i.amount for i in this_year),
            "due_this_year_outstanding": sum(self.outstanding(i, as_of) for i in this_year),
            "overdue": sum(self.outstanding(i, as_of) for i in overdue),
            "overdue_count": len(overdue),
            "years": years,
            "awaiting": self.awaiting(as_of),
        }

    def awaiting(self, as_of: date) -> tuple[int, int, int, int]:
        """(drafts, their cash, pending revisions, what those reschedule) among settlements agreed by the date."""
        drafts = [s for s in self.settlements if s.agreed_on <= as_of and not s.approved]
        pending = [
            r for r in self.revisions if r.revised_on <= as_of and not r.approved and r.settlement.agreed_on <= as_of
        ]
        rescheduled = sum(i.amount for i in self.instalments if i.introduced_by in pending)
        return len(drafts), sum(s.cash for s in drafts), len(pending), rescheduled

    def due_report(self, as_of: date, include_pending: bool = False) -> dict:
        rows = sorted(self.in_force(as_of, include_pending), key=lambda i: (i.due_on, i.settlement.key, i.number))
        return {
            "rows": [(i.key, self.status(i, as_of)) for i in rows],
            "amount": sum(i.amount for i in rows),
            "paid": sum(self.paid(i, as_of) for i in rows),
            "outstanding": sum(self.outstanding(i, as_of) for i in rows),
        }

    def year_end(self, fy: FinancialYear, include_pending: bool = False) -> dict:
        """{settlement key: (within 12 months, after)} outstanding at 31 March, leaving out settlements with neither."""
        horizon = fy.next().end
        position = {}
        for i in self.in_force(fy.end, include_pending):
            within, after = position.get(i.settlement.key, (0, 0))
            owed = self.outstanding(i, fy.end)
            position[i.settlement.key] = (within + owed, after) if i.due_on <= horizon else (within, after + owed)
        return {key: split for key, split in position.items() if any(split)}
