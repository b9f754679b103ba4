"""The settlements' pages: a settlement with its adjustments, schedule, held payments and documents."""

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.utils import timezone
from djmoney.money import Money

from .. import dating, models, services
from ..money import format_gbp, from_pence
from .documents import document_inlines
from .imports import HeldPaymentInline, ImportPagesMixin
from .lists import AgreedInFinancialYearFilter, ApprovalFilter, money_column, status_label
from .mixins.access import NamedInlineFormSet, NamedTabularInline
from .mixins.approval import AdjustmentApprovalMixin, SettlementApprovalMixin
from .mixins.history import AuditedAdmin
from .mixins.links import RecordPaymentInlineMixin, SettlementPageLinkMixin
from .mixins.locks import ParentYearLockInlineMixin, SettlementLocksMixin, YearLockMixin
from .mixins.schedule_pages import SchedulePagesMixin


def services_written(model, fieldsets) -> list[str]:
    """The fields `fieldsets` shows that the model keeps out of forms (editable=False): who entered, approved or
    withdrew it and when, which the services write."""
    uneditable = {f.name for f in model._meta.concrete_fields if not f.editable}
    return [name for name in flatten_fieldsets(fieldsets) if name in uneditable]


class SettlementAdjustmentInline(ParentYearLockInlineMixin, NamedTabularInline):
    """On an approved settlement a new row is a request for a second person to approve; approved rows stay."""

    model = models.SettlementAdjustment
    extra = 0
    fields = ["kind", "description", "amount", "status"]
    readonly_fields = ["status"]

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_draft())


class InstalmentInlineFormSet(NamedInlineFormSet):
    """The schedule on the settlement's page: saved only if it adds up exactly to the cash amount."""

    def get_queryset(self):
        # Each row's name shows its settlement, the page's own record: given to the rows, not read once a row.
        rows = super().get_queryset()
        for row in rows:
            row.settlement = self.instance
        return rows

    def clean(self):
        super().clean()
        cash_amount = getattr(self.instance, "cash_amount", None)
        if any(self.errors) or not isinstance(cash_amount, Money):
            return
        amounts = [form.instance.amount for form in self.forms if self._counts(form)]
        services.validate_schedule_total(cash_amount=cash_amount, amounts=amounts)
        for form in self.forms:
            if form.instance.pk and self.can_delete and self._should_delete_form(form):
                dating.check_record(form.instance, action="deleted")

    def _counts(self, form) -> bool:
        if form.instance.is_replaced():
            return False
        if self.can_delete and self._should_delete_form(form):
            return False
        if form.instance.pk is None and not form.has_changed():
            return False
        return isinstance(form.instance.amount, Money)


class InstalmentInline(RecordPaymentInlineMixin, NamedTabularInline):
    """Editable while the schedule has no payments and no revisions; after that it changes by revision.

    Every instalment shows, what a revision replaced too, with its status today or what the revision made of it.
    """

    model = models.Instalment
    formset = InstalmentInlineFormSet
    extra = 0
    fields = ["number", "due_on", "financial_year", "amount", "funding_source", "reserve_name", "notes", "status"]
    readonly_fields = ["financial_year", "status"]
    show_change_link = True

    def get_queryset(self, request):
        instalments = super().get_queryset(request).with_status(timezone.localdate())
        return instalments.select_related("superseded_by", "introduced_by")

    @admin.display(description="financial year")
    def financial_year(self, obj):
        return obj.financial_year if obj.due_on else ""

    @admin.display(description="status today")
    def status(self, obj):
        return status_label(obj) if obj.pk else ""

    def _editable(self, obj) -> bool:
        return obj is None or obj.pk is None or (obj.is_draft() and not services.schedule_has_history(obj))

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(obj)


@admin.register(models.Settlement)
class SettlementAdmin(
    SchedulePagesMixin,
    ImportPagesMixin,
    SettlementPageLinkMixin,
    SettlementApprovalMixin,
    YearLockMixin,
    SettlementLocksMixin,
    AuditedAdmin,
):
    change_form_template = "admin/settlements/settlement/change_form.html"
    # The money first, so that it is never the part of the row cut off on a 1,366 px screen.
    list_display = ["__str__", "headline_column", "cash_column", "status", "full_and_final", "alliance"]
    list_filter = [ApprovalFilter, "payer", "payee", AgreedInFinancialYearFilter, "full_and_final"]
    search_fields = [
        "alliance__name",
        "payer__name",
        "payer__short_name",
        "payee__name",
        "payee__short_name",
        "instalments__payments__reference",
        "notes",
    ]
    date_hierarchy = "agreed_on"
    list_select_related = ["alliance", "payer", "payee"]
    inlines = [
        SettlementAdjustmentInline,
        InstalmentInline,
        HeldPaymentInline,
        *document_inlines("settlement"),
    ]
    fieldsets = [
        (None, {"fields": ["alliance", "termination_notice", "payer", "payee", "agreed_on", "status"]}),
        ("Amounts", {"fields": ["cash_amount", "headline_total", "requested_amount", "recommended_amount"]}),
        ("Terms", {"fields": ["full_and_final", "funding_note", "notes"]}),
        ("Approval", {"fields": ["entered_by", "approved_by", "approved_at"]}),
        ("Withdrawal", {"fields": ["withdrawn_by", "withdrawn_at", "withdrawal_reason"], "classes": ["collapse"]}),
    ]
    readonly_fields = ["headline_total", *services_written(models.Settlement, fieldsets)]
    cash_column = money_column("cash_amount", "cash")

    def get_queryset(self, request):
        return super().get_queryset(request).with_headline()

    def get_changeform_initial_data(self, request):
        # "Full and final" is a term the agreement states, so a new settlement does not assume it.
        return {"full_and_final": False, **super().get_changeform_initial_data(request)}

    def get_fieldsets(self, request, obj=None):
        withdrawn = obj is not None and obj.is_withdrawn()
        return [f for f in super().get_fieldsets(request, obj) if f[0] != "Withdrawal" or withdrawn]

    @admin.display(description="headline total", ordering="headline_pence")
    def headline_column(self, obj):
        return format_gbp(from_pence(obj.headline_pence))

    @admin.display(description="headline total (cash plus adjustments)")
    def headline_total(self, obj):
        # The page's record comes from get_queryset, which has summed it already.
        return format_gbp(from_pence(obj.headline_pence)) if obj.pk else "-"


@admin.register(models.SettlementAdjustment)
class SettlementAdjustmentAdmin(AdjustmentApprovalMixin, YearLockMixin, AuditedAdmin):
    list_display = ["description", "settlement", "kind", "amount_column", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["description", "settlement__alliance__name"]
    list_select_related = ["settlement__payer", "settlement__payee"]
    readonly_fields = ["status", "entered_by", "approved_by", "approved_at", "rejected_by", "rejected_at"]
    readonly_fields += ["rejection_reason"]
    amount_column = money_column("amount", "amount")
