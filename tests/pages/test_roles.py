"""The role groups exist with exactly their permissions, and the checks that pages use agree with them."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View

from settlements import roles
from tests.access_helpers import NO_ROLE, SUPERUSER, make_user

pytestmark = pytest.mark.django_db


def codenames(group: Group) -> set[str]:
    return set(group.permissions.values_list("codename", flat=True))


@pytest.mark.parametrize("role", roles.ROLES)
def test_the_migration_creates_each_role_with_exactly_its_permissions(role):
    assert codenames(Group.objects.get(name=role)) == set(roles.ROLE_PERMISSIONS[role])


def test_a_viewer_may_only_look():
    held = codenames(Group.objects.get(name=roles.VIEWER))
    assert held and all(codename.startswith("view_") for codename in held)
    assert roles.VIEW_AUDIT not in held


def test_an_editor_adds_and_changes_but_never_deletes_or_approves():
    held = codenames(Group.objects.get(name=roles.FINANCE_EDITOR))
    assert {"add_payment", "change_settlement", "add_schedulerevision", "change_alliance"} <= held
    assert not any(codename.startswith(("delete_", "approve_")) for codename in held)


def test_an_approver_approves_and_reads_the_audit_but_changes_nothing():
    held = codenames(Group.objects.get(name=roles.FINANCE_APPROVER))
    assert {roles.APPROVE_SETTLEMENT, roles.APPROVE_SCHEDULE_REVISION, roles.VIEW_AUDIT} <= held
    assert not any(codename.startswith(("add_", "change_", "delete_")) for codename in held)


def test_the_approval_and_audit_permissions_are_declared_on_the_models():
    declared = set(Permission.objects.values_list("content_type__model", "codename"))
    assert {
        ("settlement", "approve_settlement"),
        ("schedulerevision", "approve_schedulerevision"),
        ("settlement", "view_audit"),
    } <= declared


@pytest.mark.parametrize(
    ("role", "reports", "audit", "approve"),
    [
        (roles.VIEWER, True, False, False),
        (roles.FINANCE_EDITOR, True, False, False),
        (roles.FINANCE_APPROVER, True, True, True),
        (SUPERUSER, True, True, True),
        (NO_ROLE, False, False, False),
    ],
)
def test_each_role_answers_the_checks_the_pages_use(role, reports, audit, approve):
    user = make_user(role)
    assert roles.can_view_reports(user) is reports
    assert roles.can_view_audit(user) is audit
    assert roles.can_approve_settlement(user) is approve
    assert roles.can_approve_schedule_revision(user) is approve


def test_an_anonymous_or_deactivated_user_passes_no_check():
    user = make_user(roles.FINANCE_APPROVER)
    user.is_active = False
    assert not roles.can_view_reports(AnonymousUser())
    assert not roles.can_view_reports(user)
    assert not roles.can_approve_settlement(user)


def test_syncing_the_groups_restores_a_role_someone_changed():
    viewer = Group.objects.get(name=roles.VIEWER)
    viewer.permissions.add(Permission.objects.get(codename="delete_payment"))
    viewer.permissions.remove(Permission.objects.get(codename="view_payment"))
    roles.sync_role_groups(apps)
    assert codenames(viewer) == set(roles.VIEW_ALL)


def test_the_viewer_decorator_refuses_a_user_without_a_role():
    page = roles.viewer_required(lambda request: HttpResponse("ok"))
    request = RequestFactory().get("/")
    request.user = make_user(NO_ROLE)
    with pytest.raises(PermissionDenied):
        page(request)
    request.user = make_user(roles.VIEWER)
    assert page(request).content == b"ok"


def test_the_viewer_mixin_refuses_a_user_without_a_role():
    class Page(roles.ViewerRequiredMixin, View):
        def get(self, request):
            return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.user = make_user(NO_ROLE)
    with pytest.raises(PermissionDenied):
        Page.as_view()(request)
    request.user = make_user(roles.FINANCE_EDITOR)
    assert Page.as_view()(request).content == b"ok"


def test_set_role_creates_a_staff_user_with_exactly_one_role():
    email = "alice@example.police.uk"
    call_command("set_role", "alice", roles.FINANCE_EDITOR, "--create", "--email", email, stdout=StringIO())
    call_command("set_role", "alice", roles.FINANCE_APPROVER, stdout=StringIO())
    alice = User.objects.get(username="alice")
    assert alice.is_staff and not alice.is_superuser and not alice.has_usable_password()
    assert list(alice.groups.values_list("name", flat=True)) == [roles.FINANCE_APPROVER]


def test_set_role_refuses_an_unknown_user_without_create():
    with pytest.raises(CommandError, match="add --create"):
        call_command("set_role", "nobody", roles.VIEWER)
