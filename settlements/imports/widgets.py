"""Cells read by the same parsers as a person's entry: amounts (money.parse_amount), dates (dates' input formats
and range), references (references.reference_key), forces by short name. Each refusal is a ValueError carrying the
parser's own sentence, which django-import-export reports against the cell's column."""

import contextvars

from django.core.exceptions import ValidationError
from import_export.widgets import ManyToManyWidget, Widget

from settlements.dates import parse_date, uk, validate_in_range
from settlements.models import Alliance, Force, Settlement, TerminationNotice
from settlements.money import format_gbp, parse_amount

SETTLEMENT_COLUMNS = ("Alliance", "Payer", "Payee", "Agreed on")

# Records already found during one import, by natural key: a workbook names the same force, alliance and
# settlement on many rows. Set by run_import for its transaction; only finds are kept, never a miss.
found = contextvars.ContextVar("import_found", default=None)


def _lookup(key, load):
    cache = found.get()
    if cache is not None and key in cache:
        return cache[key]
    record = load()
    if cache is not None and record is not None:
        cache[key] = record
    return record


def _text(value) -> str:
    return "" if value is None else str(value).strip()


class TextWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        return _text(value)

    def render(self, value, obj=None, **kwargs):
        return _text(value)


class AmountWidget(Widget):
    """An amount as finance staff write it: 1,050.00, £10.5m, 270k."""

    def __init__(self, required: bool = True):
        super().__init__()
        self.required = required

    def clean(self, value, row=None, **kwargs):
        if not _text(value) and not self.required:
            return None
        try:
            return parse_amount(_text(value))
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from error

    def render(self, value, obj=None, **kwargs):
        return format_gbp(value) if value is not None else ""


class DateWidget(Widget):
    """A date as 30/03/2020 or 2020-03-30, within the dates this system takes."""

    def __init__(self, required: bool = True):
        super().__init__()
        self.required = required

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            if self.required:
                raise ValueError("Give the date, e.g. 30/03/2020.")
            return None
        day = parse_date(text)
        if day is None:
            raise ValueError(f"“{text[:40]}” is not a date: write it like 31/03/2021 or 2021-03-31.")
        try:
            validate_in_range(day)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from error
        return day

    def render(self, value, obj=None, **kwargs):
        return uk(value) if value else ""


class ChoiceWidget(Widget):
    """One of a model field's choices, by its label or its stored value, in any case."""

    def __init__(self, choices, default=None):
        super().__init__()
        self.by_text = {}
        for value, label in choices:
            self.by_text[str(value).lower()] = value
            self.by_text[str(label).lower()] = value
        self.labels = [label for _value, label in choices]
        self.default = default

    def clean(self, value, row=None, **kwargs):
        text = _text(value).lower()
        if not text and self.default is not None:
            return self.default
        if text not in self.by_text:
            raise ValueError(f"“{_text(value)[:40]}” is not one of: {', '.join(self.labels)}.")
        return self.by_text[text]


class YesNoWidget(Widget):
    ANSWERS = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}

    def clean(self, value, row=None, **kwargs):
        text = _text(value).lower()
        if not text:
            return True
        if text not in self.ANSWERS:
            raise ValueError(f"“{_text(value)[:40]}” is not yes or no.")
        return self.ANSWERS[text]


class ForceWidget(Widget):
    """A force by its short name, as reports name it."""

    def __init__(self, required: bool = True):
        super().__init__()
        self.required = required

    def clean(self, value, row=None, **kwargs):
        name = _text(value)
        if not name:
            if self.required:
                raise ValueError("Give the force's short name, e.g. West Mercia.")
            return None
        force = _lookup(("force", name.lower()), lambda: Force.objects.filter(short_name__iexact=name).first())
        if force is None:
            raise ValueError(f"No force is called “{name[:60]}”: add it on the Forces sheet.")
        return force

    def render(self, value, obj=None, **kwargs):
        return value.short_name if value else ""


class MembersWidget(ManyToManyWidget):
    """Member forces by short name, separated by semicolons: every name must be a force."""

    def __init__(self):
        super().__init__(Force, separator=";", field="short_name")

    def clean(self, value, row=None, **kwargs):
        names = [name.strip() for name in _text(value).split(";") if name.strip()]
        if len(names) < 2:
            raise ValueError("Name at least two member forces, separated by semicolons: West Mercia; Warwickshire.")
        forces = {force.short_name.lower(): force for force in Force.objects.filter(short_name__in=names)}
        missing = [name for name in names if name.lower() not in forces]
        if missing:
            raise ValueError(f"No force is called “{missing[0][:60]}”: add it on the Forces sheet.")
        return [forces[name.lower()] for name in names]


class AllianceWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        name = _text(value)
        if not name:
            raise ValueError("Give the alliance's name.")
        alliance = _lookup(("alliance", name), lambda: Alliance.objects.filter(name=name).first())
        if alliance is None:
            raise ValueError(f"No alliance is called “{name[:80]}”: add it on the Alliances sheet.")
        return alliance

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class NoticeWidget(Widget):
    """The alliance's termination notice served on the date given (empty: none)."""

    def clean(self, value, row=None, **kwargs):
        if not _text(value):
            return None
        served_on = DateWidget().clean(value)
        notice = TerminationNotice.objects.filter(alliance__name=_text(row.get("Alliance")), served_on=served_on)
        if not notice.exists():
            raise ValueError(f"The alliance has no notice served on {uk(served_on)}: add it on the Notices sheet.")
        return notice.first()


class SettlementWidget(Widget):
    """The settlement named by its natural key: the row's Alliance, Payer, Payee and Agreed on."""

    def clean(self, value, row=None, **kwargs):
        alliance, payer, payee = (_text(row.get(column)) for column in SETTLEMENT_COLUMNS[:3])
        agreed_on = DateWidget().clean(row.get("Agreed on"))
        settlement = _lookup(
            ("settlement", alliance, payer.lower(), payee.lower(), agreed_on),
            lambda: (
                Settlement.objects.filter(
                    alliance__name=alliance,
                    payer__short_name__iexact=payer,
                    payee__short_name__iexact=payee,
                    agreed_on=agreed_on,
                )
                .exclude(status=Settlement.Status.WITHDRAWN)
                .first()
            ),
        )
        if settlement is None:
            raise ValueError(
                f"No settlement of {alliance[:80] or '(no alliance)'} from {payer[:40] or '(no payer)'} to "
                f"{payee[:40] or '(no payee)'} agreed on {uk(agreed_on)}: add it on the Settlements sheet."
            )
        return settlement

    def render(self, value, obj=None, **kwargs):
        return str(value) if value else ""


class NumberWidget(Widget):
    """A whole number from 1, as instalments are numbered."""

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if text.endswith(".0"):  # how a spreadsheet may store a whole number
            text = text[:-2]
        if not text.isdigit() or int(text) < 1 or int(text) > 32767:
            raise ValueError(f"“{text[:20]}” is not an instalment number: write a whole number such as 1, 2 or 3.")
        return int(text)


# Widgets that return a record they found: the record exists, so full_clean() need not look it up again.
FOUND = (ForceWidget, AllianceWidget, NoticeWidget, SettlementWidget)
