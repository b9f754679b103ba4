"""Four eyes over everything that fixes what a settlement is worth, pending and rejected requests, withdrawal."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from settlements import roles, services, transitions
from settlements.immutability import ImmutableRecordError
from settlements.models import Instalment, RequestStatus, ScheduleRevision, Settlement, SettlementAdjustment
from settlements.money import gbp
from settlements.services import ApprovalRefused, StaleVersionError
from tests.access_helpers import SUPERUSER, form_data, make_user
from tests.factories import DraftSettlementFactory, approve_revision, checker, scheduled

pytestmark = pytest.mark.django_db

EVEN = services.EvenSplit(2, 6, date(2020, 4, 30))


@pytest.fixture
def editor():
    return make_user(roles.FINANCE_EDITOR)


@pytest.fixture
def approver():
    return make_user(roles.FINANCE_APPROVER)


@pytest.fixture
def draft(editor):
    return DraftSettlementFactory(entered_by=editor, cash_amount=gbp("100.00"))


def today() -> str:
    return f"{timezone.localdate():%d/%m/%Y}"


def add_write_off(settlement, user, amount="5000000.00"):
    adjustment = SettlementAdjustment(
        settlement=settlement, description="Write-off", amount=Money(amount, "GBP"), entered_by=user
    )
    adjustment._history_user = user
    adjustment.save()
    return adjustment


def fresh(record):
    return type(record).objects.get(pk=record.pk)


# The makers rule


def test_whoever_adds_an_adjustment_to_someone_elses_draft_cannot_approve_it(draft, approver):
    add_write_off(draft, approver)
    with pytest.raises(ApprovalRefused, match=f"You added the write-off adjustment on {today()}"):
        services.approve_settlement(settlement=fresh(draft), approved_by=approver)
    assert fresh(draft).is_draft()


def test_whoever_generates_the_schedule_cannot_approve_the_settlement(draft, approver):
    services.confirm_schedule(settlement=draft, terms=EVEN, created_by=approver)
    with pytest.raises(ApprovalRefused, match=f"You added instalment 2 of the schedule on {today()}"):
        services.approve_settlement(settlement=fresh(draft), approved_by=approver)


def test_a_superuser_who_changed_the_schedule_cannot_approve_either(draft):
    boss = make_user(SUPERUSER)
    services.confirm_schedule(settlement=draft, terms=EVEN, created_by=boss)
    with pytest.raises(ApprovalRefused, match="You added instalment"):
        services.approve_settlement(settlement=fresh(draft), approved_by=boss)


def test_someone_who_made_nothing_approves_and_the_adjustments_with_it(draft, editor, approver):
    adjustment = add_write_off(draft, editor)
    services.confirm_schedule(settlement=draft, terms=EVEN, created_by=editor)
    services.approve_settlement(settlement=fresh(draft), approved_by=approver)
    assert fresh(adjustment).status == RequestStatus.APPROVED
    assert fresh(draft).headline_amount() == Money("5000100.00", "GBP")


def test_whoever_changed_a_revision_cannot_approve_it(draft, editor, approver):
    scheduled(settlement=draft, terms=EVEN, created_by=editor)
    revision = revise(draft, editor)
    revision.decision_reference = "Board minute 2020/15"
    revision._history_user = approver
    revision.save()
    with pytest.raises(ApprovalRefused, match=f"You changed revision 1 on {today()}"):
        services.approve_schedule_revision(revision=fresh(revision), approved_by=approver)


def test_the_checker_of_the_settlement_may_check_a_later_revision_entered_by_someone_else(draft, editor):
    scheduled(settlement=draft, terms=EVEN, created_by=editor)
    revision = revise(draft, editor)
    approved = services.approve_schedule_revision(revision=fresh(revision), approved_by=checker())
    assert approved.status == RequestStatus.APPROVED


def test_whoever_entered_a_revision_cannot_approve_it_even_as_superuser(draft, editor):
    scheduled(settlement=draft, terms=EVEN, created_by=editor)
    boss = make_user(SUPERUSER)
    revision = revise(draft, boss)
    with pytest.raises(ApprovalRefused, match="You added instalment 1 of the schedule"):
        services.approve_schedule_revision(revision=fresh(revision), approved_by=boss)


def test_the_makers_rule_holds_in_the_admin_after_an_inline_adjustment(client, draft, approver):
    boss = make_user(SUPERUSER)
    client.force_login(boss)
    url = reverse("admin:settlements_settlement_change", args=[draft.pk])
    data = form_data(client.get(url))
    data |= {
        "adjustments-TOTAL_FORMS": "1",
        "adjustments-0-kind": "write_off",
        "adjustments-0-description": "Write-off of running costs",
        "adjustments-0-amount_0": "5000000.00",
        "adjustments-0-amount_1": "GBP",
    }
    assert client.post(url, data).status_code == 302
    assert draft.adjustments.get().entered_by == boss
    response = client.post(
        reverse("admin:settlements_settlement_approve", args=[draft.pk]), {"version": fresh(draft).version}, follow=True
    )
    text = response.content.decode()
    assert "was not approved" in text
    assert "You added the write-off adjustment on" in text
    assert fresh(draft).is_draft()


# Approved means locked


def approved_settlement(editor):
    settlement = DraftSettlementFactory(entered_by=editor, cash_amount=gbp("100.00"))
    scheduled(settlement=settlement, terms=EVEN, created_by=editor)
    return fresh(settlement)


@pytest.mark.parametrize(
    "change",
    [{"agreed_on": date(2021, 4, 1)}, {"full_and_final": False}, {"termination_notice": "new"}],
    ids=str,
)
def test_an_approved_settlements_date_notice_and_full_and_final_are_locked(editor, change):
    settlement = approved_settlement(editor)
    for name, value in change.items():
        if value == "new":
            from tests.factories import TerminationNoticeFactory

            value = TerminationNoticeFactory(alliance=settlement.alliance)
        setattr(settlement, name, value)
    with pytest.raises(ImmutableRecordError, match="cannot change"):
        settlement.save()


def test_the_schedule_of_an_approved_settlement_without_payments_is_not_generated_again(editor):
    settlement = approved_settlement(editor)
    with pytest.raises(ValidationError, match="changes only by a revision"):
        services.confirm_schedule(settlement=settlement, terms=services.EvenSplit(4, 1, date(2020, 4, 30)))
    assert settlement.instalments.count() == 2


def test_the_admin_offers_no_schedule_edit_on_an_approved_settlement(client, editor):
    settlement = approved_settlement(editor)
    client.force_login(make_user(SUPERUSER))
    page = client.get(reverse("admin:settlements_settlement_change", args=[settlement.pk]))
    formset = next(f for f in page.context["inline_admin_formsets"] if f.formset.prefix == "instalments")
    assert not formset.has_add_permission and not formset.has_change_permission
    form = page.context["adminform"].form
    assert not {"agreed_on", "termination_notice", "full_and_final"} & set(form.fields)


def test_an_approved_revisions_reason_and_decision_are_locked(editor):
    settlement = approved_settlement(editor)
    services.record_payment(
        instalment=settlement.instalments.first(), amount=gbp("1.00"), paid_on=date(2020, 5, 1), reference="R1"
    )
    revision = approve_revision(revise(settlement, editor))
    revision = fresh(revision)
    revision.reason = "Rewritten afterwards"
    with pytest.raises(ImmutableRecordError, match="reason cannot change"):
        revision.save()


def test_an_adjustment_on_an_approved_settlement_is_a_pending_request(editor, approver):
    settlement = approved_settlement(editor)
    adjustment = add_write_off(settlement, approver)
    assert adjustment.is_pending()
    assert settlement.headline_amount() == Money("100.00", "GBP")
    with pytest.raises(ApprovalRefused, match="You added the write-off adjustment"):
        services.approve_adjustment(adjustment=fresh(adjustment), approved_by=approver)
    services.approve_adjustment(adjustment=fresh(adjustment), approved_by=checker())
    assert settlement.headline_amount() == Money("5000100.00", "GBP")


def test_an_editor_is_told_an_adjustment_needs_the_approver_role(editor):
    adjustment = add_write_off(approved_settlement(editor), editor)
    someone = make_user(roles.FINANCE_EDITOR, "someone")
    with pytest.raises(ApprovalRefused) as refusal:
        services.approve_adjustment(adjustment=fresh(adjustment), approved_by=someone)
    assert str(refusal.value) == "someone may not approve an adjustment: that needs the finance approver role."
    assert fresh(adjustment).is_pending()


def test_a_rejected_adjustment_counts_nowhere_and_stays_on_record(editor, approver):
    settlement = approved_settlement(editor)
    adjustment = add_write_off(settlement, editor)
    services.reject_adjustment(adjustment=adjustment, rejected_by=approver, reason="No such write-off was agreed")
    assert fresh(adjustment).status == RequestStatus.REJECTED
    assert settlement.headline_amount() == Money("100.00", "GBP")
    with pytest.raises(ValidationError, match="rejected"):
        services.approve_adjustment(adjustment=fresh(adjustment), approved_by=checker())


def revise(settlement, user, revised_on=date(2020, 6, 1)):
    return services.revise_schedule(
        settlement=settlement,
        terms=services.EvenSplit(1, 1, date(2021, 3, 31)),
        revised_on=revised_on,
        reason="Extended",
        decision_reference="Board minute 2020/14",
        created_by=user,
    )


def test_a_rejected_revision_gives_the_schedule_back_and_counts_nowhere(editor, approver):
    settlement = approved_settlement(editor)
    before = sorted(settlement.instalments.current().values_list("pk", flat=True))
    revision = revise(settlement, editor)
    assert Instalment.objects.in_force(date(2030, 1, 1), include_pending=True).filter(introduced_by=revision).exists()
    services.reject_schedule_revision(revision=revision, rejected_by=approver, reason="Not what the board agreed")
    revision = fresh(revision)
    assert (revision.status, revision.rejected_by, revision.rejection_reason) == (
        RequestStatus.REJECTED,
        approver,
        "Not what the board agreed",
    )
    assert sorted(settlement.instalments.current().values_list("pk", flat=True)) == before
    for include_pending in (False, True):
        in_force = Instalment.objects.in_force(date(2030, 1, 1), include_pending=include_pending)
        assert not in_force.filter(introduced_by=revision).exists()
        assert sorted(in_force.filter(settlement=settlement).values_list("pk", flat=True)) == before
    with pytest.raises(ValidationError, match="rejected"):
        services.approve_schedule_revision(revision=revision, approved_by=checker())


def test_a_rejection_needs_a_reason_and_the_approver_role(editor):
    settlement = approved_settlement(editor)
    revision = revise(settlement, editor)
    with pytest.raises(ValidationError, match="reason"):
        services.reject_schedule_revision(revision=revision, rejected_by=checker(), reason="  ")
    with pytest.raises(ApprovalRefused, match="finance approver role"):
        services.reject_schedule_revision(revision=revision, rejected_by=editor, reason="No")


def test_an_approved_revision_counts_from_its_date_and_a_pending_one_not_at_all(editor):
    settlement = approved_settlement(editor)
    revision = revise(settlement, editor, revised_on=date(2020, 6, 1))
    introduced = Instalment.objects.filter(introduced_by=revision)
    assert not Instalment.objects.in_force(date(2030, 1, 1)).filter(pk__in=introduced).exists()
    approve_revision(revision)
    assert not Instalment.objects.in_force(date(2020, 5, 31)).filter(pk__in=introduced).exists()
    assert Instalment.objects.in_force(date(2020, 6, 1)).filter(pk__in=introduced).exists()


# Payments only against an approved schedule in force


def test_no_payment_on_a_draft(draft, editor):
    first, _ = services.confirm_schedule(settlement=draft, terms=EVEN, created_by=editor)
    with pytest.raises(ValidationError, match="only once a second person has approved it"):
        services.record_payment(instalment=first, amount=gbp("1.00"), paid_on=date(2020, 5, 1), reference="R1")


def test_no_payment_on_an_instalment_of_a_pending_revision(editor):
    settlement = approved_settlement(editor)
    revision = revise(settlement, editor)
    new = Instalment.objects.get(introduced_by=revision)
    with pytest.raises(ValidationError, match="awaits approval"):
        services.record_payment(instalment=new, amount=gbp("1.00"), paid_on=date(2020, 7, 1), reference="R1")
    approve_revision(revision)
    with pytest.raises(ValidationError, match="not in the schedule in force on 31/05/2020"):
        services.record_payment(instalment=new, amount=gbp("1.00"), paid_on=date(2020, 5, 31), reference="R1")
    services.record_payment(instalment=new, amount=gbp("1.00"), paid_on=date(2020, 6, 1), reference="R1")


# Withdraw, status transitions


def test_a_draft_is_withdrawn_with_a_reason_and_counts_nowhere(draft, editor):
    services.confirm_schedule(settlement=draft, terms=EVEN, created_by=editor)
    withdrawn = services.withdraw_settlement(settlement=draft, withdrawn_by=editor, reason="Entered twice")
    assert (withdrawn.status, withdrawn.withdrawal_reason) == (Settlement.Status.WITHDRAWN, "Entered twice")
    assert not Instalment.objects.in_force(date(2030, 1, 1), include_pending=True).filter(settlement=draft).exists()
    assert withdrawn.history.first().history_change_reason == "Withdrawn: Entered twice"
    with pytest.raises(ValidationError, match="withdrawn"):
        services.approve_settlement(settlement=fresh(draft), approved_by=checker())


def test_an_approved_settlement_cannot_be_withdrawn_and_a_reason_is_needed(editor):
    settlement = approved_settlement(editor)
    with pytest.raises(ValidationError, match="approved"):
        services.withdraw_settlement(settlement=settlement, withdrawn_by=editor, reason="Changed our minds")
    with pytest.raises(ValidationError, match="reason"):
        services.withdraw_settlement(settlement=DraftSettlementFactory(), withdrawn_by=editor, reason="")


@pytest.mark.parametrize(
    ("model", "start", "target", "allowed"),
    [
        (Settlement, "draft", "approved", True),
        (Settlement, "draft", "withdrawn", True),
        (Settlement, "approved", "draft", False),
        (Settlement, "withdrawn", "approved", False),
        (ScheduleRevision, "pending", "rejected", True),
        (ScheduleRevision, "rejected", "approved", False),
        (ScheduleRevision, "approved", "pending", False),
        (SettlementAdjustment, "approved", "rejected", False),
    ],
)
def test_status_transitions_are_declared_once(model, start, target, allowed):
    record = model(status=start)
    assert transitions.can_move(record, target) is allowed


# No lost update (version of what was read)


def test_an_approval_of_a_copy_read_before_a_change_is_refused(draft, editor, approver):
    seen = fresh(draft)
    add_write_off(draft, editor)
    with pytest.raises(StaleVersionError, match="changed since you opened it"):
        services.approve_settlement(settlement=seen, approved_by=approver)
    services.approve_settlement(settlement=fresh(draft), approved_by=approver)


def test_a_revision_approval_of_a_copy_read_before_a_change_is_refused(editor, approver):
    settlement = approved_settlement(editor)
    revision = revise(settlement, editor)
    seen = fresh(revision)
    revision.reason = "Extended to 16 months"
    revision.save()
    with pytest.raises(StaleVersionError):
        services.approve_schedule_revision(revision=seen, approved_by=approver)


def test_an_admin_save_of_a_page_loaded_before_an_approval_is_refused(client, draft, editor, approver):
    client.force_login(editor)
    url = reverse("admin:settlements_settlement_change", args=[draft.pk])
    data = form_data(client.get(url))
    services.approve_settlement(settlement=fresh(draft), approved_by=approver)
    data["notes"] = "Amended"
    page = client.post(url, data)
    assert page.status_code == 200
    assert "changed since you opened it" in page.content.decode()
    assert fresh(draft).is_approved() and fresh(draft).notes == ""
