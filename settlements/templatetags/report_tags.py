"""Template filters for the reports."""

from django import template
from django.urls import NoReverseMatch, reverse

from settlements.models import Instalment
from settlements.money import format_gbp, from_pence

register = template.Library()


@register.filter
def gbp(value) -> str:
    """£10,500,000.00"""
    return format_gbp(value)


@register.simple_tag
def url_if_exists(name: str) -> str:
    """The URL of a named route, or an empty string where this install has no such page."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@register.filter
def pence(value) -> str:
    """Whole pence from a report annotation, shown as £10,500,000.00."""
    return format_gbp(from_pence(value))


@register.filter
def status_label(value: str) -> str:
    """upcoming → Upcoming, part_paid → Part paid."""
    return Instalment.Status(value).label if value in Instalment.Status.values else value
