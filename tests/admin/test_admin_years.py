"""Closed years in the admin and on the reports: closing and reopening, the lock on every record, refusals."""

import io
from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse
from djmoney.money import Money
from openpyxl import load_workbook

from settlements import dating, roles, services
from settlements.fiscal import FinancialYear
from settlements.middleware import ClosedYearRefusalMiddleware
from settlements.models import Payment, ScheduleRevision, Settlement, SettlementAdjustment, YearClosing
from tests import factories
from tests.access_helpers import SUPERUSER, make_user

pytestmark = pytest.mark.django_db

FY2020 = FinancialYear(2020)
CLOSE_URL = "/admin/settlements/yearclosing/close/"


def gbp(amount):
    return Money(amount, "GBP")


@pytest.fixture
def alice(client):
    return make_user(roles.FINANCE_APPROVER, "alice")


@pytest.fixture
def bob():
    return make_user(roles.FINANCE_APPROVER, "bob")


@pytest.fixture
def editor():
    return make_user(roles.FINANCE_EDITOR, "eddie")


@pytest.fixture
def books():
    """Agreed 30/03/2020 (nothing due or paid in 2019/20); £600 due 31/03/2021, paid that day; £400 due 31/08/2021."""
    settlement = factories.SettlementFactory(cash_amount=gbp("1000.00"), agreed_on=date(2020, 3, 30))
    first = factories.InstalmentFactory(settlement=settlement, number=1, due_on=date(2021, 3, 31), amount=gbp("600"))
    second = factories.InstalmentFactory(settlement=settlement, number=2, due_on=date(2021, 8, 31), amount=gbp("400"))
    payment = services.record_payment(instalment=first, amount=gbp("600.00"), paid_on=date(2021, 3, 31), reference="P1")
    return {"settlement": settlement, "first": first, "second": second, "payment": payment}


def close_2020(user):
    return services.close_financial_year(financial_year=FY2020, closed_by=user, note="Accounts signed")


def page(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data) if data is not None else client.get(url)


class TestClosingPage:
    def test_an_approver_closes_a_year_from_the_admin(self, client, alice, books):
        response = page(client, alice, CLOSE_URL, {"financial_year": "2020/21", "note": "Signed 30/09/2021"})
        assert response.status_code == 302
        closing = YearClosing.objects.get()
        assert (closing.financial_year, closing.closed_by, closing.note) == (FY2020, alice, "Signed 30/09/2021")
        listing = client.get(response.url).content.decode()
        assert "Financial year 2020/21 is closed: closed on" in listing and "by alice" in listing

    @pytest.mark.parametrize("role", [roles.VIEWER, roles.FINANCE_EDITOR])
    def test_only_approvers_reach_the_closing_page(self, client, role):
        user = make_user(role)
        assert page(client, user, CLOSE_URL).status_code == 403
        assert page(client, user, CLOSE_URL, {"financial_year": "2020/21"}).status_code == 403
        listing = page(client, user, "/admin/settlements/yearclosing/")
        assert listing.status_code == 200 and listing.context["cl"].model is YearClosing  # the list, not an error
        assert "Close a financial year" not in listing.content.decode()
        assert not YearClosing.objects.exists()

    def test_the_order_of_years_is_explained_on_the_form(self, client, alice, books):
        factories.InstalmentFactory(settlement=books["settlement"], number=3, due_on=date(2019, 6, 30), amount=gbp("1"))
        response = page(client, alice, CLOSE_URL, {"financial_year": "2020/21"})
        assert response.status_code == 200
        assert "Years close in order: 2019/20 still open" in response.content.decode()

    def test_a_badly_written_year_is_explained(self, client, alice):
        response = page(client, alice, CLOSE_URL, {"financial_year": "2020/22"})
        assert "did you mean 2020/21?" in response.content.decode()

    def test_the_closer_cannot_reopen_from_the_admin(self, client, alice, books):
        closing = close_2020(alice)
        url = reverse("admin:settlements_yearclosing_reopen", args=[closing.pk])
        response = page(client, alice, url, {"reason": "Audit adjustment"})
        assert response.status_code == 200
        assert "another finance approver must reopen it" in response.content.decode()
        assert YearClosing.objects.get().is_closed

    def test_another_approver_reopens_from_the_admin(self, client, alice, bob, books):
        closing = close_2020(alice)
        detail = page(client, bob, reverse("admin:settlements_yearclosing_change", args=[closing.pk])).content.decode()
        assert "Reopen this year" in detail
        url = reverse("admin:settlements_yearclosing_reopen", args=[closing.pk])
        assert client.post(url, {"reason": "Audit adjustment"}).status_code == 302
        assert not YearClosing.objects.get().is_closed

    def test_an_editor_cannot_reopen(self, client, alice, editor, books):
        closing = close_2020(alice)
        url = reverse("admin:settlements_yearclosing_reopen", args=[closing.pk])
        assert page(client, editor, url, {"reason": "x"}).status_code == 403

    def test_closing_and_reopening_are_in_the_recent_changes(self, client, alice, bob, books):
        close_2020(alice)
        services.reopen_financial_year(financial_year=FY2020, reopened_by=bob, reason="Audit adjustment")
        content = page(client, bob, "/audit/recent-changes/").content.decode()
        assert "Closed 2020/21: Accounts signed" in content
        assert "Reopened 2020/21: Audit adjustment" in content


class TestTheLockOnRecords:
    @pytest.fixture(autouse=True)
    def closed(self, alice, books):
        close_2020(alice)

    @pytest.mark.parametrize("key", ["payment", "first"])
    def test_a_record_of_the_closed_year_shows_the_lock(self, client, editor, books, key):
        obj = books[key]
        url = reverse(f"admin:settlements_{obj._meta.model_name}_change", args=[obj.pk])
        content = page(client, editor, url).content.decode()
        assert "Financial year 2020/21 is closed: closed on" in content and "by alice" in content
        assert "Reverse this payment" not in content

    def test_a_record_of_the_open_year_shows_no_lock(self, client, editor, books):
        url = reverse("admin:settlements_instalment_change", args=[books["second"].pk])
        response = page(client, editor, url)
        assert response.status_code == 200 and response.context["original"] == books["second"]
        assert "is closed" not in response.content.decode()

    def test_a_settlement_agreed_in_the_closed_year_is_read_only_and_cannot_be_approved(
        self, client, alice, bob, editor
    ):
        services.reopen_financial_year(financial_year=FY2020, reopened_by=bob, reason="Late entry")
        draft = factories.SettlementFactory(status=Settlement.Status.DRAFT, agreed_on=date(2020, 9, 1))
        close_2020(alice)
        url = reverse("admin:settlements_settlement_change", args=[draft.pk])
        content = page(client, editor, url).content.decode()
        assert "Financial year 2020/21 is closed" in content and 'name="cash_amount_0"' not in content
        assert 'name="adjustments-MAX_NUM_FORMS" value="0"' in content  # no adjustment can be added
        approve = reverse("admin:settlements_settlement_approve", args=[draft.pk])
        as_approver = page(client, bob, url)
        assert as_approver.status_code == 200 and "Financial year 2020/21 is closed" in as_approver.content.decode()
        assert approve not in as_approver.content.decode()
        response = client.post(approve, {"version": draft.version}, follow=True)
        assert "settlement agreed on 01/09/2020 cannot be added, changed or approved" in response.content.decode()
        draft.refresh_from_db()
        assert not draft.is_approved()

    def test_recording_a_payment_dated_in_the_closed_year_is_refused(self, client, editor, books):
        data = {"instalment": books["second"].pk, "paid_on": "31/03/2021", "amount": "1.00", "reference": "LATE"}
        response = page(client, editor, "/admin/settlements/payment/add/", data)
        assert response.status_code == 200
        assert "Financial year 2020/21 is closed" in response.content.decode()
        assert not Payment.objects.filter(reference="LATE").exists()

    def test_reversing_a_payment_of_the_closed_year_is_refused(self, client, editor, books):
        url = reverse("admin:settlements_payment_reverse", args=[books["payment"].pk])
        response = page(client, editor, url, {"reversed_on": "01/04/2021", "reason": "Wrong", "reference": "REV"})
        assert response.status_code == 200
        assert "Payment P1, made on 31/03/2021, cannot be reversed" in response.content.decode()
        assert not Payment.objects.filter(reference="REV").exists()

    def test_a_revision_taking_effect_in_the_closed_year_is_refused(self, client, editor, books):
        url = reverse("admin:settlements_settlement_revise_schedule", args=[books["settlement"].pk])
        data = {
            "revised_on": "31/03/2021",
            "reason": "Extended",
            "decision_reference": "Minute 3",
            "method": "explicit",
            "lines": "31/03/2022 £400.00",
            "funding_source": "not_recorded",
        }
        preview = page(client, editor, url, data)
        digest = preview.context["digest"]
        response = client.post(url, {**data, "confirm": "1", "digest": digest})
        assert response.status_code == 200
        assert "revision taking effect on 31/03/2021 cannot be made" in response.content.decode()
        assert not ScheduleRevision.objects.exists()

    def test_deleting_an_instalment_due_in_the_closed_year_from_its_settlement_is_refused(
        self, client, alice, bob, superuser
    ):
        services.reopen_financial_year(financial_year=FY2020, reopened_by=bob, reason="Late entry")
        settlement = factories.SettlementFactory(status="draft", agreed_on=date(2020, 3, 30), cash_amount=gbp("10"))
        due = factories.InstalmentFactory(settlement=settlement, number=1, due_on=date(2020, 6, 30), amount=gbp("10"))
        close_2020(alice)
        url = reverse("admin:settlements_settlement_change", args=[settlement.pk])
        form = page(client, superuser, url).context["adminform"].form
        data = {k: v for k, v in form.initial.items() if v is not None}
        data.update(
            {
                "alliance": settlement.alliance_id,
                "payer": settlement.payer_id,
                "payee": settlement.payee_id,
                "agreed_on": "30/03/2020",
                "cash_amount_0": "10.00",
                "cash_amount_1": "GBP",
                "full_and_final": "on",
                "adjustments-TOTAL_FORMS": "0",
                "adjustments-INITIAL_FORMS": "0",
                "instalments-TOTAL_FORMS": "2",
                "instalments-INITIAL_FORMS": "1",
                "instalments-0-id": due.pk,
                "instalments-0-settlement": settlement.pk,
                "instalments-0-number": "1",
                "instalments-0-due_on": "30/06/2020",
                "instalments-0-amount_0": "10.00",
                "instalments-0-amount_1": "GBP",
                "instalments-0-funding_source": "not_recorded",
                "instalments-0-DELETE": "on",
                "instalments-1-number": "1",
                "instalments-1-due_on": "30/06/2021",
                "instalments-1-amount_0": "10.00",
                "instalments-1-amount_1": "GBP",
                "instalments-1-funding_source": "not_recorded",
            }
        )
        response = client.post(url, data)
        assert response.status_code == 200, response.content.decode()[:300]
        assert "instalment due on 30/06/2020 cannot be deleted" in response.content.decode()
        assert settlement.instalments.get() == due


def test_a_refusal_by_the_database_reaches_the_person_as_a_page_not_a_server_error(alice, books):
    close_2020(alice)
    try:
        with transaction.atomic():
            Payment.objects.filter(pk=books["payment"].pk).update(reason="changed behind the services' back")
    except IntegrityError as error:
        refusal = error
    request = RequestFactory().post("/admin/settlements/payment/")
    request.user = alice
    response = ClosedYearRefusalMiddleware(lambda r: None).process_exception(request, refusal)
    assert response.status_code == 409
    content = response.content.decode()
    assert "Not saved: the financial year is closed" in content
    assert "in a closed financial year cannot be added, changed or removed" in content
    assert ClosedYearRefusalMiddleware(lambda r: None).process_exception(request, IntegrityError("other")) is None


class TestReportsSayWhetherFiguresAreFinal:
    def test_the_year_end_page_of_a_closed_year_says_when_and_by_whom(self, client, alice, books):
        close_2020(alice)
        content = page(client, alice, "/reports/year-end/?fy=2020/21").content.decode()
        assert "Financial year 2020/21 is closed: closed on" in content and "by alice" in content
        assert "Provisional" not in content

    def test_the_year_end_page_of_an_open_year_is_provisional(self, client, alice, books):
        content = page(client, alice, "/reports/year-end/?fy=2021/22").content.decode()
        assert "Provisional: the year is open (2021/22)" in content

    @pytest.mark.parametrize(
        "as_of, closed", [("2021-03-31", True), ("2021-04-01", False), ("2020-04-01", True), ("2020-03-31", False)]
    )
    def test_the_due_report_and_dashboard_mark_the_as_at_date(self, client, alice, books, as_of, closed):
        close_2020(alice)
        for url in (f"/reports/instalments-due/?as_of={as_of}", f"/?as_of={as_of}"):
            content = page(client, alice, url).content.decode()
            assert ("Financial year 2020/21 is closed: closed on" in content) is closed, url
            assert ("Provisional: the year is open" in content) is not closed, url


@pytest.mark.parametrize(
    "url, params",
    [
        ("instalments_due", {"as_of": "{day}"}),
        ("year_end", {"fy": "{fy}"}),
    ],
)
@pytest.mark.parametrize("day, fy, closed", [("2021-03-31", "2020/21", True), ("2022-03-31", "2021/22", False)])
def test_excel_exports_say_closed_or_provisional_and_csv_headers_stay_first(
    client, alice, books, url, params, day, fy, closed
):
    close_2020(alice)
    client.force_login(alice)
    query = {key: value.format(day=day, fy=fy) for key, value in params.items()}
    response = client.get(reverse(url), {**query, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    status = {row[0].value: row[1].value for row in sheet.iter_rows(max_row=8) if len(row) > 1}["Year status"]
    assert status.startswith(
        "Financial year 2020/21 is closed: closed on" if closed else "Provisional: the year is open"
    )
    csv = b"".join(client.get(reverse(url), {**query, "format": "csv"}).streaming_content).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith(("alliance,payer,payee,", "alliance,payer,payee,agreed_on"))


@pytest.mark.django_db(transaction=True)  # as in production: the refused statement is not inside a test's transaction
def test_a_trigger_refusal_in_the_admin_reaches_the_person_as_a_message(client, alice, monkeypatch):
    """A page loaded before the close offers the delete; the database refuses it; the admin says why."""
    draft = factories.DraftSettlementFactory(cash_amount=gbp("10.00"), agreed_on=date(2020, 6, 1))
    adjustment = factories.SettlementAdjustmentFactory(settlement=draft, status="pending")
    close_2020(alice)
    monkeypatch.setattr(dating, "lock_of", lambda obj, **kwargs: None)  # as the page saw it, before the close
    url = reverse("admin:settlements_settlementadjustment_changelist")
    data = {"action": "delete_selected", "_selected_action": [adjustment.pk], "post": "yes"}
    response = page(client, make_user(SUPERUSER, "root"), url, data)
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    (message,) = shown  # PostgreSQL's names the year first; SQLite's is the rule alone
    assert message.endswith(
        "An adjustment of a settlement agreed in a closed financial year cannot be added, changed or removed."
    )
    assert "REFUSED" not in message
    assert SettlementAdjustment.objects.filter(pk=adjustment.pk).exists()
    listing = client.get(response.url)
    assert listing.status_code == 200 and adjustment.description in listing.content.decode()


NOT_CLOSED_FIGURES = "These figures include items awaiting approval: they are not the closed figures of financial year"


@pytest.mark.parametrize("include_pending", [False, True], ids=["approved-only", "with-awaiting"])
@pytest.mark.parametrize(
    "as_of, fy, closed",
    [
        ("2020-03-31", "2019/20", False),  # the day before the closed year
        ("2020-04-01", None, True),  # its first day
        ("2021-03-31", "2020/21", True),  # its last day
        ("2021-04-01", "2021/22", False),  # the day after
    ],
)
def test_figures_with_items_awaiting_approval_never_say_closed_on(
    client, alice, bob, books, as_of, fy, closed, include_pending
):
    close_2020(alice)
    client.force_login(bob)
    flag = {"include_pending": "on"} if include_pending else {}
    pages = [("dashboard", {"as_of": as_of}), ("instalments_due", {"as_of": as_of})]
    if fy:
        pages.append(("year_end", {"fy": fy}))
    for url, query in pages:
        response = client.get(reverse(url), {**query, **flag})
        assert response.status_code == 200, url
        content = response.content.decode()
        assert ("is closed: closed on" in content) is (closed and not include_pending), url
        assert (NOT_CLOSED_FIGURES in content) is (closed and include_pending), url
        assert ("Provisional: the year is open" in content) is (not closed), url
        assert ("year-status--provisional" in content) is (not closed or include_pending), url


@pytest.mark.parametrize("url, query", [("instalments_due", {"as_of": "2021-03-31"}), ("year_end", {"fy": "2020/21"})])
@pytest.mark.parametrize("include_pending", [False, True], ids=["approved-only", "with-awaiting"])
def test_the_excel_year_status_of_figures_with_items_awaiting_approval(
    client, alice, books, url, query, include_pending
):
    close_2020(alice)
    client.force_login(alice)
    flag = {"include_pending": "on"} if include_pending else {}
    response = client.get(reverse(url), {**query, **flag, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    status = {row[0].value: row[1].value for row in sheet.iter_rows(max_row=9) if len(row) > 1}["Year status"]
    if include_pending:
        assert status == f"{NOT_CLOSED_FIGURES} 2020/21."
    else:
        assert status.startswith("Financial year 2020/21 is closed: closed on") and status.endswith("by alice.")
