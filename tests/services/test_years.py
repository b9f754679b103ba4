"""Closing financial years: who may close and reopen, in what order, and what a closed year refuses."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from djmoney.money import Money

from settlements import roles, services
from settlements.fiscal import FinancialYear
from settlements.models import Instalment, ScheduleRevision, Settlement, SettlementAdjustment, YearClosing
from settlements.services import ApprovalRefused
from tests import factories
from tests.access_helpers import make_user

pytestmark = pytest.mark.django_db

FY2020 = FinancialYear(2020)


def gbp(amount: str) -> Money:
    return Money(amount, "GBP")


@pytest.fixture
def approver():
    return make_user(roles.FINANCE_APPROVER, "alice")


@pytest.fixture
def second_approver():
    return make_user(roles.FINANCE_APPROVER, "bob")


@pytest.fixture
def schedule():
    """Agreed 30/03/2020; £600 due 31/03/2021 (2020/21) and £400 due 31/08/2021 (2021/22)."""
    settlement = factories.SettlementFactory(cash_amount=gbp("1000.00"))
    first = factories.InstalmentFactory(settlement=settlement, number=1, due_on=date(2021, 3, 31), amount=gbp("600"))
    second = factories.InstalmentFactory(settlement=settlement, number=2, due_on=date(2021, 8, 31), amount=gbp("400"))
    return settlement, first, second


def close(fy=FY2020, user=None, **kwargs):
    return services.close_financial_year(financial_year=fy, closed_by=user, **kwargs)


def pay(instalment, paid_on, amount="100.00", reference=None):
    reference = reference or f"P-{paid_on:%Y%m%d}-{instalment.pk}"
    return services.record_payment(instalment=instalment, amount=gbp(amount), paid_on=paid_on, reference=reference)


class TestClosing:
    def test_an_approver_closes_a_year_and_its_history_says_so(self, approver, schedule):
        closing = close(user=approver, note="Accounts signed 30/09/2021")
        assert closing.is_closed and closing.closed_by == approver
        assert (closing.starts_on, closing.ends_on) == (date(2020, 4, 1), date(2021, 3, 31))
        assert closing.describe().startswith("Financial year 2020/21 is closed: closed on ")
        assert closing.describe().endswith(" by alice.")
        latest = closing.history.first()
        assert (latest.history_user, latest.history_change_reason) == (
            approver,
            "Closed 2020/21: Accounts signed 30/09/2021",
        )

    @pytest.mark.parametrize("role", [roles.VIEWER, roles.FINANCE_EDITOR])
    def test_only_a_finance_approver_closes_a_year(self, role, schedule):
        with pytest.raises(ApprovalRefused, match="needs the finance approver role"):
            close(user=make_user(role))
        assert not YearClosing.objects.exists()

    @pytest.mark.parametrize(
        "today, allowed", [(date(2021, 3, 30), False), (date(2021, 3, 31), False), (date(2021, 4, 1), True)]
    )
    def test_a_year_closes_only_once_it_has_ended(self, approver, today, allowed):
        if allowed:
            assert close(user=approver, today=today).is_closed
        else:
            with pytest.raises(
                ValidationError, match="ends on 31/03/2021: a year can be closed only after it has ended"
            ):
                close(user=approver, today=today)

    def test_years_close_in_order(self, approver, schedule):
        settlement, *_ = schedule
        factories.InstalmentFactory(settlement=settlement, number=3, due_on=date(2020, 3, 31), amount=gbp("1"))
        with pytest.raises(ValidationError, match="Years close in order: 2019/20 still open"):
            close(user=approver)
        close(FinancialYear(2019), user=approver)
        assert close(user=approver).is_closed

    def test_an_earlier_year_without_instalments_or_payments_need_not_close(self, approver, schedule):
        # The settlement was agreed in 2019/20, but nothing fell due or was paid in it.
        assert close(user=approver).is_closed

    def test_a_payment_in_an_earlier_year_holds_the_order_too(self, approver, schedule):
        _, first, _ = schedule
        pay(first, date(2020, 3, 31))
        with pytest.raises(ValidationError, match="2019/20 still open"):
            close(user=approver)

    def test_a_closed_year_cannot_close_again(self, approver, schedule):
        close(user=approver)
        with pytest.raises(ValidationError, match="2020/21 is closed: closed on"):
            close(user=approver)


class TestReopening:
    def test_the_closer_cannot_reopen(self, approver, schedule):
        close(user=approver)
        with pytest.raises(ApprovalRefused, match="another finance approver must reopen it"):
            services.reopen_financial_year(financial_year=FY2020, reopened_by=approver, reason="Audit adjustment")
        assert YearClosing.objects.get().is_closed

    def test_another_approver_reopens_with_a_reason_kept_in_the_history(self, approver, second_approver, schedule):
        close(user=approver)
        closing = services.reopen_financial_year(
            financial_year=FY2020, reopened_by=second_approver, reason="Auditors' adjustment to instalment 1"
        )
        assert not closing.is_closed and closing.reopened_by == second_approver
        assert closing.history.first().history_change_reason == "Reopened 2020/21: Auditors' adjustment to instalment 1"
        assert [h.history_type for h in closing.history.all()] == ["~", "+"]
        _, first, _ = schedule
        assert pay(first, date(2021, 3, 31)).pk  # open again: entries dated in it are accepted

    def test_reopening_needs_a_reason(self, approver, second_approver, schedule):
        close(user=approver)
        with pytest.raises(ValidationError, match="Give the reason"):
            services.reopen_financial_year(financial_year=FY2020, reopened_by=second_approver, reason="  ")

    def test_an_editor_cannot_reopen(self, approver, schedule):
        close(user=approver)
        with pytest.raises(ApprovalRefused, match="needs the finance approver role"):
            services.reopen_financial_year(
                financial_year=FY2020, reopened_by=make_user(roles.FINANCE_EDITOR), reason="Adjustment"
            )

    def test_a_year_reopens_only_after_the_later_closed_years(self, approver, second_approver, schedule):
        close(user=approver)
        close(FinancialYear(2021), user=approver)
        with pytest.raises(ValidationError, match="2021/22 closed after 2020/21: reopen the later years first"):
            services.reopen_financial_year(financial_year=FY2020, reopened_by=second_approver, reason="Adjustment")

    def test_an_open_year_cannot_reopen(self, second_approver):
        with pytest.raises(ValidationError, match="2020/21 is not closed"):
            services.reopen_financial_year(financial_year=FY2020, reopened_by=second_approver, reason="Adjustment")

    def test_a_reopened_year_closes_again(self, approver, second_approver, schedule):
        close(user=approver)
        services.reopen_financial_year(financial_year=FY2020, reopened_by=second_approver, reason="Adjustment")
        closing = close(user=second_approver)
        assert closing.is_closed and closing.closed_by == second_approver and closing.reopened_by is None


class TestWhatAClosedYearRefuses:
    @pytest.fixture(autouse=True)
    def closed(self, approver, schedule):
        close(user=approver)

    @pytest.mark.parametrize(
        "paid_on, allowed",
        [(date(2020, 3, 31), True), (date(2020, 4, 1), False), (date(2021, 3, 31), False), (date(2021, 4, 1), True)],
    )
    def test_a_payment_made_in_the_closed_year_is_refused(self, schedule, paid_on, allowed):
        _, first, _ = schedule
        if allowed:
            assert pay(first, paid_on).paid_on == paid_on
        else:
            with pytest.raises(ValidationError, match=r"2020/21 is closed: closed on .* by alice") as refusal:
                pay(first, paid_on)
            assert "cannot be recorded" in refusal.value.message_dict["paid_on"][0]

    def test_an_instalment_due_in_the_closed_year_can_still_be_paid_later(self, schedule):
        _, first, _ = schedule
        assert pay(first, date(2021, 4, 1), amount="600.00").amount == gbp("600.00")

    def test_a_payment_made_in_the_closed_year_cannot_be_reversed(self, approver, second_approver, schedule):
        _, first, _ = schedule
        payment = entered_while_open(approver, second_approver, lambda: pay(first, date(2021, 3, 31)))
        with pytest.raises(ValidationError, match=r"Payment P-20210331-\d+, made on 31/03/2021, cannot be reversed"):
            services.reverse_payment(payment=payment, reversed_on=date(2021, 4, 2), reason="Wrong", reference="R1")

    def test_a_payment_in_the_open_year_is_reversed_on_a_backdated_day(self, schedule):
        _, first, _ = schedule
        payment = pay(first, date(2021, 4, 1))
        reversal = services.reverse_payment(
            payment=payment, reversed_on=date(2021, 4, 2), reason="Wrong", reference="R"
        )
        assert reversal.is_reversal()

    def test_a_revision_taking_effect_in_the_closed_year_is_refused(self, schedule):
        settlement, *_ = schedule
        with pytest.raises(ValidationError, match="schedule revision taking effect on 31/03/2021 cannot be made"):
            revise(settlement, date(2021, 3, 31), date(2022, 3, 31))
        assert not ScheduleRevision.objects.exists()

    def test_a_revision_keeps_an_unpaid_instalment_due_in_the_closed_year(self, schedule):
        settlement, first, second = schedule
        revision = revise(settlement, date(2021, 4, 1), date(2022, 3, 31))
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.superseded_by, second.superseded_by) == (None, revision)
        assert services.split_schedule(settlement)[0][0] == first

    def test_a_revision_in_the_open_year_of_instalments_due_in_it_is_allowed(self, schedule):
        settlement, first, second = schedule
        pay(first, date(2021, 4, 1), amount="600.00")  # paid, so the revision keeps it
        revision = revise(settlement, date(2021, 4, 1), date(2022, 3, 31))
        second.refresh_from_db()
        assert second.superseded_by == revision

    def test_a_new_instalment_due_in_the_closed_year_is_refused(self, schedule):
        settlement, *_ = schedule
        instalment = Instalment(settlement=settlement, number=3, due_on=date(2021, 3, 30), amount=gbp("1.00"))
        with pytest.raises(ValidationError, match="instalment due on 30/03/2021 cannot be added, changed or approved"):
            instalment.full_clean()

    def test_an_instalment_due_in_the_closed_year_cannot_move_out_of_it(self, schedule):
        _, first, _ = schedule
        first.due_on = date(2021, 4, 30)
        with pytest.raises(ValidationError, match="instalment due on 31/03/2021 cannot be added, changed"):
            first.full_clean()

    def test_a_record_of_the_closed_year_saved_unchanged_is_not_refused(self, schedule):
        _, first, _ = schedule
        first.full_clean()  # e.g. an unchanged row of a schedule on its settlement's page
        first.notes = "changed"
        with pytest.raises(ValidationError, match="instalment due on 31/03/2021 cannot be added, changed"):
            first.full_clean()

    def test_a_settlement_agreed_in_the_closed_year_cannot_be_added(self, schedule):
        settlement, *_ = schedule
        new = Settlement(
            alliance=settlement.alliance,
            payer=settlement.payer,
            payee=settlement.payee,
            agreed_on=date(2020, 4, 1),
            cash_amount=gbp("5.00"),
        )
        with pytest.raises(ValidationError, match="settlement agreed on 01/04/2020 cannot be added"):
            new.full_clean()

    def test_a_draft_settlement_agreed_in_the_closed_year_cannot_be_approved(self, approver, second_approver):
        draft = entered_while_open(
            approver,
            second_approver,
            lambda: factories.SettlementFactory(status=Settlement.Status.DRAFT, agreed_on=date(2021, 3, 31)),
        )
        with pytest.raises(
            ValidationError, match="settlement agreed on 31/03/2021 cannot be added, changed or approved"
        ):
            services.approve_settlement(settlement=draft, approved_by=make_user(roles.FINANCE_APPROVER, "carol"))
        draft.refresh_from_db()
        assert not draft.is_approved()

    def test_an_adjustment_of_a_settlement_agreed_in_the_closed_year_is_refused(self, approver, second_approver):
        settlement = entered_while_open(
            approver, second_approver, lambda: factories.SettlementFactory(agreed_on=date(2020, 6, 1))
        )
        adjustment = SettlementAdjustment(settlement=settlement, description="Write-off", amount=gbp("270000.00"))
        with pytest.raises(ValidationError, match="adjustment of a settlement agreed on 01/06/2020 cannot be added"):
            adjustment.full_clean()

    def test_a_pending_revision_taking_effect_in_the_closed_year_cannot_be_approved(
        self, approver, second_approver, schedule
    ):
        settlement, *_ = schedule
        revision = entered_while_open(
            approver,
            second_approver,
            lambda: ScheduleRevision.objects.create(
                settlement=settlement,
                sequence=1,
                revised_on=date(2021, 3, 31),
                reason="Extended",
                decision_reference="M1",
            ),
        )
        with pytest.raises(
            ValidationError, match="revision taking effect on 31/03/2021 cannot be added, changed or approved"
        ):
            services.approve_schedule_revision(
                revision=revision, approved_by=make_user(roles.FINANCE_APPROVER, "carol")
            )
        revision.refresh_from_db()
        assert revision.approved_at is None


def entered_while_open(closer, reopener, enter):
    """Reopen 2020/21, enter something dated in it, close it again; return what was entered."""
    services.reopen_financial_year(financial_year=FY2020, reopened_by=reopener, reason="Late entry")
    entered = enter()
    close(user=closer)
    return entered


def revise(settlement, revised_on, due_on):
    return services.revise_schedule(
        settlement=settlement,
        terms=services.ExplicitAmounts(lines=((due_on, gbp("400.00")),)),
        revised_on=revised_on,
        reason="Extended",
        decision_reference="Minute 7",
        today=date(2026, 11, 30),
    )
