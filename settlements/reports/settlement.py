"""One settlement's whole picture as at a date: terms, schedule in force, payments, revisions, requests, trail.

Every part is read in a fixed number of queries, however many instalments, payments or revisions it has:
the revisions' schedules before and after are worked out from one read of every instalment the settlement
ever had, by the same rule as `Instalment.objects.in_force_before`.
"""

from dataclasses import dataclass
from datetime import date, datetime

from djmoney.money import Money

from settlements.models import (
    HostedService,
    Instalment,
    Payment,
    ScheduleRevision,
    Settlement,
    SettlementAdjustment,
)
from settlements.money import from_pence, total
from settlements.roles import can_approve_schedule_revision, can_approve_settlement, perm
from settlements.users import NOT_RECORDED, name_of


@dataclass(frozen=True)
class ScheduleTotals:
    """Amount, paid, outstanding and what of it is overdue over a schedule's rows, added in whole pence."""

    amount: Money
    paid: Money
    outstanding: Money
    overdue: Money

    @classmethod
    def of(cls, rows) -> "ScheduleTotals":
        amount = sum(row.amount_pence for row in rows)
        paid = sum(row.paid_pence for row in rows)
        overdue = sum(row.outstanding_pence for row in rows if row.status == Instalment.Status.OVERDUE)
        return cls(from_pence(amount), from_pence(paid), from_pence(amount - paid), from_pence(overdue))


@dataclass(frozen=True)
class RevisionChange:
    """A revision, and the settlement's schedule just before it and just after it."""

    revision: ScheduleRevision
    before: list[Instalment]
    after: list[Instalment]

    @property
    def before_total(self) -> Money:
        return total(i.amount for i in self.before)

    @property
    def after_total(self) -> Money:
        return total(i.amount for i in self.after)


@dataclass(frozen=True)
class TrailEntry:
    """One step of the approval trail: what happened, who did it, when."""

    at: datetime | None
    what: str
    who: str


@dataclass(frozen=True)
class PaymentLine:
    """A payment or reversal as the statement lists it: reversals negative; `counted` when made by the date."""

    payment: Payment
    signed: Money
    counted: bool


@dataclass(frozen=True)
class SettlementPicture:
    settlement: Settlement
    as_of: date
    headline: Money
    adjustments: list[SettlementAdjustment]
    schedule: list[Instalment]  # in force on the date, with amount_pence, paid_pence, outstanding_pence, status
    totals: ScheduleTotals
    awaiting: list[Instalment]  # the schedule awaiting approval: a draft's, or what pending revisions introduce
    payments: list[PaymentLine]
    paid_by_date: Money
    revisions: list[RevisionChange]
    hosted: list[HostedService]
    trail: list[TrailEntry]

    @property
    def pending_adjustments(self) -> list[SettlementAdjustment]:
        return [a for a in self.adjustments if a.is_pending()]

    @property
    def pending_revisions(self) -> list[ScheduleRevision]:
        return [change.revision for change in self.revisions if change.revision.is_pending()]

    @property
    def has_pending(self) -> bool:
        return self.settlement.is_draft() or bool(self.pending_adjustments or self.pending_revisions)


def settlement_for_picture(pk: int) -> Settlement:
    """The settlement with its parties, notice and approvers, and its headline in pence, in one query."""
    return (
        Settlement.objects.with_headline()
        .select_related(
            "alliance", "payer", "payee", "termination_notice__served_by", "entered_by", "approved_by", "withdrawn_by"
        )
        .get(pk=pk)
    )


def schedule_in_force(settlement: Settlement, as_of: date, *, include_pending: bool = False):
    """The settlement's instalments in force on `as_of`, with their balances and status then, by due date."""
    return (
        Instalment.objects.in_force(as_of, include_pending=include_pending)
        .filter(settlement=settlement)
        .with_status(as_of)
        .select_related("introduced_by")
        .order_by("due_on", "number", "pk")
    )


def _schedules_around(revisions: list[ScheduleRevision], instalments: list[Instalment]) -> list[RevisionChange]:
    """Each revision's schedule before and after it, from every instalment the settlement ever had."""
    sequence = {revision.pk: revision.sequence for revision in revisions}

    def standing(after: int):
        # In the schedule once every revision up to `after` took effect: introduced by then, not replaced by then.
        return [
            i
            for i in instalments
            if (i.introduced_by_id is None or sequence[i.introduced_by_id] <= after)
            and (i.superseded_by_id is None or sequence[i.superseded_by_id] > after)
        ]

    return [
        RevisionChange(revision, before=standing(revision.sequence - 1), after=standing(revision.sequence))
        for revision in revisions
    ]


def _payment_lines(settlement: Settlement, as_of: date) -> list[PaymentLine]:
    payments = (
        Payment.objects.filter(instalment__settlement=settlement)
        .select_related("instalment", "recorded_by", "reverses")
        .order_by("paid_on", "pk")
    )
    return [
        PaymentLine(p, Money(-p.amount.amount, p.amount.currency) if p.is_reversal() else p.amount, p.paid_on <= as_of)
        for p in payments
    ]


def _trail(settlement: Settlement, adjustments, revisions) -> list[TrailEntry]:
    """Who entered, approved, rejected or withdrew what, and when, from the settlement's history and its requests."""
    entries = []
    previous = None
    for record in settlement.history.select_related("history_user").order_by("history_date", "history_id"):
        who = name_of(record.history_user or (settlement.entered_by if previous is None else None), NOT_RECORDED)
        if previous is None:
            entries.append(TrailEntry(record.history_date, "Settlement entered", who))
        elif record.status != previous:
            what = {
                Settlement.Status.APPROVED: "Settlement approved",
                Settlement.Status.WITHDRAWN: "Settlement withdrawn",
            }.get(record.status, f"Settlement status set to {record.get_status_display().lower()}")
            entries.append(TrailEntry(record.history_date, what, who))
        previous = record.status
    first_schedule = (
        Instalment.history.filter(settlement_id=settlement.pk, introduced_by_id=None, history_type="+")
        .select_related("history_user")
        .order_by("history_date", "history_id")
        .first()
    )
    if first_schedule is not None:
        who = name_of(first_schedule.history_user, NOT_RECORDED)
        entries.append(TrailEntry(first_schedule.history_date, "Schedule entered", who))
    for adjustment in adjustments:
        entries += _decided(f"Adjustment “{adjustment}”", adjustment)
    for revision in revisions:
        label = f"Revision {revision.sequence}"
        entries.append(TrailEntry(revision.created_at, f"{label} entered", name_of(revision.created_by, NOT_RECORDED)))
        entries += _decided(label, revision)
    return sorted(entries, key=lambda entry: (entry.at is None, entry.at or datetime.min))


def _decided(label: str, request) -> list[TrailEntry]:
    """An adjustment's or a revision's approval or rejection, once it has happened."""
    decisions = (
        ("approved", request.approved_at, request.approved_by),
        ("rejected", request.rejected_at, request.rejected_by),
    )
    return [TrailEntry(at, f"{label} {what}", name_of(who, NOT_RECORDED)) for what, at, who in decisions if at]


def settlement_picture(pk: int, as_of: date) -> SettlementPicture:
    """Everything about one settlement that a finance officer needs, as at `as_of`."""
    settlement = settlement_for_picture(pk)
    adjustments = list(settlement.adjustments.select_related("approved_by", "rejected_by").order_by("pk"))
    revisions = list(
        ScheduleRevision.objects.filter(settlement=settlement)
        .select_related("created_by", "approved_by", "rejected_by")
        .order_by("sequence")
    )
    every_instalment = list(Instalment.objects.filter(settlement=settlement).order_by("due_on", "number", "pk"))
    schedule = list(schedule_in_force(settlement, as_of))
    counted = {row.pk for row in schedule}
    awaiting = [row for row in schedule_in_force(settlement, as_of, include_pending=True) if row.pk not in counted]
    payments = _payment_lines(settlement, as_of)
    hosted = list(
        HostedService.objects.filter(alliance=settlement.alliance_id)
        .select_related("provider", "recipient")
        .order_by("starts_on", "service", "pk")
    )
    return SettlementPicture(
        settlement=settlement,
        as_of=as_of,
        headline=from_pence(settlement.headline_pence),
        adjustments=adjustments,
        schedule=schedule,
        totals=ScheduleTotals.of(schedule),
        awaiting=awaiting,
        payments=payments,
        paid_by_date=total(line.signed for line in payments if line.counted),
        revisions=_schedules_around(revisions, every_instalment),
        hosted=hosted,
        trail=_trail(settlement, adjustments, revisions),
    )


def payable(instalments) -> set[int]:
    """Of the rows shown, those a payment may still be recorded against (payable, with something outstanding)."""
    rows = Instalment.objects.payable().unpaid().filter(pk__in=[i.pk for i in instalments])
    return set(rows.values_list("pk", flat=True))


@dataclass(frozen=True)
class Actions:
    """What the reader's role lets them do from the page; each leads to the admin page that does it."""

    open_in_admin: bool = False
    record_payment: bool = False
    generate_schedule: bool = False
    revise_schedule: bool = False
    approve_settlement: bool = False
    approve_revisions: tuple[ScheduleRevision, ...] = ()
    payable: frozenset[int] = frozenset()  # the rows of the schedule a payment may be recorded against

    def __bool__(self) -> bool:
        """Whether there is a button to show above the page (payments are recorded from the schedule's rows)."""
        return any((self.generate_schedule, self.revise_schedule, self.approve_settlement, self.approve_revisions))


def allowed_actions(picture: SettlementPicture, user) -> Actions:
    """The actions of the reader's role that apply to the settlement as it stands (the admin checks them again)."""
    settlement = picture.settlement
    can_change = user.has_perm(perm("change_settlement"))
    record_payment = user.has_perm(perm("add_payment")) and settlement.is_approved()
    return Actions(
        open_in_admin=user.is_staff and user.has_perm(perm("view_settlement")),
        record_payment=record_payment,
        generate_schedule=can_change and settlement.is_draft(),
        revise_schedule=can_change and settlement.is_approved(),
        approve_settlement=(
            can_approve_settlement(user) and settlement.is_draft() and settlement.entered_by_id != user.pk
        ),
        approve_revisions=tuple(
            r for r in picture.pending_revisions if can_approve_schedule_revision(user) and r.created_by_id != user.pk
        ),
        payable=frozenset(payable(picture.schedule)) if record_payment else frozenset(),
    )
