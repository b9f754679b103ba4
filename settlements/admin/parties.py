"""The parties' pages: forces, alliances with their termination notices, and the services forces host."""

from django.contrib import admin
from django.db.models import ManyToManyField
from django.forms import CheckboxSelectMultiple
from django.utils import timezone

from .. import forms, models
from ..models.parties import ENDING_SOON_DAYS
from .documents import document_inlines
from .lists import money_column
from .mixins.access import NamedTabularInline
from .mixins.history import AuditedAdmin


@admin.register(models.Force)
class ForceAdmin(AuditedAdmin):
    list_display = ["name", "short_name", "chief_officer", "policing_body"]
    search_fields = ["name", "short_name", "chief_officer", "policing_body"]


class TerminationNoticeInline(NamedTabularInline):
    model = models.TerminationNotice
    extra = 0
    fields = ["served_by", "served_on", "effective_on", "status", "notes"]


# The terms of a hosted service, as shown on its alliance's page and on its own.
HOSTED_TERM_FIELDS = [
    "service",
    "provider",
    "recipient",
    "starts_on",
    "months",
    "extension_months",
    "ends_on",
    "charging_basis",
]


class HostedServiceInline(NamedTabularInline):
    model = models.HostedService
    extra = 0
    fields = HOSTED_TERM_FIELDS
    readonly_fields = ["ends_on"]
    fk_name = "alliance"


@admin.register(models.Alliance)
class AllianceAdmin(AuditedAdmin):
    form = forms.AllianceAdminForm
    list_display = ["name", "starts_on", "ends_on", "value_column", "legal_basis"]
    list_filter = ["members"]
    search_fields = ["name", "members__name", "members__short_name"]
    date_hierarchy = "starts_on"
    # Tick boxes rather than the two-list chooser, whose search icons carry names axe rejects.
    formfield_overrides = {ManyToManyField: {"widget": CheckboxSelectMultiple}}
    inlines = [TerminationNoticeInline, HostedServiceInline, *document_inlines("alliance")]
    value_column = money_column("value", "value")


@admin.register(models.TerminationNotice)
class TerminationNoticeAdmin(AuditedAdmin):
    list_display = ["alliance", "served_by", "served_on", "effective_on", "status"]
    list_filter = ["status", "served_by"]
    search_fields = ["alliance__name", "served_by__name", "notes"]
    date_hierarchy = "served_on"
    list_select_related = ["alliance", "served_by"]
    inlines = document_inlines("notice")


class EndsWithinFilter(admin.SimpleListFilter):
    title = "term"
    parameter_name = "term"

    def lookups(self, request, model_admin):
        return [("running", "Running today"), ("ending", f"Ending within {ENDING_SOON_DAYS} days"), ("ended", "Ended")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "running":
            return queryset.running(today)
        if self.value() == "ending":
            return queryset.ending_soon(today)
        if self.value() == "ended":
            return queryset.filter(ends_on__lt=today)
        return queryset


@admin.register(models.HostedService)
class HostedServiceAdmin(AuditedAdmin):
    list_display = ["service", "provider", "recipient", "starts_on", "months", "ends_on", "charging_basis"]
    list_filter = [EndsWithinFilter, "charging_basis", "provider", "recipient"]
    search_fields = ["service", "provider__name", "recipient__name", "notes"]
    date_hierarchy = "starts_on"
    list_select_related = ["provider", "recipient"]
    readonly_fields = ["ends_on"]
    fields = ["alliance", *HOSTED_TERM_FIELDS, "estimated_cost", "notes"]
