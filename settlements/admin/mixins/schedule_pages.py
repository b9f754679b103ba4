"""Generate schedule and Revise schedule on a settlement's page: preview the instalments, then save the unchanged
preview through the schedule services."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from ... import forms, models, services
from ...money import format_gbp, from_pence
from ...reports.balances import current_schedule


def plan_table(plan: services.SchedulePlan) -> list[dict]:
    return [
        {"number": r.number, "due_on": r.due_on, "financial_year": r.financial_year, "amount": format_gbp(r.amount)}
        for r in plan.rows
    ]


def schedule_table(settlement: models.Settlement, as_of) -> list[dict]:
    """The current schedule as of a date; `stays` marks instalments a revision keeps."""
    kept = {i.pk for i in services.split_schedule(settlement)[0]}
    return [
        {
            "number": i.number,
            "due_on": i.due_on,
            "financial_year": i.financial_year,
            "amount": format_gbp(i.amount),
            "paid": format_gbp(from_pence(i.paid_pence)),
            "outstanding": format_gbp(from_pence(i.outstanding_pence)),
            "status": models.Instalment.Status(i.status).label,
            "stays": i.pk in kept,
        }
        for i in current_schedule(settlement=settlement, as_of=as_of).order_by("due_on", "number")
    ]


class SchedulePagesMixin:
    """The settlement admin's Generate schedule and Revise schedule pages."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/generate-schedule/",
                view(self.generate_schedule_view),
                name="settlements_settlement_generate_schedule",
            ),
            path(
                "<path:object_id>/revise-schedule/",
                view(self.revise_schedule_view),
                name="settlements_settlement_revise_schedule",
            ),
            *super().get_urls(),
        ]

    def generate_schedule_view(self, request, object_id):
        return self._schedule_page(request, object_id, forms.ScheduleTermsForm, revision=False)

    def revise_schedule_view(self, request, object_id):
        return self._schedule_page(request, object_id, forms.RevisionForm, revision=True)

    def _schedule_page(self, request, object_id, form_class, *, revision: bool):
        """Preview the instalments; save them only when "Save this schedule" is pressed on an unchanged preview."""
        settlement = self.get_object(request, unquote(object_id))
        if settlement is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, settlement):
            raise PermissionDenied
        form, plan = form_class(request.POST or None), None
        if form.is_bound and form.is_valid():
            preview = services.preview_revision if revision else services.preview_schedule
            try:
                plan = preview(settlement=settlement, **form.schedule_arguments())
                if "confirm" in request.POST and request.POST.get("digest") == plan.digest:
                    self._confirm_schedule(request, settlement, form, revision=revision)
                    return redirect("admin:settlements_settlement_change", settlement.pk)
                if "confirm" in request.POST:
                    messages.warning(
                        request, "The schedule differs from the preview: check it, then press “Save this schedule”."
                    )
            except ValidationError as error:
                forms.add_service_error(form, error)
                plan = None
        context = {
            **self.admin_site.each_context(request),
            "title": "Revise schedule" if revision else "Generate schedule",
            "opts": self.opts,
            "original": settlement,
            "form": form,
            "revision": revision,
            "cash_amount": format_gbp(settlement.cash_amount),
            "current": schedule_table(settlement, timezone.localdate()),
            "plan": plan_table(plan) if plan else None,
            "plan_total": format_gbp(plan.total) if plan else None,
            "digest": plan.digest if plan else "",
        }
        return TemplateResponse(request, "admin/settlements/settlement/schedule_form.html", context)

    def _confirm_schedule(self, request, settlement, form, *, revision: bool) -> None:
        arguments = {"settlement": settlement, "created_by": request.user, **form.schedule_arguments()}
        if revision:
            saved = services.revise_schedule(**arguments, **form.revision_arguments())
            self.message_user(request, f"{saved} saved.", messages.SUCCESS)
        else:
            saved = services.confirm_schedule(**arguments)
            self.message_user(request, f"Schedule of {len(saved)} instalments saved.", messages.SUCCESS)
