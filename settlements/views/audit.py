"""The recent-changes page: who changed what, when and why, for finance managers."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from settlements import audit
from settlements.dates import UKDateField
from settlements.roles import audit_viewer_required

PAGE_SIZE = 25


class RecentChangesFilter(forms.Form):
    user = forms.ModelChoiceField(
        label="Who", queryset=get_user_model().objects.order_by("username"), required=False, empty_label="Anyone"
    )
    model = forms.ChoiceField(
        label="Record type",
        required=False,
        choices=[("", "All records")]
        + [(name, str(model._meta.verbose_name).capitalize()) for name, model in audit.AUDITED_MODELS.items()],
    )
    date_from = UKDateField(label="From", required=False, help_text="For example 31/03/2021.")
    date_to = UKDateField(label="To", required=False, help_text="For example 31/03/2021.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "The From date must be on or before the To date.")
        return cleaned


@audit_viewer_required
@require_GET
def recent_changes(request):
    form = RecentChangesFilter(request.GET)
    if not form.is_valid():
        return render(request, "settlements/recent_changes.html", {"form": form}, status=400)
    filters = form.cleaned_data
    rows = audit.recent_changes(
        user_id=filters["user"].pk if filters.get("user") else None,
        model_name=filters.get("model", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "changes": audit.describe(page.object_list)}
    return render(request, "settlements/recent_changes.html", context)
