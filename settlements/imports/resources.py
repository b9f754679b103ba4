"""One django-import-export resource per sheet: its columns, its natural key, and how a row becomes a record.

Rows are matched by natural key (force short name, alliance name, notice's alliance + server + date, settlement's
alliance + payer + payee + agreed date, instalment number, payment reference), so importing a file again finds
every row unchanged and writes nothing. Each record is validated with full_clean(), as the admin does, and saved
in a savepoint of its own, so that a refusal by the database is reported against its row.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from import_export import resources
from import_export.fields import Field

from settlements.models import (
    Alliance,
    Force,
    HeldPayment,
    Instalment,
    Settlement,
    SettlementAdjustment,
    TerminationNotice,
)
from settlements.references import reference_key

from . import widgets as w

SETTLEMENT_KEY = ", ".join(w.SETTLEMENT_COLUMNS)


class SheetResource(resources.ModelResource):
    """Common behaviour: the importing user, natural keys, unchanged rows skipped and reported."""

    # Where an error about a field is shown, when it is not the field's own column.
    columns_of_errors = {}
    # The model's check constraints, each a query in full_clean(): the sheets of many rows leave them to the
    # database, whose refusal is reported against the row in the constraint's own words (run._sentence).
    validate_constraints = True

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        skip_html_diff = True
        use_transactions = True

    def column_of(self, field_name: str) -> str | None:
        if field_name in self.columns_of_errors:
            return self.columns_of_errors[field_name]
        field = self.fields.get(field_name) or next(
            (f for f in self.fields.values() if f.attribute == field_name), None
        )
        return field.column_name if field else None

    def get_instance(self, instance_loader, row):
        """The record with the row's natural key, or None; a key cell that names nothing is that cell's error."""
        key = {}
        for name in self._meta.import_id_fields:
            field = self.fields[name]
            try:
                key[field.attribute] = field.clean(row)
            except ValueError as error:
                raise ValidationError({name: str(error)}) from error
        return self.get_queryset().filter(**key).first()

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        # Related records were found by the widgets, so they exist: Django would look each up again.
        found = [f.attribute for f in self.fields.values() if isinstance(f.widget, w.FOUND) and f.attribute]
        try:
            instance.full_clean(
                exclude=[*errors, *found],
                validate_unique=validate_unique,
                validate_constraints=self.validate_constraints,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        instance._history_user = self.user
        instance._change_reason = "Imported"

    def do_instance_save(self, instance, is_create):
        with transaction.atomic():
            super().do_instance_save(instance, is_create)

    def save_m2m(self, instance, row, **kwargs):
        with transaction.atomic():
            super().save_m2m(instance, row, **kwargs)


class ForceResource(SheetResource):
    short_name = Field(attribute="short_name", column_name="Short name", widget=w.TextWidget())
    name = Field(attribute="name", column_name="Name", widget=w.TextWidget())
    chief_officer = Field(attribute="chief_officer", column_name="Chief officer", widget=w.TextWidget())
    policing_body = Field(attribute="policing_body", column_name="Policing body", widget=w.TextWidget())

    class Meta(SheetResource.Meta):
        model = Force
        fields = ("short_name", "name", "chief_officer", "policing_body")
        import_id_fields = ("short_name",)


class AllianceResource(SheetResource):
    name = Field(attribute="name", column_name="Name", widget=w.TextWidget())
    members = Field(attribute="members", column_name="Members", widget=w.MembersWidget())
    starts_on = Field(attribute="starts_on", column_name="Starts on", widget=w.DateWidget())
    ends_on = Field(attribute="ends_on", column_name="Ends on", widget=w.DateWidget(required=False))
    value = Field(attribute="value", column_name="Value", widget=w.AmountWidget(required=False))
    legal_basis = Field(attribute="legal_basis", column_name="Legal basis", widget=w.TextWidget())
    notes = Field(attribute="notes", column_name="Notes", widget=w.TextWidget())

    class Meta(SheetResource.Meta):
        model = Alliance
        fields = ("name", "members", "starts_on", "ends_on", "value", "legal_basis", "notes")
        import_id_fields = ("name",)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if not instance.legal_basis:
            instance.legal_basis = Alliance._meta.get_field("legal_basis").default
        try:  # the members are saved after the alliance; they are checked with its other columns
            self.fields["members"].clean(row)
        except ValueError as error:
            errors["members"] = [str(error)]
        if errors:
            raise ValidationError(errors)


class NoticeResource(SheetResource):
    alliance = Field(attribute="alliance", column_name="Alliance", widget=w.AllianceWidget())
    served_by = Field(attribute="served_by", column_name="Served by", widget=w.ForceWidget())
    served_on = Field(attribute="served_on", column_name="Served on", widget=w.DateWidget())
    effective_on = Field(attribute="effective_on", column_name="Effective on", widget=w.DateWidget(required=False))
    status = Field(
        attribute="status",
        column_name="Status",
        widget=w.ChoiceWidget(TerminationNotice.Status.choices, default=TerminationNotice.Status.SERVED),
    )
    notes = Field(attribute="notes", column_name="Notes", widget=w.TextWidget())

    class Meta(SheetResource.Meta):
        model = TerminationNotice
        fields = ("alliance", "served_by", "served_on", "effective_on", "status", "notes")
        import_id_fields = ("alliance", "served_by", "served_on")


class SettlementResource(SheetResource):
    alliance = Field(attribute="alliance", column_name="Alliance", widget=w.AllianceWidget())
    payer = Field(attribute="payer", column_name="Payer", widget=w.ForceWidget())
    payee = Field(attribute="payee", column_name="Payee", widget=w.ForceWidget())
    agreed_on = Field(attribute="agreed_on", column_name="Agreed on", widget=w.DateWidget())
    cash_amount = Field(attribute="cash_amount", column_name="Cash amount", widget=w.AmountWidget())
    requested_amount = Field(
        attribute="requested_amount", column_name="Requested amount", widget=w.AmountWidget(required=False)
    )
    recommended_amount = Field(
        attribute="recommended_amount", column_name="Recommended amount", widget=w.AmountWidget(required=False)
    )
    full_and_final = Field(attribute="full_and_final", column_name="Full and final", widget=w.YesNoWidget())
    termination_notice = Field(attribute="termination_notice", column_name="Notice served on", widget=w.NoticeWidget())
    funding_note = Field(attribute="funding_note", column_name="Funding note", widget=w.TextWidget())
    notes = Field(attribute="notes", column_name="Notes", widget=w.TextWidget())

    class Meta(SheetResource.Meta):
        model = Settlement
        fields = (
            "alliance",
            "payer",
            "payee",
            "agreed_on",
            "cash_amount",
            "requested_amount",
            "recommended_amount",
            "full_and_final",
            "termination_notice",
            "funding_note",
            "notes",
        )
        import_id_fields = ("alliance", "payer", "payee", "agreed_on")

    # Its check constraints are the widgets' own rules (amounts above £0.00, dates in range) and clean()'s.
    validate_constraints = False

    def get_queryset(self):
        return Settlement.objects.exclude(status=Settlement.Status.WITHDRAWN)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk is None:  # a draft, with the importing user as its maker: a second person approves it
            instance.status = Settlement.Status.DRAFT
            instance.entered_by = self.user


class SettlementPartResource(SheetResource):
    """A row that belongs to a settlement named by its Alliance, Payer, Payee and Agreed on columns."""

    validate_constraints = False

    settlement = Field(attribute="settlement", column_name="Agreed on", widget=w.SettlementWidget())
    columns_of_errors = {"settlement": SETTLEMENT_KEY}


class AdjustmentResource(SettlementPartResource):
    kind = Field(
        attribute="kind",
        column_name="Kind",
        widget=w.ChoiceWidget(SettlementAdjustment.Kind.choices, default=SettlementAdjustment.Kind.WRITE_OFF),
    )
    description = Field(attribute="description", column_name="Description", widget=w.TextWidget())
    amount = Field(attribute="amount", column_name="Amount", widget=w.AmountWidget())

    class Meta(SheetResource.Meta):
        model = SettlementAdjustment
        fields = ("settlement", "kind", "description", "amount")
        import_id_fields = ("settlement", "description")

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk is None:
            instance.entered_by = self.user


class InstalmentResource(SettlementPartResource):
    number = Field(attribute="number", column_name="Instalment", widget=w.NumberWidget())
    due_on = Field(attribute="due_on", column_name="Due on", widget=w.DateWidget())
    amount = Field(attribute="amount", column_name="Amount", widget=w.AmountWidget())
    funding_source = Field(
        attribute="funding_source",
        column_name="Funding source",
        widget=w.ChoiceWidget(Instalment.FundingSource.choices, default=Instalment.FundingSource.NOT_RECORDED),
    )
    notes = Field(attribute="notes", column_name="Notes", widget=w.TextWidget())

    class Meta(SheetResource.Meta):
        model = Instalment
        fields = ("settlement", "number", "due_on", "amount", "funding_source", "notes")
        import_id_fields = ("settlement", "number")

    def get_queryset(self):
        return Instalment.objects.filter(superseded_by__isnull=True)


class PaymentResource(SettlementPartResource):
    """Historical payments: held with their draft settlement, recorded when it is approved."""

    instalment_number = Field(attribute="instalment_number", column_name="Instalment", widget=w.NumberWidget())
    paid_on = Field(attribute="paid_on", column_name="Paid on", widget=w.DateWidget())
    amount = Field(attribute="amount", column_name="Amount", widget=w.AmountWidget())
    reference = Field(attribute="reference", column_name="Reference", widget=w.TextWidget())

    class Meta(SheetResource.Meta):
        model = HeldPayment
        fields = ("settlement", "instalment_number", "paid_on", "amount", "reference")
        import_id_fields = ("reference",)

    def get_instance(self, instance_loader, row):
        # The reference as a person reads it (references.reference_key): "REM 001" and "rem-001" are one payment.
        key = reference_key(str(row.get("Reference") or ""))
        return HeldPayment.objects.filter(reference_key=key).first() if key else None

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.settlement_id and instance.instalment_number and not errors:
            instalments = instance.settlement.instalments.filter(superseded_by__isnull=True)
            if not instalments.filter(number=instance.instalment_number).exists():
                errors["instalment_number"] = [
                    f"The settlement has no instalment {instance.instalment_number}: add it on the Schedules sheet."
                ]
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk is None:
            instance.held_by = self.user


# The sheets in the order they are imported: each may name records of the sheets before it.
SHEETS = {
    "Forces": ForceResource,
    "Alliances": AllianceResource,
    "Notices": NoticeResource,
    "Settlements": SettlementResource,
    "Adjustments": AdjustmentResource,
    "Schedules": InstalmentResource,
    "Payments": PaymentResource,
}
# Columns each sheet must have; the template of each sheet lists these and the optional ones.
REQUIRED = {
    "Forces": ["Short name", "Name"],
    "Alliances": ["Name", "Members", "Starts on"],
    "Notices": ["Alliance", "Served by", "Served on"],
    "Settlements": ["Alliance", "Payer", "Payee", "Agreed on", "Cash amount"],
    "Adjustments": [*w.SETTLEMENT_COLUMNS, "Description", "Amount"],
    "Schedules": [*w.SETTLEMENT_COLUMNS, "Instalment", "Due on", "Amount"],
    "Payments": [*w.SETTLEMENT_COLUMNS, "Instalment", "Paid on", "Amount", "Reference"],
}


# Every column of each sheet, in the templates' order.
COLUMNS = {
    "Forces": ["Short name", "Name", "Chief officer", "Policing body"],
    "Alliances": ["Name", "Members", "Starts on", "Ends on", "Value", "Legal basis", "Notes"],
    "Notices": ["Alliance", "Served by", "Served on", "Effective on", "Status", "Notes"],
    "Settlements": [
        "Alliance",
        "Payer",
        "Payee",
        "Agreed on",
        "Cash amount",
        "Requested amount",
        "Recommended amount",
        "Full and final",
        "Notice served on",
        "Funding note",
        "Notes",
    ],
    "Adjustments": [*w.SETTLEMENT_COLUMNS, "Kind", "Description", "Amount"],
    "Schedules": [*w.SETTLEMENT_COLUMNS, "Instalment", "Due on", "Amount", "Funding source", "Notes"],
    "Payments": [*w.SETTLEMENT_COLUMNS, "Instalment", "Paid on", "Amount", "Reference"],
}


def columns(sheet: str) -> list[str]:
    """Every column of a sheet, in the template's order."""
    return COLUMNS[sheet]
