"""Admin fields a screen reader can name: each box of an amount, and every input of an inline row."""

from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet
from django.utils.text import capfirst
from djmoney.forms.widgets import MoneyWidget


def name_field(field, name: str) -> None:
    """Give a form field's inputs an accessible name; an amount's number box and currency list each their own."""
    widget = field.widget
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget  # the wrapper's attrs are shared with the form class, the inner widget's are not
    if isinstance(widget, MoneyWidget):
        # Django labels neither box of a MultiWidget: its label points at no input.
        amount, currency = widget.widgets
        amount.attrs["aria-label"] = name
        currency.attrs["aria-label"] = f"{name}: currency"
    elif not widget.is_hidden:
        widget.attrs["aria-label"] = name


class NamedFieldsMixin:
    """A ModelAdmin whose amount fields have a name for each of their two boxes."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, MoneyWidget):
            name_field(field, capfirst(field.label or db_field.verbose_name))
        return field


class NamedInlineFormSet(BaseInlineFormSet):
    """Inline rows show their labels only as column headers, so each input is named for its row and column."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        noun = capfirst(self.model._meta.verbose_name)
        row = f"{noun} {index + 1}" if index is not None else f"New {self.model._meta.verbose_name}"
        for name, field in form.fields.items():
            label = "Delete" if name == DELETION_FIELD_NAME else capfirst(field.label or name)
            name_field(field, f"{row}: {label}")


class NamedTabularInline(admin.TabularInline):
    """A tabular inline whose inputs have names (axe: label, select-name) and whose header cells all have text."""

    formset = NamedInlineFormSet
    template = "admin/settlements/edit_inline/tabular.html"
