"""One settlement's whole picture, as a page, a printed statement and an Excel workbook."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from settlements import exports
from settlements.dates import uk
from settlements.filters import SettlementAsAtForm
from settlements.models import Document, Settlement
from settlements.reports.settlement import allowed_actions, settlement_picture
from settlements.reports.years import year_status
from settlements.roles import viewer_required
from settlements.settlement_xlsx import settlement_xlsx
from settlements.views.reports import refused


@viewer_required
@require_GET
def settlement(request, pk: int):
    data = request.GET.copy()
    if not data.get("as_of"):
        data["as_of"] = uk(timezone.localdate())  # the box shows the date the page is as at
    form = SettlementAsAtForm(data)
    if not form.is_valid():
        if request.GET.get("format") == "xlsx":
            return refused(form)
        if not Settlement.objects.filter(pk=pk).exists():
            raise Http404("No settlement has this number.")
        return render(request, "settlements/settlement.html", {"form": form}, status=400)
    try:
        picture = settlement_picture(pk, form.as_of_date())
    except Settlement.DoesNotExist as missing:
        raise Http404("No settlement has this number.") from missing
    if form.wants() == "xlsx":
        filename = exports.filename(f"settlement-{pk}", picture.as_of, include_pending=False)
        return settlement_xlsx(picture, year_status(picture.as_of).row, filename)
    context = {
        "form": form,
        "picture": picture,
        "actions": allowed_actions(picture, request.user),
        "documents": list(Document.objects.about_settlement(picture.settlement)),
    }
    return render(request, "settlements/settlement.html", context)
