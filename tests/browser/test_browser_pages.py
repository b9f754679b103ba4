"""Every page a finance officer uses, in headless Chromium at 1,366 and 320 px wide, and the admin by keyboard alone.

axe-core must find nothing critical or serious on any page at either width, and at 320 px no page may be
wider than the window (a wide table scrolls inside its own region, never the page: WCAG 1.4.10). The pages
share one live server, one set of demo records and one signed-in browser context.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from settlements import models
from settlements.demo import load_demo
from settlements.fiscal import FinancialYear
from settlements.imports import templates
from settlements.money import gbp
from settlements.services import EvenSplit, close_financial_year, revise_schedule
from settlements.services.documents import add_document
from tests.import_helpers import FICTIONAL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"
WIDTHS = (1366, 320)
TODAY = date(2026, 11, 30)

# Every page to check: a name, and its address with the demo's records filled in ({settlement}, {draft}, ...).
# A new page is one more line.
PAGES = [
    ("dashboard", "/"),
    ("dashboard for one force", "/?force=Warwickshire"),
    ("instalments due", "/reports/instalments-due/"),
    ("instalments due, searched and sorted", "/reports/instalments-due/?q=Warwickshire&sort=-amount&include_paid=on"),
    ("instalments due, bad filters", "/reports/instalments-due/?fy=2020/22&from=2020-02-31&payer=Atlantis&status=late"),
    ("year end", "/reports/year-end/?fy=2020/21"),
    ("year end, latest year with something outstanding", "/reports/year-end/"),
    ("hosted services", "/reports/hosted-services/?as_of=2021-08-01"),
    ("recent changes", "/audit/recent-changes/"),
    ("settlement page", "/settlements/{settlement}/?as_of=01/06/2021"),
    ("settlement page with payments to record", "/settlements/{unpaid_settlement}/"),
    ("settlement page, draft", "/settlements/{draft}/"),
    ("change password", "/accounts/password_change/"),
    ("admin home", "/admin/"),
    ("settlements", "/admin/settlements/settlement/"),
    ("settlements, filtered", "/admin/settlements/settlement/?status__exact=approved"),
    ("settlement", "/admin/settlements/settlement/{settlement}/change/"),
    ("settlement awaiting approval", "/admin/settlements/settlement/{draft}/change/"),
    ("new settlement", "/admin/settlements/settlement/add/"),
    ("generate schedule", "/admin/settlements/settlement/{draft}/generate-schedule/"),
    ("revise schedule", "/admin/settlements/settlement/{settlement}/revise-schedule/"),
    ("settlement adjustments", "/admin/settlements/settlementadjustment/"),
    ("settlement adjustment", "/admin/settlements/settlementadjustment/{adjustment}/change/"),
    ("instalments", "/admin/settlements/instalment/"),
    ("instalment", "/admin/settlements/instalment/{instalment}/change/"),
    ("payments", "/admin/settlements/payment/"),
    ("payment", "/admin/settlements/payment/{payment}/change/"),
    ("record a payment", "/admin/settlements/payment/add/?instalment={unpaid}"),
    ("reverse a payment", "/admin/settlements/payment/{payment}/reverse/"),
    ("schedule revisions", "/admin/settlements/schedulerevision/"),
    ("schedule revision", "/admin/settlements/schedulerevision/{revision}/change/"),
    ("termination notices", "/admin/settlements/terminationnotice/"),
    ("termination notice", "/admin/settlements/terminationnotice/{notice}/change/"),
    ("alliances", "/admin/settlements/alliance/"),
    ("alliance", "/admin/settlements/alliance/{alliance}/change/"),
    ("hosted services in the admin", "/admin/settlements/hostedservice/"),
    ("hosted service", "/admin/settlements/hostedservice/{hosted}/change/"),
    ("financial years", "/admin/settlements/yearclosing/"),
    ("closed financial year", "/admin/settlements/yearclosing/{closing}/change/"),
    ("close a financial year", "/admin/settlements/yearclosing/close/"),
    ("reopen a financial year", "/admin/settlements/yearclosing/{closing}/reopen/"),
    ("documents", "/admin/settlements/document/"),
    ("upload a document", "/admin/settlements/document/add/"),
    ("document", "/admin/settlements/document/{document}/change/"),
    ("document downloads", "/admin/settlements/documentdownload/"),
    ("approve a settlement", "/admin/settlements/settlement/{draft}/approve/"),
    ("withdraw a settlement", "/admin/settlements/settlement/{draft}/withdraw/"),
    ("approve a schedule revision", "/admin/settlements/schedulerevision/{pending_revision}/approve/"),
    ("reject a schedule revision", "/admin/settlements/schedulerevision/{pending_revision}/reject/"),
    ("approve an adjustment", "/admin/settlements/settlementadjustment/{requested}/approve/"),
    ("reject an adjustment", "/admin/settlements/settlementadjustment/{requested}/reject/"),
    ("import agreements", "/admin/settlements/settlement/import/"),
]


@pytest.fixture
def records(django_user_model) -> dict:
    """The demo's records, a draft settlement with an editable schedule and an adjustment, and a superuser."""
    seed, fictional = load_demo(TODAY)
    draft = models.Settlement.objects.create(
        alliance=seed.alliance, payer=seed.payee, payee=seed.payer, agreed_on=date(2021, 2, 1), cash_amount=gbp("900")
    )
    models.SettlementAdjustment.objects.create(settlement=draft, description="Shared vehicles", amount=gbp("50"))
    for number, due_on in enumerate([date(2021, 3, 31), date(2021, 9, 30)], start=1):
        models.Instalment.objects.create(settlement=draft, number=number, due_on=due_on, amount=gbp("450"))
    officer = django_user_model.objects.create_superuser("officer", "officer@example.police.uk", "a-long-pass-word")
    closing = close_financial_year(financial_year=FinancialYear(2015), closed_by=officer, note="Accounts signed")
    # Requests awaiting approval, entered by someone other than the officer who reviews them.
    keeper = django_user_model.objects.create_user("keeper")
    pending_revision = revise_schedule(
        settlement=models.Settlement.objects.get(payer__short_name="Southvale"),
        terms=EvenSplit(3, 3, date(2027, 2, 2)),
        revised_on=date(2026, 11, 2),
        reason="Spread over another quarter",
        decision_reference="Joint board minute 2026/31",
        created_by=keeper,
        today=TODAY,
    )
    requested = models.SettlementAdjustment(
        settlement=seed, kind="offset", description="Offset of shared IT costs", amount=gbp("12000"), entered_by=keeper
    )
    requested.save()
    paid = models.Payment.objects.filter(kind=models.Payment.Kind.PAYMENT, instalment__settlement=seed).first()
    document = add_document(
        record=seed,
        file=SimpleUploadedFile("settlement-agreement.pdf", b"%PDF-1.7\n%%EOF\n"),
        kind="agreement",
        dated_on=date(2020, 3, 30),
        description="Signed settlement agreement",
        uploaded_by=officer,
    )
    models.DocumentDownload.objects.create(document=document, downloaded_by=officer)
    return {
        "settlement": seed.pk,
        "unpaid_settlement": fictional.pk,
        "draft": draft.pk,
        "adjustment": seed.adjustments.first().pk,
        "instalment": paid.instalment_id,
        "unpaid": draft.instalments.first().pk,
        "payment": paid.pk,
        "revision": models.ScheduleRevision.objects.first().pk,
        "notice": models.TerminationNotice.objects.first().pk,
        "alliance": seed.alliance_id,
        "hosted": models.HostedService.objects.first().pk,
        "closing": closing.pk,
        "document": document.pk,
        "pending_revision": pending_revision.pk,
        "requested": requested.pk,
    }


@pytest.fixture
def officer(browser, live_server, records, django_user_model):
    """One browser context signed in as the finance officer, by the session cookie of a test client."""
    client = Client()
    client.force_login(django_user_model.objects.get(username="officer"))
    context = browser.new_context(locale="en-GB", viewport={"width": WIDTHS[0], "height": 900})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    yield context.new_page()
    context.close()


def serious_failures(page) -> list[str]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert len(result["passes"]) > 10, "axe-core did not run its checks"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def sideways_scroll(page) -> str:
    """How far the whole page scrolls sideways, or "" when it fits its window."""
    width, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return f"the page is {width} px wide in a {window} px window" if width > window else ""


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the pages' markup is the same on either database")
def test_every_page_passes_axe_and_fits_a_narrow_window(officer, live_server, records):
    problems = {}
    for width in WIDTHS:
        officer.set_viewport_size({"width": width, "height": 900})
        for name, address in PAGES:
            response = officer.goto(live_server.url + address.format(**records))
            found = [] if response.status in {200, 400} else [f"status {response.status}"]
            found += serious_failures(officer)
            if width < 400 and (wide := sideways_scroll(officer)):
                found.append(wide)
            if found:
                problems[f"{name} at {width} px"] = found
    assert problems == {}


def test_the_sign_in_page_passes_axe_and_fits_a_narrow_window(browser, live_server):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/accounts/login/")
        assert serious_failures(page) == []
        assert sideways_scroll(page) == ""
    context.close()


def test_a_bad_filter_moves_focus_to_the_error_summary(officer, live_server, records):
    officer.goto(f"{live_server.url}/reports/instalments-due/?from=2021-02-31")
    assert officer.title().startswith("Error: Instalments due")
    assert officer.evaluate("document.activeElement.className") == "error-summary"
    officer.keyboard.press("Tab")
    assert officer.evaluate("document.activeElement.getAttribute('href')") == "#id_from"


# The ids that aria-describedby points at but that no element has, or that belong to the hidden template row.
BROKEN_REFERENCES = """() => [...document.querySelectorAll('[aria-describedby]')]
  .filter((e) => !e.closest('.empty-form'))
  .flatMap((e) => e.getAttribute('aria-describedby').split(' '))
  .filter((id) => id.includes('__prefix__') || !document.getElementById(id))"""


def tab_to(page, selector: str, presses: int = 120) -> None:
    """Press Tab until the element matching `selector` has focus; fail if the keyboard never reaches it."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_a_settlement_with_an_adjustment_and_a_schedule_is_entered_by_keyboard_alone(officer, live_server, records):
    page = officer
    page.goto(f"{live_server.url}/admin/settlements/settlement/add/")
    assert page.evaluate("document.activeElement.id") == "id_alliance", "the form starts at its first field"
    page.keyboard.type("Northshire")  # a closed list takes the typed name
    type_into(page, "#id_payer", "Southvale")
    type_into(page, "#id_payee", "Northshire")
    type_into(page, "#id_agreed_on", "01/04/2026")
    type_into(page, "#id_cash_amount_0", "1000000.01")
    type_into(page, "#id_funding_note", "From the general reserve")
    tab_to(page, "#adjustments-group .add-row a")
    page.keyboard.press("Enter")  # a new adjustment row
    type_into(page, "#id_adjustments-0-kind", "I")  # In kind
    type_into(page, "#id_adjustments-0-description", "Two vans")
    type_into(page, "#id_adjustments-0-amount_0", "40000")
    tab_to(page, "#instalments-group .add-row a")
    page.keyboard.press("Enter")  # a row added and then removed: its ids are renumbered like the others
    assert page.evaluate(BROKEN_REFERENCES) == []
    tab_to(page, "#instalments-0 .inline-deletelink")
    page.keyboard.press("Enter")
    tab_to(page, "input[name=_continue]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/change/")

    settlement = models.Settlement.objects.get(cash_amount=gbp("1000000.01"))
    [adjustment] = settlement.adjustments.all()
    assert (adjustment.kind, adjustment.description, adjustment.amount) == ("in_kind", "Two vans", gbp("40000"))

    tab_to(page, "a[href$='/generate-schedule/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/generate-schedule/")
    tab_to(page, "input[name=method][value=even]")
    assert page.evaluate("document.activeElement.checked")
    type_into(page, "#id_count", "3")
    type_into(page, "#id_every_months", "6")
    type_into(page, "#id_first_due_on", "30/04/2026")
    tab_to(page, "input[name=preview]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#preview")
    tab_to(page, "input[name=confirm]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/settlement/{settlement.pk}/change/")

    instalments = list(settlement.instalments.order_by("number"))
    assert [i.amount for i in instalments] == [gbp("333333.34"), gbp("333333.34"), gbp("333333.33")]
    assert [i.due_on for i in instalments] == [date(2026, 4, 30), date(2026, 10, 31), date(2027, 4, 30)]


def test_a_month_end_schedule_is_previewed_and_saved_showing_only_the_chosen_methods_fields(
    officer, live_server, records
):
    page = officer
    page.goto(f"{live_server.url}/admin/settlements/settlement/{records['draft']}/generate-schedule/")
    assert page.locator("#id_count").is_visible()
    assert page.locator("#id_lines").is_hidden()
    page.get_by_label("Amounts by date or financial year").check()
    assert page.locator("#id_count").is_hidden()
    assert page.locator("#id_first_due_on").is_hidden()
    assert page.locator("#id_lines").is_visible()
    page.get_by_label("Equal instalments at a regular interval").check()
    page.get_by_label("Number of instalments").fill("3")
    page.get_by_label("Every (months)").fill("6")
    page.get_by_label("First due on").fill("30/09/2024")
    page.get_by_role("button", name="Preview schedule").click()
    rows = page.locator("#preview tbody tr")
    assert [rows.nth(n).locator("td").nth(1).inner_text() for n in range(3)] == [
        "30/09/2024",
        "31/03/2025",
        "30/09/2025",
    ]
    assert page.locator("#preview tfoot").inner_text().endswith("£900.00")
    assert models.Instalment.objects.filter(settlement=records["draft"], due_on=date(2025, 3, 31)).count() == 0
    page.get_by_role("button", name="Save this schedule").click()
    page.wait_for_url(f"**/settlement/{records['draft']}/change/")
    saved = models.Instalment.objects.filter(settlement=records["draft"]).order_by("number")
    assert [(i.due_on, i.amount) for i in saved] == [
        (date(2024, 9, 30), gbp("300.00")),
        (date(2025, 3, 31), gbp("300.00")),
        (date(2025, 9, 30), gbp("300.00")),
    ]


def test_the_import_preview_passes_axe_and_fits_a_narrow_window(officer, live_server, records, tmp_path):
    """The preview of a workbook, row by row, before anything is written; screenshotted at 1,366 px."""
    workbook = tmp_path / "agreements.xlsx"
    workbook.write_bytes(templates.workbook(FICTIONAL))
    page = officer
    problems = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/admin/settlements/settlement/import/")
        page.set_input_files("#id_file", str(workbook))
        page.get_by_role("button", name="Preview the import").click()
        page.wait_for_selector("#import-preview")
        assert "DPP-GWENT-2024-001" in page.content()
        if width == WIDTHS[0]:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "import-preview.png"), full_page=True)
        found = serious_failures(page) + ([wide] if width < 400 and (wide := sideways_scroll(page)) else [])
        if found:
            problems[width] = found
    assert problems == {}
    assert not models.Alliance.objects.filter(name=FICTIONAL["Alliances"][0][0]).exists()


def amounts_in_column(page, column: int) -> list[Decimal]:
    cells = page.locator(f"table tbody tr td:nth-child({column})").all_inner_texts()
    return [Decimal(text.replace("£", "").replace(",", "")) for text in cells]


def test_the_due_report_is_searched_and_sorted_by_its_column_headings(officer, live_server, records):
    page = officer
    page.goto(f"{live_server.url}/reports/instalments-due/")
    page.get_by_label("Search").fill("northshire")
    page.get_by_label("Include paid instalments").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/reports/instalments-due/?*")
    alliances = page.locator("table tbody tr td:nth-child(5)").all_inner_texts()
    expected = models.Instalment.objects.in_force(TODAY).filter(settlement__alliance__name__icontains="northshire")
    assert len(alliances) == expected.count() > 1
    assert all("Northshire" in name for name in alliances)

    page.get_by_role("link", name="Amount").click()
    page.wait_for_url("**sort=amount**")
    assert page.locator("th[aria-sort]").inner_text().startswith("Amount")
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "ascending"
    assert page.get_by_label("Search").input_value() == "northshire"
    ascending = amounts_in_column(page, 7)
    assert ascending == sorted(ascending)

    page.get_by_role("link", name="Amount").click()
    page.wait_for_url("**sort=-amount**")
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"
    assert amounts_in_column(page, 7) == sorted(ascending, reverse=True)

    page.get_by_label("Include paid instalments").uncheck()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/reports/instalments-due/?*")
    assert "sort=-amount" in page.url
    statuses = page.locator("table tbody tr td:nth-child(10)").all_inner_texts()
    assert statuses and "Paid" not in statuses
    assert serious_failures(page) == []


# Each list's money columns: at 1,366 px each must lie wholly inside the list, nothing scrolled out of sight.
MONEY_COLUMNS = {
    "/admin/settlements/settlement/": ["headline_column", "cash_column", "status"],
    "/admin/settlements/instalment/": ["amount_column", "paid", "outstanding", "status"],
    "/admin/settlements/payment/": ["kind", "signed_amount"],
}
CUT_OFF = """(names) => {
  const list = document.querySelector('.results').getBoundingClientRect();
  return names.filter((name) => [...document.querySelectorAll(`.column-${name}, .field-${name}`)]
    .some((cell) => { const box = cell.getBoundingClientRect();
      return box.right > Math.min(list.right, window.innerWidth) + 1 || box.width < 20; }));
}"""


def test_the_admin_lists_show_their_money_whole_at_1366_px(officer, live_server, records):
    officer.set_viewport_size({"width": 1366, "height": 900})
    for address, names in MONEY_COLUMNS.items():
        officer.goto(live_server.url + address)
        assert officer.locator("#result_list tbody tr").count() > 1
        assert officer.evaluate(CUT_OFF, names) == [], address
        assert sideways_scroll(officer) == ""
