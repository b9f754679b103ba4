"""Close a financial year and Reopen it: the year closing admin's own pages (finance approvers only), which write
through the year services."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from ... import roles, services
from ...fiscal import FinancialYear
from ...forms import add_service_error


class CloseYearForm(forms.Form):
    financial_year = forms.CharField(label="Financial year", max_length=7, help_text="e.g. 2020/21")
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, e.g. accounts signed by the auditors on 30/09/2021.",
    )

    def clean_financial_year(self):
        try:
            return FinancialYear.parse(self.cleaned_data["financial_year"])
        except ValueError as error:
            raise ValidationError(str(error)) from error


class ReopenYearForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Why the year is reopened.")


class YearPagesMixin:
    """The year closing list gains Close a financial year, and a closed year's page Reopen this year."""

    def may_close(self, request) -> bool:
        return roles.can_close_financial_year(request.user)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("close/", view(self.close_view), name="settlements_yearclosing_close"),
            path("<path:object_id>/reopen/", view(self.reopen_view), name="settlements_yearclosing_reopen"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "may_close": self.may_close(request)})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "may_close": self.may_close(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def close_view(self, request):
        if not self.may_close(request):
            raise PermissionDenied("Closing a financial year needs the finance approver role.")
        form = CloseYearForm(request.POST or None)
        if form.is_bound and form.is_valid():
            try:
                closing = services.close_financial_year(
                    financial_year=form.cleaned_data["financial_year"],
                    closed_by=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            except PermissionDenied as refusal:
                form.add_error(None, str(refusal))
            else:
                self.message_user(request, closing.describe(), messages.SUCCESS)
                return redirect("admin:settlements_yearclosing_changelist")
        return self._form_page(request, form, "Close a financial year")

    def reopen_view(self, request, object_id):
        if not self.may_close(request):
            raise PermissionDenied("Reopening a financial year needs the finance approver role.")
        closing = self.get_object(request, unquote(object_id))
        if closing is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = ReopenYearForm(request.POST or None)
        if form.is_bound and form.is_valid():
            try:
                services.reopen_financial_year(
                    financial_year=closing.financial_year, reopened_by=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                add_service_error(form, error)
            except PermissionDenied as refusal:
                form.add_error(None, str(refusal))
            else:
                self.message_user(request, f"Financial year {closing.financial_year} is open again.", messages.SUCCESS)
                return redirect("admin:settlements_yearclosing_changelist")
        return self._form_page(request, form, f"Reopen financial year {closing.financial_year}", closing)

    def _form_page(self, request, form, title, closing=None):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "closing": closing,
            "original": closing,
        }
        return TemplateResponse(request, "admin/settlements/yearclosing/year_form.html", context)
