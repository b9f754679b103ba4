"""The instalment-due, year-end and hosted-service reports, checked against sums made here."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from settlements.fiscal import FinancialYear
from settlements.models import HostedService
from settlements.money import format_gbp
from settlements.reports.hosted import hosted_terms
from settlements.reports.year_end import year_end_position
from tests import factories
from tests.scenarios import AS_OF, World, gbp

pytestmark = pytest.mark.django_db


def due(client, **params):
    return client.get(reverse("instalments_due"), params)


def matching(world: World, as_of: date, keep) -> list:
    rows = world.agreed_by(as_of)  # a settlement agreed after the date is in no figure as at it
    return sorted((i for i in rows if keep(i)), key=lambda i: (i.due_on, i.settlement.payer.short_name))


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({}, lambda w, i: True),
        ({"from": "2020-10-30", "to": "2021-07-30"}, lambda w, i: date(2020, 10, 30) <= i.due_on <= date(2021, 7, 30)),
        ({"fy": "2020/21"}, lambda w, i: i.due_on in FinancialYear(2020)),
        ({"status": "overdue"}, lambda w, i: w.status(i, AS_OF) == "overdue"),
        ({"status": ["upcoming", "part_paid"]}, lambda w, i: w.status(i, AS_OF) in {"upcoming", "part_paid"}),
        ({"payer": "West Mercia"}, lambda w, i: i.settlement.payer.short_name == "West Mercia"),
        ({"payee": "Northshire"}, lambda w, i: i.settlement.payee.short_name == "Northshire"),
        ({"payer": "Southdale", "fy": "2021/22"}, lambda w, i: i.settlement.payer.short_name == "Southdale"
         and i.due_on in FinancialYear(2021)),
        ({"force": "Northshire", "status": "overdue"}, lambda w, i: "Northshire" in
         {i.settlement.payer.short_name, i.settlement.payee.short_name} and w.status(i, AS_OF) == "overdue"),
    ],
)  # fmt: skip
def test_the_due_report_filters_and_totals_every_matching_row(admin_client, world, params, keep):
    response = due(admin_client, as_of=AS_OF.isoformat(), include_paid="on", **params)
    assert response.status_code == 200
    expected = matching(world, AS_OF, lambda i: keep(world, i))
    assert expected, "each case should match something"
    page = response.context["page"]
    assert [row.pk for row in page] == [i.pk for i in expected]
    assert [row.status for row in page] == [world.status(i, AS_OF) for i in expected]
    totals = response.context["totals"]
    assert totals["amount"].amount == sum(i.amount.amount for i in expected)
    assert totals["paid"].amount == sum(world.paid(i, AS_OF) for i in expected)
    assert totals["outstanding"].amount == sum(world.outstanding(i, AS_OF) for i in expected)
    assert format_gbp(totals["outstanding"]) in response.text


def test_the_alliance_filter_and_the_as_of_date(admin_client, world):
    alliance = world.alliances["wmwa"]
    response = due(admin_client, alliance=alliance.pk, as_of="2021-06-01")
    rows = list(response.context["page"])
    assert {row.settlement.alliance_id for row in rows} == {alliance.pk}
    assert [row.status for row in rows] == [world.status(i, date(2021, 6, 1)) for i in rows]
    assert "As of" in response.text and "01/06/2021" in response.text


def test_the_due_report_pages_by_50_with_a_total_for_every_row(admin_client):
    settlement = factories.SettlementFactory()
    amounts = [gbp(f"{1000 + n}.{n % 100:02d}") for n in range(120)]
    for n, amount in enumerate(amounts):
        factories.InstalmentFactory(
            settlement=settlement, number=n + 1, due_on=date(2021, 1, 1) + timedelta(n), amount=amount
        )
    first = due(admin_client, as_of="2020-12-31")
    third = due(admin_client, as_of="2020-12-31", page=3)
    assert len(first.context["page"]) == 50 and len(third.context["page"]) == 20
    assert third.context["page"][0].due_on == date(2021, 1, 1) + timedelta(100)
    total = sum(a.amount for a in amounts)
    for response in (first, third):
        assert response.context["totals"]["amount"].amount == total
        assert f"Total of all {len(amounts)} matching" in response.text
    assert "page=2" in first.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"fy": "2020/22"}, "did you mean 2020/21?"),
        ({"fy": "20/21"}, "is not a financial year"),
        ({"from": "2020-02-31"}, "Enter a real date, for example 31/03/2021"),
        ({"to": "tomorrow"}, "Enter a real date, for example 31/03/2021"),
        ({"as_of": "2021-13-01"}, "Enter a real date, for example 31/03/2021"),
        ({"from": "2021-02-01", "to": "2021-01-01"}, "must be on or after"),
        ({"payer": "Atlantis"}, "No force has the short name “Atlantis”"),
        ({"payee": "atlantis"}, "No force has the short name “atlantis”"),
        ({"status": "late"}, "“late” is not a status"),
        ({"alliance": "abc"}, "No alliance is called “abc”: choose one from the list."),
        ({"alliance": "99999"}, "No alliance is called “99999”"),
        ({"format": "pdf"}, "“pdf” is not a format"),
        ({"page": "x"}, None),
    ],
)
def test_every_bad_due_filter_gives_its_message_by_the_filter(admin_client, world, params, message):
    response = due(admin_client, **params)
    if message is None:  # a bad page number falls back to the first page, with its rows
        assert response.status_code == 200
        assert response.context["page"].number == 1
        assert [row.pk for row in response.context["page"]] == [row.pk for row in due(admin_client).context["page"]]
        assert len(response.context["page"]) > 0 and "There is a problem with the filters" not in response.text
        return
    assert response.status_code == 400
    assert message in response.text
    assert "There is a problem with the filters" in response.text
    assert "form-group--error" in response.text or "format" in params


def expected_year_end(world: World, fy: FinancialYear) -> dict:
    """{settlement pk: (within, after)} of outstanding balances at 31 March, summed here."""
    result = {}
    for settlement in world.settlements.values():
        if settlement.agreed_on > fy.end:
            continue
        rows = [i for i in world.instalments if i.settlement_id == settlement.pk]
        within = sum(world.outstanding(i, fy.end) for i in rows if i.due_on <= fy.next().end)
        after = sum(world.outstanding(i, fy.end) for i in rows if i.due_on > fy.next().end)
        if within or after:
            result[settlement.pk] = (within, after)
    return result


@pytest.mark.parametrize("fy", [FinancialYear(2019), FinancialYear(2020), FinancialYear(2021)])
def test_the_year_end_position_per_settlement_and_force(world, fy):
    position = year_end_position(fy)
    expected = expected_year_end(world, fy)
    got = {p.settlement.pk: (p.within_12_months.amount, p.after_12_months.amount) for p in position.settlements}
    assert got == expected
    assert position.as_at == fy.end
    assert position.total.amount == sum(w + a for w, a in expected.values())
    for force_position in position.forces:
        force = force_position.force
        owes = [v for pk, v in expected.items() if world_settlement(world, pk).payer == force]
        owed = [v for pk, v in expected.items() if world_settlement(world, pk).payee == force]
        assert force_position.creditor_within_12_months.amount == sum(w for w, _ in owes)
        assert force_position.creditor_after_12_months.amount == sum(a for _, a in owes)
        assert force_position.debtor_within_12_months.amount == sum(w for w, _ in owed)
        assert force_position.debtor_after_12_months.amount == sum(a for _, a in owed)


def world_settlement(world: World, pk: int):
    return next(s for s in world.settlements.values() if s.pk == pk)


def test_the_year_end_page_shows_both_tables_and_its_date(admin_client, world):
    response = admin_client.get(reverse("year_end"), {"fy": "2020/21"})
    assert response.status_code == 200
    position = response.context["position"]
    assert "Year-end position at 31 March 2021" in response.text
    assert format_gbp(position.total) in response.text
    assert position.settlements and position.forces
    assert "By force: creditor" in response.text


def test_the_year_end_page_defaults_to_the_last_year_to_end(admin_client):
    response = admin_client.get(reverse("year_end"))
    assert (
        response.context["position"].as_at
        < date.today()
        <= response.context["position"].as_at.replace(year=response.context["position"].as_at.year + 1)
    )


@pytest.mark.parametrize("fy", ["2020/22", "2020", "1899/00", "abcd/ef"])
def test_a_bad_year_end_year_says_so(admin_client, fy):
    response = admin_client.get(reverse("year_end"), {"fy": fy})
    assert response.status_code == 400
    assert "is not a financial year" in response.text or "outside the years" in response.text


def test_the_hosted_services_report_counts_months_and_marks_those_ending_soon(admin_client, world):
    alliance = world.alliances["wmwa"]
    soon = factories.HostedServiceFactory(alliance=alliance, service="File storage", starts_on=date(2020, 4, 1))
    later = factories.HostedServiceFactory(alliance=alliance, service="IT services", starts_on=date(2021, 4, 1))
    response = admin_client.get(reverse("hosted_services"), {"as_of": "2021-08-01"})
    terms = {t.service.service: t for t in response.context["terms"]}
    assert soon.ends_on == date(2021, 9, 30)
    assert terms["File storage"].months_remaining == 1  # 1 August to 30 September: one whole month and a bit
    assert terms["IT services"].months_remaining == (later.ends_on.year - 2021) * 12 + later.ends_on.month - 8
    assert terms["File storage"].ending_soon and not terms["IT services"].ending_soon
    assert response.text.count("Ends within 90 days") == 1
    assert "Full cost recovery" in response.text


def test_the_hosted_services_report_for_one_force(admin_client, world):
    factories.HostedServiceFactory(alliance=world.alliances["wmwa"], service="Forensics")
    factories.HostedServiceFactory(alliance=world.alliances["nssd"], service="Firearms licensing")
    response = admin_client.get(reverse("hosted_services"), {"force": "Southdale"})
    assert [t.service.service for t in response.context["terms"]] == ["Firearms licensing"]


def test_a_bad_hosted_services_date_says_so(admin_client):
    response = admin_client.get(reverse("hosted_services"), {"as_of": "2021-02-30"})
    assert response.status_code == 400
    assert "Enter a real date, for example 31/03/2021" in response.text


def test_the_alliance_filter_lists_alliances_by_name_while_they_are_few(admin_client, world):
    html = due(admin_client).content.decode()
    alliance = world.alliances["wmwa"]
    assert f'<option value="{alliance.pk}">West Mercia and Warwickshire</option>' in html


def test_the_alliance_filter_suggests_names_as_they_are_typed_once_there_are_many(admin_client, world, monkeypatch):
    monkeypatch.setattr("settlements.filters.ALLIANCES_LISTED", 2)
    nssd = world.alliances["nssd"]
    response = due(admin_client, alliance=nssd.name)
    html = response.content.decode()
    assert '<select name="alliance"' not in html
    assert f'<input type="text" name="alliance" value="{nssd.name}" list="id_alliance_names"' in html
    assert '<datalist id="id_alliance_names">' in html
    assert html.count("<option value=") >= len(world.alliances)
    assert f'<option value="{world.alliances["wmwa"].name}"></option>' in html
    assert {row.settlement.alliance for row in response.context["page"]} == {nssd}
    help_text = response.context["form"]["alliance"].help_text
    assert "id" not in help_text.split() and "address" not in help_text


def test_a_link_to_an_alliance_by_its_id_still_works_and_shows_its_name(admin_client, world, monkeypatch):
    monkeypatch.setattr("settlements.filters.ALLIANCES_LISTED", 2)
    nssd = world.alliances["nssd"]
    response = due(admin_client, alliance=nssd.pk)
    assert {row.settlement.alliance for row in response.context["page"]} == {nssd}
    assert f'name="alliance" value="{nssd.name}"' in response.content.decode()


@pytest.mark.parametrize(
    ("as_of", "label"),
    [
        (date(2020, 3, 31), "Not started"),
        (date(2020, 4, 1), "Running"),
        (date(2021, 7, 1), "Running"),
        (date(2021, 7, 2), "Ends within 90 days"),  # 30 September is 90 days away
        (date(2021, 9, 30), "Ends within 90 days"),
        (date(2021, 10, 1), "Ended"),
    ],
)
def test_a_hosted_term_states_how_it_stands_on_the_day(admin_client, as_of, label):
    service = factories.HostedServiceFactory(starts_on=date(2020, 4, 1), months=18)
    assert service.ends_on == date(2021, 9, 30)
    [term] = hosted_terms(as_of)
    assert term.state.label == label
    force = service.provider.short_name
    response = admin_client.get(reverse("hosted_services"), {"as_of": as_of.isoformat(), "force": force})
    assert f'<strong class="tag tag--{term.state.tag}">{label}</strong>' in response.text
    assert f"<dt>Provider or recipient</dt><dd>{force}</dd>" in response.text


@pytest.mark.parametrize(
    ("as_of", "running", "ending_soon"),
    [
        (date(2020, 3, 31), False, False),
        (date(2020, 4, 1), True, False),
        (date(2021, 7, 1), True, False),
        (date(2021, 7, 2), True, True),
        (date(2021, 9, 30), True, True),
        (date(2021, 10, 1), False, False),
    ],
)
def test_a_hosted_service_runs_and_ends_soon_alike_in_the_query_and_on_the_row(as_of, running, ending_soon):
    service = factories.HostedServiceFactory(starts_on=date(2020, 4, 1), months=18)
    services = HostedService.objects.all()
    assert (service.is_running(as_of), services.running(as_of).exists()) == (running, running)
    assert (service.is_ending_soon(as_of), services.ending_soon(as_of).exists()) == (ending_soon, ending_soon)
    assert services.involving(service.provider).get() == services.involving(service.recipient).get() == service
    assert not services.involving(factories.ForceFactory()).exists()
