"""Financial years whose accounts are signed: closed, so that nothing dated in them changes."""

from datetime import date

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords

from settlements.fiscal import FinancialYear

from .stamps import stamped_at, stamped_by


class YearClosingQuerySet(models.QuerySet):
    def closed(self):
        return self.filter(is_closed=True)

    def holding(self, day: date):
        """The closing that holds `day`, if its year is closed."""
        return self.closed().filter(starts_on__lte=day, ends_on__gte=day).select_related("closed_by").first()


class YearClosing(models.Model):
    """One financial year's lock: closed by a finance approver, reopened by another with a reason.

    The database refuses any entry dated in a closed year (triggers in migrations 0004 and 0011), so the
    row is the lock itself: `starts_on` and `ends_on` are what those triggers compare with. The row is never
    deleted and changes only by reopening or closing again (0011); its history keeps every closing.
    """

    starts_on = models.DateField(unique=True, editable=False)
    ends_on = models.DateField(editable=False)
    is_closed = models.BooleanField(default=True, editable=False)
    closed_by = stamped_by(null=False, blank=False)
    closed_at = models.DateTimeField(editable=False)
    note = models.TextField(blank=True, help_text="e.g. the accounts signed by the auditors on 30/09/2021.")
    reopened_by = stamped_by()
    reopened_at = stamped_at()
    reopen_reason = models.TextField(blank=True, editable=False)
    history = HistoricalRecords()

    objects = YearClosingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = "closing of a financial year"
        verbose_name_plural = "closing of financial years"
        permissions = [("close_financial_year", "Can close and reopen a financial year")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="year_closing_ends_after_start",
                violation_error_message="A financial year ends after it starts.",
            ),
        ]

    def __str__(self):
        return f"Financial year {self.financial_year}"

    @property
    def financial_year(self) -> FinancialYear:
        return FinancialYear.for_date(self.starts_on)

    def describe(self) -> str:
        """'Financial year 2020/21 is closed: closed on 30 September 2021 by alice.'"""
        if not self.is_closed:
            return f"Financial year {self.financial_year} is open."
        closed_on = date_format(timezone.localtime(self.closed_at), "j F Y")
        closer = self.closed_by.get_full_name() or self.closed_by.get_username()
        return f"Financial year {self.financial_year} is closed: closed on {closed_on} by {closer}."
