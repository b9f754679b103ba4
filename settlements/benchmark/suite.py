"""What `bench` measures at one size: build the data, then every page, then the dashboard under load."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.test import Client

from settlements.dates import uk
from settlements.fiscal import FinancialYear
from settlements.models import Force, Settlement

from . import build, exactness, load, measure
from .measure import Page
from .plan import AS_OF, PAST

BENCH_USERNAME = "bench"


def pages(payer: Force, largest: Settlement) -> list[Page]:
    """The dashboard and reports of the product, then admin lists that exist today, as a check of the harness."""
    as_of = {"as_of": AS_OF.isoformat()}
    # The due report leaves paid instalments out unless asked: the exports read every row.
    every_row = {**as_of, "include_paid": "on"}
    fy = str(FinancialYear.for_date(AS_OF))
    year_end = str(FinancialYear.for_date(AS_OF).previous())
    return [
        Page("Dashboard", "dashboard", as_of, under_load=True),
        Page(f"Dashboard as at {uk(PAST)}", "dashboard", {"as_of": PAST.isoformat()}),
        Page("Dashboard, one force", "dashboard", {**as_of, "force": payer.short_name}),
        Page("Settlement page, the largest", "settlement", as_of, args=(largest.pk,)),
        Page("Due report, first page", "instalments_due", as_of),
        Page("Due report, first page, paid included", "instalments_due", every_row),
        Page(f"Due report, fy {fy}", "instalments_due", {**as_of, "fy": fy}),
        Page("Due report, one payer", "instalments_due", {**as_of, "payer": payer.short_name}),
        Page(f"Year-end report {year_end}", "year_end", {"fy": year_end}),
        Page("CSV export, every row", "instalments_due", every_row, export="csv"),
        Page("XLSX export, every row", "instalments_due", every_row, export="xlsx"),
        Page("Admin instalments", "admin:settlements_instalment_changelist", extra=True, under_load=True),
        Page(f"Admin instalments, fy {fy}", "admin:settlements_instalment_changelist", {"fy": fy}, extra=True),
        Page(
            "Admin instalments, one payer",
            "admin:settlements_instalment_changelist",
            {"settlement__payer__id__exact": payer.pk},
            extra=True,
        ),
    ]


def largest_settlement() -> Settlement:
    """The settlement with the most instalments: its page is the costliest."""
    return Settlement.objects.annotate(rows=Count("instalments")).order_by("-rows", "pk").first()


def bench_user():
    """The superuser whose session the measurements use; it has no password, so nobody signs in as it."""
    user, created = get_user_model().objects.get_or_create(
        username=BENCH_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


def run_size(size: int, *, seed: int, repeat: int, with_load: bool, log=print) -> dict:
    """Build `size` instalments and measure every page; the figures as a dict ready for JSON."""
    built = build.build(size, seed)
    log(f"Built {size:,} instalments in {built.seconds:.1f} s: {built.counts}")
    if not settings.DEBUG:
        load.collect_static()
    user = bench_user()
    # A page that fails is reported as a row (and fails the command) instead of stopping the other measurements.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    payer = Force.objects.get(short_name="Bench 01")
    largest = largest_settlement()
    results, csv_rows = [], None
    for page in pages(payer, largest):
        result = measure.measure(client, page, repeat, csv_rows)
        csv_rows = result.rows if page.export == "csv" else csv_rows
        log(f"  {page.label}: {result.note or f'p50 {result.p50_ms:.1f} ms'}")
        results.append(result)
    client.logout()
    loads = []
    if with_load:
        for page, result in zip(pages(payer, largest), results, strict=True):
            if page.under_load and result.available:
                loads.append(load.run(page.label, result.url, user))
                log(f"  {page.label} under load: {loads[-1]}")
    return {
        "size": size,
        "seed": seed,
        "as_of": AS_OF.isoformat(),
        "build_seconds": round(built.seconds, 2),
        "counts": built.counts,
        "other_data": build.has_other_data(),
        "pages": [result.as_dict() for result in results],
        "inexact": [found for day in (AS_OF, PAST) for found in exactness.differences(day)],
        "load": loads,
    }
