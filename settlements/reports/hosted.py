"""Hosted services: every term, its months remaining as of a date, and those ending soon."""

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from settlements.models import Force, HostedService
from settlements.models.parties import ENDING_SOON_DAYS


class TermState(NamedTuple):
    label: str
    tag: str  # the style of its tag on the page


@dataclass(frozen=True)
class HostedTerm:
    service: HostedService
    months_remaining: int
    running: bool
    ending_soon: bool
    started: bool = True

    @classmethod
    def on(cls, service: HostedService, as_of: date) -> "HostedTerm":
        """The service's term as it stands on `as_of`."""
        return cls(
            service=service,
            months_remaining=service.months_remaining(as_of),
            running=service.is_running(as_of),
            ending_soon=service.is_ending_soon(as_of),
            started=service.has_started(as_of),
        )

    @property
    def state(self) -> TermState:
        """How the term stands on the day: ending soon, running, not started or ended."""
        if self.ending_soon:
            return TermState(f"Ends within {ENDING_SOON_DAYS} days", "overdue")
        if self.running:
            return TermState("Running", "upcoming")
        if not self.started:
            return TermState("Not started", "part_paid")
        return TermState("Ended", "muted")


def hosted_terms(as_of: date, force: Force | None = None) -> list[HostedTerm]:
    """Every hosted service term (of one force, as provider or recipient, if given), soonest end first."""
    services = HostedService.objects.select_related("provider", "recipient", "alliance").order_by(
        "ends_on", "service", "pk"
    )
    if force:
        services = services.involving(force)
    return [HostedTerm.on(service, as_of) for service in services]
