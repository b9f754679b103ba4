"""Writes: every change to the domain's money goes through a function here."""

from .approvals import ApprovalRefused, approve_schedule_revision, approve_settlement

__all__ = ["ApprovalRefused", "approve_schedule_revision", "approve_settlement"]
