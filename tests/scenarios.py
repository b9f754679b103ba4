"""A small world of settlements for the report tests, and plain-Python sums to check the reports against."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from djmoney.money import Money

from settlements.fiscal import FinancialYear
from settlements.models import Payment, RequestStatus, ScheduleRevision
from tests import factories

AS_OF = date(2021, 3, 31)


def gbp(text: str) -> Money:
    return Money(text, "GBP")


@dataclass
class World:
    forces: dict = field(default_factory=dict)
    alliances: dict = field(default_factory=dict)
    settlements: dict = field(default_factory=dict)
    instalments: list = field(default_factory=list)
    superseded: list = field(default_factory=list)
    payments: list = field(default_factory=list)

    def paid(self, instalment, as_of: date) -> Decimal:
        """Payments less reversals made on or before `as_of`, summed here rather than in the database."""
        total = Decimal("0.00")
        for payment in self.payments:
            if payment.instalment_id == instalment.pk and payment.paid_on <= as_of:
                sign = -1 if payment.kind == Payment.Kind.REVERSAL else 1
                total += sign * payment.amount.amount
        return total

    def outstanding(self, instalment, as_of: date) -> Decimal:
        return instalment.amount.amount - self.paid(instalment, as_of)

    def status(self, instalment, as_of: date) -> str:
        if self.outstanding(instalment, as_of) <= 0:
            return "paid"
        if instalment.due_on < as_of:
            return "overdue"
        return "part_paid" if self.paid(instalment, as_of) > 0 else "upcoming"

    def agreed_by(self, as_of: date) -> list:
        return [i for i in self.instalments if i.settlement.agreed_on <= as_of]

    def in_year(self, instalments, fy: FinancialYear) -> list:
        return [i for i in instalments if fy.start <= i.due_on <= fy.end]


def build_world() -> World:
    """Four alliances and settlements, payments either side of 31 March 2021, a reversal, a revision, and
    boundaries: a settlement agreed on 31 March 2021, an instalment due and a payment made that day, instalments
    due on 31 March 2022 and on 1 April 2022."""
    world = World()
    for short in ["West Mercia", "Warwickshire", "Northshire", "Southdale", "Eastmoor"]:
        world.forces[short] = factories.ForceFactory(short_name=short, name=f"{short} Police")
    wm, wa, ns, sd, em = (
        world.forces[k] for k in ["West Mercia", "Warwickshire", "Northshire", "Southdale", "Eastmoor"]
    )
    world.alliances["wmwa"] = factories.AllianceFactory(name="West Mercia and Warwickshire", members=[wm, wa])
    world.alliances["nssd"] = factories.AllianceFactory(name="Northshire and Southdale", members=[ns, sd])
    world.alliances["emns"] = factories.AllianceFactory(name="Eastmoor and Northshire", members=[em, ns])
    factories.TerminationNoticeFactory(alliance=world.alliances["wmwa"], served_by=wm, status="settled")
    factories.TerminationNoticeFactory(
        alliance=world.alliances["nssd"], served_by=sd, served_on=date(2020, 6, 1), status="under_review"
    )
    factories.TerminationNoticeFactory(
        alliance=world.alliances["emns"], served_by=em, served_on=date(2021, 1, 10), status="served"
    )

    s1 = factories.SettlementFactory(alliance=world.alliances["wmwa"], payer=wm, payee=wa, cash_amount=gbp("10500000"))
    s2 = factories.SettlementFactory(
        alliance=world.alliances["nssd"], payer=sd, payee=ns, agreed_on=date(2021, 1, 15), cash_amount=gbp("1000000.03")
    )
    s3 = factories.SettlementFactory(
        alliance=world.alliances["emns"], payer=ns, payee=em, agreed_on=date(2021, 6, 1), cash_amount=gbp("100.00")
    )
    world.settlements = {"s1": s1, "s2": s2, "s3": s3}

    def instalment(settlement, number, due_on, amount, **kwargs):
        row = factories.InstalmentFactory(
            settlement=settlement, number=number, due_on=due_on, amount=gbp(amount), **kwargs
        )
        world.instalments.append(row)
        return row

    def pay(row, paid_on, amount, **kwargs):
        payment = factories.PaymentFactory(instalment=row, paid_on=paid_on, amount=gbp(amount), **kwargs)
        world.payments.append(payment)
        return payment

    i1 = instalment(s1, 1, date(2020, 4, 30), "6000000.00", funding_source="earmarked_reserve", reserve_name="Exit")
    i2 = instalment(s1, 2, date(2020, 10, 30), "2500000.00", funding_source="efficiency_savings")
    i3 = instalment(s1, 3, date(2021, 7, 30), "2000000.00", funding_source="reserves_and_efficiencies")
    pay(i1, date(2020, 4, 30), "6000000.00")
    pay(i2, date(2020, 11, 15), "1000000.00")
    pay(i2, date(2021, 5, 1), "1500000.00")
    wrong = pay(i3, date(2021, 2, 1), "500.00")
    pay(i3, date(2021, 2, 10), "500.00", kind=Payment.Kind.REVERSAL, reverses=wrong, reason="Paid in error")

    instalment(s2, 1, date(2021, 2, 28), "333333.34")
    j2 = instalment(s2, 2, date(2022, 2, 28), "333333.34")
    instalment(s2, 3, date(2023, 2, 28), "333333.35")
    pay(j2, date(2021, 3, 1), "0.01")
    instalment(s3, 1, date(2021, 7, 1), "100.00")

    # Boundaries: agreed on 31 March (AS_OF); an instalment due on AS_OF and part paid that very day; one due on
    # the next 31 March (within 12 months of the year end) and one due the day after (after 12 months).
    world.alliances["sdem"] = factories.AllianceFactory(name="Southdale and Eastmoor", members=[sd, em])
    s4 = factories.SettlementFactory(
        alliance=world.alliances["sdem"], payer=em, payee=sd, agreed_on=AS_OF, cash_amount=gbp("700.00")
    )
    world.settlements["s4"] = s4
    k1 = instalment(s4, 1, AS_OF, "100.00")
    instalment(s4, 2, date(2022, 3, 31), "200.00")
    instalment(s4, 3, date(2022, 4, 1), "400.00")
    pay(k1, AS_OF, "40.00")

    # Approved and dated on the day of the agreement, so that what it replaced counts in no figure on any date.
    revision = ScheduleRevision.objects.create(
        settlement=s1,
        sequence=1,
        revised_on=s1.agreed_on,
        reason="Spread over 16 months",
        decision_reference="D1",
        approved_at=datetime(2020, 3, 30, 12, tzinfo=UTC),
        status=RequestStatus.APPROVED,
    )
    world.superseded.append(
        factories.InstalmentFactory(
            settlement=s1, number=9, due_on=date(2020, 9, 30), amount=gbp("999.99"), superseded_by=revision
        )
    )
    return world
