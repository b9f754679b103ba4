"""Closed financial years in the admin: the list of closings, read-only; a year is closed and reopened on the
pages of mixins.year_pages. The rules live in settlements.dating and the services; the lock on the records a
closed year holds is in mixins.locks."""

from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.admin import SimpleHistoryAdmin

from ..models import YearClosing
from .mixins.locks import ReadOnlyMixin
from .mixins.year_pages import YearPagesMixin


@admin.register(YearClosing)
class YearClosingAdmin(YearPagesMixin, ReadOnlyMixin, SimpleHistoryAdmin):
    """Read-only: a year is closed with "Close a financial year", which checks the order of years."""

    change_list_template = "admin/settlements/yearclosing/change_list.html"
    change_form_template = "admin/settlements/yearclosing/change_form.html"
    list_display = ["__str__", "state", "closed_on", "closed_by", "note", "reopened_on", "reopened_by", "reopen_reason"]
    list_select_related = ["closed_by", "reopened_by"]
    fields = ["state", "closed_on", "closed_by", "note", "reopened_on", "reopened_by", "reopen_reason"]
    readonly_fields = fields

    @admin.display(description="state")
    def state(self, obj):
        return "Closed" if obj.is_closed else "Open (reopened)"

    @admin.display(description="closed on", ordering="closed_at")
    def closed_on(self, obj):
        return date_format(timezone.localtime(obj.closed_at), "j F Y, H:i")

    @admin.display(description="reopened on", ordering="reopened_at")
    def reopened_on(self, obj):
        return date_format(timezone.localtime(obj.reopened_at), "j F Y, H:i") if obj.reopened_at else "-"
