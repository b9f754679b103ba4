"""Every single-row rule is a database constraint: it holds even when validation is skipped."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from djmoney.money import Money

from settlements import models
from tests import factories

pytestmark = pytest.mark.django_db


def refused(queryset, **changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**changes)
    return True


def test_settlement_payer_cannot_be_payee():
    settlement = factories.SettlementFactory()
    assert refused(models.Settlement.objects.filter(pk=settlement.pk), payee=F("payer"))


@pytest.mark.parametrize("field", ["cash_amount", "requested_amount", "recommended_amount"])
@pytest.mark.parametrize("amount", ["0", "-0.01"])
def test_settlement_amounts_must_be_positive(field, amount):
    settlement = factories.SettlementFactory()
    assert refused(models.Settlement.objects.filter(pk=settlement.pk), **{field: Money(amount, "GBP")})


def test_settlement_unknown_amounts_stay_empty():
    settlement = factories.SettlementFactory(requested_amount=None, recommended_amount=None)
    settlement.refresh_from_db()
    assert settlement.requested_amount is None
    assert settlement.recommended_amount is None


def test_adjustment_amount_must_be_positive():
    adjustment = factories.SettlementAdjustmentFactory()
    assert refused(models.SettlementAdjustment.objects.filter(pk=adjustment.pk), amount=Money("-270000", "GBP"))


def test_alliance_cannot_end_before_it_starts():
    alliance = factories.AllianceFactory()
    assert refused(models.Alliance.objects.filter(pk=alliance.pk), ends_on=date(2011, 3, 31))


def test_alliance_value_must_be_positive():
    alliance = factories.AllianceFactory()
    assert refused(models.Alliance.objects.filter(pk=alliance.pk), value=Money("0", "GBP"))


def test_notice_cannot_take_effect_before_it_is_served():
    notice = factories.TerminationNoticeFactory()
    assert refused(models.TerminationNotice.objects.filter(pk=notice.pk), effective_on=date(2018, 9, 30))


def test_hosted_service_provider_cannot_be_recipient():
    service = factories.HostedServiceFactory()
    assert refused(models.HostedService.objects.filter(pk=service.pk), recipient=F("provider"))


def test_hosted_service_runs_at_least_one_month():
    service = factories.HostedServiceFactory()
    assert refused(models.HostedService.objects.filter(pk=service.pk), months=0)


def test_hosted_service_cannot_end_before_it_starts():
    service = factories.HostedServiceFactory()
    assert refused(models.HostedService.objects.filter(pk=service.pk), ends_on=date(2020, 3, 31))


def test_instalment_amount_must_be_positive():
    instalment = factories.InstalmentFactory()
    assert refused(models.Instalment.objects.filter(pk=instalment.pk), amount=Money("-1", "GBP"))


def test_instalment_numbers_are_unique_within_a_settlement():
    first = factories.InstalmentFactory(number=1)
    second = factories.InstalmentFactory(settlement=first.settlement, number=2)
    assert refused(models.Instalment.objects.filter(pk=second.pk), number=1)


def test_the_same_number_may_be_used_in_another_settlement():
    first = factories.InstalmentFactory(number=1)
    other = factories.InstalmentFactory(number=1)
    assert first.settlement != other.settlement


def test_payment_amount_must_be_positive():
    payment = factories.PaymentFactory()
    assert refused(models.Payment.objects.filter(pk=payment.pk), amount=Money("0", "GBP"))


def test_payment_references_are_unique():
    first = factories.PaymentFactory()
    second = factories.PaymentFactory()
    assert refused(models.Payment.objects.filter(pk=second.pk), reference=first.reference)


def test_a_reversal_must_point_at_a_payment_and_give_a_reason():
    payment = factories.PaymentFactory()
    assert refused(models.Payment.objects.filter(pk=payment.pk), kind=models.Payment.Kind.REVERSAL)


def test_schedule_revision_needs_a_reason():
    settlement = factories.SettlementFactory()
    revision = models.ScheduleRevision.objects.create(
        settlement=settlement, sequence=1, revised_on=date(2021, 1, 15), reason="Extended", decision_reference="D1"
    )
    assert refused(models.ScheduleRevision.objects.filter(pk=revision.pk), reason="")
