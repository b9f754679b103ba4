"""The dashboard: headline figures, due lists, years, hosted services and stages, checked against sums made here."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from settlements.fiscal import FinancialYear
from settlements.models import Alliance
from settlements.money import format_gbp, to_pence
from settlements.reports.dashboard import LIST_LIMIT, NEXT_DUE_LIMIT, instalments_in_scope, stage_of, staged_alliances
from tests import factories
from tests.balances import balances_by
from tests.scenarios import AS_OF, World, gbp

pytestmark = pytest.mark.django_db


def dashboard(client, **params):
    return client.get(reverse("dashboard"), params)


def expected_headline(world: World, as_of: date, keep=lambda s: True) -> dict:
    settlements = [s for s in world.settlements.values() if s.agreed_on <= as_of and keep(s)]
    rows = [i for i in world.agreed_by(as_of) if keep(i.settlement)]
    this_year = world.in_year(rows, FinancialYear.for_date(as_of))
    return {
        "agreed": sum(s.cash_amount.amount for s in settlements),
        "paid": sum(world.paid(i, as_of) for i in rows),
        "outstanding": sum(world.outstanding(i, as_of) for i in rows),
        "due_this_year": sum(i.amount.amount for i in this_year),
        "due_this_year_outstanding": sum(world.outstanding(i, as_of) for i in this_year),
        "overdue": sum(world.outstanding(i, as_of) for i in rows if world.status(i, as_of) == "overdue"),
    }


def test_non_cash_adjustments_are_shown_beside_the_cash_agreed(admin_client, world):
    write_off = factories.SettlementAdjustmentFactory(settlement=world.settlements["s1"])
    [headline] = dashboard(admin_client, as_of=AS_OF.isoformat()).context["board"].headlines
    assert headline.non_cash == write_off.amount
    assert headline.agreed.amount == sum(
        s.cash_amount.amount for s in world.settlements.values() if s.agreed_on <= AS_OF
    )


def figures(headline) -> dict:
    names = ["agreed", "paid", "outstanding", "due_this_year", "due_this_year_outstanding", "overdue"]
    return {name: getattr(headline, name).amount for name in names}


def test_the_dashboard_needs_a_signed_in_user(client):
    response = dashboard(client)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("as_of", [AS_OF, date(2020, 4, 30), date(2021, 1, 15), date(2022, 6, 1)])
def test_headline_figures_match_sums_of_the_instalments_and_payments(admin_client, world, as_of):
    response = dashboard(admin_client, as_of=as_of.isoformat())
    [headline] = response.context["board"].headlines
    expected = expected_headline(world, as_of)
    assert figures(headline) == expected
    for value in expected.values():
        assert format_gbp(value) in response.text


def test_superseded_instalments_are_left_out(admin_client, world):
    [headline] = dashboard(admin_client, as_of=AS_OF.isoformat()).context["board"].headlines
    fy = FinancialYear.for_date(AS_OF)
    assert world.superseded[0].due_on in fy
    assert headline.due_this_year.amount == sum(i.amount.amount for i in world.in_year(world.agreed_by(AS_OF), fy))


def test_a_reversal_takes_back_its_payment_and_later_payments_wait(admin_client, world):
    [headline] = dashboard(admin_client, as_of=AS_OF.isoformat()).context["board"].headlines
    counted = [p for p in world.payments if p.paid_on <= AS_OF]
    reversed_amount = sum(p.amount.amount for p in counted if p.kind == "reversal")
    assert reversed_amount > 0 and any(p.paid_on > AS_OF for p in world.payments)
    assert headline.paid.amount == sum(p.amount.amount for p in counted) - 2 * reversed_amount


def test_a_force_sees_what_it_must_pay_and_what_it_is_owed(admin_client, world):
    force = world.forces["Northshire"]
    response = dashboard(admin_client, as_of="2021-06-30", force="Northshire")
    pays, owed = response.context["board"].headlines
    as_of = date(2021, 6, 30)
    assert figures(pays) == expected_headline(world, as_of, lambda s: s.payer == force)
    assert figures(owed) == expected_headline(world, as_of, lambda s: s.payee == force)
    assert pays.label == "Northshire pays" and owed.label == "Northshire is owed"
    assert "from Northshire\u2019s point of view" in response.text


def test_every_overdue_instalment_is_listed_with_a_link_to_its_settlement_page(admin_client, world):
    response = dashboard(admin_client, as_of=AS_OF.isoformat())
    board = response.context["board"]
    expected = [i.pk for i in world.agreed_by(AS_OF) if world.status(i, AS_OF) == "overdue"]
    assert [i.pk for i in board.overdue] == expected
    for row in board.overdue:
        assert reverse("settlement", args=[row.settlement_id]) in response.text


def test_only_the_oldest_overdue_instalments_are_listed_with_a_count_and_a_link_to_all(admin_client):
    settlement = factories.SettlementFactory()
    rows = [
        factories.InstalmentFactory(settlement=settlement, number=n, due_on=date(2020, 5, 1) + timedelta(n))
        for n in range(1, LIST_LIMIT + 4)
    ]
    factories.PaymentFactory(instalment=rows[0])
    response = dashboard(admin_client, as_of="2021-01-01")
    board = response.context["board"]
    assert [i.pk for i in board.overdue] == [i.pk for i in rows[1 : LIST_LIMIT + 1]]
    assert board.overdue_count == LIST_LIMIT + 2
    assert f"All {LIST_LIMIT + 2} overdue instalments" in response.text
    assert f'{reverse("instalments_due")}?as_of=2021-01-01&amp;status=overdue"' in response.text
    force = settlement.payer.short_name
    html = dashboard(admin_client, as_of="2021-01-01", force=force).text
    assert f"status=overdue&amp;force={force.replace(' ', '%20')}" in html


def test_alliances_are_counted_by_stage_and_only_the_most_recent_are_listed(admin_client, world):
    for n in range(LIST_LIMIT):
        factories.AllianceFactory(name=f"Later alliance {n}", starts_on=date(2021, 1, 1) + timedelta(n))
    board = dashboard(admin_client, as_of=AS_OF.isoformat()).context["board"]
    assert [a.alliance.name for a in board.alliances] == [f"Later alliance {n}" for n in reversed(range(LIST_LIMIT))]
    counts = {item.stage: item.count for item in board.stage_counts}
    assert counts == {"in_payment": 3, "notice_served": 1, "running": LIST_LIMIT}
    assert board.alliance_count == Alliance.objects.count()


@pytest.mark.parametrize("as_of", [AS_OF, date(2020, 5, 1), date(2021, 1, 20), date(2030, 1, 1)])
@pytest.mark.parametrize("stored", [True, False], ids=["paid as stored", "paid summed from the payments"])
def test_stages_from_one_grouped_pass_follow_the_stage_rule_alliance_by_alliance(world, as_of, stored):
    staged = staged_alliances(Alliance.objects.all(), as_of, None if stored and as_of > date(2021, 5, 1) else as_of)
    assert [pk for pk, _, _ in staged] == list(
        Alliance.objects.order_by("-starts_on", "name").values_list("pk", flat=True)
    )
    for pk, name, stage in staged:
        alliance = Alliance.objects.get(pk=pk)
        notice = alliance.notices.filter(served_on__lte=as_of).order_by("-served_on", "-pk").first()
        settled = alliance.settlements.filter(agreed_on__lte=as_of).count()
        balance = balances_by(
            instalments_in_scope(as_of).filter(settlement__alliance=alliance), as_of, "settlement__alliance"
        ).get((pk,))
        pence = (to_pence(balance.amount), to_pence(balance.paid)) if balance else ()
        assert (name, stage) == (alliance.name, stage_of(notice and notice.status, settled, *pence))


def test_next_instalments_are_the_soonest_unpaid_ones_from_the_date(admin_client, world):
    board = dashboard(admin_client, as_of=AS_OF.isoformat()).context["board"]
    unpaid = [i for i in world.agreed_by(AS_OF) if i.due_on >= AS_OF and world.outstanding(i, AS_OF) > 0]
    assert [i.pk for i in board.next_due] == [i.pk for i in sorted(unpaid, key=lambda i: i.due_on)]


def test_the_next_list_is_limited(admin_client):
    settlement = factories.SettlementFactory()
    for number in range(1, NEXT_DUE_LIMIT + 6):
        factories.InstalmentFactory(settlement=settlement, number=number, due_on=date(2021, 1, 1) + timedelta(number))
    board = dashboard(admin_client, as_of="2021-01-01").context["board"]
    assert len(board.next_due) == NEXT_DUE_LIMIT


def test_years_give_amount_paid_and_outstanding_in_the_chart_table(admin_client, world):
    response = dashboard(admin_client, as_of=AS_OF.isoformat())
    rows = world.agreed_by(AS_OF)
    years = sorted({FinancialYear.for_date(i.due_on) for i in rows})
    got = {y.financial_year: y.balance for y in response.context["board"].years}
    assert list(got) == years
    for fy in years:
        in_year = world.in_year(rows, fy)
        paid = sum(world.paid(i, AS_OF) for i in in_year)
        assert got[fy].amount.amount == sum(i.amount.amount for i in in_year)
        assert got[fy].paid.amount == paid
        assert f'<th scope="row">{fy}</th>' in response.text
    assert "<svg" in response.text and response.text.count('class="chart__paid"') == len(years)


def test_hosted_services_running_and_ending_within_90_days(admin_client, world):
    as_of = date(2021, 8, 1)
    alliance = world.alliances["wmwa"]
    ending = factories.HostedServiceFactory(alliance=alliance, service="File storage", starts_on=date(2020, 4, 1))
    running = factories.HostedServiceFactory(alliance=alliance, service="IT services", starts_on=date(2021, 4, 1))
    finished = factories.HostedServiceFactory(alliance=alliance, service="Old", starts_on=date(2019, 1, 1), months=6)
    board = dashboard(admin_client, as_of=as_of.isoformat()).context["board"]
    assert ending.ends_on - as_of <= timedelta(days=90) < running.ends_on - as_of
    assert set(board.hosted_running) == {ending, running}
    assert board.hosted_ending == [ending]
    assert finished not in board.hosted_running


def test_each_alliance_shows_its_stage(admin_client, world):
    response = dashboard(admin_client, as_of=AS_OF.isoformat())
    stages = {item.alliance.name: item.label for item in response.context["board"].alliances}
    # wmwa: something paid, not all; nssd: agreed, one penny paid; emns: its settlement comes after the date;
    # sdem: agreed on the date itself, and part paid that day
    assert stages == {
        "West Mercia and Warwickshire": "In payment",
        "Northshire and Southdale": "In payment",
        "Eastmoor and Northshire": "Notice served",
        "Southdale and Eastmoor": "In payment",
    }


def test_stages_before_payments_and_after_the_last_one(admin_client, world):
    early = dashboard(admin_client, as_of="2021-01-20").context["board"].alliances
    assert {a.alliance.name: a.stage for a in early}["Northshire and Southdale"] == "settled"
    before_notice = dashboard(admin_client, as_of="2020-05-01").context["board"].alliances
    assert {a.alliance.name: a.stage for a in before_notice}["Northshire and Southdale"] == "running"


@pytest.mark.parametrize(
    ("notice", "settlements", "amount", "paid", "stage"),
    [
        (None, 0, None, None, "running"),
        ("withdrawn", 0, None, None, "running"),
        ("served", 0, None, None, "notice_served"),
        ("disputed", 0, None, None, "under_review"),
        ("under_review", 0, None, None, "under_review"),
        ("settled", 0, None, None, "settled"),
        ("under_review", 1, None, None, "settled"),
        ("settled", 1, "100.00", "0.00", "settled"),
        ("settled", 1, "100.00", "0.01", "in_payment"),
        ("settled", 2, "100.00", "100.00", "closed"),
    ],
)
def test_the_stage_rule(notice, settlements, amount, paid, stage):
    pence = (to_pence(gbp(amount)), to_pence(gbp(paid))) if amount else ()
    assert stage_of(notice, settlements, *pence) == stage


def test_a_fresh_install_explains_what_to_do(admin_client):
    response = dashboard(admin_client)
    assert response.status_code == 200
    assert response.context["board"].is_empty
    assert "Nothing recorded yet" in response.text
    assert reverse("admin:settlements_settlement_add") in response.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"as_of": "2021-02-31"}, "Enter a real date, for example 31/03/2021"),
        ({"as_of": "31/02/2021"}, "Enter a real date, for example 31/03/2021"),
        ({"as_of": "0001-01-01"}, "Enter a date from 01/04/1990 to 31/03/2100: 01/01/0001 is outside"),
        ({"as_of": "31/03/1990"}, "Enter a date from 01/04/1990 to 31/03/2100: 31/03/1990 is outside"),
        ({"as_of": "01/04/2100"}, "Enter a date from 01/04/1990 to 31/03/2100: 01/04/2100 is outside"),
        ({"force": "Atlantis"}, "No force has the short name “Atlantis”"),
    ],
)
def test_bad_dashboard_filters_say_what_is_wrong(admin_client, params, message):
    response = dashboard(admin_client, **params)
    assert response.status_code == 400
    assert message in response.text
    assert "There is a problem with the filters" in response.text


def test_the_layout_has_a_skip_link_a_main_landmark_navigation_and_a_sign_out_form(admin_client):
    html = dashboard(admin_client).text
    assert '<a href="#main" class="skip-link">Skip to main content</a>' in html
    assert '<main id="main"' in html
    assert '<nav class="site-nav" aria-label="Main">' in html
    for name in ["dashboard", "instalments_due", "year_end", "hosted_services", "admin:index"]:
        assert f'href="{reverse(name)}"' in html
    assert f'<form method="post" action="{reverse("logout")}">' in html


def test_admin_is_offered_to_staff_only(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("viewer", "v@example.police.uk", "a-long-password-5"))
    html = dashboard(client).text
    assert "Signed in as <strong>viewer</strong>" in html
    assert f'href="{reverse("admin:index")}"' not in html


def test_recent_changes_appear_in_the_navigation_for_those_who_may_read_them(admin_client, client, django_user_model):
    assert f'<a href="{reverse("recent_changes")}">Recent changes</a>' in dashboard(admin_client).text
    viewer = django_user_model.objects.create_user("viewer", "v@example.police.uk", "a-long-password-5")
    viewer.groups.add(Group.objects.get(name="viewer"))
    client.force_login(viewer)
    assert "Recent changes" not in dashboard(client).text
