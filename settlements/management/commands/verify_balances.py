"""Recompute every instalment's stored paid balance from its payments and report any difference."""

from django.core.management.base import BaseCommand, CommandError

from settlements.models import Instalment
from settlements.money import format_gbp, from_pence


class Command(BaseCommand):
    help = (
        "Recompute each instalment's paid balance from its payments less reversals and compare it with the one "
        "stored; list every difference and exit with status 1 if there is any."
    )

    def handle(self, *args, **options):
        checked = Instalment.objects.count()
        wrong = (
            Instalment.objects.with_wrong_paid_balance()
            .select_related("settlement__payer", "settlement__payee")
            .order_by("pk")
        )
        differences = 0
        for instalment in wrong.iterator(chunk_size=500):
            differences += 1
            stored, recomputed = instalment.paid_to_date_pence, instalment.recomputed_pence
            self.stdout.write(
                f"Instalment id {instalment.pk} ({instalment}): stored paid {format_gbp(from_pence(stored))}, "
                f"payments less reversals {format_gbp(from_pence(recomputed))}, "
                f"difference {format_gbp(from_pence(stored - recomputed))}"
            )
        if differences:
            raise CommandError(
                f"{differences:,} of {checked:,} instalments have a stored paid balance that differs from their "
                "payments less reversals."
            )
        self.stdout.write(f"Checked {checked:,} instalments: every stored paid balance equals its payments.")
