"""Writes: every change to the domain's money goes through a function here."""

# Reads that scripts call from here; they live in reports.
from settlements.reports.balances import difference_message, outstanding_on, split_schedule

from .approvals import (
    ApprovalRefused,
    StaleVersionError,
    approve_adjustment,
    approve_schedule_revision,
    approve_settlement,
    reject_adjustment,
    reject_schedule_revision,
    withdraw_settlement,
)
from .payments import Recorded, record_payment, record_payment_once, reverse_payment
from .revisions import preview_revision, revise_schedule, schedule_before
from .schedules import (
    EvenSplit,
    ExplicitAmounts,
    PlannedInstalment,
    SchedulePlan,
    ScheduleTerms,
    check_settlement_schedule,
    confirm_schedule,
    create_instalment,
    preview_schedule,
    schedule_has_history,
    split_evenly,
    validate_schedule_total,
)
from .years import close_financial_year, reopen_financial_year

__all__ = [
    "ApprovalRefused",
    "EvenSplit",
    "ExplicitAmounts",
    "PlannedInstalment",
    "Recorded",
    "SchedulePlan",
    "ScheduleTerms",
    "StaleVersionError",
    "approve_adjustment",
    "approve_schedule_revision",
    "approve_settlement",
    "check_settlement_schedule",
    "close_financial_year",
    "confirm_schedule",
    "create_instalment",
    "difference_message",
    "outstanding_on",
    "preview_revision",
    "preview_schedule",
    "record_payment",
    "record_payment_once",
    "reject_adjustment",
    "reject_schedule_revision",
    "reopen_financial_year",
    "reverse_payment",
    "revise_schedule",
    "schedule_before",
    "schedule_has_history",
    "split_evenly",
    "split_schedule",
    "validate_schedule_total",
    "withdraw_settlement",
]
