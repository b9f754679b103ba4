"""The admin's answer to a refusal: a message on the page, never a server error, and no lost update.

Every audited admin gets these: a delete offered only where the model rule would allow it (so bulk
"Delete selected" and inline delete boxes are refused before anything is deleted), a refusal from a
database trigger shown as the rule's own words, and a save refused when the record (or the settlement it
belongs to) changed after the page was loaded, for instance by a concurrent approval.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.shortcuts import redirect

from ... import immutability, triggers, versions

STALE = "changed since you opened it (someone saved or approved it meanwhile); reload the page and review it again."


def versioned(form_class, obj):
    """The admin form of `obj`, carrying the version it was read at and refusing to save over a newer one."""
    if obj is None or versions.seen_token(obj) is None:
        return form_class

    class VersionedForm(form_class):
        seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["seen_version"].initial = versions.seen_token(self.instance)

        def clean(self):
            cleaned = super().clean()
            seen = cleaned.get("seen_version")
            # The lock is held until the admin's transaction ends, so the check and the save are one step.
            if seen is not None and not versions.lock_and_compare(self.instance, seen):
                raise ValidationError(f"This {self.instance._meta.verbose_name} {STALE}", code="stale_version")
            return cleaned

    return VersionedForm


class RefusalsAsMessagesMixin:
    def get_form(self, request, obj=None, **kwargs):
        if "form" not in kwargs:
            kwargs["form"] = versioned(self.form, obj)
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        named = {name for _title, options in fieldsets for name in options["fields"]}
        if obj is None or versions.seen_token(obj) is None or "seen_version" in named:
            return fieldsets
        if not self.has_change_permission(request, obj):
            return fieldsets
        return [*fieldsets, (None, {"fields": ["seen_version"], "classes": ["hidden"]})]

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or immutability.delete_refusal(obj) is None)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, DatabaseError) as error:
            return self._refused(request, error)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except (ValidationError, DatabaseError) as error:
            return self._refused(request, error)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except (ValidationError, DatabaseError) as error:
            return self._refused(request, error)

    def _refused(self, request, error):
        message = triggers.explain(error)
        if message is None:
            raise error
        self.message_user(request, message, messages.ERROR)
        return redirect(request.get_full_path())
