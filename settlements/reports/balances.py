"""The schedule of a settlement as the pages that change it show it."""

from datetime import date

from settlements.models import Settlement


def current_schedule(*, settlement: Settlement, as_of: date):
    """The schedule as it stands now, drafts and pending revisions included, with balances and status as of the
    date: for the pages that change a schedule, not for figures."""
    return settlement.instalments.current().with_status(as_of).select_related("settlement__payer", "settlement__payee")
