"""Build benchmark data and measure what the pages cost on it: `manage.py bench --sizes 1000,10000,100000`."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings

from settlements.benchmark import explain, proposals, report, suite


def sizes(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise CommandError(f"--sizes takes whole numbers separated by commas, not {text!r}") from error
    if not values or min(values) < 1:
        raise CommandError("--sizes needs at least one size of 1 or more")
    return values


class Command(BaseCommand):
    help = "Replace the bench rows with deterministic data at each size and measure the pages, exports and load."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", type=sizes, default=[1_000, 10_000, 100_000], help="Instalments per run.")
        parser.add_argument("--size", type=int, help="One size instead of --sizes.")
        parser.add_argument("--repeat", type=int, default=20, help="Timed requests per page (default 20).")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the data builder.")
        parser.add_argument("--json", type=Path, help="Also write the figures as JSON to this file.")
        parser.add_argument("--no-load", action="store_true", help="Skip the concurrent load through gunicorn.")
        parser.add_argument("--explain", action="store_true", help="Print EXPLAIN of the main report queries.")
        parser.add_argument("--keep", action="store_true", help="Leave the last size's rows and the bench user.")

    def handle(self, *args, **options):
        run_sizes = [options["size"]] if options["size"] else options["sizes"]
        if options["repeat"] < 1:
            raise CommandError("--repeat must be 1 or more")
        figures = {"machine": report.machine(), "runs": []}
        # The test client calls itself "testserver"; the bench adds that name without changing the rest.
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            for size in run_sizes:
                figures["runs"].append(
                    suite.run_size(
                        size,
                        seed=options["seed"],
                        repeat=options["repeat"],
                        with_load=not options["no_load"],
                        log=self.stderr.write,
                    )
                )
                if options["explain"]:
                    self.stdout.write(f"EXPLAIN at {size:,} instalments\n\n")
                    self.stdout.write(explain.plans({**explain.report_queries(), **proposals.proposal_queries()}))
            if not options["keep"]:
                suite.build.clear()
                suite.bench_user().delete()
        self.stdout.write(report.markdown(figures))
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(figures, indent=2) + "\n")
        inexact = [found for run in figures["runs"] for found in run["inexact"]]
        if inexact:
            raise CommandError("The dashboard's figures differ from the payments: " + "; ".join(inexact))
        failed = {p["label"] for run in figures["runs"] for p in run["pages"] if p["failed"]}
        if failed:
            raise CommandError(f"These pages answered with a server error: {', '.join(sorted(failed))}")
