"""Admin links to the settlement page, and to Record a payment from each instalment that can still be paid."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.html import format_html

from ... import models
from ...roles import perm


def record_payment_link(instalment) -> str:
    """A link to Record a payment with the instalment chosen, on rows annotated `payable`; empty otherwise."""
    if not getattr(instalment, "payable", False):
        return ""
    url = f"{reverse('admin:settlements_payment_add')}?instalment={instalment.pk}"
    return format_html(
        # Named in full for a screen reader: a hidden span would stick out of the list's scrolling box.
        '<a href="{}" aria-label="Record payment against instalment {}">Record payment</a>',
        url,
        instalment.number,
    )


def with_payable(queryset):
    """Annotate `payable`: whether a payment may still be recorded against the row (payable, not yet paid)."""
    return queryset.annotate(payable=Exists(models.Instalment.objects.payable().unpaid().filter(pk=OuterRef("pk"))))


class SettlementPageLinkMixin:
    """The settlement list gains a column, beside each settlement's name, linking it to its whole picture."""

    def get_list_display(self, request):
        first, *rest = super().get_list_display(request)
        return [first, "whole_picture", *rest]

    @admin.display(description="whole picture")
    def whole_picture(self, obj):
        return format_html(
            '<a href="{}" aria-label="View the whole picture of {}">View</a>',
            reverse("settlement", args=[obj.pk]),
            obj,
        )


class RecordPaymentColumnMixin:
    """The instalment list gains a column with Record payment on each row that can still be paid, and the page of an
    instalment that can be paid a Record a payment button."""

    def change_page_context(self, request, obj):
        payable = obj is not None and models.Instalment.objects.payable().filter(pk=obj.pk).exists()
        return {"can_record_payment": payable, **super().change_page_context(request, obj)}

    def get_queryset(self, request):
        return with_payable(super().get_queryset(request))

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return [*shown, "record_payment"] if request.user.has_perm(perm("add_payment")) else shown

    @admin.display(description="payment")
    def record_payment(self, obj):
        return record_payment_link(obj)


class RecordPaymentInlineMixin:
    """The schedule on a settlement's page gains Record payment on each row that can still be paid."""

    def get_queryset(self, request):
        return with_payable(super().get_queryset(request))

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and obj.is_approved() and request.user.has_perm(perm("add_payment")):
            fields.append("record_payment")
        return fields

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "record_payment"]

    @admin.display(description="payment")
    def record_payment(self, obj):
        return record_payment_link(obj)
