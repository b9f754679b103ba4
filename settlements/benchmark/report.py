"""The benchmark's figures as a Markdown table and as JSON, with the machine they were measured on."""

import os
import platform
import sqlite3
from datetime import UTC, datetime

import django
from django.conf import settings
from django.db import connection

COLUMNS = ["page", "p50 ms", "p95 ms", "queries", "SQL share", "rows", "rows/s", "peak MB"]


def database_version() -> str:
    if connection.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        return cursor.fetchone()[0]


def machine() -> dict:
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database_vendor": connection.vendor,
        "database_version": database_version(),
        "debug": settings.DEBUG,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def number(value, digits=1) -> str:
    if value is None:
        return ""
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def page_row(page: dict) -> list[str]:
    if not page["available"]:
        return [page["label"], page["note"], "", "", "", "", "", ""]
    queries = f"{page['queries']}" + (" (varies)" if page["queries_varied"] else "")
    return [
        page["label"] + (" *" if page["extra"] else ""),
        number(page["p50_ms"]),
        number(page["p95_ms"]),
        queries,
        # Rows fetched from a server-side cursor while streaming are not timed: the share is a lower bound.
        ("≥" if page.get("streamed") else "") + f"{page['sql_share']:.0%}",
        number(page["rows"]),
        number(page["rows_per_s"], 0),
        number(page["peak_mb"]),
    ]


def table(rows: list[list[str]], columns: list[str]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(" --- " for _ in columns) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def markdown(figures: dict) -> str:
    """Every size's table, the load figures, and the machine, as Markdown."""
    m = figures["machine"]
    lines = [
        f"Measured {m['date']} on {m['cpu_count']} CPUs, Python {m['python']}, Django {m['django']}, "
        f"{m['database_version'].split(' on ')[0]}, DEBUG={m['debug']}.",
    ]
    for run in figures["runs"]:
        lines += ["", f"### {run['size']:,} instalments (as of {run['as_of']}, seed {run['seed']})", ""]
        lines += [f"Built in {run['build_seconds']} s: " + ", ".join(f"{k} {v:,}" for k, v in run["counts"].items())]
        if run["other_data"]:
            lines.append("The database also holds rows the benchmark did not build; the pages include them.")
        lines += ["", *table([page_row(p) for p in run["pages"]], COLUMNS)]
        lines.append("")
        lines.append("\\* admin list, measured to check the harness; XLSX rows are the CSV's row count.")
        if run["load"]:
            columns = ["page under load", "clients", "requests", "errors", "requests/s", "p50 ms", "p95 ms"]
            keys = ["clients", "requests", "errors", "requests_per_s", "p50_ms", "p95_ms"]
            rows = [
                [load["label"], load["note"], "", "", "", "", ""]
                if "note" in load
                else [load["label"], *[number(load[k]) for k in keys]]
                for load in run["load"]
            ]
            lines += ["", *table(rows, columns)]
    return "\n".join(lines) + "\n"
