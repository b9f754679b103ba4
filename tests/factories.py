"""factory_boy factories for the domain: each builds a valid row with the fewest choices made."""

from datetime import date

import factory
from djmoney.money import Money
from simple_history.utils import bulk_create_with_history

from settlements import models, triggers
from settlements.services import ledger


class ForceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Force
        django_get_or_create = ("short_name",)

    short_name = factory.Sequence(lambda n: f"Force {n}")
    name = factory.LazyAttribute(lambda o: f"{o.short_name} Police")
    chief_officer = factory.LazyAttribute(lambda o: f"Chief Constable of {o.name}")
    policing_body = factory.LazyAttribute(lambda o: f"Police and Crime Commissioner for {o.short_name}")


class AllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Alliance
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Collaboration agreement {n}")
    starts_on = date(2012, 4, 1)
    value = Money("300000000.00", "GBP")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create:
            self.members.set(extracted if extracted is not None else [ForceFactory(), ForceFactory()])


class TerminationNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TerminationNotice

    alliance = factory.SubFactory(AllianceFactory)
    served_by = factory.LazyAttribute(lambda o: o.alliance.members.first())
    served_on = date(2018, 10, 1)


class SettlementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Settlement

    alliance = factory.SubFactory(AllianceFactory)
    payer = factory.LazyAttribute(lambda o: o.alliance.members.order_by("pk")[0])
    payee = factory.LazyAttribute(lambda o: o.alliance.members.order_by("pk")[1])
    agreed_on = date(2020, 3, 30)
    cash_amount = Money("10500000.00", "GBP")
    status = models.Settlement.Status.APPROVED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Payer and payee are members of the alliance: a force named for either joins it first."""
        kwargs["alliance"].members.add(kwargs["payer"], kwargs["payee"])
        return super()._create(model_class, *args, **kwargs)


class SettlementAdjustmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SettlementAdjustment

    settlement = factory.SubFactory(SettlementFactory)
    description = "Write-off of running-cost contribution"
    amount = Money("270000.00", "GBP")
    # Part of an approved settlement as agreed; on a draft, pending with it.
    status = factory.LazyAttribute(
        lambda o: models.RequestStatus.APPROVED if o.settlement.is_approved() else models.RequestStatus.PENDING
    )


class InstalmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Instalment

    settlement = factory.SubFactory(SettlementFactory)
    number = factory.Sequence(lambda n: n + 1)
    due_on = date(2020, 4, 30)
    amount = Money("1000.00", "GBP")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """On an approved settlement, an instalment as entered on its draft before the approval, in one step.

        The database takes no new instalment on an approved settlement (only a revision adds one), so this test
        set-up goes through the triggers' way through. Tests of the rule itself build on drafts and approve them.
        """
        settlement, revision = kwargs["settlement"], kwargs.get("introduced_by")
        if settlement.is_draft() or revision is not None:
            return super()._create(model_class, *args, **kwargs)
        instalment = model_class(*args, **kwargs)
        with triggers.bypass():
            bulk_create_with_history([instalment], model_class)
        return instalment


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Payment

    instalment = factory.SubFactory(InstalmentFactory)
    paid_on = factory.LazyAttribute(lambda o: o.instalment.due_on)
    amount = factory.LazyAttribute(lambda o: o.instalment.amount)
    reference = factory.Sequence(lambda n: f"PAY-{n:06d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Saved as the payment services save one: with its instalment's paid balance moved by it."""
        payment = super()._create(model_class, *args, **kwargs)
        ledger.post(payment)
        return payment


class HostedServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.HostedService

    alliance = factory.SubFactory(AllianceFactory)
    provider = factory.LazyAttribute(lambda o: o.alliance.members.order_by("pk")[0])
    recipient = factory.LazyAttribute(lambda o: o.alliance.members.order_by("pk")[1])
    service = factory.Sequence(lambda n: f"Hosted service {n}")
    starts_on = date(2020, 4, 1)
    months = 18
    ends_on = factory.LazyAttribute(lambda o: models.HostedService.term_end(o.starts_on, o.months))


class DraftSettlementFactory(SettlementFactory):
    """A settlement as entered, before a second person approves it."""

    status = models.Settlement.Status.DRAFT


def checker(username: str = "checker"):
    """A finance approver who entered nothing: the second pair of eyes."""
    from django.contrib.auth.models import Group, User

    user, created = User.objects.get_or_create(username=username)
    if created:
        user.groups.add(Group.objects.get(name="finance_approver"))
    return user


def approve(settlement):
    """Approve a draft as it now stands, by a second person; returns the approved settlement."""
    from settlements import services

    fresh = models.Settlement.objects.get(pk=settlement.pk)
    approved = services.approve_settlement(settlement=fresh, approved_by=checker())
    settlement.refresh_from_db()
    return approved


def approve_in_bulk(settlements) -> None:
    """Mark drafts loaded in bulk as approved in one statement, as if approved by a second person: for test
    data whose schedules are inserted wholesale (the database takes no new instalment once approved)."""
    pks = [settlement.pk for settlement in settlements]
    models.Settlement.objects.filter(pk__in=pks).update(status=models.Settlement.Status.APPROVED)
    for settlement in settlements:
        settlement.status = models.Settlement.Status.APPROVED


def approve_revision(revision):
    from settlements import services

    fresh = models.ScheduleRevision.objects.get(pk=revision.pk)
    approved = services.approve_schedule_revision(revision=fresh, approved_by=checker())
    revision.refresh_from_db()
    return approved


def scheduled(*, settlement, terms, **kwargs):
    """Generate the schedule of a draft settlement, then have it approved: what payments need."""
    from settlements import services

    instalments = services.confirm_schedule(settlement=settlement, terms=terms, **kwargs)
    approve(settlement)
    return instalments
