"""Record a payment and Reverse a payment: the payment admin's own pages, which write through the payment services
(a payment is never edited or deleted)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from ... import forms, models, services
from ...dates import uk
from ...money import format_gbp


def payment_recorded_message(payment: models.Payment, created: bool) -> str:
    """What the person is told after Record payment: a repeated reference recorded nothing new."""
    if created:
        return f"Payment {payment} of {format_gbp(payment.amount)} recorded."
    by = payment.recorded_by.get_username() if payment.recorded_by else "an unrecorded user"
    return (
        f"Payment {payment} of {format_gbp(payment.amount)}, paid on {uk(payment.paid_on)}, was already "
        f"recorded on {uk(timezone.localtime(payment.recorded_at))} by {by}; nothing new was recorded."
    )


class PaymentPagesMixin:
    """The payment admin's add page is Record a payment; each payment has a Reverse page."""

    def get_urls(self):
        reverse_page = self.admin_site.admin_view(self.reverse_view)
        return [
            path("<path:object_id>/reverse/", reverse_page, name="settlements_payment_reverse"),
            *super().get_urls(),
        ]

    @admin.action(description="Reverse the selected payment")
    def reverse_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose one payment to reverse.", messages.WARNING)
            return None
        return redirect("admin:settlements_payment_reverse", queryset.get().pk)

    def change_page_context(self, request, obj):
        context = {"can_reverse": obj is not None and obj.can_be_reversed()}
        return {**context, **super().change_page_context(request, obj)}

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = forms.PaymentForm(request.POST or None, initial={"instalment": request.GET.get("instalment")})
        if form.is_bound and form.is_valid():
            try:
                payment, created = services.record_payment_once(recorded_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                forms.add_service_error(form, error)
            else:
                level = messages.SUCCESS if created else messages.WARNING
                self.message_user(request, payment_recorded_message(payment, created), level)
                return redirect("admin:settlements_instalment_change", payment.instalment_id)
        return self._payment_page(request, form, "Record a payment", instalment=form.chosen_instalment())

    def reverse_view(self, request, object_id):
        payment = self.get_object(request, unquote(object_id))
        if payment is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = forms.ReversalForm(request.POST or None)
        if form.is_bound and form.is_valid():
            try:
                reversal = services.reverse_payment(payment=payment, recorded_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                forms.add_service_error(form, error)
            else:
                self.message_user(request, f"Payment {payment} reversed by {reversal}.")
                return redirect("admin:settlements_instalment_change", payment.instalment_id)
        return self._payment_page(request, form, f"Reverse payment {payment}", payment=payment)

    def _payment_page(self, request, form, title, payment=None, instalment=None):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "payment": payment,
            "payment_amount": format_gbp(payment.amount) if payment else "",
            "instalment": instalment,
        }
        return TemplateResponse(request, "admin/settlements/payment/payment_form.html", context)
