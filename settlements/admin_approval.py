"""Approval in the admin: an action on the list and a button on the record, both calling the approval services."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse

from . import roles
from .services import approvals


class ApprovalAdminMixin:
    """Shared by the settlement and schedule revision admins; subclasses name the service and the rule."""

    actions = ["approve_selected"]
    change_form_template = "admin/settlements/approval_change_form.html"
    maker_field = ""

    def approve(self, obj, user):
        raise NotImplementedError

    def can_approve(self, user) -> bool:
        raise NotImplementedError

    def is_approved(self, obj) -> bool:
        raise NotImplementedError

    def has_approve_permission(self, request) -> bool:
        return self.can_approve(request.user)

    def save_model(self, request, obj, form, change):
        if not change and getattr(obj, f"{self.maker_field}_id") is None:
            setattr(obj, self.maker_field, request.user)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        # An adjustment added on the page is entered by whoever saves it: a maker of the settlement.
        for inline_form in formset.forms:
            instance = inline_form.instance
            if instance.pk is None and hasattr(instance, "entered_by_id") and instance.entered_by_id is None:
                instance.entered_by = request.user
        super().save_formset(request, form, formset, change)

    @admin.action(description="Approve the selected %(verbose_name_plural)s", permissions=["approve"])
    def approve_selected(self, request, queryset):
        for obj in queryset:
            self.approve_with_message(request, obj)

    def approve_with_message(self, request, obj) -> None:
        try:
            self.approve(obj, request.user)
        except approvals.ApprovalRefused as refusal:
            self.message_user(request, f"{obj} was not approved: {refusal}", messages.ERROR)
        except ValidationError as error:
            self.message_user(request, f"{obj} was not approved: {' '.join(error.messages)}", messages.ERROR)
        else:
            self.message_user(request, f"{obj} is approved.", messages.SUCCESS)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_approve"
        approve = path("<path:object_id>/approve/", self.admin_site.admin_view(self.approve_view), name=name)
        return [approve, *super().get_urls()]

    def approve_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_approve_permission(request):
            raise PermissionDenied("Approving needs the finance approver role.")
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        # Approve the version the approver saw (the page sends it), not whatever is stored by the time they press.
        seen = request.POST.get("version", "")
        if seen:
            obj.version = int(seen) if seen.isdigit() else None
        self.approve_with_message(request, obj)
        return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        show = obj is not None and not self.is_approved(obj) and self.has_approve_permission(request)
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "show_approve": show})


class SettlementApprovalMixin(ApprovalAdminMixin):
    maker_field = "entered_by"

    def approve(self, obj, user):
        approvals.approve_settlement(settlement=obj, approved_by=user)

    def can_approve(self, user) -> bool:
        return roles.can_approve_settlement(user)

    def is_approved(self, obj) -> bool:
        return obj.is_approved()


class ScheduleRevisionApprovalMixin(ApprovalAdminMixin):
    maker_field = "created_by"

    def approve(self, obj, user):
        approvals.approve_schedule_revision(revision=obj, approved_by=user)

    def can_approve(self, user) -> bool:
        return roles.can_approve_schedule_revision(user)

    def is_approved(self, obj) -> bool:
        return obj.approved_at is not None
