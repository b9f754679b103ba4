"""Hosted services: every term, its months remaining as of a date, and those ending soon."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

from settlements.models import Force, HostedService

ENDING_SOON_DAYS = 90


@dataclass(frozen=True)
class HostedTerm:
    service: HostedService
    months_remaining: int
    running: bool
    ending_soon: bool


def hosted_terms(as_of: date, force: Force | None = None) -> list[HostedTerm]:
    """Every hosted service term (of one force, as provider or recipient, if given), soonest end first."""
    services = HostedService.objects.select_related("provider", "recipient", "alliance").order_by(
        "ends_on", "service", "pk"
    )
    if force:
        services = services.filter(Q(provider=force) | Q(recipient=force))
    soon = as_of + timedelta(days=ENDING_SOON_DAYS)
    return [
        HostedTerm(
            service=service,
            months_remaining=service.months_remaining(as_of),
            running=service.starts_on <= as_of <= service.ends_on,
            ending_soon=as_of <= service.ends_on <= soon and service.starts_on <= as_of,
        )
        for service in services
    ]
