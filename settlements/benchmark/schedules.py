"""Write settlements and what hangs off them: adjustments, revisions, instalments, payments, hosted services."""

import random
from datetime import UTC, datetime, time, timedelta

from settlements import models
from settlements.money import GBP, pounds, to_pence
from settlements.references import reference_key

from . import plan
from .plan import BATCH

BASES = list(models.HostedService.ChargingBasis.values)
SOURCES = list(models.Instalment.FundingSource.values)


def write_schedules(rng: random.Random, settlement_rows: list) -> dict:
    """Insert the settlements of (alliance, notice, plan) triples and everything under them; return row counts."""
    approved = [rng.random() < 0.95 for _ in settlement_rows]
    # Entered as drafts, approved once their schedules are in: an approved settlement takes no new instalment.
    settlements = [
        models.Settlement(
            alliance_id=alliance.pk,
            termination_notice_id=notice.pk,
            payer_id=p.payer,
            payee_id=p.payee,
            agreed_on=p.agreed_on,
            cash_amount=pounds(p.cash_pence),
            cash_amount_currency=GBP,
            status=models.Settlement.Status.DRAFT,
            funding_note="From reserves and efficiencies",
        )
        for alliance, notice, p in settlement_rows
    ]
    models.Settlement.objects.bulk_create(settlements, batch_size=BATCH)
    pairs = [(s, row[2]) for s, row in zip(settlements, settlement_rows, strict=True)]
    revisions = write_revisions(pairs)
    instalments = write_instalments(rng, pairs, revisions)
    approve([s.pk for s, is_approved in zip(settlements, approved, strict=True) if is_approved])
    return {
        "settlements": len(settlements),
        "adjustments": write_adjustments(rng, settlements),
        "revisions": len(revisions),
        "instalments": len(instalments),
        "payments": write_payments(rng, instalments),
        "hosted_services": write_hosted_services(rng, settlements),
    }


def approve(pks: list) -> None:
    for start in range(0, len(pks), BATCH):
        batch = pks[start : start + BATCH]
        models.Settlement.objects.filter(pk__in=batch).update(status=models.Settlement.Status.APPROVED)


def write_revisions(pairs) -> dict:
    revisions = {
        s.pk: models.ScheduleRevision(
            settlement_id=s.pk,
            sequence=1,
            revised_on=p.revised_on,
            reason="Payment period extended by agreement",
            decision_reference=f"Bench variation {s.pk}",
            # Approved on its own date, so that it counts from then like a revision approved through the services.
            status=models.RequestStatus.APPROVED,
            approved_at=datetime.combine(p.revised_on, time(12), tzinfo=UTC),
        )
        for s, p in pairs
        if p.revised_on
    }
    models.ScheduleRevision.objects.bulk_create(revisions.values(), batch_size=BATCH)
    return revisions


def write_instalments(rng: random.Random, pairs, revisions: dict) -> list:
    instalments = []
    for settlement, p in pairs:
        revision = revisions.get(settlement.pk)
        for row in p.instalments:
            instalments.append(
                models.Instalment(
                    settlement_id=settlement.pk,
                    number=row.number,
                    due_on=row.due_on,
                    amount=pounds(row.pence),
                    amount_currency=GBP,
                    funding_source=rng.choice(SOURCES),
                    introduced_by=revision if row.introduced else None,
                    superseded_by=revision if row.superseded else None,
                )
            )
    return models.Instalment.objects.bulk_create(instalments, batch_size=BATCH)


def write_payments(rng: random.Random, instalments: list) -> int:
    """Payments first, then the reversals that point at them; returns how many rows were written."""
    payments, reversals = [], []
    for instalment in instalments:
        if instalment.superseded_by_id or instalment.due_on >= plan.AS_OF:
            continue
        for kind, paid_on, pence in plan.payments_for(rng, instalment.due_on, to_pence(instalment.amount)):
            row = models.Payment(
                instalment_id=instalment.pk, paid_on=paid_on, amount=pounds(pence), amount_currency=GBP
            )
            if kind == "reversal":
                row.kind, row.reason, row.reverses = kind, "Returned unpaid by the bank", payments[-1]
                reversals.append(row)
            else:
                payments.append(row)
    for n, row in enumerate(payments + reversals, start=1):
        row.reference = f"BENCH-{n:07d}"
        row.reference_key = reference_key(row.reference)
    models.Payment.objects.bulk_create(payments, batch_size=BATCH)
    for row in reversals:
        row.reverses_id = row.reverses.pk
    models.Payment.objects.bulk_create(reversals, batch_size=BATCH)
    return len(payments) + len(reversals)


def write_adjustments(rng: random.Random, settlements: list) -> int:
    adjustments = [
        models.SettlementAdjustment(
            settlement_id=s.pk,
            description="Write-off of running-cost contribution",
            amount=pounds(rng.randrange(10_000_00, 500_000_00)),
            amount_currency=GBP,
        )
        for s in settlements
        if rng.random() < 0.2
    ]
    return len(models.SettlementAdjustment.objects.bulk_create(adjustments, batch_size=BATCH))


def write_hosted_services(rng: random.Random, settlements: list) -> int:
    """About one service per settlement, provided by the payer to the payee after it is agreed."""
    services = []
    for s in settlements:
        for _ in range(rng.choice([0, 1, 1, 1, 1, 1, 1, 1, 2])):
            starts_on = s.agreed_on + timedelta(days=rng.randint(1, 60))
            months, extension = rng.choice([6, 12, 18, 24, 36]), rng.choice([0, 0, 0, 0, 6])
            services.append(
                models.HostedService(
                    provider_id=s.payer_id,
                    recipient_id=s.payee_id,
                    alliance_id=s.alliance_id,
                    service=rng.choice(plan.SERVICES),
                    starts_on=starts_on,
                    months=months,
                    extension_months=extension,
                    ends_on=models.HostedService.term_end(starts_on, months + extension),
                    charging_basis=rng.choice(BASES),
                    estimated_cost=pounds(rng.randrange(50_000_00, 5_000_000_00)) if rng.random() < 0.8 else None,
                    estimated_cost_currency=GBP,
                )
            )
    return len(models.HostedService.objects.bulk_create(services, batch_size=BATCH))
