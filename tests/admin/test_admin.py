"""The admin: every page loads for a superuser, and bad input gets a message on the form."""

import copy
from datetime import date

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from settlements import models
from settlements.demo import load_demo
from tests import factories
from tests.built_once import built_once

pytestmark = pytest.mark.django_db

DOMAIN_MODELS = [m for m in apps.get_app_config("settlements").get_models() if not m.__name__.startswith("Historical")]


@pytest.fixture(scope="module")
def demo_built_once(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, lambda: load_demo(date(2026, 11, 25)))


@pytest.fixture
def demo(demo_built_once, db):
    return copy.deepcopy(demo_built_once)


def admin_url(model, view, *args):
    return reverse(f"admin:settlements_{model._meta.model_name}_{view}", args=args)


def test_every_domain_model_is_registered():
    assert all(admin.site.is_registered(model) for model in DOMAIN_MODELS)


@pytest.mark.parametrize("model", DOMAIN_MODELS, ids=lambda m: m.__name__)
def test_list_add_and_change_pages_load(admin_client, demo, model):
    listing = admin_client.get(admin_url(model, "changelist"))
    assert listing.status_code == 200
    assert listing.context["cl"].model is model
    # A schedule revision is added from its settlement's "Revise schedule" page, never on its own; a year is
    # closed from "Close a financial year"; a download is logged by downloading, a held payment comes with an import.
    expected_add = (
        403
        if model in (models.ScheduleRevision, models.YearClosing, models.DocumentDownload, models.HeldPayment)
        else 200
    )
    assert admin_client.get(admin_url(model, "add")).status_code == expected_add
    for obj in model.objects.all()[:3]:
        page = admin_client.get(admin_url(model, "change", obj.pk))
        assert page.status_code == 200
        assert page.context["original"] == obj  # the page of that record, not an error or another record


@pytest.mark.parametrize("model", DOMAIN_MODELS, ids=lambda m: m.__name__)
def test_list_pages_load_with_every_filter_and_a_search(admin_client, demo, model):
    response = admin_client.get(admin_url(model, "changelist"), {"q": "West Mercia"})
    assert response.status_code == 200
    everything = admin_client.get(admin_url(model, "changelist")).context["cl"].result_count
    assert response.context["cl"].result_count <= everything
    for spec in response.context["cl"].filter_specs:
        for choice in spec.choices(response.context["cl"]):
            filtered = admin_client.get(admin_url(model, "changelist") + choice["query_string"])
            assert filtered.status_code == 200
            assert filtered.context["cl"].result_count <= everything, choice["query_string"]


def test_settlement_list_shows_amounts_in_pounds(admin_client, demo):
    content = admin_client.get(admin_url(models.Settlement, "changelist")).content.decode()
    assert "£10,500,000.00" in content
    assert "£10,770,000.00" in content


def test_instalment_list_shows_outstanding_status_and_financial_year(admin_client, demo):
    content = admin_client.get(admin_url(models.Instalment, "changelist"), {"fy": "2026/27"}).content.decode()
    assert "Overdue" in content
    assert "£208,641.97" in content  # £308,641.97 due, £100,000.00 paid
    assert "2026/27" in content


def test_financial_year_filter_keeps_31_march_in_the_year_ending(admin_client):
    factories.InstalmentFactory(due_on=date(2021, 3, 31), amount="31.03")
    factories.InstalmentFactory(due_on=date(2021, 4, 1), amount="1.04")
    response = admin_client.get(admin_url(models.Instalment, "changelist"), {"fy": "2020/21"})
    shown = [row.due_on for row in response.context["cl"].result_list]
    assert shown == [date(2021, 3, 31)]


def test_a_bad_financial_year_in_the_filter_shows_nothing_rather_than_failing(admin_client):
    factories.InstalmentFactory()
    response = admin_client.get(admin_url(models.Instalment, "changelist"), {"fy": "2020/22"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert len(admin_client.get(admin_url(models.Instalment, "changelist")).context["cl"].result_list) == 1


def test_hosted_service_end_date_is_computed_and_read_only(admin_client):
    alliance = factories.AllianceFactory()
    provider, recipient = alliance.members.order_by("pk")
    response = admin_client.post(
        admin_url(models.HostedService, "add"),
        {
            "alliance": alliance.pk,
            "service": "File storage",
            "provider": provider.pk,
            "recipient": recipient.pk,
            "starts_on": "01/04/2020",
            "months": "18",
            "extension_months": "0",
            "charging_basis": "full_cost_recovery",
            "estimated_cost_0": "",
            "estimated_cost_1": "GBP",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert models.HostedService.objects.get().ends_on == date(2021, 9, 30)


def settlement_form(alliance, **overrides):
    payer, payee = alliance.members.order_by("pk")
    data = {
        "alliance": alliance.pk,
        "payer": payer.pk,
        "payee": payee.pk,
        "agreed_on": "30/03/2020",
        "status": "draft",
        "cash_amount_0": "10500000.00",
        "cash_amount_1": "GBP",
        "requested_amount_0": "",
        "requested_amount_1": "GBP",
        "recommended_amount_0": "",
        "recommended_amount_1": "GBP",
        "full_and_final": "on",
    }
    for prefix in ["adjustments", "instalments"]:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    return data | overrides


def test_a_settlement_can_be_entered_through_the_admin(admin_client):
    alliance = factories.AllianceFactory()
    response = admin_client.post(admin_url(models.Settlement, "add"), settlement_form(alliance))
    assert response.status_code == 302
    assert models.Settlement.objects.get().cash_amount.amount == 10500000


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"cash_amount_0": "-5"}, "cash_amount", "greater than £0.00"),
        ({"cash_amount_0": "0"}, "cash_amount", "greater than £0.00"),
        ({"cash_amount_0": "ten million"}, "cash_amount", "“ten million” is not an amount: write it like"),
        ({"cash_amount_0": "1.234"}, "cash_amount", "more than two decimal places"),
        ({"cash_amount_0": ""}, "cash_amount", "This field is required"),
        ({"requested_amount_0": "-1"}, "requested_amount", "greater than £0.00"),
        ({"agreed_on": "31/02/2020"}, "agreed_on", "Enter a valid date"),
    ],
)
def test_the_settlement_form_refuses_bad_amounts_and_dates(admin_client, overrides, field, message):
    alliance = factories.AllianceFactory()
    response = admin_client.post(admin_url(models.Settlement, "add"), settlement_form(alliance, **overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    assert not models.Settlement.objects.exists()


def test_the_settlement_form_refuses_payer_as_payee(admin_client):
    alliance = factories.AllianceFactory()
    payer = alliance.members.order_by("pk")[0]
    response = admin_client.post(admin_url(models.Settlement, "add"), settlement_form(alliance, payee=payer.pk))
    assert response.status_code == 200
    assert "payer and the payee must be different" in str(response.context["adminform"].form.errors)
    assert not models.Settlement.objects.exists()


def test_the_alliance_form_refuses_an_end_before_the_start(admin_client):
    members = [factories.ForceFactory(), factories.ForceFactory()]
    data = {
        "name": "Short-lived alliance",
        "members": [m.pk for m in members],
        "starts_on": "01/04/2012",
        "ends_on": "31/03/2012",
        "value_0": "300000000",
        "value_1": "GBP",
        "legal_basis": "Section 22A, Police Act 1996",
    }
    for prefix in ["notices", "hosted_services"]:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    response = admin_client.post(admin_url(models.Alliance, "add"), data)
    assert response.status_code == 200
    assert "cannot end before it starts" in str(response.context["adminform"].form.errors)
    assert not models.Alliance.objects.exists()


def test_the_notice_form_refuses_a_force_outside_the_alliance(admin_client):
    alliance = factories.AllianceFactory()
    outsider = factories.ForceFactory()
    response = admin_client.post(
        admin_url(models.TerminationNotice, "add"),
        {"alliance": alliance.pk, "served_by": outsider.pk, "served_on": "01/10/2018", "status": "served"},
    )
    assert response.status_code == 200
    assert "must be a member of the alliance" in str(response.context["adminform"].form.errors)
