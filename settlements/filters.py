"""Forms that read the filters of the dashboard and the reports from the query string."""

from django import forms
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html, format_html_join

from settlements.dates import UKDateField, uk
from settlements.fiscal import FinancialYear
from settlements.models import Alliance, Force, Instalment
from settlements.reports.instalments_due import DEFAULT_SORT, DueFilters, sort_key
from settlements.reports.year_end import latest_year_with_outstanding

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
        scope = [("As of", uk(self.as_of_date()))]
        force = self.cleaned_data.get("force")
        return [*scope, ("Provider or recipient", force.short_name)] if force else scope

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_of"].help_text = "For example 31/03/2021; today if empty. Months remaining count from it."


# Beyond this many alliances the filter is a box that suggests names as they are typed, not a list to scroll.
ALLIANCES_LISTED = 30
# The type-ahead suggests at most this many names (the first in alphabetical order); any name can be typed.
ALLIANCES_SUGGESTED = 2000


class SearchInput(forms.TextInput):
    input_type = "search"


class AllianceWidget(forms.Select):
    """A list of alliance names while they are few, a box with a type-ahead of names beyond; read when drawn."""

    def render(self, name, value, attrs=None, renderer=None):
        names = list(Alliance.objects.order_by("name").values_list("pk", "name")[: ALLIANCES_SUGGESTED + 1])
        if len(names) <= ALLIANCES_LISTED:
            self.choices = [("", "Any alliance"), *names]
            return super().render(name, value, attrs, renderer)
        by_pk = dict(names)
        shown = by_pk.get(int(value), value) if str(value or "").isdigit() else value
        suggestions = f"{(attrs or {}).get('id', name)}_names"
        box = forms.TextInput(attrs={"list": suggestions, "size": 30, "autocomplete": "off"})
        options = format_html_join("", '<option value="{}"></option>', ((n,) for _pk, n in names[:ALLIANCES_SUGGESTED]))
        return box.render(name, shown, attrs, renderer) + format_html(
            '<datalist id="{}">{}</datalist>', suggestions, options
        )


class AllianceChoiceField(forms.ModelChoiceField):
    """An alliance by its name, as typed in the box, or as the list sends it (its id)."""

    def to_python(self, value):
        text = str(value or "").strip()
        if not text:
            return None
        match = Q(name=text) | Q(pk=int(text)) if text.isdigit() and len(text) < 10 else Q(name=text)
        found = sorted(self.queryset.filter(match), key=lambda alliance: alliance.name != text)
        if not found:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text}
            )
        return found[0]


class DueFilterForm(AsOfForm):
    FIELD_ORDER = ["q", "as_of", "from", "to", "fy", "status", "payer", "payee", "force", "alliance", "include_paid"]
    FIELD_ORDER += ["include_pending", "sort"]

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
    alliance = AllianceChoiceField(
        label="Alliance",
        required=False,
        queryset=Alliance.objects.order_by("name"),
        empty_label="Any alliance",
        widget=AllianceWidget,
        help_text="Choose from the list, or type the start of its name.",
        error_messages={"invalid_choice": "No alliance is called “%(value)s”: choose one from the list."},
    )
    fy = FinancialYearField(label="Financial year", required=False, help_text="For example 2020/21.")
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=SearchInput(attrs={"autocomplete": "off"}),
        help_text="Part of an alliance's or a force's name, or of a payment reference.",
    )
    include_paid = forms.BooleanField(
        label="Include paid instalments",
        required=False,
        help_text="Left out unless ticked, or unless “Paid” is chosen as a status.",
    )
    include_pending = include_pending_field()
    # Set by the column headings' links; kept by the filters so that filtering does not lose the order.
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so it cannot be declared as a class attribute.
        self.fields["from"] = date_filter("Due from")
        self.fields["to"] = date_filter("Due to")
        self.fields["fy"].widget.attrs.update(size=8, autocomplete="off")
        forces = ListedOnce(self.fields["payer"])
        for name in ("payer", "payee", "force"):
            self.fields[name].widget.choices = forces
        self.order_fields(self.FIELD_ORDER)

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
            search=data.get("q") or "",
            include_paid=bool(data.get("include_paid")),
            sort=sort_key(data.get("sort") or DEFAULT_SORT),
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
        """The year asked for, or the latest to have ended with something outstanding at its 31 March."""
        year = self.cleaned_data.get("fy")
        if year is None:
            include_pending = bool(self.cleaned_data.get("include_pending"))
            year = latest_year_with_outstanding(timezone.localdate(), include_pending=include_pending)
            # The box shows the year the page is about, as if it had been typed.
            self.data = self.data.copy()
            self.data["fy"] = str(year)
        return year

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
