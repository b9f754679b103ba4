"""Forms that read the filters of the dashboard and the reports from the query string."""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator

from settlements.dates import UKDateField
from settlements.fiscal import FinancialYear
from settlements.models import Alliance, Force, Instalment
from settlements.reports.instalments_due import DueFilters

FORMATS = [("html", "Web page"), ("csv", "CSV"), ("xlsx", "Excel (XLSX)")]
FORMAT_MESSAGE = "“%(value)s” is not a format: use html, csv or xlsx."


def date_filter(label: str, help_text: str = "For example 31/03/2021.") -> UKDateField:
    # A text box, not the browser's date picker, which shows dates in the browser's language (03/31/2021).
    return UKDateField(label=label, required=False, help_text=help_text)


def include_pending_field() -> forms.BooleanField:
    """The one way to count what awaits approval; off unless ticked."""
    return forms.BooleanField(
        label="Include drafts and requests awaiting approval",
        required=False,
        help_text="Counted as if approved. Left out, they are shown apart.",
    )


class ForceChoiceField(forms.ModelChoiceField):
    """A force chosen by its short name, as the reports name forces."""

    def label_from_instance(self, obj):
        return obj.short_name


class ListedOnce(BaseChoiceIterator):
    """A field's choices read from the database once, however many fields of the form list them."""

    def __init__(self, field: forms.ModelChoiceField):
        self.field, self.listed = field, None

    def __iter__(self):
        if self.listed is None:
            self.listed = list(iter(ModelChoiceIterator(self.field)))  # iter(): list() would count them first
        yield from self.listed


def force_field(label: str) -> ForceChoiceField:
    return ForceChoiceField(
        label=label,
        required=False,
        queryset=Force.objects.order_by("short_name"),
        to_field_name="short_name",
        empty_label="Any force",
        error_messages={"invalid_choice": "No force has the short name “%(value)s”: choose one from the list."},
    )


class FinancialYearField(forms.CharField):
    """A label such as 2020/21, cleaned to a FinancialYear."""

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return FinancialYear.parse(text)
        except ValueError as error:
            raise forms.ValidationError(f"{error}.", code="invalid") from error

    def prepare_value(self, value):
        return str(value) if isinstance(value, FinancialYear) else value


class AsOfForm(forms.Form):
    """Every page is as of a date, today unless given."""

    as_of = date_filter("As of", "For example 31/03/2021; today if empty. Payments count up to this day.")
    format = forms.ChoiceField(
        choices=FORMATS, required=False, widget=forms.HiddenInput, error_messages={"invalid_choice": FORMAT_MESSAGE}
    )

    def as_of_date(self):
        return self.cleaned_data.get("as_of") or timezone.localdate()

    def wants(self) -> str:
        return self.cleaned_data.get("format") or "html"


class DashboardFilterForm(AsOfForm):
    force = force_field("From the point of view of")
    include_pending = include_pending_field()


class HostedFilterForm(AsOfForm):
    force = force_field("Provider or recipient")

    def describe(self) -> list[tuple[str, str]]:
        """The date and force the page answers for, as (name, value) pairs for the page's scope."""
        scope = [("As of", f"{self.as_of_date():%d/%m/%Y}")]
        force = self.cleaned_data.get("force")
        return [*scope, ("Provider or recipient", force.short_name)] if force else scope

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_of"].help_text = "For example 31/03/2021; today if empty. Months remaining count from it."


# Beyond this many alliances the filter takes an id: a longer list costs more to send than the report itself.
ALLIANCES_LISTED = 200


class AllianceWidget(forms.Select):
    """A list of alliance names while they are few, an id box beyond; read only when the page is drawn."""

    def render(self, name, value, attrs=None, renderer=None):
        names = list(Alliance.objects.order_by("name").values_list("pk", "name")[: ALLIANCES_LISTED + 1])
        if len(names) > ALLIANCES_LISTED:
            box = forms.TextInput(attrs={"inputmode": "numeric", "size": 8, "autocomplete": "off"})
            return box.render(name, value, attrs, renderer)
        self.choices = [("", "Any alliance"), *names]
        return super().render(name, value, attrs, renderer)


class DueFilterForm(AsOfForm):
    status = forms.MultipleChoiceField(
        label="Status",
        required=False,
        choices=Instalment.Status.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "“%(value)s” is not a status: use upcoming, part_paid, overdue or paid."},
    )
    payer = force_field("Payer")
    payee = force_field("Payee")
    force = force_field("Force on either side")
    alliance = forms.ModelChoiceField(
        label="Alliance",
        required=False,
        queryset=Alliance.objects.order_by("name"),
        empty_label="Any alliance",
        widget=AllianceWidget,
        help_text="Where there are too many to list, its id, as in the address of its admin page.",
        error_messages={"invalid_choice": "No alliance has the id “%(value)s”."},
    )
    fy = FinancialYearField(label="Financial year", required=False, help_text="For example 2020/21.")
    include_pending = include_pending_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so it cannot be declared as a class attribute.
        self.fields["from"] = date_filter("Due from")
        self.fields["to"] = date_filter("Due to")
        self.fields["fy"].widget.attrs.update(size=8, autocomplete="off")
        forces = ListedOnce(self.fields["payer"])
        for name in ("payer", "payee", "force"):
            self.fields[name].widget.choices = forces
        self.order_fields(
            ["as_of", "from", "to", "fy", "status", "payer", "payee", "force", "alliance", "include_pending"]
        )

    def clean(self):
        data = super().clean()
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            self.add_error("to", "“Due to” must be on or after “Due from”.")
        return data

    def to_filters(self) -> DueFilters:
        data = self.cleaned_data
        return DueFilters(
            as_of=self.as_of_date(),
            due_from=data.get("from"),
            due_to=data.get("to"),
            financial_year=data.get("fy"),
            statuses=tuple(data.get("status") or ()),
            payer=data.get("payer"),
            payee=data.get("payee"),
            force=data.get("force"),
            alliance=data.get("alliance"),
            include_pending=bool(data.get("include_pending")),
        )


class YearEndFilterForm(forms.Form):
    fy = FinancialYearField(label="Financial year", required=False, help_text="For example 2019/20.")
    include_pending = include_pending_field()
    table = forms.ChoiceField(
        choices=[("settlements", "By settlement"), ("forces", "By force")],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "“%(value)s” is not a table: use settlements or forces."},
    )
    format = forms.ChoiceField(
        choices=FORMATS, required=False, widget=forms.HiddenInput, error_messages={"invalid_choice": FORMAT_MESSAGE}
    )

    def financial_year(self) -> FinancialYear:
        """The year asked for, or the last one to have ended."""
        return self.cleaned_data.get("fy") or FinancialYear.for_date(timezone.localdate()).previous()

    def wants(self) -> str:
        return self.cleaned_data.get("format") or "html"


class SettlementAsAtForm(AsOfForm):
    """The settlement page's date: its schedule, balances and statuses as they stood that day."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_of"].label = "As at"
        self.fields[
            "as_of"
        ].help_text = (
            "For example 31/03/2021. Payments count when made on or before this day, a revision from its date."
        )
