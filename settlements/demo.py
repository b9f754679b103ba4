"""Demo data: the West Mercia / Warwickshire case as publicly recorded, and one fictional example.

Every row is found by a natural key before it is made, so loading twice changes nothing.
Where the public record is silent (exact dates, the instalment split, payment references) the
values are illustrative and say so in their notes; unknown amounts stay empty.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from . import roles, services
from .models import (
    Alliance,
    Force,
    HostedService,
    Instalment,
    ScheduleRevision,
    Settlement,
    SettlementAdjustment,
    TerminationNotice,
)
from .money import gbp

ILLUSTRATIVE = "Illustrative: the exact date and amount were not published."
FICTIONAL = "Fictional example with dates relative to the day the demo was loaded."


def _get_or_make(model, lookup: dict, **values):
    """The row matching `lookup`, or a new one validated with full_clean() before it is saved."""
    existing = model.objects.filter(**lookup).first()
    if existing:
        return existing, False
    row = model(**lookup, **values)
    row.full_clean()
    row.save()
    return row, True


# Who entered and who approved the demo's records: four eyes, as on a real install. Neither can sign in.
DEMO_ENTERED_BY = "demo-records-editor"
DEMO_APPROVED_BY = "demo-records-approver"


def _record_keeper(username: str, role: str):
    user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_active": True})
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=role))
    return user


def _keepers():
    return _record_keeper(DEMO_ENTERED_BY, roles.FINANCE_EDITOR), _record_keeper(
        DEMO_APPROVED_BY, roles.FINANCE_APPROVER
    )


def _approve(settlement):
    """The second person's approval of a settlement entered by the first."""
    if settlement.is_draft():
        services.approve_settlement(settlement=Settlement.objects.get(pk=settlement.pk), approved_by=_keepers()[1])
    settlement.refresh_from_db()


def _force(short_name: str, name: str, area: str):
    force, _ = _get_or_make(
        Force,
        {"short_name": short_name},
        name=name,
        chief_officer=f"Chief Constable of {name}",
        policing_body=f"Police and Crime Commissioner for {area}",
    )
    return force


def _alliance(name: str, members, **values):
    alliance, created = _get_or_make(Alliance, {"name": name}, **values)
    if created:
        alliance.members.set(members)
    return alliance


def _schedule(settlement, rows):
    """Instalments (number, due_on, amount, funding source, notes), made once, then the adding-up check."""
    for number, due_on, amount, funding, notes in rows:
        _get_or_make(
            Instalment,
            {"settlement": settlement, "number": number, "superseded_by": None},
            due_on=due_on,
            amount=gbp(amount),
            funding_source=funding,
            notes=notes,
        )
    services.check_settlement_schedule(settlement)


def _revise_and_approve(settlement, **revision):
    """The settlement's revision, entered by one person and approved by another (maker-checker) at noon on its
    own date, so that it counts from that day."""
    saved = settlement.revisions.first()
    if saved is None:
        saved = services.revise_schedule(settlement=settlement, created_by=_keepers()[0], **revision)
    if not ScheduleRevision.objects.approved().filter(pk=saved.pk).exists():
        noon = datetime.combine(saved.revised_on, time(12), tzinfo=ZoneInfo("Europe/London"))
        services.approve_schedule_revision(revision=saved, approved_by=_keepers()[1], as_of=noon)


def _pay(settlement, number: int, reference: str, paid_on: date, amount: str):
    """A payment on the current instalment `number`, through the payment service (idempotent by reference)."""
    instalment = settlement.instalments.current().get(number=number)
    services.record_payment(
        instalment=instalment,
        amount=gbp(amount),
        paid_on=paid_on,
        reference=reference,
        recorded_by=_keepers()[0],
    )


def load_seed_case():
    """West Mercia's £10.5m full and final settlement with Warwickshire, agreed on 30 March 2020."""
    west_mercia = _force("West Mercia", "West Mercia Police", "West Mercia")
    warwickshire = _force("Warwickshire", "Warwickshire Police", "Warwickshire")
    alliance = _alliance(
        "West Mercia and Warwickshire Strategic Alliance",
        [west_mercia, warwickshire],
        starts_on=date(2012, 4, 1),
        value=gbp("300000000.00"),
        notes="The £300m strategic policing alliance in place since 2012. Start day illustrative: reported as 2012.",
    )
    notice, _ = _get_or_make(
        TerminationNotice,
        {"alliance": alliance, "served_by": west_mercia},
        served_on=date(2018, 10, 1),
        status=TerminationNotice.Status.SETTLED,
        notes=(
            "Notice reported as served in October 2018 (day illustrative). No mutual agreement was reached, so "
            "the Home Office brought in an independent team, which recommended reasonable termination costs and "
            "hosted services. Settled on 30 March 2020."
        ),
    )
    settlement, _ = _get_or_make(
        Settlement,
        {"alliance": alliance, "payer": west_mercia, "payee": warwickshire},
        termination_notice=notice,
        agreed_on=date(2020, 3, 30),
        cash_amount=gbp("10500000.00"),
        full_and_final=True,
        entered_by=_keepers()[0],
        funding_note="From reserves and efficiencies, in instalments over 2020/21 and 2021/22.",
        notes=(
            "Lower than the independent team's recommendation and significantly lower than Warwickshire's "
            "request; neither figure was published, so both are left empty. Reported as £10.5m, £10.7m and "
            "£10.77m: £10.5m cash plus a £270k write-off."
        ),
    )
    _get_or_make(
        SettlementAdjustment,
        {"settlement": settlement, "kind": SettlementAdjustment.Kind.WRITE_OFF},
        description="Write-off of Warwickshire's running-cost contribution",
        amount=gbp("270000.00"),
        entered_by=_keepers()[0],
    )
    funding = Instalment.FundingSource
    _schedule(
        settlement,
        [
            (1, date(2020, 4, 30), "6000000.00", funding.EARMARKED_RESERVE, ILLUSTRATIVE),
            (2, date(2021, 3, 31), "2250000.00", funding.RESERVES_AND_EFFICIENCIES, ILLUSTRATIVE),
            (3, date(2021, 7, 31), "2250000.00", funding.EFFICIENCY_SAVINGS, ILLUSTRATIVE),
        ],
    )
    _approve(settlement)
    _pay(settlement, 1, "WMP-WARKS-2020-001", date(2020, 4, 30), "6000000.00")
    _pay(settlement, 2, "WMP-WARKS-2021-002", date(2021, 3, 31), "2250000.00")
    _revise_and_approve(
        settlement,
        terms=services.ExplicitAmounts(lines=((date(2021, 8, 31), gbp("2250000.00")),)),
        revised_on=date(2021, 6, 1),
        reason=(
            "Payment period renegotiated, as reported: extended from 15 to 16 months, complete by autumn "
            "2021. The revision's date and the new due date are illustrative."
        ),
        decision_reference="Illustrative: variation agreed between the two forces",
        funding_source=funding.EFFICIENCY_SAVINGS,
    )
    _pay(settlement, 3, "WMP-WARKS-2021-003", date(2021, 8, 31), "2250000.00")
    for service in ["Transactional services", "Forensic services", "File storage"]:
        _hosted(alliance, west_mercia, warwickshire, service, "On a service-provider basis, at no cost to West Mercia.")
    _hosted(
        alliance,
        west_mercia,
        warwickshire,
        "IT services",
        "The forces keep collaborating on IT services; term not published, shown as 18 months (illustrative).",
    )
    return settlement


def _hosted(alliance, provider, recipient, service, notes, starts_on=date(2020, 4, 1), months=18):
    _get_or_make(
        HostedService,
        {"alliance": alliance, "service": service, "provider": provider, "recipient": recipient},
        starts_on=starts_on,
        months=months,
        charging_basis=HostedService.ChargingBasis.FULL_COST_RECOVERY,
        notes=notes,
    )


def load_fictional_example(today: date):
    """Two made-up forces whose schedule has paid, overdue and upcoming instalments around `today`."""
    north = _force("Northshire", "Northshire Constabulary (fictional)", "Northshire")
    south = _force("Southvale", "Southvale Police (fictional)", "Southvale")
    alliance = _alliance(
        "Northshire and Southvale Shared Services (fictional)",
        [north, south],
        starts_on=date(2015, 4, 1),
        value=gbp("48000000.00"),
        notes=FICTIONAL,
    )
    notice, _ = _get_or_make(
        TerminationNotice,
        {"alliance": alliance, "served_by": south},
        served_on=today - timedelta(days=400),
        effective_on=today - timedelta(days=220),
        status=TerminationNotice.Status.SETTLED,
        notes=FICTIONAL,
    )
    settlement, created = _get_or_make(
        Settlement,
        {"alliance": alliance, "payer": south, "payee": north},
        termination_notice=notice,
        agreed_on=today - timedelta(days=200),
        cash_amount=gbp("1234567.89"),
        full_and_final=True,
        entered_by=_keepers()[0],
        funding_note="From the transformation reserve.",
        notes=FICTIONAL,
    )
    if created:
        funding = Instalment.FundingSource
        services.confirm_schedule(
            settlement=settlement,
            terms=services.EvenSplit(count=4, every_months=3, first_due_on=today - timedelta(days=120)),
            funding_source=funding.EARMARKED_RESERVE,
            reserve_name="Transformation reserve",
            created_by=_keepers()[0],
        )
        _approve(settlement)
        _pay(settlement, 1, "SV-NS-0001", today - timedelta(days=118), "308641.98")
        _pay(settlement, 2, "SV-NS-0002", today - timedelta(days=25), "100000.00")
        _hosted(alliance, north, south, "Firearms licensing", FICTIONAL, today - timedelta(days=200), 7)
        _hosted(alliance, north, south, "Custody health care", FICTIONAL, today - timedelta(days=200), 24)
    return settlement


@transaction.atomic
def load_demo(today: date):
    """Load both examples in one transaction: all of it, or nothing."""
    return load_seed_case(), load_fictional_example(today)
