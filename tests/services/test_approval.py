"""Approval of settlements and schedule revisions, and maker-checker: nobody approves their own entry."""

from datetime import UTC, date, datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from settlements import roles
from settlements.models import ScheduleRevision, Settlement
from settlements.services import ApprovalRefused, approve_schedule_revision, approve_settlement
from tests.access_helpers import SUPERUSER, make_user
from tests.factories import SettlementFactory

pytestmark = pytest.mark.django_db

AS_OF = datetime(2020, 3, 31, 9, 30, tzinfo=UTC)


@pytest.fixture
def editor():
    return make_user(roles.FINANCE_EDITOR)


@pytest.fixture
def approver():
    return make_user(roles.FINANCE_APPROVER)


@pytest.fixture
def draft(editor):
    return SettlementFactory(status=Settlement.Status.DRAFT, entered_by=editor)


def revision_by(user) -> ScheduleRevision:
    return ScheduleRevision.objects.create(
        settlement=SettlementFactory(),
        sequence=1,
        revised_on=date(2020, 9, 1),
        reason="Payment period extended to 16 months",
        decision_reference="Joint board minute 2020/14",
        created_by=user,
    )


def test_an_approver_approves_a_settlement_someone_else_entered(draft, approver):
    approved = approve_settlement(settlement=draft, approved_by=approver, as_of=AS_OF)
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.approved_at) == (Settlement.Status.APPROVED, approver, AS_OF)
    assert approved.is_approved()
    latest = draft.history.first()
    assert (latest.history_user, latest.history_change_reason) == (approver, "Approved")


def test_an_approver_cannot_approve_a_settlement_they_entered(approver):
    own = SettlementFactory(status=Settlement.Status.DRAFT, entered_by=approver)
    with pytest.raises(ApprovalRefused, match="someone else must approve it"):
        approve_settlement(settlement=own, approved_by=approver)
    own.refresh_from_db()
    assert own.status == Settlement.Status.DRAFT


def test_whoever_last_changed_a_settlement_cannot_approve_it(draft, approver):
    other_approver = make_user(roles.FINANCE_APPROVER, "second_approver")
    draft.notes = "Figures checked against the signed agreement"
    draft._history_user = approver
    draft.save()
    with pytest.raises(ApprovalRefused, match="You changed the settlement on"):
        approve_settlement(settlement=draft, approved_by=approver)
    assert approve_settlement(settlement=draft, approved_by=other_approver).approved_by == other_approver


def test_a_superuser_is_held_to_maker_checker_too(editor):
    boss = make_user(SUPERUSER)
    own = SettlementFactory(status=Settlement.Status.DRAFT, entered_by=boss)
    with pytest.raises(ApprovalRefused):
        approve_settlement(settlement=own, approved_by=boss)


@pytest.mark.parametrize("role", [roles.VIEWER, roles.FINANCE_EDITOR])
def test_only_an_approver_may_approve(draft, role):
    with pytest.raises(ApprovalRefused) as refusal:
        approve_settlement(settlement=draft, approved_by=make_user(role, "someone"))
    assert str(refusal.value) == "someone may not approve a settlement: that needs the finance approver role."


def test_a_settlement_is_approved_once(draft, approver):
    approve_settlement(settlement=draft, approved_by=approver)
    with pytest.raises(ApprovalRefused, match="already approved"):
        approve_settlement(settlement=draft, approved_by=make_user(roles.FINANCE_APPROVER, "second_approver"))


def test_an_approver_approves_a_schedule_revision_someone_else_entered(editor, approver):
    revision = revision_by(editor)
    approve_schedule_revision(revision=revision, approved_by=approver)
    revision.refresh_from_db()
    assert revision.approved_by == approver
    assert revision.approved_at is not None


def test_an_approver_cannot_approve_their_own_schedule_revision(approver):
    revision = revision_by(approver)
    with pytest.raises(ApprovalRefused, match="maker-checker"):
        approve_schedule_revision(revision=revision, approved_by=approver)
    revision.refresh_from_db()
    assert revision.approved_at is None


def test_an_editor_cannot_approve_a_schedule_revision(editor):
    with pytest.raises(ApprovalRefused, match="finance approver role"):
        approve_schedule_revision(revision=revision_by(make_user(roles.VIEWER)), approved_by=editor)


def test_a_settlement_added_in_the_admin_records_who_entered_it(client, editor, draft):
    client.force_login(editor)
    url = reverse("admin:settlements_settlement_add")
    data = {
        "alliance": draft.alliance.pk,
        "payer": draft.payer.pk,
        "payee": draft.payee.pk,
        "agreed_on": "30/03/2020",
        "cash_amount_0": "10500000.00",
        "cash_amount_1": "GBP",
        "full_and_final": "on",
        "status": Settlement.Status.APPROVED,  # ignored: the status changes only by approval
        **{f"{prefix}-{key}": value for prefix in ("adjustments", "instalments") for key, value in EMPTY.items()},
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = Settlement.objects.latest("pk")
    assert (added.entered_by, added.status) == (editor, Settlement.Status.DRAFT)


EMPTY = {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "1000"}


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_approve_button_opens_the_review_page_whose_confirmation_approves(client, draft, approver):
    client.force_login(approver)
    change = reverse("admin:settlements_settlement_change", args=[draft.pk])
    approve = reverse("admin:settlements_settlement_approve", args=[draft.pk])
    assert f'<a href="{approve}" class="decision-approve">Approve</a>' in client.get(change).content.decode()
    response = client.post(approve, {"version": draft.version}, follow=True)
    assert response.redirect_chain[-1][0] == change
    assert any("is approved" in message for message in messages_of(response))
    draft.refresh_from_db()
    assert draft.approved_by == approver
    after = client.get(change)
    assert after.status_code == 200 and after.context["original"] == draft  # the page itself, not an error
    assert approve not in after.content.decode()


def test_the_approve_button_is_not_offered_to_an_editor(client, draft, editor):
    client.force_login(editor)
    page = client.get(reverse("admin:settlements_settlement_change", args=[draft.pk]))
    assert page.status_code == 200
    assert reverse("admin:settlements_settlement_approve", args=[draft.pk]) not in page.content.decode()


def test_the_approve_action_opens_the_review_page_of_one_and_approves_none_at_once(client, approver, draft):
    other = SettlementFactory(status=Settlement.Status.DRAFT)
    client.force_login(approver)
    url = reverse("admin:settlements_settlement_changelist")
    response = client.post(url, {"action": "approve_selected", "_selected_action": [other.pk, draft.pk]}, follow=True)
    assert any("Choose one to review" in t for t in messages_of(response))
    response = client.post(url, {"action": "approve_selected", "_selected_action": [draft.pk]})
    assert response.url == reverse("admin:settlements_settlement_approve", args=[draft.pk])
    draft.refresh_from_db()
    other.refresh_from_db()
    assert (other.status, draft.status) == (Settlement.Status.DRAFT, Settlement.Status.DRAFT)


def test_the_approve_action_opens_a_schedule_revisions_review_page(client, editor, approver):
    revision = revision_by(editor)
    client.force_login(approver)
    data = {"action": "approve_selected", "_selected_action": [revision.pk]}
    response = client.post(reverse("admin:settlements_schedulerevision_changelist"), data)
    assert response.url == reverse("admin:settlements_schedulerevision_approve", args=[revision.pk])


def test_the_approve_action_is_not_offered_to_an_editor(client, editor):
    client.force_login(editor)
    SettlementFactory(status=Settlement.Status.DRAFT)
    page = client.get(reverse("admin:settlements_settlement_changelist"))
    assert page.status_code == 200 and page.context["cl"].result_count == 1  # the list, with the draft in it
    assert b"approve_selected" not in page.content
