"""The settlement page: one settlement's whole picture as at a date, as a page and as an Excel workbook.

£10.5m agreed on 30/03/2020 in three instalments; £6m paid on 30/04/2020 and £2.25m on 31/03/2021; an approved
revision from 01/06/2021 splits the last £2.25m into 31/08/2021 and 31/10/2021.
"""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html as lxml_html
from openpyxl import load_workbook

from settlements import roles, services, triggers
from settlements.models import Instalment, Payment
from settlements.money import gbp, parse_amount
from settlements.reports.settlement import settlement_picture
from tests.access_helpers import NO_ROLE, make_user
from tests.factories import DraftSettlementFactory, HostedServiceFactory, SettlementAdjustmentFactory, approve

pytestmark = pytest.mark.django_db

AGREED = date(2020, 3, 30)
SECOND_PAID = date(2021, 3, 31)
REVISED = date(2021, 6, 1)
DAY = timedelta(days=1)


@pytest.fixture
def editor():
    return make_user(roles.FINANCE_EDITOR)


@pytest.fixture
def approver():
    return make_user(roles.FINANCE_APPROVER)


@pytest.fixture
def viewer():
    return make_user(roles.VIEWER)


def explicit(*lines):
    return services.ExplicitAmounts(tuple((due_on, gbp(amount)) for due_on, amount in lines))


@pytest.fixture
def seed(editor, approver):
    settlement = DraftSettlementFactory(
        cash_amount=gbp("10500000.00"), agreed_on=AGREED, entered_by=editor, requested_amount=gbp("12000000.00")
    )
    SettlementAdjustmentFactory(settlement=settlement, amount=gbp("270000.00"), entered_by=editor)
    first, second, _ = services.confirm_schedule(
        settlement=settlement,
        terms=explicit(
            (date(2020, 4, 30), "6000000.00"), (date(2021, 3, 31), "2250000.00"), (date(2021, 7, 31), "2250000.00")
        ),
        created_by=editor,
    )
    approve(settlement)
    services.record_payment(
        instalment=first, amount=gbp("6000000.00"), paid_on=date(2020, 4, 30), reference="P1", recorded_by=editor
    )
    services.record_payment(
        instalment=second, amount=gbp("2250000.00"), paid_on=SECOND_PAID, reference="P2", recorded_by=editor
    )
    revision = services.revise_schedule(
        settlement=settlement,
        terms=explicit((date(2021, 8, 31), "1125000.01"), (date(2021, 10, 31), "1124999.99")),
        revised_on=REVISED,
        reason="Payment period extended.",
        decision_reference="Joint board minute 21/06",
        created_by=editor,
    )
    services.approve_schedule_revision(revision=revision, approved_by=approver)
    HostedServiceFactory(alliance=settlement.alliance, service="Forensic services")
    return settlement


def page(client, user, settlement, **query):
    client.force_login(user)
    return client.get(reverse("settlement", args=[settlement.pk]), query)


def table(response, table_id: str) -> list[list[str]]:
    """The rows of a table on the page (head, body and foot), each as the text of its cells."""
    tree = lxml_html.fromstring(response.content.decode())
    [found] = tree.xpath(f"//table[@id='{table_id}']")
    return [[" ".join(cell.text_content().split()) for cell in row.xpath("th|td")] for row in found.xpath(".//tr")]


def schedule_rows(response) -> list[list[str]]:
    return table(response, "schedule")[1:-1]


def schedule_total(response) -> list[str]:
    return table(response, "schedule")[-1][1:4]


@pytest.mark.parametrize(
    ("as_of", "paid", "outstanding", "second"),
    [
        (SECOND_PAID - DAY, "£6,000,000.00", "£4,500,000.00", ["£0.00", "£2,250,000.00", "Upcoming"]),
        (SECOND_PAID, "£8,250,000.00", "£2,250,000.00", ["£2,250,000.00", "£0.00", "Paid"]),
        (SECOND_PAID + DAY, "£8,250,000.00", "£2,250,000.00", ["£2,250,000.00", "£0.00", "Paid"]),
    ],
)
def test_a_payment_counts_from_the_day_it_was_made(client, viewer, seed, as_of, paid, outstanding, second):
    response = page(client, viewer, seed, as_of=as_of.strftime("%d/%m/%Y"))
    assert response.status_code == 200
    assert schedule_total(response) == ["£10,500,000.00", paid, outstanding]
    assert schedule_rows(response)[1] == ["2", "31/03/2021", "2020/21", "£2,250,000.00", *second]
    picture = settlement_picture(seed.pk, as_of)
    assert (picture.totals.paid, picture.totals.outstanding) == (parse_amount(paid), parse_amount(outstanding))
    assert picture.paid_by_date == parse_amount(paid)


@pytest.mark.parametrize(
    ("as_of", "due_dates"),
    [
        (REVISED - DAY, ["30/04/2020", "31/03/2021", "31/07/2021"]),
        (REVISED, ["30/04/2020", "31/03/2021", "31/08/2021", "31/10/2021"]),
        (REVISED + DAY, ["30/04/2020", "31/03/2021", "31/08/2021", "31/10/2021"]),
    ],
)
def test_a_revision_changes_the_schedule_from_its_effective_date(client, viewer, seed, as_of, due_dates):
    response = page(client, viewer, seed, as_of=as_of.isoformat())
    assert [row[1] for row in schedule_rows(response)] == due_dates
    assert schedule_total(response) == ["£10,500,000.00", "£8,250,000.00", "£2,250,000.00"]


@pytest.mark.parametrize(
    ("as_of", "status"),
    [(date(2021, 8, 30), "Upcoming"), (date(2021, 8, 31), "Upcoming"), (date(2021, 9, 1), "Overdue")],
)
def test_an_instalment_due_on_the_date_is_not_yet_overdue(client, viewer, seed, as_of, status):
    response = page(client, viewer, seed, as_of=as_of.isoformat())
    third = ["3", "31/08/2021", "2021/22", "£1,125,000.01", "£0.00", "£1,125,000.01", status]
    assert schedule_rows(response)[2] == third
    overdue = "£1,125,000.01" if status == "Overdue" else "£0.00"
    tree = lxml_html.fromstring(response.content.decode())
    cards = tree.xpath("//dl[contains(@class, 'cards')]/div")
    cards = {card.findtext("dt"): card.xpath("string(dd)") for card in cards}
    assert cards["Overdue"] == overdue
    assert cards["Outstanding"] == "£2,250,000.00"


def test_the_page_shows_terms_payments_revisions_trail_and_hosted_services(client, viewer, editor, approver, seed):
    [_, p2] = Payment.objects.order_by("paid_on")
    services.reverse_payment(
        payment=p2, reversed_on=date(2021, 4, 2), reason="Paid twice", reference="R2", recorded_by=editor
    )
    response = page(client, viewer, seed, as_of="2021-04-01")
    assert table(response, "amounts") == [
        ["Requested by the payee", "£12,000,000.00"],
        ["Recommended by independent review", "Not published"],
        ["Cash agreed", "£10,500,000.00"],
        ["Write-off of running-cost contribution", "£270,000.00"],
        ["Headline total", "£10,770,000.00"],
    ]
    text = " ".join(lxml_html.fromstring(response.content.decode()).text_content().split())
    assert "None recorded" in text  # no termination notice
    assert table(response, "hosted")[1][:3] == ["Forensic services", seed.payer.short_name, seed.payee.short_name]
    payments = table(response, "payments")
    assert payments[1][:5] == ["30/04/2020", "P1", "Payment", "1", "£6,000,000.00"]
    assert payments[3][:5] == ["02/04/2021", "R2", "Reversal", "2", "-£2,250,000.00"]
    assert "made after 01/04/2021, not counted" in payments[3][6]
    assert payments[-1] == ["Paid by 01/04/2021", "£8,250,000.00", ""]  # the reversal came the day after
    assert payments[1][5].startswith(editor.get_username())
    trail = [row[1:] for row in table(response, "trail")[1:]]
    assert ["Settlement entered", editor.get_username()] in trail
    assert ["Settlement approved", "checker"] in trail
    assert ["Schedule entered", editor.get_username()] in trail
    assert ["Revision 1 approved", approver.get_username()] in trail


def test_a_payment_recorded_by_nobody_says_not_recorded(client, viewer, seed):
    with triggers.bypass():  # a payment whose recorder is not known
        Payment.objects.filter(reference="P1").update(recorded_by=None)
    payments = table(page(client, viewer, seed, as_of="2021-04-01"), "payments")
    [p1] = [row for row in payments if row[1:2] == ["P1"]]
    assert p1[5].startswith("Not recorded, ")


def test_each_revision_shows_the_schedule_before_and_after(seed):
    [change] = settlement_picture(seed.pk, date(2021, 12, 1)).revisions
    assert [(i.due_on, i.amount) for i in change.before] == [
        (date(2020, 4, 30), gbp("6000000.00")),
        (date(2021, 3, 31), gbp("2250000.00")),
        (date(2021, 7, 31), gbp("2250000.00")),
    ]
    after = [date(2020, 4, 30), date(2021, 3, 31), date(2021, 8, 31), date(2021, 10, 31)]
    assert [i.due_on for i in change.after] == after
    assert change.before_total == change.after_total == gbp("10500000.00")


def test_a_draft_is_shown_apart_and_counts_in_no_figure(client, viewer, editor):
    draft = DraftSettlementFactory(cash_amount=gbp("900.00"), agreed_on=AGREED, entered_by=editor)
    services.confirm_schedule(settlement=draft, terms=explicit((date(2020, 4, 30), "900.00")), created_by=editor)
    response = page(client, viewer, draft, as_of="2021-01-01")
    content = response.content.decode()
    assert "No schedule was in force on 01/01/2021: the settlement is draft, awaiting approval." in content
    assert table(response, "awaiting-schedule")[1] == ["1", "30/04/2020", "2020/21", "£900.00", "The draft settlement"]
    assert "Awaiting approval" in content and "settlement awaiting approval" in content


def test_a_pending_revision_is_listed_as_a_request_and_its_instalments_apart(client, approver, editor, seed):
    services.revise_schedule(
        settlement=seed,
        terms=explicit((date(2022, 3, 31), "2250000.00")),
        revised_on=date(2021, 7, 1),
        reason="Moved to the year end.",
        decision_reference="Minute 7",
        created_by=editor,
    )
    response = page(client, approver, seed, as_of="2021-07-01")
    assert table(response, "awaiting-schedule")[1:] == [["3", "31/03/2022", "2021/22", "£2,250,000.00", "Revision 2"]]
    assert [row[1] for row in schedule_rows(response)] == ["30/04/2020", "31/03/2021", "31/08/2021", "31/10/2021"]
    assert "Review and approve revision 2" in response.content.decode()


class TestWhoMaySeeAndDoWhat:
    def test_anyone_signed_out_is_sent_to_sign_in(self, client, seed):
        response = client.get(reverse("settlement", args=[seed.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_a_user_without_a_role_is_refused(self, client, seed):
        assert page(client, make_user(NO_ROLE), seed).status_code == 403

    def test_a_viewer_reads_it_without_any_action(self, client, viewer, seed):
        response = page(client, viewer, seed, as_of="2021-06-01")
        content = response.content.decode()
        assert response.status_code == 200
        for action in ["Revise schedule", "Generate schedule", "Record payment", "Review and approve", "Action</th>"]:
            assert action not in content
        assert len(schedule_rows(response)[0]) == 7  # no column of actions

    def test_an_editor_records_payments_from_unpaid_rows_and_revises(self, client, editor, seed):
        response = page(client, editor, seed, as_of="2021-06-01")
        content = response.content.decode()
        unpaid = Instalment.objects.payable().unpaid().filter(settlement=seed).order_by("due_on")
        add = reverse("admin:settlements_payment_add")
        assert [f"{add}?instalment={i.pk}" in content for i in unpaid] == [True, True]
        assert [row[-1] for row in schedule_rows(response)] == [
            "",
            "",
            "Record payment against instalment 3",
            "Record payment against instalment 4",
        ]
        assert reverse("admin:settlements_settlement_revise_schedule", args=[seed.pk]) in content
        assert "Review and approve" not in content

    def test_an_approver_may_approve_a_draft_but_not_record_payments(self, client, approver, editor, seed):
        draft = DraftSettlementFactory(cash_amount=gbp("900.00"), agreed_on=AGREED, entered_by=editor)
        content = page(client, approver, draft).content.decode()
        assert "Review and approve this settlement" in content
        content = page(client, approver, seed).content.decode()
        assert "Record payment" not in content and "Revise schedule" not in content

    def test_whoever_entered_a_draft_is_not_offered_its_approval(self, client, approver):
        draft = DraftSettlementFactory(cash_amount=gbp("900.00"), agreed_on=AGREED, entered_by=approver)
        assert "Review and approve" not in page(client, approver, draft).content.decode()

    def test_an_unknown_settlement_is_not_found(self, client, viewer):
        client.force_login(viewer)
        assert client.get(reverse("settlement", args=[999999])).status_code == 404

    def test_a_bad_date_is_explained(self, client, viewer, seed):
        response = page(client, viewer, seed, as_of="31/02/2021")
        assert response.status_code == 400
        assert "Enter a real date" in response.content.decode()


def test_the_date_box_shows_today_when_no_date_is_given(client, viewer, seed):
    from django.utils import timezone

    content = page(client, viewer, seed).content.decode()
    assert f'value="{timezone.localdate():%d/%m/%Y}"' in content


def build_instalments(editor, count: int):
    """An approved settlement of `count` instalments, each paid in part, and a pending revision."""
    settlement = DraftSettlementFactory(cash_amount=gbp(f"{count * 1000}.00"), agreed_on=AGREED, entered_by=editor)
    instalments = services.confirm_schedule(
        settlement=settlement, terms=services.EvenSplit(count, 1, date(2020, 4, 30)), created_by=editor
    )
    approve(settlement)
    for n, instalment in enumerate(instalments):
        services.record_payment(
            instalment=instalment, amount=gbp("1.00"), paid_on=instalment.due_on, reference=f"Q{count}-{n}"
        )
    return settlement


# Measured on SQLite and PostgreSQL, the signed-in user's session and user look-ups included.
@pytest.mark.parametrize(
    ("query", "most"), [({"as_of": "2021-01-01"}, 17), ({"as_of": "2021-01-01", "format": "xlsx"}, 15)]
)
def test_the_page_reads_the_same_number_of_queries_for_3_or_30_instalments(client, editor, query, most):
    client.force_login(editor)
    counts = []
    for count in (3, 30):
        settlement = build_instalments(editor, count)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("settlement", args=[settlement.pk]), query).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= most


def workbook(client, user, settlement, as_of: str):
    client.force_login(user)
    response = client.get(reverse("settlement", args=[settlement.pk]), {"as_of": as_of, "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"settlement-{settlement.pk}-" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def test_the_workbook_has_human_headers_pound_amounts_exact_totals_and_fitted_widths(client, viewer, editor, seed):
    [_, p2] = Payment.objects.order_by("paid_on")
    services.reverse_payment(
        payment=p2, reversed_on=date(2021, 4, 2), reason="=cmd|' /C calc'!A0", reference="=R2", recorded_by=editor
    )
    book = workbook(client, viewer, seed, "2021-06-01")
    assert book.sheetnames == ["Statement", "Schedule", "Payments", "Revisions", "Approval trail"]
    schedule = book["Schedule"]
    rows = [[cell.value for cell in row] for row in schedule.iter_rows()]
    assert rows[2] == ["Instalment", "Due on", "Financial year", "Amount", "Paid", "Outstanding", "Status", "Funding"]
    assert rows[-1][:6] == ["Total", None, None, Decimal("10500000.00"), Decimal("6000000.00"), Decimal("4500000.00")]
    assert schedule["D4"].number_format == "£#,##0.00" and schedule["B4"].number_format == "dd/mm/yyyy"
    assert schedule.column_dimensions["D"].width >= len("£10,500,000.00") + 2
    payments = [list(row) for row in book["Payments"].iter_rows()]
    reversal = payments[5]
    assert [reversal[0].value, reversal[4].value] == ["=R2", Decimal("-2250000.00")]
    assert reversal[0].data_type == "s" and reversal[6].data_type == "s"  # text, never a formula
    assert payments[-1][4].value == Decimal("6000000.00")  # paid by 01/06/2021, the reversal of P2 included
    statement = {row[0].value: row[1].value for row in book["Statement"].iter_rows(min_row=3) if row[0].value}
    assert statement["Headline total (cash plus approved adjustments)"] == Decimal("10770000.00")
    assert statement["Recommended by review"] == "Not published"
    assert statement["As at"] == datetime(2021, 6, 1)  # a date cell, shown dd/mm/yyyy


def test_the_reports_link_each_settlement_to_its_page(client, viewer, seed):
    client.force_login(viewer)
    link = reverse("settlement", args=[seed.pk])
    assert link in client.get(reverse("instalments_due"), {"as_of": "2021-06-01"}).content.decode()
    assert link in client.get(reverse("year_end"), {"fy": "2020/21"}).content.decode()
    assert link in client.get(reverse("dashboard"), {"as_of": "2021-09-15"}).content.decode()
