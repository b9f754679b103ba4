"""In headless Chromium: sign in, read the dashboard, filter the due report, download its exports, print.

Every page is checked with axe-core for serious or critical accessibility failures, and screenshotted
into docs/screenshots/.
"""

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from settlements.fiscal import FinancialYear
from settlements.money import format_gbp
from tests import factories
from tests.scenarios import AS_OF, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "a-long-browser-password"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def world(world_of_its_own, django_user_model) -> World:
    """The world committed for the live server, with four hosted services and the finance officer who signs in."""
    world = world_of_its_own
    alliance = world.alliances["wmwa"]
    for service in ["Transactional services", "Forensic services", "File storage"]:
        factories.HostedServiceFactory(alliance=alliance, service=service, starts_on=date(2020, 4, 1), months=18)
    factories.HostedServiceFactory(alliance=alliance, service="IT services", starts_on=date(2021, 4, 1), months=24)
    django_user_model.objects.create_superuser("finance", "finance@example.police.uk", PASSWORD, first_name="Fiona")
    return world


def accessibility_failures(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert len(result["passes"]) > 10, "axe-core did not run its checks"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def check_and_shoot(page, name: str):
    assert accessibility_failures(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, live_server):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    check_and_shoot(page, "sign-in")
    page.get_by_label("User name").fill("finance")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_a_finance_officer_reads_the_reports_downloads_them_and_prints(page, live_server, world, tmp_path):
    sign_in(page, live_server)
    assert page.get_by_role("heading", name="Dashboard", level=1).is_visible()

    page.goto(f"{live_server.url}/?as_of={AS_OF.isoformat()}")
    rows = world.agreed_by(AS_OF)
    outstanding = sum(world.outstanding(i, AS_OF) for i in rows)
    overdue = sum(world.outstanding(i, AS_OF) for i in rows if world.status(i, AS_OF) == "overdue")
    cards = page.locator(".cards")
    assert format_gbp(outstanding) in cards.inner_text()
    assert format_gbp(overdue) in cards.inner_text()
    assert page.locator(".chart svg rect").count() == 2 * len({FinancialYear.for_date(i.due_on) for i in rows})
    check_and_shoot(page, "dashboard")

    page.get_by_role("link", name="Instalments due").first.click()
    page.get_by_label("As of").fill(AS_OF.isoformat())
    page.get_by_label("Financial year").fill("2020/21")
    page.get_by_label("Payer").select_option("West Mercia")
    page.get_by_label("Include paid instalments").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/reports/instalments-due/?*")
    expected = [
        i
        for i in world.instalments
        if i.settlement.payer.short_name == "West Mercia" and i.due_on in FinancialYear(2020)
    ]
    assert page.locator("table tbody tr").count() == len(expected)
    total_outstanding = sum(world.outstanding(i, AS_OF) for i in expected)
    assert format_gbp(total_outstanding) in page.locator("table tfoot").inner_text()
    assert "2020/21" in page.locator(".report-scope").inner_text()
    check_and_shoot(page, "instalments-due")

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV").click()
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    csv_rows = list(csv.DictReader(io.StringIO(text)))
    assert len(csv_rows) == len(expected)
    assert sum(Decimal(r["outstanding"]) for r in csv_rows) == total_outstanding

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    sheet = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))["Instalments due"]
    [total] = [row for row in sheet.iter_rows() if row[0].value == "Total"]
    assert Decimal(str(total[9].value)) == total_outstanding
    assert Decimal(str(total[6].value)) == sum(i.amount.amount for i in expected)

    page.emulate_media(media="print")
    assert page.locator(".site-nav").is_hidden()
    assert page.locator("form.filters").is_hidden()
    assert page.locator(".report-scope").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "instalments-due-print.png"), full_page=True)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    assert b"/MediaBox [0 0 594.9" in pdf, "the print stylesheet asks for A4 (595 by 842 points)"
    (tmp_path / "instalments-due.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")


def test_year_end_hosted_services_and_bad_filters_pass_accessibility_checks(page, live_server, world):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/reports/year-end/?fy=2020/21")
    fy = FinancialYear(2020)
    total = sum(world.outstanding(i, fy.end) for i in world.instalments if i.settlement.agreed_on <= fy.end)
    assert format_gbp(total) in page.locator("table").first.locator("tfoot").inner_text()
    check_and_shoot(page, "year-end")

    page.goto(f"{live_server.url}/reports/hosted-services/?as_of=2021-08-01")
    assert page.locator("tr.row--warning").count() == 3
    check_and_shoot(page, "hosted-services")

    page.goto(f"{live_server.url}/reports/instalments-due/?fy=2020/22&from=2020-02-31&payer=Atlantis&status=late")
    assert page.locator(".error-summary li").count() == 4
    check_and_shoot(page, "instalments-due-errors")

    page.goto(f"{live_server.url}/reports/year-end/?fy=2020/21")
    page.emulate_media(media="print")
    assert page.pdf(format="A4").startswith(b"%PDF")
