"""The import page's form: a workbook or CSV file, and what a CSV file holds."""

from django import forms

from .resources import SHEETS


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Workbook or CSV file",
        help_text="An Excel workbook (.xlsx) with a sheet per kind of record, or a CSV file of one kind.",
    )
    csv_sheet = forms.ChoiceField(
        label="A CSV file holds",
        choices=[("", "(a workbook: its sheets say)"), *((name, name) for name in SHEETS)],
        required=False,
        help_text="Only for a CSV file: which kind of record its rows are.",
    )
