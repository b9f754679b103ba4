"""Reads of the audit trail: recent changes to every domain model, with before and after per field."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from djmoney.models.fields import CurrencyField
from djmoney.money import Money

from settlements import models as domain
from settlements.money import format_gbp

AUDITED_MODELS = {
    model._meta.model_name: model
    for model in (
        domain.Force,
        domain.Alliance,
        domain.TerminationNotice,
        domain.HostedService,
        domain.Settlement,
        domain.SettlementAdjustment,
        domain.ScheduleRevision,
        domain.Instalment,
        domain.Payment,
        domain.YearClosing,
    )
}
ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
EMPTY = "(empty)"


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Change:
    when: datetime
    user: str
    model: str
    record: str
    action: str
    reason: str
    fields: list[FieldChange]
    history_url: str


def recent_changes(*, user_id=None, model_name: str = "", date_from: date | None = None, date_to: date | None = None):
    """History rows of every audited model, newest first, as one chainable values() query (for paging)."""
    filters = {}
    if user_id is not None:
        filters["history_user_id"] = user_id
    if date_from is not None:
        filters["history_date__date__gte"] = date_from
    if date_to is not None:
        filters["history_date__date__lte"] = date_to
    chosen = [AUDITED_MODELS[model_name]] if model_name else AUDITED_MODELS.values()
    queries = [
        model.history.filter(**filters)
        .order_by()
        .values("history_id", "history_date", model_name=models.Value(model._meta.model_name, models.CharField()))
        for model in chosen
    ]
    return queries[0].union(*queries[1:], all=True).order_by("-history_date", "-history_id")


def describe(rows) -> list[Change]:
    """Who, when, what and why for one page of recent_changes() rows."""
    records = _load_records(rows)
    names = _related_names(records.values())
    return [_change(records[(row["model_name"], row["history_id"])], names) for row in rows]


def _load_records(rows) -> dict:
    """Each historical record on the page with `previous` set to the version before it (a query per model)."""
    ids_by_model = defaultdict(list)
    for row in rows:
        ids_by_model[row["model_name"]].append(row["history_id"])
    records = {}
    for model_name, history_ids in ids_by_model.items():
        history = AUDITED_MODELS[model_name].history
        page = {r.history_id: r for r in history.filter(history_id__in=history_ids).select_related("history_user")}
        versions = defaultdict(list)
        for version in history.filter(id__in={r.id for r in page.values()}).order_by("history_date", "history_id"):
            versions[version.id].append(version)
        for history_id, record in page.items():
            chain = [v.history_id for v in versions[record.id]]
            position = chain.index(history_id)
            record.previous = versions[record.id][position - 1] if position else None
            records[(model_name, history_id)] = record
    return records


def _tracked_fields(model):
    # Only what the history keeps: a settlement's version number, for one, is not a change anyone made.
    kept = {f.name for f in model.history.model._meta.concrete_fields}
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not isinstance(f, CurrencyField) and f.name in kept
    ]


def _related_names(records) -> dict:
    """Names of the records that foreign keys on the page point at, fetched once per related model."""
    wanted = defaultdict(set)
    for record in records:
        for version in (record, record.previous):
            for field in _tracked_fields(record.instance_type) if version else ():
                if field.is_relation and getattr(version, field.attname) is not None:
                    wanted[field.related_model].add(getattr(version, field.attname))
    return {
        (model, pk): str(obj) for model, pks in wanted.items() for pk, obj in model._base_manager.in_bulk(pks).items()
    }


def _show(field, value, names) -> str:
    if value is None or value == "":
        return EMPTY
    if field.is_relation:
        return names.get((field.related_model, value), f"#{value} (deleted)")
    if isinstance(value, Money):
        return format_gbp(value)
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _stated_reason(record) -> str:
    """A revision or a reversal states its own reason when it is made."""
    return getattr(record, "reason", "") if record.history_type == "+" else ""


def _change(record, names) -> Change:
    model = record.instance_type
    fields = []
    for field in _tracked_fields(model):
        after = getattr(record, field.attname)
        before = getattr(record.previous, field.attname) if record.previous else None
        if record.history_type == "-" or (record.previous is not None and before == after):
            continue
        if record.previous is None and after in (None, ""):
            continue
        fields.append(FieldChange(str(field.verbose_name), _show(field, before, names), _show(field, after, names)))
    return Change(
        when=record.history_date,
        user=record.history_user.get_username() if record.history_user else "(system)",
        model=str(model._meta.verbose_name),
        record=str(record.history_object) if record.history_type != "-" else f"{record.history_object} (deleted)",
        action=ACTIONS[record.history_type],
        reason=record.history_change_reason or _stated_reason(record),
        fields=fields,
        history_url=reverse(f"admin:settlements_{model._meta.model_name}_history", args=[record.id]),
    )
