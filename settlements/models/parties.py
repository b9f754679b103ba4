"""Forces, the alliances between them, notices that end alliances, and hosted services."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from settlements.dates import in_range, in_range_constraint, uk, validate_in_range
from settlements.fiscal import EARLIEST_DATE, LATEST_DATE, add_months, months_between
from settlements.money import money_field, positive_constraint, validate_positive


class Force(models.Model):
    """A police force that is a party: its Chief Constable and its policing body."""

    name = models.CharField(max_length=120, unique=True)
    short_name = models.CharField(
        max_length=40, unique=True, help_text="How the force is named in reports, e.g. West Mercia."
    )
    chief_officer = models.CharField(max_length=160, blank=True, help_text="e.g. Chief Constable of West Mercia Police")
    policing_body = models.CharField(
        max_length=160, blank=True, help_text="e.g. Police and Crime Commissioner for West Mercia"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Alliance(models.Model):
    """A collaboration agreement between forces."""

    name = models.CharField(max_length=160, unique=True)
    members = models.ManyToManyField(Force, related_name="alliances")
    starts_on = models.DateField(validators=[validate_in_range])
    ends_on = models.DateField(
        null=True, blank=True, validators=[validate_in_range], help_text="Leave empty while the alliance runs."
    )
    value = money_field("value", null=True, blank=True, validators=[validate_positive])
    legal_basis = models.CharField(max_length=160, default="Section 22A, Police Act 1996")
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="alliance_ends_on_not_before_start",
                violation_error_message="An alliance cannot end before it starts.",
            ),
            positive_constraint("value", "alliance_value_positive", "An alliance's value", nullable=True),
            in_range_constraint("starts_on", "alliance_starts_on_in_range"),
            in_range_constraint("ends_on", "alliance_ends_on_in_range", nullable=True),
        ]

    def __str__(self):
        return self.name


class TerminationNotice(models.Model):
    """Notice served by one member force to end an alliance."""

    class Status(models.TextChoices):
        SERVED = "served", "Served"
        DISPUTED = "disputed", "Disputed"
        UNDER_REVIEW = "under_review", "Under independent review"
        SETTLED = "settled", "Settled"
        WITHDRAWN = "withdrawn", "Withdrawn"

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="notices")
    served_by = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="notices_served")
    served_on = models.DateField(validators=[validate_in_range])
    effective_on = models.DateField(
        null=True, blank=True, validators=[validate_in_range], help_text="When the alliance ends under the notice."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SERVED)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-served_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_on__isnull=True) | Q(effective_on__gte=F("served_on")),
                name="notice_effective_not_before_served",
                violation_error_message="A notice cannot take effect before it is served.",
            ),
            in_range_constraint("served_on", "notice_served_on_in_range"),
            in_range_constraint("effective_on", "notice_effective_on_in_range", nullable=True),
        ]

    def __str__(self):
        return f"Notice by {self.served_by} on {uk(self.served_on)}"

    def clean(self):
        if self.alliance_id and self.served_by_id and not self.alliance.members.filter(pk=self.served_by_id).exists():
            raise ValidationError({"served_by": "The force serving notice must be a member of the alliance."})


# The longest term that fits in the range of dates: 110 years.
MAX_TERM_MONTHS = months_between(EARLIEST_DATE, LATEST_DATE) + 1


# A running hosted service "ends soon" when its term ends within this many days of the day.
ENDING_SOON_DAYS = 90


def ending_soon_by(as_of: date) -> date:
    """The last end date of a term that counts as ending soon on `as_of`."""
    return as_of + timedelta(days=ENDING_SOON_DAYS)


class HostedServiceQuerySet(models.QuerySet):
    def running(self, as_of: date):
        return self.filter(starts_on__lte=as_of, ends_on__gte=as_of)

    def ending_soon(self, as_of: date):
        """Running on `as_of` and ending within ENDING_SOON_DAYS of it."""
        return self.running(as_of).filter(ends_on__lte=ending_soon_by(as_of))

    def involving(self, force):
        """Services the force provides or receives."""
        return self.filter(Q(provider=force) | Q(recipient=force))


class HostedService(models.Model):
    """A service one force provides another after the alliance ends."""

    class ChargingBasis(models.TextChoices):
        FULL_COST_RECOVERY = "full_cost_recovery", "Full cost recovery"
        FIXED_FEE = "fixed_fee", "Fixed fee"
        NO_CHARGE = "no_charge", "No charge"

    alliance = models.ForeignKey(
        Alliance, on_delete=models.PROTECT, related_name="hosted_services", null=True, blank=True
    )
    provider = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="services_provided")
    recipient = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="services_received")
    service = models.CharField(max_length=160)
    starts_on = models.DateField(validators=[validate_in_range])
    months = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(MAX_TERM_MONTHS)], help_text="Length of the term agreed, in months."
    )
    extension_months = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(MAX_TERM_MONTHS)], help_text="Months added by any extension."
    )
    ends_on = models.DateField(editable=False, blank=True, help_text="Last day of the term, from its start and length.")
    charging_basis = models.CharField(
        max_length=30, choices=ChargingBasis.choices, default=ChargingBasis.FULL_COST_RECOVERY
    )
    estimated_cost = money_field(
        "estimated cost", null=True, blank=True, validators=[validate_positive], help_text="Leave empty if unknown."
    )
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = HostedServiceQuerySet.as_manager()

    class Meta:
        ordering = ["ends_on", "service"]
        indexes = [models.Index(fields=["ends_on", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(provider=F("recipient")),
                name="hosted_service_provider_is_not_recipient",
                violation_error_message="A force cannot provide a hosted service to itself.",
            ),
            models.CheckConstraint(
                condition=Q(months__gte=1),
                name="hosted_service_months_at_least_one",
                violation_error_message="A hosted service runs for at least one month.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="hosted_service_ends_on_not_before_start",
                violation_error_message="A hosted service cannot end before it starts.",
            ),
            positive_constraint(
                "estimated_cost", "hosted_service_estimated_cost_positive", "An estimated cost", nullable=True
            ),
            models.CheckConstraint(
                condition=Q(months__lte=MAX_TERM_MONTHS, extension_months__lte=MAX_TERM_MONTHS),
                name="hosted_service_months_bounded",
                violation_error_message=f"A term and its extension are each at most {MAX_TERM_MONTHS} months.",
            ),
            in_range_constraint("starts_on", "hosted_service_starts_on_in_range"),
            in_range_constraint("ends_on", "hosted_service_ends_on_in_range"),
        ]

    def __str__(self):
        return f"{self.service} ({self.provider.short_name} to {self.recipient.short_name})"

    @staticmethod
    def term_end(starts_on: date, total_months: int) -> date:
        """Last day of a term of whole months: 18 months from 1 April 2020 ends on 30 September 2021."""
        return add_months(starts_on, total_months) - timedelta(days=1)

    def clean(self):
        # ends_on is derived, kept in the table so that reports can filter and sort by it; the term is checked
        # against the range before its end is worked out, so that no length can run past what a date holds.
        if self.starts_on and self.months:
            total_months = self.months + (self.extension_months or 0)
            if in_range(self.starts_on) and total_months <= MAX_TERM_MONTHS:
                ends_on = self.term_end(self.starts_on, total_months)
                if ends_on > LATEST_DATE:
                    raise ValidationError(
                        {
                            "months": f"A term of {total_months} months from {uk(self.starts_on)} would end on "
                            f"{uk(ends_on)}, after {uk(LATEST_DATE)}: the last date this system takes."
                        }
                    )
                self.ends_on = ends_on
        if self.provider_id and self.provider_id == self.recipient_id:
            raise ValidationError({"recipient": "A force cannot provide a hosted service to itself."})

    def has_started(self, as_of: date) -> bool:
        return self.starts_on <= as_of

    def is_running(self, as_of: date) -> bool:
        """The row-by-row form of HostedServiceQuerySet.running."""
        return self.starts_on <= as_of <= self.ends_on

    def is_ending_soon(self, as_of: date) -> bool:
        """The row-by-row form of HostedServiceQuerySet.ending_soon."""
        return self.is_running(as_of) and self.ends_on <= ending_soon_by(as_of)

    def months_remaining(self, as_of: date) -> int:
        """Whole months left in the term after `as_of` (0 once it has ended)."""
        if as_of > self.ends_on:
            return 0
        months = (self.ends_on.year - as_of.year) * 12 + self.ends_on.month - as_of.month
        return months if self.ends_on.day >= as_of.day else max(months - 1, 0)
