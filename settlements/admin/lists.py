"""The columns and filters the admin lists share: dates and amounts as people read them, financial years,
approval, and an instalment's balances and status today."""

from django.contrib import admin
from django.utils import timezone

from .. import models
from ..dates import uk
from ..fiscal import FinancialYear
from ..money import format_gbp, from_pence


def date_column(field: str, description: str):
    """A list column showing a date as 30/04/2020: narrower than "30 April 2020", so the amounts fit beside it."""

    @admin.display(description=description, ordering=field)
    def column(model_admin, obj):
        day = getattr(obj, field)
        return uk(day) if day else "-"

    return column


def money_column(field: str, description: str):
    """A list column showing an amount as £10,500,000.00."""

    # Assigned as a ModelAdmin attribute, it is called as a bound method: (model_admin, obj).
    @admin.display(description=description, ordering=field)
    def column(model_admin, obj):
        return format_gbp(getattr(obj, field))

    return column


class FinancialYearFilter(admin.SimpleListFilter):
    """Filter by the financial year (1 April to 31 March) of a date field."""

    title = "financial year"
    parameter_name = "fy"
    date_field = "due_on"

    def lookups(self, request, model_admin):
        dates = model_admin.get_queryset(request).dates(self.date_field, "month")
        years = sorted({FinancialYear.for_date(d) for d in dates}, reverse=True)
        return [(str(fy), str(fy)) for fy in years]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            fy = FinancialYear.parse(self.value())
        except ValueError:
            return queryset.none()
        return queryset.filter(**{f"{self.date_field}__range": (fy.start, fy.end)})


class ApprovalFilter(admin.SimpleListFilter):
    """Approved, or awaiting approval, as the model's own manager says: the reports link here."""

    title = "approval"
    parameter_name = "approval"

    def lookups(self, request, model_admin):
        return [("awaiting", "Awaiting approval"), ("approved", "Approved")]

    def queryset(self, request, queryset):
        if self.value() == "awaiting":
            return queryset.awaiting_approval()
        if self.value() == "approved":
            return queryset.approved()
        return queryset


class AgreedInFinancialYearFilter(FinancialYearFilter):
    date_field = "agreed_on"


class PaidInFinancialYearFilter(FinancialYearFilter):
    date_field = "paid_on"


def status_label(instalment) -> str:
    """Replaced (or proposed) by a revision, else the status today: a replaced instalment is never due."""
    note = instalment.schedule_note()
    if note:
        return note
    return models.Instalment.Status(instalment.status).label if getattr(instalment, "status", None) else "-"


class InstalmentStatusMixin:
    """Balances and status as of today, computed in the database with the list's own query."""

    def get_queryset(self, request):
        return super().get_queryset(request).with_status(timezone.localdate())

    @admin.display(description="paid", ordering="paid_pence")
    def paid(self, obj):
        return format_gbp(from_pence(getattr(obj, "paid_pence", 0)))

    @admin.display(description="outstanding", ordering="outstanding_pence")
    def outstanding(self, obj):
        return format_gbp(from_pence(getattr(obj, "outstanding_pence", 0)))

    @admin.display(description="status today", ordering="status")
    def status(self, obj):
        return status_label(obj)

    @admin.display(description="financial year")
    def financial_year(self, obj):
        return obj.financial_year if obj.due_on else "-"


class InstalmentStatusFilter(admin.SimpleListFilter):
    """The status today of the current schedule; what a revision replaced is a choice of its own."""

    title = "status today"
    parameter_name = "status"
    REPLACED = "replaced"

    def lookups(self, request, model_admin):
        return [*models.Instalment.Status.choices, (self.REPLACED, "Replaced by a revision")]

    def queryset(self, request, queryset):
        if self.value() == self.REPLACED:
            return queryset.replaced()
        if not self.value():
            return queryset
        current = queryset.current().exclude(introduced_by__status=models.RequestStatus.PENDING)
        return current.filter(status=self.value())
