"""Decisions in the admin: approve, reject and withdraw, each on a page that shows what is decided and asks to confirm.

GET shows the record as the approver will approve it (a settlement's terms, adjustments and schedule with who
entered each; a revision's schedule before and after) and a form carrying the version seen; POST decides, through
the approval services, only if nothing changed since: otherwise it is refused and the page shown again. A button
shows only to the roles that can use it, and Approve not at all to one of the settlement's makers, who is told why.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from ... import forms, roles, triggers, versions
from ...reports import review
from ...services import approvals, makers


@dataclass(frozen=True)
class Decision:
    """One decision a record can take: its page, who may take it, when it applies, and the service that takes it."""

    name: str  # the URL's last part and name: approve, reject, withdraw
    label: str  # the button: "Approve"
    done: str  # "approved"
    allowed: Callable  # (user) -> bool: the role
    applies: Callable  # (obj) -> bool: the record is in a state this decision can move
    act: Callable  # (obj, user, reason) -> None
    needs_reason: bool = False
    checks_makers: bool = False


class DecisionsAdminMixin:
    """Review pages for a model's decisions; subclasses list them in `decisions()` and fill `review_context()`."""

    actions = ["approve_selected"]
    change_form_template = "admin/settlements/approval_change_form.html"
    review_template = ""
    maker_field = ""

    def decisions(self) -> list[Decision]:
        raise NotImplementedError

    def review_context(self, obj) -> dict:
        raise NotImplementedError

    def settlement_of(self, obj):
        return obj.settlement

    def decision(self, name: str) -> Decision:
        return next(d for d in self.decisions() if d.name == name)

    def has_approve_permission(self, request) -> bool:
        return self.decision("approve").allowed(request.user)

    def decision_url_name(self, name: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{name}"

    def get_urls(self):
        pages = [
            path(
                f"<path:object_id>/{d.name}/",
                self.admin_site.admin_view(self._page(d.name)),
                name=self.decision_url_name(d.name),
            )
            for d in self.decisions()
        ]
        return [*pages, *super().get_urls()]

    def _page(self, name):
        def view(request, object_id):
            return self.decision_view(request, object_id, self.decision(name))

        return view

    def save_model(self, request, obj, form, change):
        if self.maker_field and not change and getattr(obj, f"{self.maker_field}_id") is None:
            setattr(obj, self.maker_field, request.user)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        # An adjustment added on the page is entered by whoever saves it: a maker of the settlement.
        for inline_form in formset.forms:
            instance = inline_form.instance
            if instance.pk is None and hasattr(instance, "entered_by_id") and instance.entered_by_id is None:
                instance.entered_by = request.user
        super().save_formset(request, form, formset, change)

    @admin.action(description="Review the selected %(verbose_name)s for approval", permissions=["approve"])
    def approve_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, "Choose one to review: an approval is of what you have seen on its page.", messages.WARNING
            )
            return None
        return redirect(f"admin:{self.decision_url_name('approve')}", queryset.get().pk)

    # The change page's buttons

    def decision_links(self, request, obj) -> list[dict]:
        links = []
        for d in self.decisions():
            if not (d.allowed(request.user) and d.applies(obj)):
                continue
            if d.checks_makers and self.maker_acts(request.user, obj):
                continue
            url = reverse(f"admin:{self.decision_url_name(d.name)}", args=[obj.pk])
            links.append({"label": d.label, "url": url, "name": d.name})
        return links

    def _may_approve_now(self, user, obj) -> bool:
        approve = self.decision("approve")
        return approve.allowed(user) and approve.applies(obj)

    def maker_acts(self, user, obj):
        return makers.acts_of(user, self.settlement_of(obj))

    def maker_reason(self, user, obj) -> str:
        acts = self.maker_acts(user, obj)
        return f"You {acts[0]}, so someone else must approve it (maker-checker: four eyes)." if acts else ""

    def change_page_context(self, request, obj):
        links = self.decision_links(request, obj) if obj is not None else []
        shown = obj is not None and request.method == "GET" and self._may_approve_now(request.user, obj)
        if shown and (reason := self.maker_reason(request.user, obj)):
            messages.info(request, reason)
        context = {"decision_links": links, "show_approve": bool(links)}
        return {**context, **super().change_page_context(request, obj)}

    # The decision pages

    def decision_view(self, request, object_id, decision: Decision):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not decision.allowed(request.user):
            raise PermissionDenied(f"{decision.label} needs a role that your account does not have.")
        form_class = forms.ReasonedDecisionForm if decision.needs_reason else forms.DecisionForm
        data = request.POST if request.method == "POST" else None
        form = form_class(data, initial={"version": versions.seen_token(obj)})
        if request.method == "POST" and form.is_valid():
            if self._decide(request, obj, decision, form.cleaned_data):
                return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", obj.pk)
            return redirect(request.path)
        blocked = self.maker_reason(request.user, obj) if decision.checks_makers else ""
        context = {
            **self.admin_site.each_context(request),
            **self.review_context(obj),
            "title": f"{decision.label}: {obj}",
            "opts": self.opts,
            "original": obj,
            "decision": decision,
            "form": form,
            "blocked": blocked,
            "open": decision.applies(obj) and not blocked,
            "state": self.state_of(obj),
        }
        return TemplateResponse(request, self.review_template, context)

    def state_of(self, obj) -> str:
        return obj.get_status_display()

    def _decide(self, request, obj, decision: Decision, data) -> bool:
        """Take the decision on the version seen; say how it went. True when it was taken."""
        try:
            with transaction.atomic():
                if not versions.lock_and_compare(obj, data["version"]):
                    raise ValidationError(
                        f"{obj} changed since you opened it; review it again before you {decision.label.lower()} it."
                    )
                if hasattr(obj, "version"):
                    obj.version = data["version"]
                decision.act(obj, request.user, data.get("reason", ""))
        except approvals.ApprovalRefused as refusal:
            self.message_user(request, f"{obj} was not {decision.done}: {refusal}", messages.ERROR)
        except (ValidationError, DatabaseError) as error:
            explained = triggers.explain(error)
            if explained is None:
                raise
            self.message_user(request, f"{obj} was not {decision.done}: {explained}", messages.ERROR)
        else:
            self.message_user(request, f"{obj} is {decision.done}.", messages.SUCCESS)
            return True
        return False


def _approver(user) -> bool:
    return roles.can_approve_settlement(user)


def _revision_approver(user) -> bool:
    return roles.can_approve_schedule_revision(user)


def _withdrawer(user) -> bool:
    return roles.can_approve_settlement(user) or user.has_perm(roles.perm("change_settlement"))


def approving(allowed: Callable, applies: Callable, act: Callable) -> Decision:
    """Approve: never by one of the settlement's makers (four eyes)."""
    return Decision("approve", "Approve", "approved", allowed, applies, act, checks_makers=True)


def rejecting(allowed: Callable, applies: Callable, act: Callable) -> Decision:
    """Reject a request, with the reason kept on it."""
    return Decision("reject", "Reject", "rejected", allowed, applies, act, needs_reason=True)


class SettlementApprovalMixin(DecisionsAdminMixin):
    maker_field = "entered_by"
    review_template = "admin/settlements/review/settlement.html"

    def settlement_of(self, obj):
        return obj

    def decisions(self):
        return [
            approving(
                _approver,
                lambda s: s.is_draft(),
                lambda s, user, reason: approvals.approve_settlement(settlement=s, approved_by=user),
            ),
            Decision(
                "withdraw",
                "Withdraw",
                "withdrawn",
                _withdrawer,
                lambda s: s.is_draft(),
                lambda s, user, reason: approvals.withdraw_settlement(settlement=s, withdrawn_by=user, reason=reason),
                needs_reason=True,
            ),
        ]

    def review_context(self, obj):
        return {"review": review.settlement_review(obj)}


class ScheduleRevisionApprovalMixin(DecisionsAdminMixin):
    maker_field = "created_by"
    review_template = "admin/settlements/review/revision.html"

    def decisions(self):
        def pending(revision):
            return revision.is_pending()

        return [
            approving(
                _revision_approver,
                pending,
                lambda r, user, reason: approvals.approve_schedule_revision(revision=r, approved_by=user),
            ),
            rejecting(
                _revision_approver,
                pending,
                lambda r, user, reason: approvals.reject_schedule_revision(revision=r, rejected_by=user, reason=reason),
            ),
        ]

    def review_context(self, obj):
        found = review.revision_review(obj)
        schedules = [
            (f"Before revision {obj.sequence}", found.before, found.before_totals, "Change"),
            (f"After revision {obj.sequence}", found.after, found.after_totals, "Change"),
        ]
        return {"review": found, "schedules": schedules}


class AdjustmentApprovalMixin(DecisionsAdminMixin):
    """An adjustment requested on an approved settlement; on a draft it is approved with its settlement."""

    maker_field = "entered_by"
    review_template = "admin/settlements/review/adjustment.html"

    def decisions(self):
        def requested(adjustment):
            return adjustment.is_pending() and adjustment.settlement.is_approved()

        return [
            approving(
                _approver,
                requested,
                lambda a, user, reason: approvals.approve_adjustment(adjustment=a, approved_by=user),
            ),
            rejecting(
                _approver,
                requested,
                lambda a, user, reason: approvals.reject_adjustment(adjustment=a, rejected_by=user, reason=reason),
            ),
        ]

    def review_context(self, obj):
        return {"review": review.adjustment_review(obj)}

    def state_of(self, obj):
        if obj.is_pending() and not obj.settlement.is_approved():
            return "Part of a draft settlement: it is approved with the settlement."
        return obj.get_status_display()
