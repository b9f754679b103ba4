"""In headless Chromium, as a finance editor: open a settlement from the dashboard and read its whole picture,
record a payment from an instalment's row, and print the page as a statement on A4."""

import io

import pytest
from django.conf import settings
from django.test import Client
from pypdf import PdfReader

from settlements import dating, roles
from settlements.demo import load_demo
from settlements.models import Instalment, Payment
from settlements.money import format_gbp, from_pence, to_pence
from tests.access_helpers import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def demo():
    """The demo's records as of today: the second settlement has instalments still to pay."""
    load_demo(dating.london_today())
    return Instalment.objects.payable().unpaid().order_by("due_on").first().settlement


@pytest.fixture
def officer(browser, live_server, demo):
    """A browser signed in as a finance editor (the session cookie of a test client)."""
    client = Client()
    client.force_login(make_user(roles.FINANCE_EDITOR, "fiona"))
    context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    yield context.new_page()
    context.close()


def serious_failures(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert len(result["passes"]) > 10, "axe-core did not run its checks"
    return [f"{v['id']}: {v['help']}" for v in result["violations"] if v["impact"] in {"serious", "critical"}]


def expected_totals(settlement) -> list[str]:
    """Amount, paid and outstanding today, added up here from the rows themselves (a second way to the figures)."""
    today = dating.london_today()
    rows = list(Instalment.objects.in_force(today).filter(settlement=settlement))
    amount = sum(to_pence(i.amount) for i in rows)
    paid = 0
    for payment in Payment.objects.filter(instalment__in=rows, paid_on__lte=today):
        paid += -to_pence(payment.amount) if payment.is_reversal() else to_pence(payment.amount)
    return [format_gbp(from_pence(pence)) for pence in (amount, paid, amount - paid)]


def cells(page, selector: str) -> list[str]:
    return [" ".join(text.split()) for text in page.locator(selector).all_inner_texts()]


def test_a_settlement_is_opened_from_the_dashboard_and_read_whole(officer, live_server, demo):
    page = officer
    page.goto(f"{live_server.url}/")
    page.locator(f"main a[href='/settlements/{demo.pk}/']").first.click()
    page.wait_for_url(f"**/settlements/{demo.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == f"{demo.payer.name} to {demo.payee.name}"
    assert cells(page, "#schedule tfoot td")[:3] == expected_totals(demo)
    rows = page.locator("#schedule tbody tr")
    assert rows.count() == Instalment.objects.in_force(dating.london_today()).filter(settlement=demo).count()
    references = cells(page, "#payments tbody td:nth-child(2)")
    assert references == list(Payment.objects.filter(instalment__settlement=demo).values_list("reference", flat=True))
    trail = cells(page, "#trail tbody td:nth-child(2)")
    assert "Settlement entered" in trail and "Settlement approved" in trail
    assert page.locator("#hosted tbody tr").count() == demo.alliance.hosted_services.count()
    assert page.get_by_role("link", name="Revise schedule").is_visible()
    assert serious_failures(page) == []


def test_a_payment_is_recorded_from_its_row(officer, live_server, demo):
    page = officer
    instalment = Instalment.objects.payable().unpaid().filter(settlement=demo).order_by("due_on").first()
    before = expected_totals(demo)
    page.goto(f"{live_server.url}/settlements/{demo.pk}/")
    page.get_by_role("link", name=f"Record payment against instalment {instalment.number}").click()
    page.wait_for_url(f"**/admin/settlements/payment/add/?instalment={instalment.pk}")
    summary = page.locator(".instalment-summary")
    assert f"{instalment.due_on:%d/%m/%Y}" in summary.inner_text()
    assert format_gbp(instalment.amount) in summary.inner_text()
    page.get_by_label("Paid on").fill(f"{dating.london_today():%d/%m/%Y}")
    page.get_by_label("Amount").fill("£1,000.01")
    page.get_by_label("Reference").fill("BROWSER-1")
    page.get_by_role("button", name="Record payment").click()
    page.wait_for_url(f"**/admin/settlements/instalment/{instalment.pk}/change/")
    assert "Payment BROWSER-1 of £1,000.01 recorded." in page.locator(".messagelist").inner_text()

    page.goto(f"{live_server.url}/settlements/{demo.pk}/")
    after = cells(page, "#schedule tfoot td")[:3]
    assert after == expected_totals(demo)
    assert to_pence(Payment.objects.get(reference="BROWSER-1").amount) == 100001
    paid_before, paid_after = (int(v.replace("£", "").replace(",", "").replace(".", "")) for v in (before[1], after[1]))
    assert paid_after - paid_before == 100001
    assert "BROWSER-1" in cells(page, "#payments tbody td:nth-child(2)")


def test_the_settlement_page_prints_as_an_a4_statement(officer, live_server, demo, tmp_path):
    page = officer
    page.goto(f"{live_server.url}/settlements/{demo.pk}/")
    page.emulate_media(media="print")
    assert not page.locator(".actions").is_visible() and not page.locator(".filters").is_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    (tmp_path / "settlement.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    width, height = (float(n) for n in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842), "A4 is 595 by 842 points"
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for expected in ["Settlement statement", f"{demo.payer.name} to {demo.payee.name}", "Schedule in force", "Total"]:
        assert expected in text
    assert expected_totals(demo)[0] in text
    for absent in ["Revise schedule", "Record payment", "Sign out", "Download as Excel"]:
        assert absent not in text
