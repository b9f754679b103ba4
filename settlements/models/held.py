"""Historical payments brought in with a draft settlement, held until a second person approves it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from settlements.dates import in_range_constraint, validate_in_range
from settlements.money import money_field, positive_constraint, validate_positive
from settlements.references import MAX_KEY_LENGTH, reference_key

from .schedule import Payment
from .settlement import Settlement


class HeldPayment(models.Model):
    """A payment from an imported workbook: recorded through the payment service, with its own date, when its
    settlement is approved (payments are recorded only against approved settlements)."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="held_payments")
    instalment_number = models.PositiveSmallIntegerField("instalment")
    paid_on = models.DateField(validators=[validate_in_range])
    amount = money_field("amount", validators=[validate_positive])
    reference = models.CharField(max_length=80, help_text="The remittance or ledger reference.")
    reference_key = models.CharField(max_length=MAX_KEY_LENGTH, unique=True, editable=False)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", editable=False
    )
    held_at = models.DateTimeField(default=timezone.now, editable=False)
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="held_as", editable=False
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["paid_on", "pk"]
        constraints = [
            positive_constraint("amount", "held_payment_amount_positive", "A payment"),
            in_range_constraint("paid_on", "held_payment_paid_on_in_range"),
        ]

    def __str__(self):
        return self.reference

    def is_recorded(self) -> bool:
        return self.payment_id is not None

    def clean(self):
        self.reference_key = reference_key(self.reference or "")
        if not self.reference_key:
            raise ValidationError({"reference": "Give the remittance or ledger reference."})
        recorded = Payment.objects.filter(reference_key=self.reference_key).exclude(held_as=self.pk or -1)
        if not self.is_recorded() and recorded.exists():
            raise ValidationError({"reference": f"A payment is already recorded under “{self.reference}”."})
        if self.settlement_id and not self.is_recorded() and not self.settlement.is_draft():
            raise ValidationError(
                {
                    "settlement": "This settlement is already approved: record the payment from its instalment's "
                    "page instead."
                }
            )
