"""Payer and payee belong to the settlement's alliance; a user who appears in the records is never deleted."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse

from settlements import models
from settlements.demo import load_demo
from settlements.users import UserInRecordsError
from tests import factories
from tests.access_helpers import SUPERUSER, make_user
from tests.admin.test_admin import settlement_form

pytestmark = pytest.mark.django_db


# Payer and payee are members of the alliance


@pytest.fixture
def alliance():
    return factories.AllianceFactory(
        name="Northshire and Southvale Alliance",
        members=[factories.ForceFactory(short_name="Northshire"), factories.ForceFactory(short_name="Southvale")],
    )


@pytest.fixture
def outsider():
    return factories.ForceFactory(short_name="Eastmoor")


@pytest.mark.parametrize("role", ["payer", "payee"])
def test_a_payer_or_payee_outside_the_alliance_is_refused_naming_both(alliance, outsider, role):
    northshire, southvale = alliance.members.order_by("pk")
    parties = {"payer": northshire, "payee": southvale, role: outsider}
    settlement = models.Settlement(alliance=alliance, agreed_on=date(2020, 3, 30), cash_amount="1", **parties)
    with pytest.raises(ValidationError) as error:
        settlement.full_clean()
    assert error.value.message_dict[role] == [
        f"Eastmoor Police is not a member of Northshire and Southvale Alliance: the {role} must be one of its "
        "member forces. Add the force to the alliance first if it belongs there."
    ]


def test_members_on_both_sides_are_accepted(alliance):
    northshire, southvale = alliance.members.order_by("pk")
    models.Settlement(
        alliance=alliance, payer=southvale, payee=northshire, agreed_on=date(2020, 3, 30), cash_amount="1"
    ).full_clean()


def test_the_admin_form_refuses_a_payee_outside_the_alliance(admin_client, alliance, outsider):
    response = admin_client.post(
        reverse("admin:settlements_settlement_add"), settlement_form(alliance, payee=outsider.pk)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Eastmoor Police is not a member of Northshire and Southvale Alliance" in errors["payee"][0]
    assert not models.Settlement.objects.exists()


def test_an_alliance_keeps_the_forces_that_pay_or_receive_under_its_settlements(admin_client, alliance):
    northshire, southvale = alliance.members.order_by("pk")
    factories.DraftSettlementFactory(alliance=alliance, payer=northshire, payee=southvale)
    url = reverse("admin:settlements_alliance_change", args=[alliance.pk])
    data = {
        "name": alliance.name,
        "members": [northshire.pk],
        "starts_on": "01/04/2012",
        "value_0": "300000000.00",
        "value_1": "GBP",
        "legal_basis": alliance.legal_basis,
    }
    for prefix in ["notices", "hosted_services"]:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    response = admin_client.post(url, data)
    assert response.status_code == 200, response
    assert "Southvale Police pays or receives under a settlement" in str(response.context["adminform"].form.errors)
    assert set(alliance.members.all()) == {northshire, southvale}


def test_the_factory_makes_a_named_party_a_member(alliance, outsider):
    settlement = factories.SettlementFactory(alliance=alliance, payer=outsider)
    assert outsider in alliance.members.all()
    settlement.full_clean()


def test_the_demo_settlements_have_members_on_both_sides():
    load_demo(date(2026, 11, 30))
    assert models.Settlement.objects.count() >= 2
    for settlement in models.Settlement.objects.all():
        settlement.check_parties_are_members()


# Users who appear in the records are deactivated, never deleted


@pytest.fixture
def editor():
    """A user whose only trace is one change in a force's history (no protected link)."""
    user = make_user("finance_editor", "editor")
    force = factories.ForceFactory()
    force.chief_officer = "Chief Constable of Force Police"
    force._history_user = user
    force.save()
    return user


@pytest.fixture
def officer(client):
    client.force_login(make_user(SUPERUSER, "officer"))
    return client


def test_the_orm_refuses_to_delete_a_user_in_the_history(editor):
    # Django deletes inside the caller's transaction, which a refusal spoils: each delete in a block of its own.
    in_history = r"editor appears in the history \(historical force\)"
    with pytest.raises(UserInRecordsError, match=in_history), transaction.atomic():
        editor.delete()
    with pytest.raises(UserInRecordsError), transaction.atomic():
        User.objects.filter(pk=editor.pk).delete()
    assert models.Force.history.filter(history_user=editor).exists()


def test_the_orm_refuses_to_delete_a_user_who_recorded_a_payment():
    payment = factories.PaymentFactory(recorded_by=make_user("finance_editor", "payer"))
    with pytest.raises(ProtectedError):
        payment.recorded_by.delete()
    assert User.objects.filter(username="payer").exists()


def test_a_user_who_appears_nowhere_can_still_be_deleted():
    make_user("viewer", "visitor").delete()
    assert not User.objects.filter(username="visitor").exists()


def test_the_admin_delete_page_refuses_and_says_to_deactivate(officer, editor):
    url = reverse("admin:auth_user_delete", args=[editor.pk])
    for response in (officer.get(url, follow=True), officer.post(url, {"post": "yes"}, follow=True)):
        assert response.status_code == 200
        messages = [str(m) for m in response.context["messages"]]
        assert messages == [
            "editor appears in the history (historical force), so the user cannot be deleted: deactivate the user "
            "instead (untick Active)."
        ]
    assert User.objects.filter(pk=editor.pk).exists()


def test_the_bulk_delete_action_deletes_nobody_when_one_appears_in_the_history(officer, editor):
    visitor = make_user("viewer", "visitor")
    url = reverse("admin:auth_user_changelist")
    data = {"action": "delete_selected", "_selected_action": [editor.pk, visitor.pk], "post": "yes"}
    response = officer.post(url, data, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "editor appears in the history, so nobody was deleted: deactivate them instead (untick Active)."
    ]
    assert User.objects.filter(pk__in=[editor.pk, visitor.pk]).count() == 2


def test_the_admin_still_deletes_a_user_who_appears_nowhere(officer):
    visitor = make_user("viewer", "visitor")
    url = reverse("admin:auth_user_changelist")
    officer.post(url, {"action": "delete_selected", "_selected_action": [visitor.pk], "post": "yes"})
    assert not User.objects.filter(pk=visitor.pk).exists()
