"""The admin's audit trail: every edit records who and why; past versions are shown, never restored."""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from ...forms import ChangeReasonForm
from .access import NamedFieldsMixin
from .change_page import ChangePageMixin
from .refusals import RefusalsAsMessagesMixin

REASON = "change_reason"


class AuditedAdmin(ChangePageMixin, RefusalsAsMessagesMixin, NamedFieldsMixin, SimpleHistoryAdmin):
    """A ModelAdmin with a history page per record and a reason field on every form."""

    form = ChangeReasonForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f != REASON]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        editable = self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        return [*fieldsets, ("Audit", {"fields": [REASON]})] if editable else fieldsets

    def save_model(self, request, obj, form, change):
        obj._change_reason = form.cleaned_data.get(REASON) or None
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            inline_form.instance._change_reason = form.cleaned_data.get(REASON) or None
        super().save_formset(request, form, formset, change)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history would save a POSTed past version as the current one; the trail is read-only here.
        if request.method != "GET":
            raise PermissionDenied("History is read-only: a past version cannot be restored from here.")
        return super().history_form_view(request, object_id, version_id, extra_context)
