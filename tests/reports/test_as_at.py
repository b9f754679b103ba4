"""Figures as at a date: the schedules in force that day, approved only, whatever happened since.

A settlement counts from the day it was agreed, once approved; an approved revision counts from its own date
(what it replaced counts until the day before); drafts and pending revisions count nowhere unless the reader
asks for them, and the pages then say so.
"""

import csv
import io
import random
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from settlements import roles, services
from settlements.demo import load_demo
from settlements.exports import DUE_HEADER
from settlements.fiscal import FinancialYear
from settlements.models import Instalment, Payment, ScheduleRevision, Settlement
from settlements.money import from_pence, gbp
from settlements.reports.dashboard import dashboard
from settlements.reports.instalments_due import DueFilters, matching_instalments
from settlements.reports.year_end import year_end_position
from settlements.services import ledger
from tests.access_helpers import make_user
from tests.factories import DraftSettlementFactory, SettlementFactory, approve, approve_in_bulk

pytestmark = pytest.mark.django_db

AGREED = date(2020, 3, 30)
REVISED = date(2021, 6, 1)
FY_2020 = FinancialYear(2020)
DAY = timedelta(days=1)


@pytest.fixture
def editor():
    return make_user(roles.FINANCE_EDITOR)


@pytest.fixture
def approver():
    return make_user(roles.FINANCE_APPROVER)


def schedule(settlement, *lines):
    terms = services.ExplicitAmounts(tuple((due_on, gbp(amount)) for due_on, amount in lines))
    return services.confirm_schedule(settlement=settlement, terms=terms)


@pytest.fixture
def seed(editor):
    """£10.5m in three instalments; the first paid on time, the last due 31/07/2021."""
    settlement = DraftSettlementFactory(cash_amount=gbp("10500000.00"), agreed_on=AGREED, entered_by=editor)
    first, _, _ = schedule(
        settlement,
        (date(2020, 4, 30), "6000000.00"),
        (date(2021, 3, 31), "2250000.00"),
        (date(2021, 7, 31), "2250000.00"),
    )
    approve(settlement)
    services.record_payment(instalment=first, amount=gbp("6000000.00"), paid_on=date(2020, 4, 30), reference="P1")
    return settlement


def revise(settlement, editor, revised_on=REVISED, due_on=date(2022, 8, 31)):
    """Move what is unpaid to `due_on`, entered by `editor`; not yet approved."""
    return services.revise_schedule(
        settlement=settlement,
        terms=services.ExplicitAmounts(((due_on, gbp("4500000.00")),)),
        revised_on=revised_on,
        reason="Payment period extended",
        decision_reference="Joint board minute 21/06",
        created_by=editor,
    )


def due_dates(as_of: date, **filters) -> list[date]:
    return [row.due_on for row in matching_instalments(DueFilters(as_of=as_of, **filters))]


def due_this_year(as_of: date, **options):
    [headline] = dashboard(as_of, **options).headlines
    return headline.due_this_year


@pytest.mark.parametrize(
    ("as_of", "in_force"),
    [
        (REVISED - DAY, [date(2020, 4, 30), date(2021, 3, 31), date(2021, 7, 31)]),
        (REVISED, [date(2020, 4, 30), date(2022, 8, 31)]),
        (REVISED + DAY, [date(2020, 4, 30), date(2022, 8, 31)]),
    ],
)
def test_an_approved_revision_counts_from_its_date(seed, editor, approver, as_of, in_force):
    services.approve_schedule_revision(revision=revise(seed, editor), approved_by=approver)
    assert due_dates(as_of) == in_force
    # 2021/22 owed £2,250,000.00 until the revision moved the last of it to 2022/23.
    expected = "2250000.00" if as_of < REVISED else "0.00"
    assert due_this_year(as_of) == gbp(expected)


@pytest.mark.parametrize(
    ("revised_on", "within", "after"),
    [
        (date(2021, 3, 30), "2250000.00", "2250000.00"),
        (date(2021, 3, 31), "2250000.00", "2250000.00"),
        (date(2021, 4, 1), "4500000.00", "0.00"),
    ],
)
def test_a_revision_after_31_march_leaves_that_year_end_as_it_was(seed, editor, approver, revised_on, within, after):
    """Before the revision, £4.5m unpaid at 31/03/2021 all fell due within 12 months; after it, half after."""
    # The unpaid remainder (instalments 2 and 3) moves to 31/03/2021 and 31/08/2022.
    revision = services.revise_schedule(
        settlement=seed,
        terms=services.ExplicitAmounts(
            ((date(2021, 3, 31), gbp("2250000.00")), (date(2022, 8, 31), gbp("2250000.00")))
        ),
        revised_on=revised_on,
        reason="Last instalment moved a year on",
        decision_reference="Joint board minute 21/03",
        created_by=editor,
    )
    services.approve_schedule_revision(revision=revision, approved_by=approver)
    position = year_end_position(FY_2020)
    assert (position.within_12_months, position.after_12_months) == (gbp(within), gbp(after))


def test_a_pending_revision_counts_nowhere_until_approved(seed, editor, approver, client):
    revision = revise(seed, editor)
    later = REVISED + timedelta(days=400)
    assert due_dates(later) == [date(2020, 4, 30), date(2021, 3, 31), date(2021, 7, 31)]
    assert due_this_year(REVISED) == gbp("2250000.00")
    assert year_end_position(FinancialYear(2021)).within_12_months == gbp("4500000.00")
    # Asked for, it counts as if approved, from its date.
    assert due_dates(REVISED - DAY, include_pending=True)[-1] == date(2021, 7, 31)
    assert due_dates(REVISED, include_pending=True) == [date(2020, 4, 30), date(2022, 8, 31)]
    assert due_this_year(REVISED, include_pending=True) == gbp("0.00")
    services.approve_schedule_revision(revision=revision, approved_by=approver)
    assert due_dates(later) == [date(2020, 4, 30), date(2022, 8, 31)]


def test_a_rejected_revision_counts_nowhere(seed, editor, approver):
    revision = revise(seed, editor)
    services.reject_schedule_revision(revision=revision, rejected_by=approver, reason="Not what the board agreed")
    for as_of in (REVISED, REVISED + timedelta(days=400)):
        assert due_dates(as_of)[-1] == date(2021, 7, 31)
        assert due_dates(as_of, include_pending=True)[-1] == date(2021, 7, 31)


@pytest.mark.parametrize(("agreed_on", "counts"), [(AGREED - DAY, True), (AGREED, True), (AGREED + DAY, False)])
def test_a_settlement_counts_from_the_day_it_was_agreed(agreed_on, counts):
    settlement = DraftSettlementFactory(cash_amount=gbp("1000.00"), agreed_on=agreed_on)
    schedule(settlement, (date(2020, 12, 31), "1000.00"))
    approve(settlement)
    [headline] = dashboard(AGREED).headlines
    assert headline.agreed == gbp("1000.00" if counts else "0.00")
    assert headline.outstanding == gbp("1000.00" if counts else "0.00")
    assert due_dates(AGREED) == ([date(2020, 12, 31)] if counts else [])
    # 31 March is the last day of 2019/20: agreed on the 30th or 31st, it is in that year end; on 1 April, not.
    at_31_march = year_end_position(FinancialYear(2019))
    assert at_31_march.total == gbp("1000.00" if agreed_on <= date(2020, 3, 31) else "0.00")


def test_a_draft_counts_nowhere_and_is_shown_apart(admin_client, editor):
    draft = SettlementFactory(
        status=Settlement.Status.DRAFT, cash_amount=gbp("1250000.00"), agreed_on=AGREED, entered_by=editor
    )
    schedule(draft, (date(2020, 5, 31), "1250000.00"))
    as_of = date(2021, 3, 31)
    [headline] = dashboard(as_of).headlines
    assert (headline.agreed, headline.outstanding, headline.overdue) == (gbp("0.00"),) * 3
    assert headline.awaiting.settlements == 1 and headline.awaiting.cash == gbp("1250000.00")
    assert due_dates(as_of) == []
    assert year_end_position(FY_2020).total == gbp("0.00")
    [included] = dashboard(as_of, include_pending=True).headlines
    assert (included.agreed, included.overdue) == (gbp("1250000.00"), gbp("1250000.00"))
    assert due_dates(as_of, include_pending=True) == [date(2020, 5, 31)]
    assert year_end_position(FY_2020, include_pending=True).total == gbp("1250000.00")


@pytest.fixture
def two_drafts(seed, editor):
    for cash in ("1000000.00", "250000.00"):
        draft = SettlementFactory(status=Settlement.Status.DRAFT, cash_amount=gbp(cash), agreed_on=AGREED)
        schedule(draft, (date(2020, 12, 31), cash))
    revise(seed, editor)
    return seed


AWAITING = "2 settlements, £1,250,000.00, awaiting approval"
REVISION_AWAITING = "1 schedule revision, rescheduling £4,500,000.00, awaiting approval"


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("dashboard", {"as_of": "2021-06-01"}),
        ("instalments_due", {"as_of": "2021-06-01"}),
        ("year_end", {"fy": "2021/22"}),
    ],
)
def test_every_page_shows_what_awaits_approval_apart_with_a_link_to_it(admin_client, two_drafts, url, params):
    text = admin_client.get(reverse(url), params).text
    assert "Not counted in these figures" in text
    assert AWAITING in text and REVISION_AWAITING in text
    assert f'href="{reverse("admin:settlements_settlement_changelist")}?approval=awaiting"' in text
    assert f'href="{reverse("admin:settlements_schedulerevision_changelist")}?approval=awaiting"' in text
    assert "Include drafts and requests awaiting approval" in text
    assert "Includes drafts and requests awaiting approval" not in text


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("dashboard", {"as_of": "2021-06-01"}),
        ("instalments_due", {"as_of": "2021-06-01"}),
        ("year_end", {"fy": "2021/22"}),
    ],
)
def test_a_page_that_includes_what_awaits_approval_says_so(admin_client, two_drafts, url, params):
    response = admin_client.get(reverse(url), {**params, "include_pending": "on"})
    assert "Includes drafts and requests awaiting approval" in response.text
    assert "Not counted in these figures" not in response.text
    assert response.context["form"]["include_pending"].value() is True
    assert re.search(r'<input type="checkbox" name="include_pending"[^>]* checked', response.text)


def test_the_figures_change_when_what_awaits_approval_is_included(admin_client, two_drafts):
    def totals(**params):
        params = {"as_of": "2021-06-01", "include_paid": "on", **params}
        return admin_client.get(reverse("instalments_due"), params).context["totals"]

    assert totals()["amount"] == gbp("10500000.00")
    assert totals(include_pending="on")["amount"] == gbp("11750000.00")


def test_the_admin_lists_what_awaits_approval(admin_client, two_drafts):
    rows = admin_client.get(reverse("admin:settlements_settlement_changelist"), {"approval": "awaiting"})
    assert {s.cash_amount for s in rows.context["cl"].result_list} == {gbp("1000000.00"), gbp("250000.00")}
    rows = admin_client.get(reverse("admin:settlements_schedulerevision_changelist"), {"approval": "awaiting"})
    assert [r.settlement for r in rows.context["cl"].result_list] == [two_drafts]


def test_the_exports_follow_the_filter_and_keep_the_csv_header(admin_client, two_drafts):
    url = reverse("instalments_due")
    plain = admin_client.get(url, {"as_of": "2021-06-01", "format": "csv"})
    included = admin_client.get(url, {"as_of": "2021-06-01", "format": "csv", "include_pending": "on"})
    assert 'filename="instalments-due-2021-06-01.csv"' in plain["Content-Disposition"]
    assert 'filename="instalments-due-2021-06-01-including-awaiting-approval.csv"' in included["Content-Disposition"]
    plain_rows, included_rows = (
        list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig")))) for r in (plain, included)
    )
    assert plain_rows[0] == included_rows[0] == DUE_HEADER
    assert len(included_rows) == len(plain_rows) + 2 - 1  # two drafts' instalments; the revision replaces one by one
    sheet = load_workbook(io.BytesIO(admin_client.get(url, {"format": "xlsx", "include_pending": "on"}).content))
    heading = [(row[0].value, row[1].value) for row in sheet.active.iter_rows(max_row=6) if len(row) > 1]
    assert ("Includes", "Drafts and requests awaiting approval, counted as if approved") in heading
    year_end = admin_client.get(reverse("year_end"), {"fy": "2020/21", "format": "csv", "include_pending": "on"})
    assert "year-end-2021-03-31-including-awaiting-approval-settlements.csv" in year_end["Content-Disposition"]


def test_the_digest_counts_approved_schedules_and_mentions_what_awaits_approval(two_drafts, editor):
    call_command("send_due_digest", "--as-of", "2021-01-15", "--days", "30", stdout=io.StringIO())
    [message] = mail.outbox
    attached = message.attachments[0][1]
    assert "2020-12-31" not in attached  # the drafts' instalments, overdue by then, are not in the digest
    assert "2021-03-31" not in attached  # due in more than 30 days
    assert "Not counted above, awaiting approval: 2 settlements, £1,250,000.00" in message.body


def test_the_schedule_a_revision_would_change_is_the_one_as_it_stands_now(admin_client, seed, editor):
    """The Revise schedule page shows the schedule with its pending revision: it is a page that changes it."""
    revise(seed, editor)
    page = admin_client.get(reverse("admin:settlements_settlement_revise_schedule", args=[seed.pk]))
    assert [row["due_on"] for row in page.context["current"]] == [date(2020, 4, 30), date(2022, 8, 31)]
    assert Instalment.objects.in_force(date(2023, 1, 1)).filter(settlement=seed).count() == 3


def demo_rows(client, as_of: str) -> list[tuple[int, date, str]]:
    response = client.get(reverse("instalments_due"), {"as_of": as_of, "payer": "West Mercia", "include_paid": "on"})
    return [(row.number, row.due_on, row.status) for row in response.context["page"]]


def test_the_demo_as_at_31_march_2021_shows_the_schedule_then_agreed(admin_client):
    load_demo(date(2026, 11, 25))
    assert demo_rows(admin_client, "2021-03-31") == [
        (1, date(2020, 4, 30), "paid"),
        (2, date(2021, 3, 31), "paid"),
        (3, date(2021, 7, 31), "upcoming"),
    ]
    # The revision of 01/06/2021, approved by a second person, moved instalment 3 to 31/08/2021.
    assert demo_rows(admin_client, "2021-05-31")[-1] == (3, date(2021, 7, 31), "upcoming")
    assert demo_rows(admin_client, "2021-06-01")[-1] == (3, date(2021, 8, 31), "upcoming")
    assert demo_rows(admin_client, "2021-09-30") == [
        (1, date(2020, 4, 30), "paid"),
        (2, date(2021, 3, 31), "paid"),
        (3, date(2021, 8, 31), "paid"),
    ]
    [revision] = ScheduleRevision.objects.all()
    assert revision.approved_by is not None and revision.approved_by != revision.created_by
    csv_text = b"".join(
        admin_client.get(
            reverse("instalments_due"), {"as_of": "2021-03-31", "format": "csv", "include_paid": "on"}
        ).streaming_content
    ).decode("utf-8-sig")
    assert "West Mercia,Warwickshire,3,2021-07-31," in csv_text and "2021-08-31" not in csv_text


@pytest.mark.slow
def test_page_totals_are_exact_where_a_decimal_sum_would_drift(admin_client):
    """10,000 instalments of awkward amounts: summed as floats they are pennies out; the pages are not."""
    rng = random.Random(11)
    amounts = [rng.randrange(1, 100_000_000_000_00) for _ in range(10_000)]  # up to £100bn each
    paid = [rng.randrange(0, amount) for amount in amounts]
    assert round(sum(a / 100 for a in amounts), 2) != sum(amounts) / 100  # a float sum drifts at this size
    settlement = DraftSettlementFactory(cash_amount=gbp("999999999999.99"), agreed_on=AGREED)
    rows = Instalment.objects.bulk_create(
        Instalment(settlement=settlement, number=n, due_on=AGREED + timedelta(days=n % 900), amount=from_pence(a))
        for n, a in enumerate(amounts, start=1)
    )
    approve_in_bulk([settlement])
    Payment.objects.bulk_create(
        Payment(
            instalment=row, paid_on=row.due_on, amount=from_pence(p), reference=f"D{row.pk}", reference_key=f"d{row.pk}"
        )
        for row, p in zip(rows, paid, strict=True)
        if p
    )
    ledger.restate(settlement.instalments.all())  # a bulk load skips the services that keep the paid balance
    as_of = AGREED + timedelta(days=1000)
    totals = admin_client.get(reverse("instalments_due"), {"as_of": as_of.isoformat()}).context["totals"]
    assert totals == {
        "amount": from_pence(sum(amounts)),
        "paid": from_pence(sum(paid)),
        "outstanding": from_pence(sum(amounts) - sum(paid)),
    }
    [headline] = admin_client.get(reverse("dashboard"), {"as_of": as_of.isoformat()}).context["board"].headlines
    assert (headline.agreed, headline.paid, headline.outstanding) == (
        gbp("999999999999.99"),
        from_pence(sum(paid)),
        from_pence(sum(amounts) - sum(paid)),
    )
