"""The audit trail: admin edits leave history with the user and reason, shown on the recent-changes page."""

from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from settlements import roles
from settlements.models import Force, ScheduleRevision, Settlement
from settlements.services import approve_settlement
from tests.access_helpers import form_data, make_user
from tests.factories import ForceFactory, SettlementFactory

pytestmark = pytest.mark.django_db

RECENT = reverse("recent_changes")


@pytest.fixture
def editor():
    return make_user(roles.FINANCE_EDITOR)


@pytest.fixture
def manager(client):
    client.force_login(make_user(roles.FINANCE_APPROVER, "manager"))
    return client


def edit_in_admin(client, user, obj, changes: dict):
    client.force_login(user)
    url = reverse(f"admin:settlements_{obj._meta.model_name}_change", args=[obj.pk])
    response = client.post(url, {**form_data(client.get(url)), **changes})
    assert response.status_code == 302
    client.logout()


def test_an_admin_edit_leaves_a_history_row_with_the_user_and_reason(client, editor):
    force = ForceFactory(name="Warwickshire Police")
    edit_in_admin(client, editor, force, {"policing_body": "PCC for Warwickshire", "change_reason": "New PCC"})
    latest = force.history.first()
    assert (latest.history_user, latest.history_change_reason) == (editor, "New PCC")
    assert latest.policing_body == "PCC for Warwickshire"


def test_an_inline_edit_is_recorded_against_the_user_too(client, editor):
    settlement = SettlementFactory(status=Settlement.Status.DRAFT)
    data = {
        "adjustments-TOTAL_FORMS": "1",
        "adjustments-0-kind": "write_off",
        "adjustments-0-description": "Write-off of running-cost contribution",
        "adjustments-0-amount_0": "270000.00",
        "adjustments-0-amount_1": "GBP",
        "change_reason": "Write-off agreed",
    }
    edit_in_admin(client, editor, settlement, data)
    adjustment = settlement.adjustments.get()
    created = adjustment.history.get()
    assert (created.history_user, created.history_type, created.history_change_reason) == (
        editor,
        "+",
        "Write-off agreed",
    )


def test_recent_changes_shows_who_what_before_and_after_and_why(client, editor, manager):
    force = ForceFactory(name="Warwickshire Police", policing_body="PCC")
    edit_in_admin(client, editor, force, {"policing_body": "PCC for Warwickshire", "change_reason": "New PCC"})
    manager.force_login(make_user(roles.FINANCE_APPROVER, "manager2"))
    page = manager.get(RECENT)
    assert page.status_code == 200
    change = page.context["changes"][0]
    who_what_why = (change.user, change.model, change.action, change.reason)
    assert who_what_why == ("finance_editor", "force", "Changed", "New PCC")
    assert [(f.field, f.before, f.after) for f in change.fields] == [("policing body", "PCC", "PCC for Warwickshire")]
    assert "PCC → PCC for Warwickshire" in page.content.decode()


def test_recent_changes_shows_money_parties_and_dates_as_people_read_them(manager):
    settlement = SettlementFactory(status=Settlement.Status.DRAFT)
    settlement.cash_amount = Money("10000000.00", "GBP")
    settlement.save()
    fields = {f.field: f for f in manager.get(RECENT).context["changes"][0].fields}
    assert (fields["cash amount"].before, fields["cash amount"].after) == ("£10,500,000.00", "£10,000,000.00")
    created = manager.get(RECENT, {"model": "settlement"}).context["changes"][1]
    shown = {f.field: f.after for f in created.fields}
    assert shown["payer"] == str(settlement.payer)
    assert (shown["agreed on"], shown["full and final"]) == ("30 March 2020", "Yes")


def test_an_approval_appears_with_its_approver_and_reason(manager):
    draft = SettlementFactory(status=Settlement.Status.DRAFT)
    approver = make_user(roles.FINANCE_APPROVER, "approver")
    approve_settlement(settlement=draft, approved_by=approver)
    change = manager.get(RECENT).context["changes"][0]
    assert (change.user, change.reason) == ("approver", "Approved")
    assert {f.field: f.after for f in change.fields}["status"] == "Approved"


def test_recent_changes_filters_by_user(client, editor, manager):
    other = make_user(roles.FINANCE_EDITOR, "other_editor")
    edit_in_admin(client, editor, ForceFactory(), {"chief_officer": "Chief Constable A"})
    edit_in_admin(client, other, ForceFactory(), {"chief_officer": "Chief Constable B"})
    manager.force_login(make_user(roles.FINANCE_APPROVER, "manager3"))
    changes = manager.get(RECENT, {"user": other.pk}).context["changes"]
    assert [c.user for c in changes] == ["other_editor"]


def test_recent_changes_filters_by_model(manager):
    SettlementFactory()
    changes = manager.get(RECENT, {"model": "force"}).context["changes"]
    assert changes
    assert {c.model for c in changes} == {"force"}


def test_recent_changes_filters_by_date(manager):
    ForceFactory()
    Force.history.update(history_date=timezone.now() - timedelta(days=10))
    ForceFactory(name="Today's force")
    today = timezone.localdate().strftime("%d/%m/%Y")
    changes = manager.get(RECENT, {"date_from": today, "date_to": today}).context["changes"]
    assert [c.record for c in changes] == ["Today's force"]


def test_recent_changes_explains_a_date_range_that_runs_backwards(manager):
    page = manager.get(RECENT, {"date_from": "02/04/2020", "date_to": "01/04/2020"})
    assert page.status_code == 400
    assert "on or before the To date" in page.content.decode()


def test_recent_changes_pages_through_long_histories(manager):
    for number in range(30):
        ForceFactory(short_name=f"Force {number}")
    first = manager.get(RECENT, {"model": "force"})
    second = manager.get(RECENT, {"model": "force", "page": 2})
    assert (len(first.context["changes"]), len(second.context["changes"])) == (25, 5)
    assert "model=force&amp;page=2" in first.content.decode()


def test_a_deletion_is_shown(manager):
    force = ForceFactory(name="Gone Police")
    force.delete()
    change = manager.get(RECENT).context["changes"][0]
    assert (change.action, change.record) == ("Deleted", "Gone Police (deleted)")


def test_each_record_has_a_history_page_in_the_admin(client):
    settlement = SettlementFactory()
    client.force_login(make_user(roles.VIEWER))
    settlement.notes = "Filed"
    settlement._change_reason = "Filed with the accounts"
    settlement.save()
    page = client.get(reverse("admin:settlements_settlement_history", args=[settlement.pk]))
    assert page.status_code == 200
    assert [h.history_change_reason for h in page.context["page_obj"]] == ["Filed with the accounts", None]
    assert "Filed with the accounts" in page.content.decode()


def test_history_cannot_be_edited_or_restored_from_the_app(client):
    force = ForceFactory(name="Original name")
    first = force.history.get()
    force.name = "Current name"
    force.save()
    client.force_login(make_user(roles.FINANCE_EDITOR))
    url = reverse("admin:settlements_force_simple_history", args=[force.pk, first.history_id])
    old = client.get(url)
    assert old.status_code == 200
    assert 'value="Original name"' in old.content.decode()  # the old version is shown, read-only
    assert client.post(url, {"name": "Original name", "short_name": force.short_name}).status_code == 403
    force.refresh_from_db()
    assert (force.name, force.history.count()) == ("Current name", 2)


def test_a_schedule_revision_shows_its_own_reason(manager):
    settlement = SettlementFactory()
    ScheduleRevision.objects.create(
        settlement=settlement,
        sequence=1,
        revised_on=date(2020, 9, 1),
        reason="Payment period extended to 16 months",
        decision_reference="Joint board minute 2020/14",
    )
    change = manager.get(RECENT, {"model": "schedulerevision"}).context["changes"][0]
    assert change.reason == "Payment period extended to 16 months"


def test_history_tables_have_no_admin_pages_of_their_own():
    registered = {model._meta.model_name for model in admin.site._registry}
    assert {"settlement", "payment"} <= registered
    assert not any(name.startswith("historical") for name in registered)


@pytest.mark.parametrize(("role", "linked"), [(roles.FINANCE_APPROVER, True), (roles.FINANCE_EDITOR, False)])
def test_the_admin_home_links_finance_managers_to_recent_changes(client, role, linked):
    client.force_login(make_user(role))
    assert (RECENT.encode() in client.get(reverse("admin:index")).content) is linked


def test_recent_changes_use_the_sites_layout_table_and_folded_entry_values(manager):
    ForceFactory(name="Folded Police")
    html = manager.get(RECENT, {"model": "force"}).content.decode()
    assert 'class="site-nav"' in html and '<table class="table">' in html
    assert '<caption class="table__caption">1 change, newest first</caption>' in html
    assert "<summary>Entered with 4 values</summary>" in html
    assert '<option value="" selected>Anyone</option>' in html
