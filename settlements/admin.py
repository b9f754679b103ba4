"""The admin: where finance staff enter alliances, settlements, schedules and payments."""

from django.contrib import admin
from django.utils import timezone

from . import models
from .fiscal import FinancialYear
from .money import format_gbp, from_pence


def money_column(field: str, description: str):
    """A list column showing an amount as £10,500,000.00."""

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


class AgreedInFinancialYearFilter(FinancialYearFilter):
    date_field = "agreed_on"


class PaidInFinancialYearFilter(FinancialYearFilter):
    date_field = "paid_on"


@admin.register(models.Force)
class ForceAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "chief_officer", "policing_body"]
    search_fields = ["name", "short_name", "chief_officer", "policing_body"]


class TerminationNoticeInline(admin.TabularInline):
    model = models.TerminationNotice
    extra = 0
    fields = ["served_by", "served_on", "effective_on", "status", "notes"]


class HostedServiceInline(admin.TabularInline):
    model = models.HostedService
    extra = 0
    fields = [
        "service",
        "provider",
        "recipient",
        "starts_on",
        "months",
        "extension_months",
        "ends_on",
        "charging_basis",
    ]
    readonly_fields = ["ends_on"]
    fk_name = "alliance"


@admin.register(models.Alliance)
class AllianceAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on", "value_column", "legal_basis"]
    list_filter = ["members"]
    search_fields = ["name", "members__name", "members__short_name"]
    date_hierarchy = "starts_on"
    filter_horizontal = ["members"]
    inlines = [TerminationNoticeInline, HostedServiceInline]
    value_column = money_column("value", "value")


@admin.register(models.TerminationNotice)
class TerminationNoticeAdmin(admin.ModelAdmin):
    list_display = ["alliance", "served_by", "served_on", "effective_on", "status"]
    list_filter = ["status", "served_by"]
    search_fields = ["alliance__name", "served_by__name", "notes"]
    date_hierarchy = "served_on"
    list_select_related = ["alliance", "served_by"]


class SettlementAdjustmentInline(admin.TabularInline):
    model = models.SettlementAdjustment
    extra = 0


class InstalmentInline(admin.TabularInline):
    model = models.Instalment
    extra = 0
    fields = ["number", "due_on", "financial_year", "amount", "funding_source", "reserve_name", "notes"]
    readonly_fields = ["financial_year"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).current()

    @admin.display(description="financial year")
    def financial_year(self, obj):
        return obj.financial_year if obj.due_on else ""


@admin.register(models.Settlement)
class SettlementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "alliance", "cash_column", "headline_column", "full_and_final", "status"]
    list_filter = ["status", "payer", "payee", AgreedInFinancialYearFilter, "full_and_final"]
    search_fields = ["alliance__name", "payer__name", "payee__name", "notes"]
    date_hierarchy = "agreed_on"
    list_select_related = ["alliance", "payer", "payee"]
    readonly_fields = ["headline_total", "entered_by", "approved_by", "approved_at"]
    inlines = [SettlementAdjustmentInline, InstalmentInline]
    fieldsets = [
        (None, {"fields": ["alliance", "termination_notice", "payer", "payee", "agreed_on", "status"]}),
        ("Amounts", {"fields": ["cash_amount", "headline_total", "requested_amount", "recommended_amount"]}),
        ("Terms", {"fields": ["full_and_final", "funding_note", "notes"]}),
        ("Approval", {"fields": ["entered_by", "approved_by", "approved_at"]}),
    ]
    cash_column = money_column("cash_amount", "cash amount")

    def get_queryset(self, request):
        return super().get_queryset(request).with_headline()

    @admin.display(description="headline total (cash plus adjustments)", ordering="headline_pence")
    def headline_column(self, obj):
        return format_gbp(from_pence(obj.headline_pence))

    @admin.display(description="headline total (cash plus adjustments)")
    def headline_total(self, obj):
        return format_gbp(obj.headline_amount()) if obj.pk else "-"


@admin.register(models.SettlementAdjustment)
class SettlementAdjustmentAdmin(admin.ModelAdmin):
    list_display = ["description", "settlement", "kind", "amount_column"]
    list_filter = ["kind"]
    search_fields = ["description", "settlement__alliance__name"]
    list_select_related = ["settlement__payer", "settlement__payee"]
    amount_column = money_column("amount", "amount")


class PaymentInline(admin.TabularInline):
    model = models.Payment
    fk_name = "instalment"
    extra = 0
    fields = ["paid_on", "amount", "reference", "kind", "reverses", "reason", "recorded_by", "recorded_at"]
    readonly_fields = ["kind", "reverses", "recorded_by", "recorded_at"]


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
        return models.Instalment.Status(obj.status).label if getattr(obj, "status", None) else "-"

    @admin.display(description="financial year")
    def financial_year(self, obj):
        return obj.financial_year if obj.due_on else "-"


class InstalmentStatusFilter(admin.SimpleListFilter):
    title = "status today"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return models.Instalment.Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(models.Instalment)
class InstalmentAdmin(InstalmentStatusMixin, admin.ModelAdmin):
    list_display = ["__str__", "due_on", "financial_year", "amount_column", "paid", "outstanding", "status"]
    list_filter = [
        InstalmentStatusFilter,
        FinancialYearFilter,
        "settlement__payer",
        "settlement__payee",
        "funding_source",
    ]
    search_fields = ["settlement__alliance__name", "settlement__payer__name", "settlement__payee__name", "notes"]
    date_hierarchy = "due_on"
    list_select_related = ["settlement__payer", "settlement__payee"]
    readonly_fields = ["financial_year", "paid", "outstanding", "status", "introduced_by", "superseded_by"]
    inlines = [PaymentInline]
    amount_column = money_column("amount", "amount")


@admin.register(models.Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["reference", "instalment", "paid_on", "kind", "amount_column", "recorded_by", "recorded_at"]
    list_filter = ["kind", PaidInFinancialYearFilter, "instalment__settlement__payer"]
    search_fields = ["reference", "reason", "instalment__settlement__alliance__name"]
    date_hierarchy = "paid_on"
    list_select_related = ["instalment__settlement__payer", "instalment__settlement__payee", "recorded_by"]
    readonly_fields = ["kind", "reverses", "recorded_by", "recorded_at"]
    amount_column = money_column("amount", "amount")


@admin.register(models.ScheduleRevision)
class ScheduleRevisionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "revised_on", "decision_reference", "created_by", "approved_by"]
    search_fields = ["reason", "decision_reference", "settlement__alliance__name"]
    date_hierarchy = "revised_on"
    list_select_related = ["settlement__payer", "settlement__payee", "created_by", "approved_by"]
    readonly_fields = ["sequence", "created_by", "created_at", "approved_by", "approved_at"]


class EndsWithinFilter(admin.SimpleListFilter):
    title = "term"
    parameter_name = "term"

    def lookups(self, request, model_admin):
        return [("running", "Running today"), ("ending", "Ending within 90 days"), ("ended", "Ended")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "running":
            return queryset.running(today)
        if self.value() == "ending":
            return queryset.ending_within(today, 90)
        if self.value() == "ended":
            return queryset.filter(ends_on__lt=today)
        return queryset


@admin.register(models.HostedService)
class HostedServiceAdmin(admin.ModelAdmin):
    list_display = ["service", "provider", "recipient", "starts_on", "months", "ends_on", "charging_basis"]
    list_filter = [EndsWithinFilter, "charging_basis", "provider", "recipient"]
    search_fields = ["service", "provider__name", "recipient__name", "notes"]
    date_hierarchy = "starts_on"
    list_select_related = ["provider", "recipient"]
    readonly_fields = ["ends_on"]
    fields = [
        "alliance",
        "service",
        "provider",
        "recipient",
        "starts_on",
        "months",
        "extension_months",
        "ends_on",
        "charging_basis",
        "estimated_cost",
        "notes",
    ]
