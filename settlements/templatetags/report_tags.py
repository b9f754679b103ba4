"""Template filters for the reports."""

from django import template

from settlements.models import Instalment
from settlements.money import format_gbp, from_pence

register = template.Library()


@register.filter
def gbp(value) -> str:
    """£10,500,000.00"""
    return format_gbp(value)


@register.filter
def pence(value) -> str:
    """Whole pence from a report annotation, shown as £10,500,000.00."""
    return format_gbp(from_pence(value))


@register.filter
def status_label(value: str) -> str:
    """upcoming → Upcoming, part_paid → Part paid."""
    return Instalment.Status(value).label if value in Instalment.Status.values else value
