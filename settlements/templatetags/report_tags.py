"""Template filters for the pages: money, dates, people, an instalment's status, hosted service terms."""

from datetime import date, datetime

from django import template

from settlements import dates
from settlements.models import Instalment
from settlements.money import format_gbp, from_pence
from settlements.reports.hosted import HostedTerm
from settlements.users import NOT_RECORDED, name_of

register = template.Library()


@register.filter
def gbp(value) -> str:
    """£10,500,000.00"""
    return format_gbp(value)


@register.filter
def pence(value) -> str:
    """Whole pence from a report annotation, shown as £10,500,000.00."""
    return format_gbp(from_pence(value))


@register.filter(expects_localtime=True)
def uk(day: date | datetime | None) -> str:
    """30/03/2020 (a moment's day in the site's time zone), as `dates.uk` writes it; nothing for no date."""
    return dates.uk(day) if day else ""


@register.filter(expects_localtime=True)
def uk_time(moment: datetime | None) -> str:
    """30/03/2020 14:05 in the site's time zone, as `dates.uk_time` writes it; nothing for no moment."""
    return dates.uk_time(moment) if moment else ""


@register.filter
def person(user) -> str:
    """A user's full name, else their username; "Not recorded" for nobody (`name_of`)."""
    return name_of(user, NOT_RECORDED)


@register.filter
def status_label(value: str) -> str:
    """upcoming → Upcoming, part_paid → Part paid."""
    return Instalment.Status(value).label if value in Instalment.Status.values else value


@register.simple_tag
def hosted_terms_on(services, as_of) -> list[HostedTerm]:
    """{% hosted_terms_on services as_of as terms %}: each service's term as it stands on the day."""
    return [HostedTerm.on(service, as_of) for service in services]
