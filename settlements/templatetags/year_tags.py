"""{% year_status as_of include_pending %}: a report's line saying whether its figures are final or provisional."""

from django import template

from settlements.reports.years import year_status as status_on

register = template.Library()


@register.inclusion_tag("includes/year_status.html")
def year_status(as_of, include_pending=False):
    return {"status": status_on(as_of, bool(include_pending)) if as_of else None}
