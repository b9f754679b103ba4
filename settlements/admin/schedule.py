"""The schedule's pages: instalments, the payments against them, and the revisions that change a schedule."""

from django.contrib import admin

from .. import forms, models
from ..money import format_gbp
from .documents import DocumentListInline, document_inlines
from .lists import (
    ApprovalFilter,
    FinancialYearFilter,
    InstalmentStatusFilter,
    InstalmentStatusMixin,
    PaidInFinancialYearFilter,
    date_column,
    money_column,
)
from .mixins.access import NamedTabularInline
from .mixins.approval import ScheduleRevisionApprovalMixin
from .mixins.history import AuditedAdmin
from .mixins.links import RecordPaymentColumnMixin
from .mixins.locks import InstalmentLocksMixin, PaymentLocksMixin, ReadOnlyMixin, YearLockMixin
from .mixins.payment_pages import PaymentPagesMixin


class PaymentInline(ReadOnlyMixin, NamedTabularInline):
    """Payments as recorded: new ones go through Record a payment, corrections through Reverse."""

    model = models.Payment
    fk_name = "instalment"
    extra = 0
    fields = ["reference", "kind", "paid_on", "amount_shown", "reverses", "reason", "recorded_by", "recorded_at"]
    readonly_fields = fields
    show_change_link = True

    @admin.display(description="amount")
    def amount_shown(self, obj):
        return format_gbp(obj.amount)


@admin.register(models.Instalment)
class InstalmentAdmin(
    RecordPaymentColumnMixin, YearLockMixin, InstalmentLocksMixin, InstalmentStatusMixin, AuditedAdmin
):
    form = forms.InstalmentAdminForm
    list_display = [
        "number_column",
        "settlement",
        "due_column",
        "amount_column",
        "paid",
        "outstanding",
        "status",
        "financial_year",
    ]
    list_display_links = ["number_column", "settlement"]
    list_filter = [
        InstalmentStatusFilter,
        FinancialYearFilter,
        "settlement__payer",
        "settlement__payee",
        "funding_source",
    ]
    search_fields = [
        "settlement__alliance__name",
        "settlement__payer__name",
        "settlement__payer__short_name",
        "settlement__payee__name",
        "settlement__payee__short_name",
        "payments__reference",
        "notes",
    ]
    date_hierarchy = "due_on"
    list_select_related = ["settlement__payer", "settlement__payee", "superseded_by", "introduced_by"]
    # A filtered list would otherwise count every instalment as well as the matching ones ("N of M").
    show_full_result_count = False
    readonly_fields = ["financial_year", "paid", "outstanding", "status", "introduced_by", "superseded_by"]
    inlines = [PaymentInline]
    amount_column = money_column("amount", "amount")
    due_column = date_column("due_on", "due on")

    @admin.display(description="no.", ordering="number")
    def number_column(self, obj):
        return obj.number

    def get_readonly_fields(self, request, obj=None):
        # A saved instalment changes with its schedule (Generate or Revise schedule), never on its own.
        fixed = ["settlement", "number", "due_on", "amount"] if obj else []
        return [*fixed, *self.readonly_fields]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Payment)
class PaymentAdmin(PaymentPagesMixin, YearLockMixin, PaymentLocksMixin, AuditedAdmin):
    """Payments are recorded and reversed through the payment services; never edited or deleted."""

    list_display = ["reference", "kind", "signed_amount", "paid_column", "instalment", "recorded_by"]
    list_filter = ["kind", PaidInFinancialYearFilter, "instalment__settlement__payer"]
    search_fields = [
        "reference",
        "reason",
        "instalment__settlement__alliance__name",
        "instalment__settlement__payer__name",
        "instalment__settlement__payer__short_name",
        "instalment__settlement__payee__name",
        "instalment__settlement__payee__short_name",
    ]
    date_hierarchy = "paid_on"
    list_select_related = ["instalment__settlement__payer", "instalment__settlement__payee", "recorded_by"]
    readonly_fields = ["kind", "reverses", "recorded_by", "recorded_at"]
    actions = ["reverse_selected"]
    # A payment is kept as recorded, so its page only lists its papers: they are uploaded from the documents page.
    inlines = [type("PaymentDocumentListInline", (DocumentListInline,), {"fk_name": "payment"})]
    amount_column = money_column("amount", "amount")
    paid_column = date_column("paid_on", "paid on")

    @admin.display(description="amount", ordering="amount")
    def signed_amount(self, obj):
        """A reversal takes its amount back, so it shows negative: -£5.00."""
        return format_gbp(-obj.amount if obj.is_reversal() else obj.amount)


@admin.register(models.ScheduleRevision)
class ScheduleRevisionAdmin(ScheduleRevisionApprovalMixin, YearLockMixin, AuditedAdmin):
    list_display = ["__str__", "revised_on", "decision_reference", "created_by", "approved_by"]
    list_filter = [ApprovalFilter]
    search_fields = ["reason", "decision_reference", "settlement__alliance__name"]
    date_hierarchy = "revised_on"
    list_select_related = ["settlement__payer", "settlement__payee", "created_by", "approved_by"]
    readonly_fields = [
        "settlement",
        "sequence",
        "revised_on",
        "status",
        "created_by",
        "created_at",
        "approved_by",
        "approved_at",
        "rejected_by",
        "rejected_at",
        "rejection_reason",
    ]
    inlines = document_inlines("revision")

    def has_add_permission(self, request):
        # A revision replaces instalments, so it is made with "Revise schedule" on its settlement's page.
        return False
