"""The approver sees what they approve: review pages with who entered each part, confirmation on the version seen,
reasons for rejecting and withdrawing, and only the buttons a role can use."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from settlements import roles
from settlements.models import RequestStatus, ScheduleRevision, Settlement, SettlementAdjustment
from settlements.money import gbp
from settlements.services import EvenSplit, confirm_schedule, record_payment, revise_schedule
from tests.access_helpers import make_user
from tests.factories import DraftSettlementFactory, approve

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return make_user(roles.FINANCE_EDITOR, "erin")


@pytest.fixture
def approver():
    return make_user(roles.FINANCE_APPROVER, "alex")


@pytest.fixture
def draft(editor):
    """£10,500,000.01 in three instalments and a £270,000.00 write-off, all entered by the editor."""
    settlement = DraftSettlementFactory(entered_by=editor, cash_amount=gbp("10500000.01"))
    adjustment = SettlementAdjustment(
        settlement=settlement, description="Write-off of running costs", amount=gbp("270000.00"), entered_by=editor
    )
    adjustment._history_user = editor
    adjustment.save()
    confirm_schedule(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)), created_by=editor)
    settlement.refresh_from_db()
    return settlement


def url(record, decision):
    return reverse(f"admin:settlements_{record._meta.model_name}_{decision}", args=[record.pk])


def change_url(record):
    return reverse(f"admin:settlements_{record._meta.model_name}_change", args=[record.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def as_user(client, user):
    client.force_login(user)
    return client


def fresh(record):
    return type(record).objects.get(pk=record.pk)


# Approving a settlement


def test_the_settlement_review_shows_terms_adjustments_and_schedule_with_who_entered_each(client, draft, approver):
    page = as_user(client, approver).get(url(draft, "approve"))
    html = page.content.decode()
    assert page.status_code == 200
    assert f"<title>Approve: {draft} | " in html
    for text in ["£10,500,000.01", "Write-off of running costs", "£270,000.00", "£10,770,000.01", "Full and final"]:
        assert text in html
    review = page.context["review"]
    assert [entry.entered_by for _adjustment, entry in review.adjustments] == ["erin"]
    assert [(i.number, i.amount, entry.entered_by) for i, entry in review.schedule] == [
        (1, gbp("3500000.01"), "erin"),
        (2, gbp("3500000.00"), "erin"),
        (3, gbp("3500000.00"), "erin"),
    ]
    assert review.entry.entered_by == "erin"
    assert "<strong>£10,500,000.01</strong>" in html and "Equals the cash amount" in html
    assert html.count("erin, ") == 5  # the settlement, the adjustment and three instalments
    assert f'name="version" value="{draft.version}"' in html
    assert 'type="submit" value="Approve"' in html


def test_the_confirmation_approves_the_version_seen(client, draft, approver):
    response = as_user(client, approver).post(url(draft, "approve"), {"version": draft.version}, follow=True)
    assert response.redirect_chain[-1][0] == change_url(draft)
    assert f"{draft} is approved." in messages_of(response)
    assert fresh(draft).approved_by == approver
    page = client.get(url(draft, "approve")).content.decode()
    assert "there is nothing to approve" in page and 'value="Approve"' not in page


def test_a_change_after_the_page_was_opened_is_refused_and_the_page_shown_again(client, draft, approver, editor):
    seen = as_user(client, approver).get(url(draft, "approve")).context["form"]["version"].value()
    adjustment = draft.adjustments.get()
    adjustment.amount = gbp("5000000.00")
    adjustment._history_user = editor
    adjustment.save()
    response = client.post(url(draft, "approve"), {"version": seen}, follow=True)
    assert response.redirect_chain[-1][0] == url(draft, "approve")
    [message] = messages_of(response)
    assert "changed since you opened it; review it again" in message
    assert fresh(draft).is_draft()
    assert "£5,000,000.00" in response.content.decode()  # the page now shows what changed


def test_a_post_without_the_version_seen_decides_nothing(client, draft, approver):
    response = as_user(client, approver).post(url(draft, "approve"), {})
    assert response.status_code == 200
    assert "Open the record&#x27;s review page and confirm from there" in response.content.decode()
    assert fresh(draft).is_draft()


def test_a_maker_sees_why_they_cannot_approve_and_no_approve_button(client, draft, approver):
    adjustment = SettlementAdjustment(settlement=draft, description="Vans", amount=gbp("40000.00"), kind="in_kind")
    adjustment._history_user = approver
    adjustment.save()
    page = as_user(client, approver).get(url(draft, "approve")).content.decode()
    assert "You added the in kind adjustment on" in page and "so someone else must approve it" in page
    assert 'value="Approve"' not in page
    change = client.get(change_url(draft))
    assert url(draft, "approve") not in change.content.decode()
    assert any("You added the in kind adjustment" in m for m in messages_of(change))
    # A crafted confirmation is refused by the service all the same.
    response = client.post(url(draft, "approve"), {"version": fresh(draft).version}, follow=True)
    assert any("was not approved: You added the in kind adjustment" in m for m in messages_of(response))
    assert fresh(draft).is_draft()


def test_an_editor_sees_withdraw_but_not_approve_and_cannot_open_the_approval(client, draft, editor):
    page = as_user(client, editor).get(change_url(draft)).content.decode()
    assert url(draft, "approve") not in page
    assert f'<a href="{url(draft, "withdraw")}" class="decision-withdraw">Withdraw</a>' in page
    assert client.get(url(draft, "approve")).status_code == 403
    assert client.post(url(draft, "approve"), {"version": draft.version}).status_code == 403
    assert fresh(draft).is_draft()


def test_a_viewer_sees_no_decision_and_opens_none(client, draft):
    viewer = make_user(roles.VIEWER, "vic")
    page = as_user(client, viewer).get(change_url(draft)).content.decode()
    assert url(draft, "approve") not in page and url(draft, "withdraw") not in page
    assert client.get(url(draft, "withdraw")).status_code == 403


def test_withdrawing_asks_for_the_reason(client, draft, editor):
    as_user(client, editor)
    response = client.post(url(draft, "withdraw"), {"version": draft.version, "reason": " "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert fresh(draft).is_draft()
    response = client.post(url(draft, "withdraw"), {"version": draft.version, "reason": "Entered twice"}, follow=True)
    assert f"{draft} is withdrawn." in messages_of(response)
    assert (fresh(draft).status, fresh(draft).withdrawal_reason) == (Settlement.Status.WITHDRAWN, "Entered twice")


# Approving or rejecting a revision


@pytest.fixture
def revision(draft, editor):
    """Instalment 1 paid; 2 and 3 (£7,000,000.00) replaced by two new ones, entered by the editor."""
    approve(draft)
    first = draft.instalments.get(number=1)
    record_payment(instalment=first, amount=first.amount, paid_on=date(2020, 4, 30), reference="BACS-1")
    return revise_schedule(
        settlement=draft,
        terms=EvenSplit(2, 12, date(2021, 4, 30)),
        revised_on=date(2020, 9, 1),
        reason="Payment period extended",
        decision_reference="Board minute 14",
        created_by=editor,
    )


def test_the_revision_review_shows_the_schedule_before_and_after_with_totals(client, revision, approver):
    page = as_user(client, approver).get(url(revision, "approve"))
    review = page.context["review"]
    assert [(i.number, fate) for i, fate in review.before] == [(1, "stays"), (2, "replaced"), (3, "replaced")]
    assert [(i.number, fate) for i, fate in review.after] == [(1, "stays"), (2, "new"), (3, "new")]
    assert review.before_totals.amount == review.after_totals.amount == gbp("10500000.01")
    assert review.before_totals.outstanding == review.after_totals.outstanding == gbp("7000000.00")
    assert review.unpaid_difference == gbp("0.00")
    html = page.content.decode()
    assert "Before revision 1" in html and "After revision 1" in html
    assert html.count("<strong>£10,500,000.01</strong>") == 2 and html.count("<strong>£7,000,000.00</strong>") == 4
    assert "difference: <strong>£0.00</strong>" in html
    assert "Payment period extended" in html and "erin" in html


def test_approving_a_revision_from_its_review_page(client, revision, approver):
    response = as_user(client, approver).post(url(revision, "approve"), {"version": revision.version}, follow=True)
    assert f"{revision} is approved." in messages_of(response)
    assert fresh(revision).status == RequestStatus.APPROVED


def test_rejecting_a_revision_asks_for_a_reason_and_gives_the_replaced_instalments_back(client, revision, approver):
    as_user(client, approver)
    assert client.post(url(revision, "reject"), {"version": revision.version}).status_code == 200
    assert fresh(revision).is_pending()
    data = {"version": revision.version, "reason": "Not what the board agreed"}
    response = client.post(url(revision, "reject"), data, follow=True)
    assert f"{revision} is rejected." in messages_of(response)
    rejected = fresh(revision)
    assert (rejected.status, rejected.rejection_reason) == (RequestStatus.REJECTED, "Not what the board agreed")
    assert rejected.settlement.instalments.current().count() == 3


def test_a_revision_changed_since_its_page_was_opened_is_neither_approved_nor_rejected(client, revision, approver):
    seen = revision.version
    ScheduleRevision.objects.filter(pk=revision.pk).update(reason="Something else entirely")
    revision.refresh_from_db()
    revision.reason = "Payment period extended again"
    revision.save()
    as_user(client, approver)
    for decision, data in [("approve", {}), ("reject", {"reason": "No"})]:
        response = client.post(url(revision, decision), {"version": seen, **data}, follow=True)
        assert any("changed since you opened it; review it again" in m for m in messages_of(response))
    assert fresh(revision).is_pending()


def test_the_editor_who_entered_a_revision_sees_no_approve_or_reject(client, revision, editor):
    page = as_user(client, editor).get(change_url(revision)).content.decode()
    assert url(revision, "approve") not in page and url(revision, "reject") not in page
    assert client.get(url(revision, "reject")).status_code == 403


def test_an_approver_who_entered_a_revision_may_reject_it_but_not_approve_it(client, draft, approver):
    approve(draft)
    own = revise_schedule(
        settlement=draft,
        terms=EvenSplit(1, 1, date(2021, 4, 30)),
        revised_on=date(2020, 9, 1),
        reason="Paid at once",
        decision_reference="Minute 2",
        created_by=approver,
    )
    page = as_user(client, approver).get(change_url(own)).content.decode()
    assert url(own, "approve") not in page and url(own, "reject") in page
    review = client.get(url(own, "approve")).content.decode()
    assert "so someone else must approve it" in review and 'value="Approve"' not in review


# Approving or rejecting an adjustment requested on an approved settlement


@pytest.fixture
def request_(draft, editor):
    approve(draft)
    adjustment = SettlementAdjustment(settlement=draft, description="Offset of shared IT", amount=gbp("0.99"))
    adjustment.kind, adjustment.entered_by, adjustment._history_user = "offset", editor, editor
    adjustment.save()
    return adjustment


def test_an_adjustment_review_shows_the_headline_before_and_after(client, request_, approver):
    page = as_user(client, approver).get(url(request_, "approve"))
    html = page.content.decode()
    assert "Offset of shared IT" in html and "erin" in html
    assert "£10,770,000.01" in html and "<strong>£10,770,001.00</strong>" in html
    assert (
        f'<a href="{url(request_, "reject")}" class="decision-reject">Reject</a>'
        in client.get(change_url(request_)).content.decode()
    )


def test_an_adjustment_is_approved_or_rejected_from_its_page(client, request_, approver, editor):
    as_user(client, approver)
    version = fresh(request_.settlement).version
    response = client.post(url(request_, "approve"), {"version": version}, follow=True)
    assert f"{request_} is approved." in messages_of(response)
    assert fresh(request_).is_approved()
    second = SettlementAdjustment(settlement=request_.settlement, description="Vans", amount=gbp("1.00"))
    second.entered_by, second._history_user = editor, editor
    second.save()
    version = fresh(request_.settlement).version
    response = client.post(url(second, "reject"), {"version": version, "reason": "Not agreed"}, follow=True)
    assert "Vans is rejected." in messages_of(response)
    assert fresh(second).status == RequestStatus.REJECTED


def test_an_adjustment_on_a_draft_offers_no_decision_of_its_own(client, draft, approver):
    adjustment = draft.adjustments.get()
    page = as_user(client, approver).get(change_url(adjustment)).content.decode()
    assert url(adjustment, "approve") not in page
    review = client.get(url(adjustment, "approve")).content.decode()
    assert "approved with the settlement" in review and 'value="Approve"' not in review


def test_the_approver_who_requested_an_adjustment_cannot_approve_it_from_its_page(client, draft, approver):
    approve(draft)
    own = SettlementAdjustment(settlement=draft, description="Offset of radios", amount=gbp("10.00"), kind="offset")
    own.entered_by, own._history_user = approver, approver
    own.save()
    as_user(client, approver)
    assert url(own, "approve") not in client.get(change_url(own)).content.decode()
    review = client.get(url(own, "approve")).content.decode()
    assert "You added the offset against other sums adjustment on" in review and 'value="Approve"' not in review
    response = client.post(url(own, "approve"), {"version": fresh(draft).version}, follow=True)
    assert any("was not approved: You added the offset" in m for m in messages_of(response))
    assert fresh(own).is_pending()
