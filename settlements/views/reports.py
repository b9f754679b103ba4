"""The instalment-due, year-end and hosted-service reports, as pages and as exports."""

from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from settlements import exports
from settlements.dates import uk
from settlements.filters import DueFilterForm, HostedFilterForm, YearEndFilterForm
from settlements.reports.awaiting import awaiting_approval, parties_filter
from settlements.reports.hosted import ENDING_SOON_DAYS, hosted_terms
from settlements.reports.instalments_due import INCLUDES_PENDING, matching_instalments, sort_label
from settlements.reports.year_end import year_end_position
from settlements.reports.years import year_status
from settlements.roles import viewer_required

PAGE_SIZE = 50
YEAR_END_PAGE_SIZE = 100


def refused(form) -> HttpResponseBadRequest:
    """An export with bad filters: say which, in plain text."""
    labels = {name: field.label or name for name, field in form.fields.items()}
    lines = [f"{labels.get(name, 'Filters')}: {' '.join(errors)}" for name, errors in form.errors.items()]
    return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")


def bad_filters(request, form, template: str):
    """A report asked for with bad filters: an export says which in plain text, a page shows the form's errors."""
    if request.GET.get("format") in {"csv", "xlsx"}:
        return refused(form)
    return render(request, template, {"form": form}, status=400)


def sort_headings(sort: str) -> dict[str, dict]:
    """Each sortable column's aria-sort state and the sort its heading's link asks for (the other way round if on)."""
    headings = {}
    for key in ("due", "payer", "payee", "amount", "outstanding"):
        state = "ascending" if sort == key else "descending" if sort == f"-{key}" else ""
        headings[key] = {"state": state, "link": f"-{key}" if state == "ascending" else key}
    return headings


@viewer_required
@require_GET
def instalments_due(request):
    form = DueFilterForm(request.GET)
    if not form.is_valid():
        return bad_filters(request, form, "settlements/instalments_due.html")
    filters = form.to_filters()
    filename = exports.filename("instalments-due", filters.as_of, filters.include_pending)
    if form.wants() == "csv":
        return exports.instalments_due_csv(matching_instalments(filters, every_row=True), filename)
    if form.wants() == "xlsx":
        scope = [*filters.describe(), year_status(filters.as_of, filters.include_pending).row]
        return exports.instalments_due_xlsx(matching_instalments(filters, every_row=True), scope, filename)
    rows = matching_instalments(filters)
    count, totals = rows.count_and_totals(filters.as_of)
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = count  # counted with the totals, in the same pass over the rows
    parties = parties_filter(payer=filters.payer, payee=filters.payee, force=filters.force, alliance=filters.alliance)
    context = {
        "form": form,
        "filters": filters,
        "page": paginator.get_page(request.GET.get("page")),
        "totals": totals,
        "awaiting": awaiting_approval(filters.as_of, parties=parties),
        "headings": sort_headings(filters.sort),
        "sorted_by": sort_label(filters.sort),
    }
    return render(request, "settlements/instalments_due.html", context)


@viewer_required
@require_GET
def year_end(request):
    form = YearEndFilterForm(request.GET)
    if not form.is_valid():
        return bad_filters(request, form, "settlements/year_end.html")
    include_pending = form.cleaned_data["include_pending"]
    position = year_end_position(form.financial_year(), include_pending=include_pending)
    filename = exports.filename("year-end", position.as_at, include_pending)
    scope = [("Financial year", str(position.financial_year)), ("As at", uk(position.as_at))]
    if include_pending:
        scope.append(("Includes", INCLUDES_PENDING))
    if form.wants() == "csv":
        table = form.cleaned_data.get("table") or "settlements"
        return exports.year_end_csv(position, table, f"{filename}-{table}")
    if form.wants() == "xlsx":
        status = year_status(position.as_at, include_pending)
        return exports.year_end_xlsx(position, [*scope, status.row], filename)
    page = Paginator(position.settlements, YEAR_END_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "position": position,
        "page": page,
        "scope": scope,
        "awaiting": awaiting_approval(position.as_at),
    }
    return render(request, "settlements/year_end.html", context)


@viewer_required
@require_GET
def hosted_services(request):
    form = HostedFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "settlements/hosted_services.html", {"form": form}, status=400)
    as_of, force = form.as_of_date(), form.cleaned_data.get("force")
    terms = hosted_terms(as_of, force)
    context = {
        "form": form,
        "as_of": as_of,
        "force": force,
        "terms": terms,
        "scope": form.describe(),
        "ending_soon_days": ENDING_SOON_DAYS,
    }
    return render(request, "settlements/hosted_services.html", context)
