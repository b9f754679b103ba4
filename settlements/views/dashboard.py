"""The finance dashboard."""

from django.shortcuts import render

from settlements.charts import year_chart
from settlements.filters import DashboardFilterForm
from settlements.reports.dashboard import dashboard as dashboard_report
from settlements.roles import viewer_required


@viewer_required
def dashboard(request):
    form = DashboardFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "settlements/dashboard.html", {"form": form}, status=400)
    board = dashboard_report(
        form.as_of_date(), form.cleaned_data.get("force"), include_pending=form.cleaned_data["include_pending"]
    )
    context = {"form": form, "board": board, "chart": year_chart(board.years)}
    return render(request, "settlements/dashboard.html", context)
