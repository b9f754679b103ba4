"""Instalment schedules, their revisions, and the payments made against them."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, ExtractYear
from simple_history.models import HistoricalRecords

from settlements import dating, immutability, versions
from settlements.dates import in_range, in_range_constraint, uk, validate_in_range
from settlements.fiscal import FinancialYear
from settlements.money import (
    Pence,
    SumPence,
    format_gbp,
    from_pence,
    money_field,
    positive_constraint,
    validate_positive,
)
from settlements.references import MAX_KEY_LENGTH, reference_key

from .settlement import RequestStatus, Settlement, either_side
from .stamps import stamped_at, stamped_by


class ScheduleRevisionQuerySet(models.QuerySet):
    def approved(self):
        """Revisions that count: approved by a second person (never pending nor rejected ones)."""
        return self.filter(status=RequestStatus.APPROVED)

    def pending(self):
        return self.filter(status=RequestStatus.PENDING)

    def awaiting_approval(self):
        """Revisions entered and not yet approved; they change no figure unless asked for."""
        return self.pending()

    def in_force(self, as_of: date, *, include_pending: bool = False):
        """Revisions in effect on `as_of`: approved (pending ones too when `include_pending`, never rejected ones)
        and dated by then."""
        counted = self.exclude(status=RequestStatus.REJECTED) if include_pending else self.approved()
        return counted.filter(revised_on__lte=as_of)


class ScheduleRevision(immutability.LockedWhenDecided, models.Model):
    """A renegotiated schedule: it replaces the unpaid instalments of a settlement."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="revisions")
    sequence = models.PositiveSmallIntegerField(editable=False)
    revised_on = models.DateField(validators=[validate_in_range])
    reason = models.TextField()
    decision_reference = models.CharField(
        max_length=120, help_text="The decision that approved it, e.g. a board minute or a signed variation."
    )
    created_by = stamped_by()
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = stamped_by()
    approved_at = stamped_at()
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING, editable=False
    )
    rejected_by = stamped_by()
    rejected_at = stamped_at()
    rejection_reason = models.TextField(blank=True, editable=False)
    # Raised by every write to the revision or to its settlement's schedule: see settlements.versions.
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["version"])

    objects = ScheduleRevisionQuerySet.as_manager()
    lock_rule = immutability.REVISION_RULE

    class Meta:
        ordering = ["settlement", "sequence"]
        permissions = [("approve_schedulerevision", "Can approve a schedule revision entered by someone else")]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "sequence"], name="revision_sequence_unique"),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="revision_reason_given",
                violation_error_message="Give the reason for the revision.",
            ),
            models.CheckConstraint(
                condition=~Q(decision_reference=""),
                name="revision_decision_reference_given",
                violation_error_message="Give the decision that approved the revision.",
            ),
            in_range_constraint("revised_on", "revision_revised_on_in_range"),
        ]

    def __str__(self):
        return f"Revision {self.sequence} of {self.settlement}, {uk(self.revised_on)}"

    def save(self, *args, **kwargs):
        versions.without_version(self, kwargs)
        super().save(*args, **kwargs)
        versions.bump_revision(self)
        versions.refresh(self)

    def clean(self):
        dating.check_record(self)
        self.refuse_locked_change()

    def is_approved(self) -> bool:
        return self.status == RequestStatus.APPROVED

    def is_pending(self) -> bool:
        return self.status == RequestStatus.PENDING


class PaymentQuerySet(models.QuerySet):
    def made_by(self, as_of: date | None):
        """Payments and reversals dated on or before `as_of` (all of them when it is None)."""
        return self if as_of is None else self.filter(paid_on__lte=as_of)

    @staticmethod
    def signed_pence(prefix: str = ""):
        """A payment counts in full; a reversal takes its amount back. `prefix` reaches payments from a relation."""
        return Case(
            When(**{f"{prefix}kind": Payment.Kind.REVERSAL}, then=-Pence(f"{prefix}amount")),
            default=Pence(f"{prefix}amount"),
            output_field=models.BigIntegerField(),
        )

    def cutoff(self, as_of: date | None) -> date | None:
        """The date to count payments up to for a figure as at `as_of`: None when no payment is dated after it.

        Every payment recorded then counts, so the balances stored on the instalments are exact for that date and
        a figure reads them instead of summing the payments. One look-up on the `payment_paid_on` index.
        """
        return as_of if as_of is not None and self.filter(paid_on__gt=as_of).exists() else None


class InstalmentQuerySet(models.QuerySet):
    def current(self):
        """The schedule as it stands now, pending revisions included: for the writes that change it.

        Figures as at a date count `in_force(as_of)` instead.
        """
        return self.filter(superseded_by__isnull=True)

    def replaced(self):
        """Instalments a revision replaced (or, rejected, withdrew): shown as such, never due, never paid."""
        return self.filter(superseded_by__isnull=False)

    def payable(self):
        """Where a payment may go: an approved settlement's current schedule, less what a pending or rejected
        revision introduced. The payment service also checks the schedule in force on the day paid."""
        return self.current().filter(
            Q(introduced_by__isnull=True) | Q(introduced_by__status=RequestStatus.APPROVED),
            settlement__status=Settlement.Status.APPROVED,
        )

    def in_force(self, as_of: date, *, include_pending: bool = False):
        """The schedules as they stood on `as_of`: the one home of what counts in a figure as at a date.

        A settlement counts once approved and agreed on or before `as_of`. An approved revision takes effect on
        its date: the instalments it introduced count from that day, the ones it replaced until the day before.
        `include_pending` adds draft settlements and revisions awaiting approval, as if they were approved;
        withdrawn settlements and rejected revisions count nowhere.
        """
        settlements = Settlement.objects.in_force(as_of, include_pending=include_pending)
        effective = ScheduleRevision.objects.in_force(as_of, include_pending=include_pending).values("pk")
        return self.filter(
            Q(introduced_by__isnull=True) | Q(introduced_by__in=effective),
            Q(superseded_by__isnull=True) | ~Q(superseded_by__in=effective),
            settlement__in=settlements.values("pk"),
        )

    def unpaid(self):
        """Instalments with something still outstanding, counting every payment and reversal recorded."""
        return self.filter(paid_to_date_pence__lt=Pence("amount"))

    def involving(self, force):
        """Instalments of settlements in which the force pays or is paid."""
        return self.filter(either_side(force, "settlement__"))

    def in_financial_year(self, fy: FinancialYear):
        return self.filter(due_on__range=(fy.start, fy.end))

    @staticmethod
    def paid_from_payments(as_of: date | None = None):
        """Each instalment's payments less reversals dated on or before `as_of` (all when None), summed, in pence."""
        paid = (
            Payment.objects.filter(instalment=OuterRef("pk"))
            .made_by(as_of)
            .order_by()
            .values("instalment")
            .annotate(pence=models.Sum(PaymentQuerySet.signed_pence()))
            .values("pence")
        )
        # PostgreSQL sums bigints as numeric: cast back, so that every driver hands over whole pence as int.
        return Cast(Coalesce(Subquery(paid, output_field=models.BigIntegerField()), 0), models.BigIntegerField())

    @classmethod
    def paid_as_of(cls, as_of: date | None):
        """Payments less reversals made by `as_of`, in pence, for each instalment.

        The stored balance when no payment is dated after `as_of` (always so for today or later, since no payment
        is dated in the future), otherwise summed from the payments. The test of later payments runs once a query,
        not once a row, and the sum only where it is needed: PostgreSQL and SQLite evaluate an uncorrelated
        EXISTS once and a CASE branch only when it is taken.
        """
        stored = F("paid_to_date_pence")
        if as_of is None:
            return stored
        later = Exists(Payment.objects.filter(paid_on__gt=as_of))
        summed = cls.paid_from_payments(as_of)
        return Case(When(later, then=summed), default=stored, output_field=models.BigIntegerField())

    def with_balances(self, as_of: date | None = None):
        """Annotate amount, paid (counting payments on or before `as_of`, all when None) and outstanding, in pence."""
        # Per row, not a join, so that the annotations can be grouped and summed again (per force, per year).
        return self.annotate(amount_pence=Pence("amount"), paid_pence=self.paid_as_of(as_of)).annotate(
            outstanding_pence=F("amount_pence") - F("paid_pence")
        )

    def with_wrong_paid_balance(self):
        """Instalments whose stored paid balance is not their payments less reversals, annotated `recomputed_pence`."""
        return self.annotate(recomputed_pence=self.paid_from_payments()).exclude(
            recomputed_pence=F("paid_to_date_pence")
        )

    def in_force_before(self, revision: "ScheduleRevision"):
        """The schedule as it stood just before `revision` replaced part of it."""
        return self.filter(settlement=revision.settlement_id).filter(
            Q(introduced_by__isnull=True) | Q(introduced_by__sequence__lt=revision.sequence),
            Q(superseded_by__isnull=True) | Q(superseded_by__sequence__gte=revision.sequence),
        )

    @staticmethod
    def status_on(as_of: date) -> Case:
        """The status on `as_of` from the balances: paid, overdue (due before that day), part_paid or upcoming."""
        return Case(
            When(outstanding_pence__lte=0, then=Value(Instalment.Status.PAID)),
            When(due_on__lt=as_of, then=Value(Instalment.Status.OVERDUE)),
            When(paid_pence__gt=0, then=Value(Instalment.Status.PART_PAID)),
            default=Value(Instalment.Status.UPCOMING),
            output_field=models.CharField(),
        )

    def with_status(self, as_of: date):
        """Balances plus the status on `as_of`: paid, overdue (due before that day), part_paid or upcoming."""
        return self.with_balances(as_of).annotate(status=self.status_on(as_of))

    def with_status_grouped(self, as_of: date):
        """The same balances and status from the payments joined and grouped per instalment, for reading every row.

        PostgreSQL runs the balance subquery of `with_status` once for each expression that uses it (three to
        four a row); here the sum is computed once per instalment in one pass: at 100,000 instalments a full
        export reads in about a third of the time. Do not sum these annotations again: they are aggregates.
        """
        paid = Cast(
            Coalesce(
                models.Sum(PaymentQuerySet.signed_pence("payments__"), filter=Q(payments__paid_on__lte=as_of)),
                0,
                output_field=models.BigIntegerField(),
            ),
            models.BigIntegerField(),
        )
        return (
            self.annotate(amount_pence=Pence("amount"), paid_pence=paid)
            .annotate(outstanding_pence=F("amount_pence") - F("paid_pence"))
            .annotate(status=self.status_on(as_of))
        )

    @staticmethod
    def financial_year_of_due_date(prefix: str = ""):
        """The year in which the due date's financial year starts; `prefix` reaches instalments from a relation."""
        return ExtractYear(f"{prefix}due_on") - Case(
            When(Q(**{f"{prefix}due_on__month__lt": 4}), then=Value(1)),
            default=Value(0),
            output_field=models.IntegerField(),
        )

    def with_financial_year(self):
        """Annotate fy_start_year: the year in which the due date's financial year starts."""
        return self.annotate(fy_start_year=self.financial_year_of_due_date())

    def totals(self) -> dict:
        """Amount, paid and outstanding over the rows (annotate with_balances first), exact to the penny."""
        # Outstanding is amount less paid row by row, so its total is too: summing it apart would run the
        # balance subquery a second time for every row.
        sums = self.order_by().aggregate(amount=SumPence("amount_pence"), paid=SumPence("paid_pence"))
        return self._totals(sums["amount"], sums["paid"])

    def count_and_totals(self, as_of: date | None) -> tuple[int, dict]:
        """How many rows, and their totals with payments made by `as_of`, reading each row once.

        From the stored balances when no payment is dated after `as_of`; otherwise the rows' count and amount come
        from the instalments alone and what was paid from joining their payments, which at 100,000 instalments
        takes about half the time of summing the per-row balance subquery.
        """
        rows = self.order_by()
        if Payment.objects.cutoff(as_of) is None:
            sums = rows.aggregate(
                rows=models.Count("pk"), amount=SumPence(Pence("amount")), paid=SumPence("paid_to_date_pence")
            )
            return sums["rows"], self._totals(sums["amount"], sums["paid"])
        sums = rows.aggregate(rows=models.Count("pk"), amount=SumPence(Pence("amount")))
        paid = (
            Payment.objects.made_by(as_of)
            .filter(instalment__in=rows.values("pk"))
            .aggregate(pence=SumPence(PaymentQuerySet.signed_pence()))
        )
        return sums["rows"], self._totals(sums["amount"], paid["pence"])

    @staticmethod
    def _totals(amount: int, paid: int) -> dict:
        return {"amount": from_pence(amount), "paid": from_pence(paid), "outstanding": from_pence(amount - paid)}

    def totals_by(self, *fields):
        """Amount, paid and outstanding in pence for each group of `fields` (annotate with_balances first)."""
        return (
            self.order_by()
            .values(*fields)
            .annotate(
                amount=SumPence("amount_pence"), paid=SumPence("paid_pence"), outstanding=SumPence("outstanding_pence")
            )
        )


class Instalment(immutability.LockedWhenDecided, models.Model):
    """One payment due under a settlement; its financial year follows from its due date."""

    class Status(models.TextChoices):
        UPCOMING = "upcoming", "Upcoming"
        PART_PAID = "part_paid", "Part paid"
        OVERDUE = "overdue", "Overdue"
        PAID = "paid", "Paid"

    class FundingSource(models.TextChoices):
        EARMARKED_RESERVE = "earmarked_reserve", "Earmarked reserve"
        GENERAL_RESERVE = "general_reserve", "General reserve"
        EFFICIENCY_SAVINGS = "efficiency_savings", "Efficiency savings"
        RESERVES_AND_EFFICIENCIES = "reserves_and_efficiencies", "Reserves and efficiencies"
        REVENUE_BUDGET = "revenue_budget", "Revenue budget"
        NOT_RECORDED = "not_recorded", "Not recorded"

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField(validators=[validate_in_range])
    amount = money_field("amount", validators=[validate_positive])
    funding_source = models.CharField(max_length=30, choices=FundingSource.choices, default=FundingSource.NOT_RECORDED)
    reserve_name = models.CharField(max_length=120, blank=True, help_text="The earmarked reserve, where named.")
    notes = models.CharField(max_length=255, blank=True)
    introduced_by = models.ForeignKey(
        ScheduleRevision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="introduced_instalments",
        editable=False,
    )
    superseded_by = models.ForeignKey(
        ScheduleRevision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_instalments",
        editable=False,
    )
    # Payments less reversals recorded against it, in pence: kept by the payment services in the payment's
    # transaction, under the instalment's row lock (settlements/services/ledger.py), so that figures as at today
    # read one column instead of summing every payment. `verify_balances` recomputes it from the payments.
    paid_to_date_pence = models.BigIntegerField(default=0, editable=False)
    # Its history is the payments' own: a history row per payment would say nothing they do not.
    history = HistoricalRecords(excluded_fields=["paid_to_date_pence"])

    objects = InstalmentQuerySet.as_manager()
    lock_rule = immutability.INSTALMENT_RULE

    class Meta:
        ordering = ["due_on", "number", "pk"]
        indexes = [
            models.Index(fields=["due_on"], name="instalment_due_on"),
            models.Index(fields=["settlement", "due_on"], name="instalment_settlement_due_on"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["settlement", "number"],
                condition=Q(superseded_by__isnull=True),
                name="instalment_number_unique_in_schedule",
                violation_error_message="Each instalment in a schedule needs its own number.",
            ),
            positive_constraint("amount", "instalment_amount_positive", "An instalment"),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="instalment_number_at_least_one",
                violation_error_message="Instalments are numbered from 1.",
            ),
            models.CheckConstraint(
                condition=Q(paid_to_date_pence__gte=0, paid_to_date_pence__lte=Pence("amount")),
                name="instalment_paid_within_amount",
                violation_error_message="What is paid against an instalment stays between £0.00 and its amount.",
            ),
            in_range_constraint("due_on", "instalment_due_on_in_range"),
        ]

    def __str__(self):
        return f"Instalment {self.number} of {self.settlement}"

    def save(self, *args, **kwargs):
        if not (self._state.adding or args or kwargs.get("force_insert")) and kwargs.get("update_fields") is None:
            # The paid balance moves only with payments: an instance read before a payment must not write it back.
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "paid_to_date_pence"
            ]
        super().save(*args, **kwargs)
        if versions.touches(kwargs, self.TERMS):
            versions.bump_settlement(self.settlement_id)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        versions.bump_settlement(self.settlement_id)
        return result

    # What an approval approves: a save that writes none of these leaves the settlement's version alone.
    TERMS = ("settlement", "number", "due_on", "amount", "introduced_by", "superseded_by")

    @property
    def financial_year(self) -> FinancialYear:
        return FinancialYear.for_date(self.due_on)

    def is_replaced(self) -> bool:
        return self.superseded_by_id is not None

    def schedule_note(self) -> str:
        """What a revision made of this instalment ("Replaced by revision 2"), or "" when it is simply due.

        Reads `superseded_by` and `introduced_by`: select them with the instalments when listing many.
        """
        replacing, introducing = self.superseded_by, self.introduced_by
        if replacing is not None and replacing.pk == self.introduced_by_id:
            return f"Withdrawn: revision {replacing.sequence} was rejected"
        if replacing is not None:
            awaiting = ", awaiting approval" if replacing.is_pending() else ""
            return f"Replaced by revision {replacing.sequence}{awaiting}"
        if introducing is not None and introducing.is_pending():
            return f"Proposed by revision {introducing.sequence}, awaiting approval"
        return ""

    @staticmethod
    def check_due_on(due_on: date, agreed_on: date) -> None:
        """An instalment falls due on or after its settlement was agreed: the one rule, wherever it is entered."""
        if due_on < agreed_on:
            raise ValidationError(
                {
                    "due_on": f"An instalment cannot fall due on {uk(due_on)}, before the settlement was agreed "
                    f"on {uk(agreed_on)}."
                }
            )

    def clean(self):
        dated = isinstance(self.due_on, date) and in_range(self.due_on)
        if dated and self.settlement_id and isinstance(self.settlement.agreed_on, date):
            self.check_due_on(self.due_on, self.settlement.agreed_on)
        dating.check_record(self)
        self.refuse_locked_change()
        self.check_amount_covers_paid()

    def check_amount_covers_paid(self):
        """The database's check on what is paid, with the amounts in words (forms leave that column out)."""
        amount = getattr(self.amount, "amount", None)
        if amount is not None and amount * 100 < self.paid_to_date_pence:
            paid = format_gbp(from_pence(self.paid_to_date_pence))
            raise ValidationError(
                {
                    "amount": f"{format_gbp(self.amount)} is less than the {paid} already paid against this "
                    "instalment: reverse a payment first, or revise the schedule."
                }
            )


class Payment(immutability.LockedWhenDecided, models.Model):
    """Money actually paid against an instalment, or the reversal of such a payment."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", "Payment"
        REVERSAL = "reversal", "Reversal"

    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PAYMENT, editable=False)
    paid_on = models.DateField(validators=[validate_in_range])
    amount = money_field("amount", validators=[validate_positive])
    reference = models.CharField(max_length=80, unique=True, help_text="The remittance or ledger reference.")
    # The reference as a person reads it (references.reference_key): two payments never share one.
    reference_key = models.CharField(max_length=MAX_KEY_LENGTH, editable=False, default="")
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal", editable=False
    )
    reason = models.CharField(max_length=255, blank=True, help_text="Why a payment is reversed.")
    recorded_by = stamped_by()
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = PaymentQuerySet.as_manager()
    lock_rule = immutability.PAYMENT_RULE

    class Meta:
        ordering = ["paid_on", "pk"]
        indexes = [
            models.Index(fields=["instalment", "paid_on"], name="payment_instalment_paid_on"),
            models.Index(fields=["paid_on"], name="payment_paid_on"),
        ]
        constraints = [
            positive_constraint("amount", "payment_amount_positive", "A payment"),
            models.CheckConstraint(
                condition=Q(kind="payment", reverses__isnull=True)
                | (Q(kind="reversal", reverses__isnull=False) & ~Q(reason="")),
                name="payment_reversal_points_at_payment_with_reason",
                violation_error_message="A reversal names the payment it reverses and why.",
            ),
            in_range_constraint("paid_on", "payment_paid_on_in_range"),
            models.UniqueConstraint(
                fields=["reference_key"],
                name="payment_reference_key_unique",
                violation_error_message="A payment is already recorded under this reference, written differently.",
            ),
            models.CheckConstraint(
                condition=~Q(reference_key=""),
                name="payment_reference_key_given",
                violation_error_message="Give the remittance or ledger reference.",
            ),
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        self.reference_key = reference_key(self.reference)
        super().save(*args, **kwargs)

    def clean(self):
        self.reference_key = reference_key(self.reference)

    def is_reversal(self) -> bool:
        return self.kind == self.Kind.REVERSAL

    def reversal_refusal(self) -> str | None:
        """Why this payment cannot be reversed, or None when it can."""
        if self.is_reversal():
            return "A reversal cannot itself be reversed: record a new payment instead."
        if done := Payment.objects.filter(reverses=self).first():
            return f"Payment {self.reference} was already reversed by {done.reference}."
        return None

    def can_be_reversed(self) -> bool:
        return self.reversal_refusal() is None
