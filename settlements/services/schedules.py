"""Instalment schedules: even splits, explicit amounts, the rule that they add up, and generation."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from djmoney.money import Money

from settlements import dating
from settlements.dates import validate_in_range
from settlements.fiscal import FinancialYear, step_months
from settlements.models import Instalment, Payment, ScheduleRevision, Settlement
from settlements.money import GBP, clean_amount, format_gbp, from_pence, to_pence
from settlements.money import total as total_of
from settlements.reports.balances import difference_message

from . import locks

MAX_INSTALMENTS = 240


def split_evenly(total: Money, parts: int) -> list[Money]:
    """Split `total` into `parts` amounts at most 1p apart; the earliest parts take the odd pennies."""
    if not isinstance(total, Money) or str(total.currency) != GBP or not total.amount.is_finite():
        raise ValueError(f"{total!r} is not an amount in pounds sterling")
    pence = to_pence(total)
    if pence <= 0:
        raise ValueError(f"cannot split {format_gbp(total)}: the total must be greater than £0.00")
    if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
        raise ValueError(f"cannot split into {parts!r} parts: give at least one")
    if parts > pence:
        raise ValueError(f"cannot split {format_gbp(total)} into {parts} parts: that is less than a penny each")
    base, odd_pennies = divmod(pence, parts)
    return [from_pence(base + 1 if index < odd_pennies else base) for index in range(parts)]


def validate_schedule_total(*, cash_amount: Money, amounts: Iterable[Money]) -> None:
    """The schedule invariant: instalments, once there are any, add up exactly to the cash amount."""
    amounts = list(amounts)
    if not amounts:
        return
    total = total_of(amounts)
    if total != cash_amount:
        raise ValidationError(difference_message(total, cash_amount), code="schedule_total")


@dataclass(frozen=True)
class EvenSplit:
    """`count` instalments every `every_months` months from `first_due_on`, split by split_evenly.

    A first due date on a month's last day gives month-end dates (30/09, 31/03, 30/09): see fiscal.step_months.
    """

    count: int
    every_months: int
    first_due_on: date


@dataclass(frozen=True)
class ExplicitAmounts:
    """Amounts by due date or by financial year; an amount for a year falls due on its last day, 31 March."""

    lines: tuple[tuple[date | FinancialYear, Money], ...]


class Funding(TypedDict, total=False):
    """The keyword arguments each schedule service takes beside its terms: how the payer funds the instalments."""

    funding_source: str
    reserve_name: str


@dataclass(frozen=True)
class ScheduleTerms:
    """What a new schedule or a revision is asked for: how its instalments are made and how they are funded."""

    split: EvenSplit | ExplicitAmounts
    funding_source: str = Instalment.FundingSource.NOT_RECORDED
    reserve_name: str = ""


@dataclass(frozen=True)
class PlannedInstalment:
    number: int
    due_on: date
    amount: Money

    @property
    def financial_year(self) -> FinancialYear:
        return FinancialYear.for_date(self.due_on)


@dataclass(frozen=True)
class SchedulePlan:
    """What a generation or revision would write: new rows, and the current rows it would replace."""

    settlement: Settlement
    rows: tuple[PlannedInstalment, ...]
    replaces: tuple[int, ...]
    funding_source: str
    reserve_name: str

    @property
    def total(self) -> Money:
        return total_of(row.amount for row in self.rows)

    @property
    def digest(self) -> str:
        """A fingerprint of the plan, so a confirmation can check it confirms what was previewed."""
        text = repr([(r.number, r.due_on, to_pence(r.amount)) for r in self.rows] + [self.replaces])
        return hashlib.sha256(
            f"{self.settlement.pk}:{self.funding_source}:{self.reserve_name}:{text}".encode()
        ).hexdigest()


def plan_schedule(
    settlement: Settlement, asked: ScheduleTerms, *, total: Money, first_number: int, replaces, target_name: str
) -> SchedulePlan:
    """The plan that `asked` makes of `total` for the settlement, replacing the instalments `replaces`."""
    rows = plan_rows(
        terms=asked.split,
        total=total,
        first_number=first_number,
        not_before=settlement.agreed_on,
        target_name=target_name,
    )
    return SchedulePlan(settlement, rows, tuple(replaces), asked.funding_source, asked.reserve_name)


def plan_rows(
    *, terms: EvenSplit | ExplicitAmounts, total: Money, first_number: int, not_before: date, target_name: str
) -> tuple[PlannedInstalment, ...]:
    """The instalments that `terms` make of `total`, numbered from `first_number`; ValidationError if impossible."""
    pairs = _even_pairs(terms, total) if isinstance(terms, EvenSplit) else _explicit_pairs(terms, total, target_name)
    if len(pairs) > MAX_INSTALMENTS:
        raise ValidationError(f"A schedule has at most {MAX_INSTALMENTS} instalments.")
    for due_on, _amount in pairs:
        validate_in_range(due_on)
        try:
            Instalment.check_due_on(due_on, not_before)
        except ValidationError as error:
            raise ValidationError(error.messages) from error
    return tuple(
        PlannedInstalment(number=first_number + index, due_on=due_on, amount=amount)
        for index, (due_on, amount) in enumerate(pairs)
    )


def _even_pairs(terms: EvenSplit, total: Money) -> list[tuple[date, Money]]:
    if not 1 <= terms.count <= MAX_INSTALMENTS:
        raise ValidationError(f"Give between 1 and {MAX_INSTALMENTS} instalments.")
    if not 1 <= terms.every_months <= 120:
        raise ValidationError("Instalments fall due every 1 to 120 months.")
    validate_in_range(terms.first_due_on)
    try:
        amounts = split_evenly(total, terms.count)
        dates = [step_months(terms.first_due_on, index * terms.every_months) for index in range(terms.count)]
    except ValueError as error:
        raise ValidationError(f"Cannot make that schedule: {error}.") from error
    return list(zip(dates, amounts, strict=True))


def _explicit_pairs(terms: ExplicitAmounts, total: Money, target_name: str) -> list[tuple[date, Money]]:
    if not terms.lines:
        raise ValidationError("Give at least one line: a date or a financial year, and an amount.")
    pairs = []
    for when, amount in terms.lines:
        clean_amount(amount)
        pairs.append((when.end if isinstance(when, FinancialYear) else when, amount))
    planned = total_of(amount for _due, amount in pairs)
    if planned != total:
        raise ValidationError(difference_message(planned, total, target_name), code="schedule_total")
    return sorted(pairs, key=lambda pair: pair[0])


def schedule_has_history(settlement: Settlement) -> bool:
    """A schedule with payments or revisions changes only by revision; until then it may be replaced."""
    return (
        Payment.objects.filter(instalment__settlement=settlement).exists()
        or ScheduleRevision.objects.filter(settlement=settlement).exists()
    )


def _refuse_if_schedule_has_history(settlement: Settlement) -> None:
    if not settlement.is_draft():
        raise ValidationError(
            f"This settlement is {settlement.get_status_display().lower()}: its schedule changes only by a revision, "
            "which a second person approves."
        )
    if Payment.objects.filter(instalment__settlement=settlement).exists():
        raise ValidationError(
            "This settlement's schedule has payments recorded against it: revise the schedule instead."
        )
    if ScheduleRevision.objects.filter(settlement=settlement).exists():
        raise ValidationError("This settlement's schedule has been revised: revise it again instead.")


def preview_schedule(
    *, settlement: Settlement, terms: EvenSplit | ExplicitAmounts, **funding: Unpack[Funding]
) -> SchedulePlan:
    """The schedule `terms` would give the settlement's cash amount; nothing is saved."""
    _refuse_if_schedule_has_history(settlement)
    replaces = settlement.instalments.order_by("pk").values_list("pk", flat=True)
    asked = ScheduleTerms(terms, **funding)
    return plan_schedule(
        settlement, asked, total=settlement.cash_amount, first_number=1, replaces=replaces, target_name="a cash amount"
    )


def confirm_schedule(
    *, settlement: Settlement, terms: EvenSplit | ExplicitAmounts, created_by=None, **funding: Unpack[Funding]
) -> list[Instalment]:
    """Write the previewed schedule, replacing a schedule that has no payments and no revisions."""
    with transaction.atomic():
        settlement = locks.lock_settlement(settlement.pk)
        planned = preview_schedule(settlement=settlement, terms=terms, **funding)
        for old in locks.lock_instalments(settlement):
            dating.check_record(old, action="replaced")
            old._history_user = created_by
            old.delete()
        instalments = [
            create_instalment(planned, row, introduced_by=None, created_by=created_by) for row in planned.rows
        ]
        check_settlement_schedule(settlement)
    return instalments


def create_instalment(plan: SchedulePlan, row: PlannedInstalment, *, introduced_by, created_by) -> Instalment:
    """Validate and save one planned row, introduced by `introduced_by` (a revision, or None for a new schedule)."""
    instalment = Instalment(
        settlement=plan.settlement,
        number=row.number,
        due_on=row.due_on,
        amount=row.amount,
        funding_source=plan.funding_source,
        reserve_name=plan.reserve_name,
        introduced_by=introduced_by,
    )
    instalment.full_clean()
    instalment._history_user = created_by
    instalment.save()
    return instalment


def check_settlement_schedule(settlement: Settlement) -> None:
    """Refuse (ValidationError) if the settlement's current instalments, as saved, do not add up."""
    pence = settlement.instalments.current().with_balances().values_list("amount_pence", flat=True)
    amounts = [from_pence(p) for p in pence]
    validate_schedule_total(cash_amount=settlement.cash_amount, amounts=amounts)
