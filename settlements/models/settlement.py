"""Settlements that end an alliance, and their non-cash parts."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from settlements import dating, immutability, versions
from settlements.dates import in_range_constraint, uk, validate_in_range
from settlements.money import Pence, from_pence, money_field, positive_constraint, validate_positive

from .parties import Alliance, Force, TerminationNotice
from .stamps import stamped_at, stamped_by


def either_side(force, prefix: str = "") -> Q:
    """The force as payer or payee of a settlement (of the one `prefix` leads to, such as "settlement__")."""
    return Q(**{f"{prefix}payer": force}) | Q(**{f"{prefix}payee": force})


class SettlementQuerySet(models.QuerySet):
    def approved(self):
        """Settlements that count: approved by a second person (never drafts nor withdrawn ones)."""
        return self.filter(status=Settlement.Status.APPROVED)

    def pending(self):
        """Drafts awaiting approval: shown apart, never counted as agreed."""
        return self.filter(status=Settlement.Status.DRAFT)

    def awaiting_approval(self):
        """Drafts: entered, not yet approved; they count in no figure unless asked for."""
        return self.pending()

    def counted_or_pending(self):
        """Every settlement but a withdrawn one."""
        return self.exclude(status=Settlement.Status.WITHDRAWN)

    def in_force(self, as_of, *, include_pending: bool = False):
        """Settlements agreed on or before `as_of` that count (with drafts too when `include_pending`)."""
        counted = self.counted_or_pending() if include_pending else self.approved()
        return counted.filter(agreed_on__lte=as_of)

    def involving(self, force):
        """Settlements in which the force pays or is paid."""
        return self.filter(either_side(force))

    def with_headline(self):
        """Annotate cash, adjustments and headline (cash plus adjustments), in whole pence."""
        adjustments = (
            SettlementAdjustment.objects.approved()
            .filter(settlement=models.OuterRef("pk"))
            .order_by()
            .values("settlement")
            .annotate(total=models.Sum(Pence("amount")))
            .values("total")
        )
        return self.annotate(
            cash_pence=Pence("cash_amount"),
            adjustments_pence=models.functions.Coalesce(
                models.Subquery(adjustments, output_field=models.BigIntegerField()), 0
            ),
        ).annotate(headline_pence=F("cash_pence") + F("adjustments_pence"))


class Settlement(immutability.LockedWhenDecided, models.Model):
    """What one force pays another to end an alliance."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft, awaiting approval"
        APPROVED = "approved", "Approved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="settlements")
    termination_notice = models.ForeignKey(
        TerminationNotice, on_delete=models.PROTECT, related_name="settlements", null=True, blank=True
    )
    payer = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="settlements_paid")
    payee = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="settlements_received")
    agreed_on = models.DateField(validators=[validate_in_range])
    cash_amount = money_field("cash amount", validators=[validate_positive])
    requested_amount = money_field(
        "amount requested by the payee",
        null=True,
        blank=True,
        validators=[validate_positive],
        help_text="Leave empty if it was never published.",
    )
    recommended_amount = money_field(
        "amount recommended by independent review",
        null=True,
        blank=True,
        validators=[validate_positive],
        help_text="Leave empty if it was never published.",
    )
    full_and_final = models.BooleanField("full and final", default=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    funding_note = models.CharField(
        max_length=200, blank=True, help_text="How the payer funds it, e.g. from reserves and efficiencies."
    )
    notes = models.TextField(blank=True)
    entered_by = stamped_by()
    approved_by = stamped_by()
    approved_at = stamped_at()
    withdrawn_by = stamped_by()
    withdrawn_at = stamped_at()
    withdrawal_reason = models.TextField(blank=True, editable=False)
    # Raised by every write to the settlement or its parts, so that an approval is of the version seen.
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["version"])

    objects = SettlementQuerySet.as_manager()
    lock_rule = immutability.SETTLEMENT_RULE

    class Meta:
        ordering = ["-agreed_on", "pk"]
        permissions = [
            ("approve_settlement", "Can approve a settlement entered by someone else"),
            ("view_audit", "Can view the recent changes to every record"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(payer=F("payee")),
                name="settlement_payer_is_not_payee",
                violation_error_message="The payer and the payee must be different forces.",
            ),
            positive_constraint("cash_amount", "settlement_cash_amount_positive", "The cash amount"),
            positive_constraint(
                "requested_amount", "settlement_requested_amount_positive", "The amount requested", nullable=True
            ),
            positive_constraint(
                "recommended_amount", "settlement_recommended_amount_positive", "The amount recommended", nullable=True
            ),
            in_range_constraint("agreed_on", "settlement_agreed_on_in_range"),
        ]

    def __str__(self):
        return f"{self.payer.short_name} to {self.payee.short_name}, agreed {uk(self.agreed_on)}"

    def save(self, *args, **kwargs):
        versions.without_version(self, kwargs)
        super().save(*args, **kwargs)
        versions.bump_settlement(self.pk)
        versions.refresh(self)

    def clean(self):
        if self.payer_id and self.payer_id == self.payee_id:
            raise ValidationError({"payee": "The payer and the payee must be different forces."})
        if self.alliance_id and self.termination_notice_id and self.termination_notice.alliance_id != self.alliance_id:
            raise ValidationError({"termination_notice": "This notice belongs to a different alliance."})
        self.refuse_locked_change()
        self.check_parties_are_members()
        dating.check_record(self)

    def check_parties_are_members(self) -> None:
        """The payer and the payee are both member forces of the settlement's alliance."""
        if not self.alliance_id:
            return
        members = set(self.alliance.members.values_list("pk", flat=True))
        errors = {}
        for role in ("payer", "payee"):
            force = getattr(self, role) if getattr(self, f"{role}_id") else None
            if force is not None and force.pk not in members:
                errors[role] = (
                    f"{force} is not a member of {self.alliance}: the {role} must be one of its member forces. "
                    "Add the force to the alliance first if it belongs there."
                )
        if errors:
            raise ValidationError(errors)

    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def is_withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN

    def headline_amount(self):
        """Cash plus non-cash adjustments: £10,500,000.00 + £270,000.00 = £10,770,000.00."""
        pence = Settlement.objects.with_headline().filter(pk=self.pk).values_list("headline_pence", flat=True).get()
        return from_pence(pence)


class RequestStatus(models.TextChoices):
    """A change that needs its own approval: an adjustment to an approved settlement, a schedule revision."""

    PENDING = "pending", "Pending, awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class SettlementAdjustmentQuerySet(models.QuerySet):
    def approved(self):
        """Adjustments that count: approved with their settlement, or as a request of their own."""
        return self.filter(status=RequestStatus.APPROVED)


class SettlementAdjustment(immutability.LockedWhenDecided, models.Model):
    """A non-cash part of a settlement, such as a write-off of running-cost contributions."""

    class Kind(models.TextChoices):
        WRITE_OFF = "write_off", "Write-off"
        OFFSET = "offset", "Offset against other sums"
        IN_KIND = "in_kind", "In kind"

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.WRITE_OFF)
    description = models.CharField(max_length=200)
    amount = money_field("amount", validators=[validate_positive])
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING, editable=False
    )
    entered_by = stamped_by()
    approved_by = stamped_by()
    approved_at = stamped_at()
    rejected_by = stamped_by()
    rejected_at = stamped_at()
    rejection_reason = models.TextField(blank=True, editable=False)
    history = HistoricalRecords()

    objects = SettlementAdjustmentQuerySet.as_manager()
    lock_rule = immutability.ADJUSTMENT_RULE

    class Meta:
        ordering = ["pk"]
        constraints = [
            positive_constraint("amount", "adjustment_amount_positive", "An adjustment"),
        ]

    def __str__(self):
        return self.description

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        versions.bump_settlement(self.settlement_id)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        versions.bump_settlement(self.settlement_id)
        return result

    def is_approved(self) -> bool:
        return self.status == RequestStatus.APPROVED

    def is_pending(self) -> bool:
        return self.status == RequestStatus.PENDING

    def clean(self):
        self.refuse_locked_change()
        dating.check_record(self)
