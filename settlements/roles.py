"""Who may do what: the three roles (Django groups), their permissions, and the checks views use.

Superusers are left as Django makes them: they hold every permission.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied

VIEWER = "viewer"
FINANCE_EDITOR = "finance_editor"
FINANCE_APPROVER = "finance_approver"
ROLES = (VIEWER, FINANCE_EDITOR, FINANCE_APPROVER)

DOMAIN_MODELS = (
    "force",
    "alliance",
    "terminationnotice",
    "hostedservice",
    "settlement",
    "settlementadjustment",
    "schedulerevision",
    "instalment",
    "payment",
    "document",
)
# Everyone sees which years are closed; only approvers close and reopen them.
VIEW_ALL = (*(f"view_{model}" for model in DOMAIN_MODELS), "view_yearclosing", "view_heldpayment")

APPROVE_SETTLEMENT = "approve_settlement"
APPROVE_SCHEDULE_REVISION = "approve_schedulerevision"
VIEW_AUDIT = "view_audit"
CLOSE_FINANCIAL_YEAR = "close_financial_year"

# Codenames in the settlements app held by each role. Nobody but a superuser deletes: mistakes are
# corrected by a reversal or a schedule revision, so the record of what happened stays.
ROLE_PERMISSIONS = {
    VIEWER: VIEW_ALL,
    FINANCE_EDITOR: VIEW_ALL + tuple(f"{action}_{model}" for model in DOMAIN_MODELS for action in ("add", "change")),
    FINANCE_APPROVER: (
        *VIEW_ALL,
        APPROVE_SETTLEMENT,
        APPROVE_SCHEDULE_REVISION,
        VIEW_AUDIT,
        "view_documentdownload",
        CLOSE_FINANCIAL_YEAR,
    ),
}


def perm(codename: str) -> str:
    return f"settlements.{codename}"


def can_view_reports(user) -> bool:
    """The dashboard, reports and exports: any role (or a superuser)."""
    return user.is_authenticated and user.is_active and user.has_perm(perm("view_settlement"))


def can_view_audit(user) -> bool:
    """The recent-changes page: finance managers (superusers, approvers, or anyone given view_audit)."""
    return user.is_authenticated and user.is_active and user.has_perm(perm(VIEW_AUDIT))


def can_approve_settlement(user) -> bool:
    return user.is_active and user.has_perm(perm(APPROVE_SETTLEMENT))


def can_approve_schedule_revision(user) -> bool:
    return user.is_active and user.has_perm(perm(APPROVE_SCHEDULE_REVISION))


def can_close_financial_year(user) -> bool:
    """Close and reopen financial years: finance approvers (and superusers)."""
    return user.is_active and user.has_perm(perm(CLOSE_FINANCIAL_YEAR))


def sync_role_groups(apps) -> None:
    """Create or update the role groups with exactly their permissions (`apps` may be a migration's)."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    known = _codenames_of_models(apps)
    for role, all_codenames in ROLE_PERMISSIONS.items():
        # An earlier migration's state lacks the models added after it: their permissions come later.
        codenames = [codename for codename in all_codenames if codename in known]
        group, _ = group_model.objects.get_or_create(name=role)
        permissions = permission_model.objects.filter(content_type__app_label="settlements", codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise LookupError(f"Permissions missing for role {role}: {', '.join(sorted(missing))}")
        group.permissions.set(permissions)


def _codenames_of_models(apps) -> set[str]:
    """Every permission codename of the settlements models that exist in `apps` (a migration's state)."""
    codenames = set()
    for model in apps.get_app_config("settlements").get_models():
        opts = model._meta
        codenames.update(f"{action}_{opts.model_name}" for action in opts.default_permissions)
        codenames.update(codename for codename, _ in opts.permissions)
    return codenames


def _require(check, request) -> None:
    if not check(request.user):
        raise PermissionDenied("Your account does not have a role that allows this page.")


def role_required(check):
    """Decorate a function view: it runs only if `check(request.user)`, else 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            _require(check, request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Viewer or better (sign-in is already enforced by middleware); finance managers only.
viewer_required = role_required(can_view_reports)
audit_viewer_required = role_required(can_view_audit)


class ViewerRequiredMixin:
    """For class-based pages: viewer or better, else 403."""

    def dispatch(self, request, *args, **kwargs):
        _require(can_view_reports, request)
        return super().dispatch(request, *args, **kwargs)
