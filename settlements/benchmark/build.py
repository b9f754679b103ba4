"""Write benchmark data with bulk inserts, and remove it again; every bench row hangs off a "Bench force"."""

import random
import time
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Q

from settlements import models, triggers
from settlements.fiscal import add_months
from settlements.money import GBP, pounds
from settlements.services import ledger

from . import plan
from .plan import BATCH
from .schedules import write_schedules

MARK = "Bench force"
ALLIANCE_MARK = "Bench alliance"


@dataclass
class BuildResult:
    seconds: float
    counts: dict


def bench_forces():
    return models.Force.objects.filter(name__startswith=MARK)


def has_other_data() -> bool:
    """Whether the database holds rows the builder did not make (figures then include them)."""
    return models.Force.objects.exclude(name__startswith=MARK).exists()


def clear() -> None:
    """Delete every bench row, children first."""
    alliances = models.Alliance.objects.filter(name__startswith=ALLIANCE_MARK)
    settlements = models.Settlement.objects.filter(alliance__in=alliances)
    instalments = models.Instalment.objects.filter(settlement__in=settlements)
    payments = models.Payment.objects.filter(instalment__in=instalments)
    forces = bench_forces()
    # The bench's own rows include approved settlements and payments, which the triggers protect.
    with triggers.bypass():
        for queryset in [
            payments.filter(kind=models.Payment.Kind.REVERSAL),
            payments,
            instalments,
            models.ScheduleRevision.objects.filter(settlement__in=settlements),
            models.SettlementAdjustment.objects.filter(settlement__in=settlements),
            models.HostedService.objects.filter(Q(provider__in=forces) | Q(recipient__in=forces)),
            settlements,
            models.TerminationNotice.objects.filter(alliance__in=alliances),
            models.Alliance.members.through.objects.filter(alliance__in=alliances),
            alliances,
            forces,
        ]:
            # A raw delete skips the per-row signals that would write a history row for every bench row.
            queryset.order_by()._raw_delete(queryset.db)


def build(size: int, seed: int = 1) -> BuildResult:
    """Replace the bench rows with `size` instalments' worth of data drawn from `seed`."""
    started = time.perf_counter()
    rng = random.Random(seed)
    with transaction.atomic():
        clear()
        forces = create_forces()
        planned = plan_settlements(rng, forces, size)
        counts = write_schedules(rng, write_alliances(rng, planned))
        # Bulk inserts skip the payment services: the paid balances are set from the payments once, at the end.
        ledger.restate(models.Instalment.objects.filter(settlement__alliance__name__startswith=ALLIANCE_MARK))
    counts.update(forces=len(forces), alliances=len(planned))
    analyze()
    return BuildResult(seconds=time.perf_counter() - started, counts=counts)


def analyze() -> None:
    """Refresh the planner's statistics, as autovacuum would soon after a bulk load, so plans are realistic."""
    tables = {model._meta.db_table for model in apps.get_app_config("settlements").get_models()}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def create_forces() -> list[int]:
    forces = [
        models.Force(
            name=f"{MARK} {n:02d}",
            short_name=f"Bench {n:02d}",
            chief_officer=f"Chief Constable of {MARK} {n:02d}",
            policing_body=f"Police and Crime Commissioner for {MARK} {n:02d}",
        )
        for n in range(1, plan.FORCE_COUNT + 1)
    ]
    return [force.pk for force in models.Force.objects.bulk_create(forces)]


def plan_settlements(rng: random.Random, forces: list[int], size: int) -> list[tuple[list[int], list]]:
    """(members, settlements) per alliance: 2 to 5 member forces and 1 to 3 settlements each."""
    lengths = plan.schedule_lengths(rng, size)
    planned, at = [], 0
    last_agreement = plan.AS_OF - timedelta(days=30)
    while at < len(lengths):
        members = rng.sample(forces, rng.randint(2, 5))
        agreed_on = plan.random_day(rng, plan.FIRST_AGREEMENT, last_agreement)
        group = []
        for length in lengths[at : at + rng.randint(1, 3)]:
            payer, payee = rng.sample(members, 2)
            settlement = plan.SettlementPlan(agreed_on, payer, payee)
            settlement.instalments, settlement.revised_on = plan.plan_schedule(rng, agreed_on, length)
            group.append(settlement)
        planned.append((members, group))
        at += len(group)
    return planned


def write_alliances(rng: random.Random, planned: list[tuple[list[int], list]]) -> list:
    """Insert alliances, their members and notices; return (alliance, notice, settlement plan) triples."""
    alliances, notices, memberships, settlement_rows = [], [], [], []
    for n, (members, group) in enumerate(planned, start=1):
        agreed_on = group[0].agreed_on
        served_on = agreed_on - timedelta(days=rng.randint(200, 700))
        alliance = models.Alliance(
            name=f"{ALLIANCE_MARK} {n:05d}",
            starts_on=add_months(served_on, -12 * rng.randint(3, 12)),
            ends_on=served_on + timedelta(days=180),
            value=pounds(rng.randrange(1_000_000_00, 400_000_000_00)),
            value_currency=GBP,
        )
        notice = models.TerminationNotice(
            alliance=alliance,
            served_by_id=group[0].payer,
            served_on=served_on,
            effective_on=alliance.ends_on,
            status=models.TerminationNotice.Status.SETTLED,
        )
        alliances.append(alliance)
        notices.append(notice)
        memberships.extend((alliance, force) for force in members)
        settlement_rows.extend((alliance, notice, s) for s in group)
    models.Alliance.objects.bulk_create(alliances, batch_size=BATCH)
    for notice in notices:
        notice.alliance_id = notice.alliance.pk
    models.TerminationNotice.objects.bulk_create(notices, batch_size=BATCH)
    through = models.Alliance.members.through
    through.objects.bulk_create([through(alliance_id=a.pk, force_id=f) for a, f in memberships], batch_size=BATCH)
    return settlement_rows
