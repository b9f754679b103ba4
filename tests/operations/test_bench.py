import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Count, F

from settlements.benchmark import build, exactness, plan
from settlements.models import Force, Instalment, Payment, Settlement
from settlements.money import Pence, SumPence
from tests.factories import ForceFactory

pytestmark = pytest.mark.slow


def built_figures() -> dict:
    """What a build produced, summed in the database, to compare builds with each other."""
    return {
        "instalments": Instalment.objects.aggregate(rows=Count("pk"), pence=SumPence(Pence("amount"))),
        "payments": Payment.objects.aggregate(rows=Count("pk"), pence=SumPence(Pence("amount"))),
        "settlements": Settlement.objects.aggregate(rows=Count("pk"), pence=SumPence(Pence("cash_amount"))),
        "due_dates": list(Instalment.objects.order_by("settlement__agreed_on", "due_on").values_list("due_on")[:50]),
    }


def test_bench_measures_every_page_it_can_reach_with_query_counts(db, tmp_path):
    path = tmp_path / "bench.json"
    out = io.StringIO()

    call_command("bench", size=200, repeat=2, no_load=True, json=path, stdout=out, stderr=io.StringIO())

    figures = json.loads(path.read_text())
    run = figures["runs"][0]
    measured = [page for page in run["pages"] if page["available"]]
    assert run["counts"]["instalments"] == 200
    assert measured, "the admin list of instalments exists in every branch"
    assert all(page["queries"] > 0 and not page["queries_varied"] for page in measured)
    assert all(page["p95_ms"] >= page["p50_ms"] > 0 for page in measured)
    assert all(page["note"].startswith("not available") for page in run["pages"] if not page["available"])
    assert {"cpu_count", "python", "django", "database_vendor", "database_version", "date"} <= set(figures["machine"])
    assert "| Admin instalments * |" in out.getvalue()


def test_every_measured_page_costs_the_same_queries_at_200_and_600_instalments(db, tmp_path):
    counts = {}
    for size in (200, 600):
        path = tmp_path / f"{size}.json"
        call_command("bench", size=size, repeat=1, no_load=True, json=path, stdout=io.StringIO(), stderr=io.StringIO())
        pages = json.loads(path.read_text())["runs"][0]["pages"]
        counts[size] = {page["label"]: page["queries"] for page in pages if page["available"]}
    assert counts[200] == counts[600]


def test_the_same_seed_builds_the_same_data(db):
    first = build.build(300, seed=7)
    first_figures = built_figures()
    second = build.build(300, seed=7)

    assert first.counts == second.counts
    assert built_figures() == first_figures
    assert first_figures["instalments"]["rows"] == 300


def test_another_seed_builds_other_data(db):
    build.build(300, seed=7)
    seven = built_figures()
    build.build(300, seed=8)
    assert built_figures()["instalments"]["pence"] != seven["instalments"]["pence"]


def test_each_settlement_cash_amount_is_the_sum_of_its_current_instalments(db):
    build.build(400, seed=3)
    current = Instalment.objects.current().aggregate(pence=SumPence(Pence("amount")))["pence"]
    cash = Settlement.objects.aggregate(pence=SumPence(Pence("cash_amount")))["pence"]
    assert current == cash


def test_clearing_bench_rows_keeps_every_other_force(db):
    real = ForceFactory(short_name="West Mercia")
    build.build(200, seed=1)

    build.clear()

    assert list(Force.objects.all()) == [real]
    assert not Instalment.objects.exists()


def test_the_bench_fails_when_the_dashboard_differs_from_the_payments(db):
    build.build(200, seed=3)
    assert exactness.differences(plan.AS_OF) == []
    assert exactness.differences(plan.PAST) == []
    instalment = Instalment.objects.filter(paid_to_date_pence__gt=0).order_by("pk").first()
    Instalment.objects.filter(pk=instalment.pk).update(paid_to_date_pence=F("paid_to_date_pence") - 1)
    found = exactness.differences(plan.AS_OF)
    assert "1 instalments have a stored paid balance that differs from their payments" in found
    assert any("the dashboard shows" in line for line in found)
