"""The admin: where finance staff enter alliances, settlements, schedules and payments."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ManyToManyField
from django.forms import CheckboxSelectMultiple
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from djmoney.money import Money

from . import admin_imports, admin_users, dating, forms, models, services  # noqa: F401 - admin_users registers the user pages
from .admin_access import NamedInlineFormSet, NamedTabularInline
from .admin_approval import AdjustmentApprovalMixin, ScheduleRevisionApprovalMixin, SettlementApprovalMixin
from .admin_documents import DocumentListInline, document_inlines
from .admin_history import AuditedAdmin
from .admin_links import RecordPaymentColumnMixin, RecordPaymentInlineMixin, SettlementPageLinkMixin
from .admin_locks import InstalmentLocksMixin, PaymentLocksMixin, ReadOnlyMixin, SettlementLocksMixin
from .admin_years import ParentYearLockInlineMixin, YearLockMixin
from .dates import uk
from .fiscal import FinancialYear
from .models.parties import ENDING_SOON_DAYS
from .money import format_gbp, from_pence
from .reports.balances import current_schedule


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


def plan_table(plan: services.SchedulePlan) -> list[dict]:
    return [
        {"number": r.number, "due_on": r.due_on, "financial_year": r.financial_year, "amount": format_gbp(r.amount)}
        for r in plan.rows
    ]


def schedule_table(settlement: models.Settlement, as_of) -> list[dict]:
    """The current schedule as of a date; `stays` marks instalments a revision keeps."""
    kept = {i.pk for i in services.split_schedule(settlement)[0]}
    return [
        {
            "number": i.number,
            "due_on": i.due_on,
            "financial_year": i.financial_year,
            "amount": format_gbp(i.amount),
            "paid": format_gbp(from_pence(i.paid_pence)),
            "outstanding": format_gbp(from_pence(i.outstanding_pence)),
            "status": models.Instalment.Status(i.status).label,
            "stays": i.pk in kept,
        }
        for i in current_schedule(settlement=settlement, as_of=as_of).order_by("due_on", "number")
    ]


@admin.register(models.Settlement)
class SettlementAdmin(
    SettlementPageLinkMixin, SettlementApprovalMixin, YearLockMixin, SettlementLocksMixin, AuditedAdmin
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
    readonly_fields = [
        "headline_total",
        "entered_by",
        "approved_by",
        "approved_at",
        "withdrawn_by",
        "withdrawn_at",
        "withdrawal_reason",
    ]
    inlines = [
        SettlementAdjustmentInline,
        InstalmentInline,
        admin_imports.HeldPaymentInline,
        *document_inlines("settlement"),
    ]
    fieldsets = [
        (None, {"fields": ["alliance", "termination_notice", "payer", "payee", "agreed_on", "status"]}),
        ("Amounts", {"fields": ["cash_amount", "headline_total", "requested_amount", "recommended_amount"]}),
        ("Terms", {"fields": ["full_and_final", "funding_note", "notes"]}),
        ("Approval", {"fields": ["entered_by", "approved_by", "approved_at"]}),
        ("Withdrawal", {"fields": ["withdrawn_by", "withdrawn_at", "withdrawal_reason"], "classes": ["collapse"]}),
    ]
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
        return format_gbp(obj.headline_amount()) if obj.pk else "-"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/generate-schedule/",
                view(self.generate_schedule_view),
                name="settlements_settlement_generate_schedule",
            ),
            path(
                "<path:object_id>/revise-schedule/",
                view(self.revise_schedule_view),
                name="settlements_settlement_revise_schedule",
            ),
            path("import/", view(admin_imports.import_page), name="settlements_import"),
            path(
                "import/template/<str:sheet>/",
                view(admin_imports.import_template),
                name="settlements_import_template",
            ),
            *super().get_urls(),
        ]

    def generate_schedule_view(self, request, object_id):
        return self._schedule_page(request, object_id, forms.ScheduleTermsForm, revision=False)

    def revise_schedule_view(self, request, object_id):
        return self._schedule_page(request, object_id, forms.RevisionForm, revision=True)

    def _schedule_page(self, request, object_id, form_class, *, revision: bool):
        """Preview the instalments; save them only when "Save this schedule" is pressed on an unchanged preview."""
        settlement = self.get_object(request, unquote(object_id))
        if settlement is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, settlement):
            raise PermissionDenied
        form, plan = form_class(request.POST or None), None
        if form.is_bound and form.is_valid():
            preview = services.preview_revision if revision else services.preview_schedule
            try:
                plan = preview(settlement=settlement, **form.schedule_arguments())
                if "confirm" in request.POST and request.POST.get("digest") == plan.digest:
                    self._confirm_schedule(request, settlement, form, revision=revision)
                    return redirect("admin:settlements_settlement_change", settlement.pk)
                if "confirm" in request.POST:
                    messages.warning(
                        request, "The schedule differs from the preview: check it, then press “Save this schedule”."
                    )
            except ValidationError as error:
                forms.add_service_error(form, error)
                plan = None
        context = {
            **self.admin_site.each_context(request),
            "title": "Revise schedule" if revision else "Generate schedule",
            "opts": self.opts,
            "original": settlement,
            "form": form,
            "revision": revision,
            "cash_amount": format_gbp(settlement.cash_amount),
            "current": schedule_table(settlement, timezone.localdate()),
            "plan": plan_table(plan) if plan else None,
            "plan_total": format_gbp(plan.total) if plan else None,
            "digest": plan.digest if plan else "",
        }
        return TemplateResponse(request, "admin/settlements/settlement/schedule_form.html", context)

    def _confirm_schedule(self, request, settlement, form, *, revision: bool) -> None:
        arguments = {"settlement": settlement, "created_by": request.user, **form.schedule_arguments()}
        if revision:
            saved = services.revise_schedule(**arguments, **form.revision_arguments())
            self.message_user(request, f"{saved} saved.", messages.SUCCESS)
        else:
            saved = services.confirm_schedule(**arguments)
            self.message_user(request, f"Schedule of {len(saved)} instalments saved.", messages.SUCCESS)


@admin.register(models.SettlementAdjustment)
class SettlementAdjustmentAdmin(AdjustmentApprovalMixin, YearLockMixin, AuditedAdmin):
    list_display = ["description", "settlement", "kind", "amount_column", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["description", "settlement__alliance__name"]
    list_select_related = ["settlement__payer", "settlement__payee"]
    readonly_fields = ["status", "entered_by", "approved_by", "approved_at", "rejected_by", "rejected_at"]
    readonly_fields += ["rejection_reason"]
    amount_column = money_column("amount", "amount")


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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        key = unquote(object_id)
        payable = key.isdigit() and models.Instalment.objects.payable().filter(pk=key).exists()
        context = {**(extra_context or {}), "can_record_payment": payable}
        return super().change_view(request, object_id, form_url, context)


def payment_recorded_message(payment: models.Payment, created: bool) -> str:
    """What the person is told after Record payment: a repeated reference recorded nothing new."""
    if created:
        return f"Payment {payment} of {format_gbp(payment.amount)} recorded."
    by = payment.recorded_by.get_username() if payment.recorded_by else "an unrecorded user"
    return (
        f"Payment {payment} of {format_gbp(payment.amount)}, paid on {uk(payment.paid_on)}, was already "
        f"recorded on {uk(timezone.localtime(payment.recorded_at))} by {by}; nothing new was recorded."
    )


@admin.register(models.Payment)
class PaymentAdmin(YearLockMixin, PaymentLocksMixin, AuditedAdmin):
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

    def get_urls(self):
        reverse_page = self.admin_site.admin_view(self.reverse_view)
        return [
            path("<path:object_id>/reverse/", reverse_page, name="settlements_payment_reverse"),
            *super().get_urls(),
        ]

    @admin.action(description="Reverse the selected payment")
    def reverse_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose one payment to reverse.", messages.WARNING)
            return None
        return redirect("admin:settlements_payment_reverse", queryset.get().pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        payment = self.get_object(request, unquote(object_id))
        can_reverse = payment is not None and payment.can_be_reversed()
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "can_reverse": can_reverse})

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = forms.PaymentForm(request.POST or None, initial={"instalment": request.GET.get("instalment")})
        if form.is_bound and form.is_valid():
            try:
                payment, created = services.record_payment_once(recorded_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                forms.add_service_error(form, error)
            else:
                level = messages.SUCCESS if created else messages.WARNING
                self.message_user(request, payment_recorded_message(payment, created), level)
                return redirect("admin:settlements_instalment_change", payment.instalment_id)
        return self._payment_page(request, form, "Record a payment", instalment=form.chosen_instalment())

    def reverse_view(self, request, object_id):
        payment = self.get_object(request, unquote(object_id))
        if payment is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = forms.ReversalForm(request.POST or None)
        if form.is_bound and form.is_valid():
            try:
                reversal = services.reverse_payment(payment=payment, recorded_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                forms.add_service_error(form, error)
            else:
                self.message_user(request, f"Payment {payment} reversed by {reversal}.")
                return redirect("admin:settlements_instalment_change", payment.instalment_id)
        return self._payment_page(request, form, f"Reverse payment {payment}", payment=payment)

    def _payment_page(self, request, form, title, payment=None, instalment=None):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "payment": payment,
            "payment_amount": format_gbp(payment.amount) if payment else "",
            "instalment": instalment,
        }
        return TemplateResponse(request, "admin/settlements/payment/payment_form.html", context)


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
