"""Time pages through Django's test client: wall time, queries, time in SQL, and for exports rows/s and memory."""

import math
import statistics
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse


@dataclass
class Page:
    label: str
    url_name: str
    params: dict = field(default_factory=dict)
    export: str = ""
    extra: bool = False
    under_load: bool = False
    args: tuple = ()


@dataclass
class Result:
    label: str
    url: str
    available: bool
    note: str = ""
    p50_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    queries_varied: bool = False
    sql_share: float | None = None
    rows: int | None = None
    rows_per_s: float | None = None
    peak_mb: float | None = None
    extra: bool = False
    failed: bool = False
    streamed: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


class SqlTimer:
    """A connection.execute_wrapper that counts queries and adds up the time spent executing them."""

    def __init__(self):
        self.seconds, self.count = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value at or above `share` of the sorted values."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def fetch(client: Client, url: str) -> tuple[int, int, str, bool]:
    """(status, lines, redirect target, streamed), reading a streamed body chunk by chunk without keeping it."""
    response = client.get(url)
    if response.streaming:
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    else:
        lines = response.content.count(b"\n")
    return response.status_code, lines, response.get("Location", ""), response.streaming


def resolve(page: Page) -> str | None:
    try:
        path = reverse(page.url_name, args=page.args)
    except NoReverseMatch:
        return None
    query = urlencode({**page.params, **({"format": page.export} if page.export else {})})
    return f"{path}?{query}" if query else path


def measure(client: Client, page: Page, repeat: int, csv_rows: int | None = None) -> Result:
    """Measure one page: a first request counts queries, `repeat` timed requests, one traced for memory."""
    url = resolve(page)
    if url is None:
        return Result(page.label, "", False, f"not available: no URL named {page.url_name!r}", extra=page.extra)
    # Each request empties the query log as it starts, so the capture must start from an empty log too.
    reset_queries()
    with CaptureQueriesContext(connection) as first:
        status, lines, location, streamed = fetch(client, url)
    queries = len(first.captured_queries)  # read now: the next request empties the log it reads from
    if status != 200:
        note = f"not available: HTTP {status}" + (f" to {location}" if location else "")
        return Result(page.label, url, False, note, extra=page.extra, failed=status >= 500)
    walls, timer, counts = [], SqlTimer(), set()
    with connection.execute_wrapper(timer):
        for _ in range(repeat):
            before = timer.count
            started = time.perf_counter()
            fetch(client, url)
            walls.append(time.perf_counter() - started)
            counts.add(timer.count - before)
    result = Result(
        page.label,
        url,
        True,
        p50_ms=statistics.median(walls) * 1000,
        p95_ms=percentile(walls, 0.95) * 1000,
        queries=queries,
        queries_varied=counts != {queries},
        sql_share=timer.seconds / sum(walls),
        extra=page.extra,
        streamed=streamed,
    )
    if page.export:
        result.rows = max(lines - 1, 0) if page.export == "csv" else csv_rows
        result.rows_per_s = result.rows / statistics.median(walls) if result.rows is not None else None
        result.peak_mb = peak_growth(client, url) / 2**20
    return result


def peak_growth(client: Client, url: str) -> int:
    """Bytes of peak memory growth during one request, as tracemalloc sees it."""
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fetch(client, url)
        return tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
