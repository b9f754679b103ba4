"""Forms for generating and revising schedules and for recording and reversing payments."""

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from djmoney.money import Money

from .dates import UKDateField, parse_date, uk, validate_in_range
from .fiscal import LABEL_PATTERN, FinancialYear
from .models import Alliance, Force, Instalment
from .money import AmountField, format_gbp, from_pence, parse_amount, to_pence
from .services import EvenSplit, ExplicitAmounts, schedule_has_history, validate_schedule_total
from .services.schedules import MAX_INSTALMENTS

LINE_PATTERN = re.compile(r"^\s*(?P<when>[^,\s]+)\s*[,\s]\s*(?P<amount>\S.*?)\s*$")
LINES_HELP = (
    "One instalment a line: a date or a financial year, a comma, then the amount, e.g. "
    "“2020/21, £6,500,000.00” or “30/04/2020, £6,500,000.00”. An amount for a financial year falls due on "
    "its last day, 31 March."
)


def parse_when(text: str) -> date | FinancialYear:
    """A due date (30/04/2020) or a financial year (2020/21)."""
    if LABEL_PATTERN.match(text):
        try:
            return FinancialYear.parse(text)
        except ValueError as error:
            raise ValidationError(str(error)) from error
    day = parse_date(text)
    if day is None:
        raise ValidationError(f"“{text}” is neither a date like 30/04/2020 nor a financial year like 2020/21.")
    validate_in_range(day)
    return day


def parse_lines(text: str) -> tuple[tuple[date | FinancialYear, Money], ...]:
    """Every non-empty line as (date or financial year, amount); all the errors at once, by line number."""
    lines, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = LINE_PATTERN.match(line)
        if not match:
            errors.append(f"Line {number}: give a date or a financial year, then an amount.")
            continue
        try:
            lines.append((parse_when(match["when"]), parse_amount(match["amount"])))
        except ValidationError as error:
            errors.append(f"Line {number}: {error.messages[0]}")
    if errors:
        raise ValidationError(errors)
    if not lines:
        raise ValidationError("Give at least one line.")
    return tuple(lines)


class ScheduleTermsForm(forms.Form):
    """How to make the instalments: equal ones at a regular interval, or amounts line by line."""

    EVEN, EXPLICIT = "even", "explicit"

    method = forms.ChoiceField(
        choices=[(EVEN, "Equal instalments at a regular interval"), (EXPLICIT, "Amounts by date or financial year")],
        widget=forms.RadioSelect,
        initial=EVEN,
    )
    count = forms.IntegerField(label="Number of instalments", min_value=1, max_value=MAX_INSTALMENTS, required=False)
    every_months = forms.IntegerField(label="Every (months)", min_value=1, max_value=120, required=False)
    first_due_on = UKDateField(label="First due on", required=False, help_text="e.g. 30/04/2020")
    lines = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False, help_text=LINES_HELP)
    funding_source = forms.ChoiceField(
        choices=Instalment.FundingSource.choices, initial=Instalment.FundingSource.NOT_RECORDED
    )
    reserve_name = forms.CharField(max_length=120, required=False, help_text="The earmarked reserve, where named.")

    def clean(self):
        data = super().clean()
        if data.get("method") == self.EVEN:
            missing = [name for name in ("count", "every_months", "first_due_on") if data.get(name) is None]
            for name in missing:
                if name not in self.errors:
                    self.add_error(name, "Needed for equal instalments.")
            if not missing:
                data["terms"] = EvenSplit(data["count"], data["every_months"], data["first_due_on"])
        elif data.get("method") == self.EXPLICIT:
            try:
                data["terms"] = ExplicitAmounts(parse_lines(data.get("lines", "")))
            except ValidationError as error:
                self.add_error("lines", error)
        return data

    def schedule_arguments(self) -> dict:
        data = self.cleaned_data
        return {"terms": data["terms"], "funding_source": data["funding_source"], "reserve_name": data["reserve_name"]}


class RevisionForm(ScheduleTermsForm):
    """New terms for the unpaid remainder, and why and by whose decision the schedule changes."""

    revised_on = UKDateField(label="Revised on", help_text="e.g. 01/09/2020")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    decision_reference = forms.CharField(
        max_length=120, help_text="The decision that approved it, e.g. a board minute or a signed variation."
    )

    field_order = ["revised_on", "reason", "decision_reference"]

    def revision_arguments(self) -> dict:
        return {key: self.cleaned_data[key] for key in ("revised_on", "reason", "decision_reference")}


class OfferedInstalments(ModelChoiceIterator):
    """The choices a field lists, from a narrower queryset than the one it accepts."""

    def __init__(self, field, queryset):
        super().__init__(field)
        self.queryset = queryset


class InstalmentChoiceField(forms.ModelChoiceField):
    """An instalment named with its due date and what is still outstanding on it."""

    def label_from_instance(self, obj):
        outstanding = from_pence(to_pence(obj.amount) - obj.paid_to_date_pence)
        return f"{obj}: due {uk(obj.due_on)}, {format_gbp(outstanding)} outstanding of {format_gbp(obj.amount)}"


class PaymentForm(forms.Form):
    # Only what can be paid: an approved settlement's current schedule, never a replaced or proposed instalment.
    # The list offers only those with something outstanding; a paid one is still accepted, so that the same payment
    # sent again reaches the payment service, which answers that it is already recorded.
    instalment = InstalmentChoiceField(
        queryset=Instalment.objects.payable().select_related("settlement__payer", "settlement__payee"),
        help_text="Only instalments with something outstanding, in the approved schedule in force, are listed.",
    )
    paid_on = UKDateField(label="Paid on", help_text="e.g. 30/04/2020")
    amount = AmountField(help_text="e.g. 1,250,000.00, £1.25m or £270k; no more than is outstanding.")
    reference = forms.CharField(max_length=80, help_text="The remittance or ledger reference; it must be unique.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offered = Instalment.objects.payable().unpaid().select_related("settlement__payer", "settlement__payee")
        field = self.fields["instalment"]
        field.widget.choices = OfferedInstalments(field, offered.order_by("due_on", "settlement", "number", "pk"))

    def chosen_instalment(self):
        """The instalment chosen (or asked for in the address), with its balances, or None."""
        pk = self["instalment"].value()
        if not str(pk or "").isdigit():
            return None
        chosen = Instalment.objects.payable().filter(pk=pk).with_balances().select_related("settlement__payer")
        return chosen.select_related("settlement__payee").first()


class ReversalForm(forms.Form):
    reversed_on = UKDateField(label="Reversed on", help_text="e.g. 30/04/2020")
    reason = forms.CharField(max_length=255, help_text="Why the payment is reversed.")
    reference = forms.CharField(max_length=80, help_text="The reference of the reversing entry; it must be unique.")


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on a field the form has, otherwise above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class ChangeReasonForm(forms.ModelForm):
    """A model form with the optional reason that goes into the record's history."""

    change_reason = forms.CharField(
        label="Reason for this change",
        required=False,
        max_length=100,
        help_text="Optional; kept with this change in the record's history.",
    )


class InstalmentAdminForm(ChangeReasonForm):
    """A single instalment added on its own page must still leave the schedule adding up."""

    class Meta:
        model = Instalment
        fields = ["settlement", "number", "due_on", "amount", "funding_source", "reserve_name", "notes"]

    def clean(self):
        data = super().clean()
        settlement, amount = data.get("settlement"), data.get("amount")
        if self.instance.pk is None and settlement is not None and isinstance(amount, Money):
            if schedule_has_history(settlement):
                raise ValidationError("This settlement's schedule has payments or revisions: use Revise schedule.")
            others = [instalment.amount for instalment in settlement.instalments.current()]
            validate_schedule_total(cash_amount=settlement.cash_amount, amounts=[*others, amount])
        return data


class AllianceAdminForm(ChangeReasonForm):
    """A force that pays or receives under one of the alliance's settlements stays one of its members."""

    class Meta:
        model = Alliance
        fields = "__all__"  # noqa: DJ007 - the admin page chooses which fields it shows

    def clean(self):
        data = super().clean()
        members = data.get("members")
        if self.instance.pk is None or members is None:
            return data
        parties = Force.objects.filter(
            Q(settlements_paid__alliance=self.instance) | Q(settlements_received__alliance=self.instance)
        ).distinct()
        leaving = [force for force in parties if force not in members]
        if leaving:
            names = ", ".join(str(force) for force in leaving)
            self.add_error(
                "members",
                f"{names} pays or receives under a settlement of {self.instance}, so it stays a member of it.",
            )
        return data


class DecisionForm(forms.Form):
    """Confirm a decision on the version of the record shown on the page."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_version(self):
        version = self.cleaned_data.get("version")
        if version is None:
            raise ValidationError("Open the record's review page and confirm from there: nothing was decided.")
        return version

    def clean(self):
        data = super().clean()
        if "version" in self.errors:
            # A hidden field's error shows with the form's own.
            self.add_error(None, self.errors.pop("version"))
        return data


class ReasonedDecisionForm(DecisionForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Kept with the record and in its history.",
    )
