import io
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
from djmoney.money import Money

from settlements import models, triggers
from settlements.demo import load_demo
from settlements.fiscal import FinancialYear
from settlements.services import schedule_before

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 25)
DOMAIN_MODELS = [
    models.Force,
    models.Alliance,
    models.TerminationNotice,
    models.Settlement,
    models.SettlementAdjustment,
    models.Instalment,
    models.Payment,
    models.ScheduleRevision,
    models.HostedService,
]


def snapshot():
    return {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in DOMAIN_MODELS}


def test_loading_twice_gives_the_same_rows():
    load_demo(TODAY)
    first = snapshot()
    load_demo(TODAY)
    assert snapshot() == first
    load_demo(date(2027, 1, 1))  # another day: the fictional example is not made again
    assert snapshot() == first


def test_the_seed_settlement_is_as_publicly_recorded():
    seed, _ = load_demo(TODAY)
    assert (seed.payer.short_name, seed.payee.short_name) == ("West Mercia", "Warwickshire")
    assert seed.agreed_on == date(2020, 3, 30)
    assert seed.cash_amount == Money("10500000.00", "GBP")
    assert seed.full_and_final
    assert seed.requested_amount is None
    assert seed.recommended_amount is None
    assert seed.headline_amount() == Money("10770000.00", "GBP")
    assert seed.alliance.value == Money("300000000.00", "GBP")
    assert seed.alliance.starts_on.year == 2012
    assert seed.termination_notice.served_on.strftime("%Y-%m") == "2018-10"


def test_the_seed_schedule_is_three_instalments_largest_first_over_two_years():
    seed, _ = load_demo(TODAY)
    instalments = list(seed.instalments.current().order_by("due_on"))
    amounts = [i.amount.amount for i in instalments]
    assert len(instalments) == 3
    assert sum(amounts) == 10500000
    assert amounts[0] == max(amounts)
    assert {str(i.financial_year) for i in instalments} == {"2020/21", "2021/22"}
    revision = seed.revisions.get()
    assert all("Illustrative" in i.notes for i in instalments if i.introduced_by is None)
    assert "illustrative" in revision.reason
    assert [i.introduced_by for i in instalments] == [None, None, revision]


def test_the_renegotiated_schedule_keeps_the_one_before_it():
    seed, _ = load_demo(TODAY)
    revision = seed.revisions.get()
    before = schedule_before(revision)
    assert [i.due_on for i in before] == [date(2020, 4, 30), date(2021, 3, 31), date(2021, 7, 31)]
    assert seed.instalments.current().get(number=3).due_on == date(2021, 8, 31)


def test_the_seed_case_is_paid_in_full_by_autumn_2021():
    seed, _ = load_demo(TODAY)
    totals = models.Instalment.objects.current().filter(settlement=seed).with_balances(date(2021, 9, 30)).totals()
    assert totals["outstanding"] == Money("0.00", "GBP")
    assert totals["paid"] == Money("10500000.00", "GBP")


def test_the_seed_hosted_services_run_18_months_from_1_april_2020_at_full_cost():
    load_demo(TODAY)
    services = models.HostedService.objects.filter(provider__short_name="West Mercia")
    assert {s.service for s in services} >= {"Transactional services", "Forensic services", "File storage"}
    assert {"IT services"} <= {s.service for s in services}
    for service in services:
        assert (service.starts_on, service.months, service.ends_on) == (date(2020, 4, 1), 18, date(2021, 9, 30))
        assert service.charging_basis == models.HostedService.ChargingBasis.FULL_COST_RECOVERY


def test_the_fictional_example_has_overdue_and_upcoming_instalments_today():
    load_demo(TODAY)
    statuses = set(
        models.Instalment.objects.filter(settlement__payer__short_name="Southvale")
        .with_status(TODAY)
        .values_list("status", flat=True)
    )
    assert {"paid", "overdue", "upcoming"} <= statuses
    fictional = models.Settlement.objects.get(payer__short_name="Southvale")
    assert FinancialYear.for_date(fictional.agreed_on) <= FinancialYear.for_date(TODAY)


@override_settings(DEBUG=False)
def test_the_demo_login_is_refused_with_debug_off():
    with pytest.raises(CommandError, match="development only"):
        call_command("load_demo", "--with-demo-login")


def test_the_demo_login_cannot_sign_in_with_debug_off(client, settings):
    settings.DEBUG = True
    call_command("load_demo", "--with-demo-login")
    assert client.login(username="demo", password="alliance-demo-only")
    client.logout()
    settings.DEBUG = False
    assert not client.login(username="demo", password="alliance-demo-only")


def test_fixtures_keep_money_exact_through_dumpdata_and_loaddata(tmp_path):
    load_demo(TODAY)
    fixture = tmp_path / "settlements.json"
    call_command("dumpdata", "settlements.settlement", "settlements.instalment", output=str(fixture))
    before = sorted(models.Instalment.objects.values_list("pk", "amount"))
    # The instalments have payments, so the database keeps their amounts; only the bypass (for clean-ups)
    # lets this test overwrite them and see loaddata put them back.
    with triggers.bypass():
        models.Instalment.objects.update(amount=Money("999999999.99", "GBP"))
        call_command("loaddata", str(fixture), verbosity=0)
    assert sorted(models.Instalment.objects.values_list("pk", "amount")) == before


@pytest.mark.parametrize(("username", "role"), [("demo", "finance_editor"), ("demo-approver", "finance_approver")])
def test_each_demo_login_is_a_finance_officer_refused_with_debug_off(client, settings, username, role):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("load_demo", "--with-demo-login", stdout=out)
    assert f"as '{username}' ({role.replace('_', ' ')}) with password 'alliance-demo-only'" in out.getvalue()
    user = get_user_model().objects.get(username=username)
    assert (user.is_staff, user.is_superuser, [g.name for g in user.groups.all()]) == (True, False, [role])
    assert client.login(username=username, password="alliance-demo-only")
    client.logout()
    settings.DEBUG = False
    assert not client.login(username=username, password="alliance-demo-only")


def test_a_demo_login_made_a_superuser_before_is_put_back_to_its_role(settings):
    settings.DEBUG = True
    get_user_model().objects.create_superuser("demo", "", "alliance-demo-only")
    call_command("load_demo", "--with-demo-login", stdout=io.StringIO())
    user = get_user_model().objects.get(username="demo")
    assert not user.is_superuser and user.check_password("alliance-demo-only")
    assert [g.name for g in user.groups.all()] == ["finance_editor"]
