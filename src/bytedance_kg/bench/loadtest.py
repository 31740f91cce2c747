"""A bounded load test of a running server: N clients for T seconds, mixing saved queries, pages
and downloads, against one base URL (127.0.0.1 in our runs). It reports errors, latency
percentiles, throughput and the growth of the server's resident memory.

A benchmark, not a unit test: it prints its figures; ``make bench`` runs it for 60 seconds with 12
clients. The request loop is bounded in count and in time, and stops by itself.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bytedance_kg.bench.client import FAILURES, Session
from bytedance_kg.project.graphs import QUERY_GRAPHS
from bytedance_kg.rdf.formats import results_format, syntax
from bytedance_kg.sparql.catalogue import SavedQuery
from bytedance_kg.sparql.expected import example_text

MAX_REQUESTS_PER_CLIENT = 100_000


@dataclass
class Report:
    """A run: the latency of each answered request, what went wrong with each failed one, the time
    it took, and the server's memory before and after."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rss_before: int | None = None
    rss_after: int | None = None
    url: str | None = None
    """The server measured, saved with the figures: a record says which server gave them."""

    def figures(self, clients: int, seconds: float) -> dict[str, Any]:
        """What the run measured, as ``bench-results.json`` keeps it and :func:`render` shows it
        (``seconds``: the run asked for, beside ``elapsed``, what it took; ``requests``: those
        answered and those that failed; the throughput and the latencies are of those answered: a
        refused connection fails in microseconds, a timed-out one after seconds, and neither says
        how fast the server answers)."""
        p50, p99 = percentiles(self.latencies) or (None, None)
        return {
            "clients": clients,
            "seconds": seconds,
            "elapsed": self.seconds,
            "requests": len(self.latencies) + len(self.errors),
            "errors": len(self.errors),
            "first_errors": self.errors[:10],
            "throughput": len(self.latencies) / self.seconds if self.seconds else None,
            "p50_ms": p50,
            "p99_ms": p99,
            "rss_before": self.rss_before,
            "rss_after": self.rss_after,
            **({} if self.url is None else {"url": self.url}),
        }

    def text(self, clients: int, seconds: float) -> str:
        """The figures as the command prints them."""
        figures = self.figures(clients, seconds)
        throughput = figures["throughput"]
        lines = [
            f"requests      {figures['requests']}",
            f"errors        {figures['errors']}",
            f"throughput    {throughput:.1f} answered requests/s"
            if throughput is not None
            else "throughput    -",
            f"latency p50   {milliseconds(figures['p50_ms'])}",
            f"latency p99   {milliseconds(figures['p99_ms'])}",
        ]
        if self.rss_before is not None and self.rss_after is not None:
            lines.append(f"server RSS (with its workers)    {_memory(figures, '->')}")
        lines += [f"  error: {e}" for e in self.errors[:10]]
        return "\n".join(lines) + "\n"


def percentiles(latencies: list[float]) -> tuple[float, float] | None:
    """The median and the 99th percentile (the nearest rank at or below it) of ``latencies``, in
    milliseconds; ``None`` when there are none, rather than a figure no request took."""
    if not latencies:
        return None
    ordered = sorted(latencies)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000


def milliseconds(value: float | None, unit: str = " ms") -> str:
    """A latency for a table: one decimal, or ``-`` for none."""
    return "-" if value is None else f"{value:.1f}{unit}"


def _memory(figures: dict[str, Any], arrow: str) -> str:
    before, after = figures["rss_before"], figures["rss_after"]
    if before is None or after is None:
        return "not measured"
    return f"{before / 2**20:.1f} MiB {arrow} {after / 2**20:.1f} MiB ({(after - before) / 2**20:+.1f} MiB)"


def render(figures: dict[str, Any]) -> str:
    """The figures (:meth:`Report.figures`) as the table ``BENCHMARKS.md`` shows."""
    throughput = figures["throughput"]
    return (
        "\n".join(
            [
                f"{figures['clients']} client{'' if figures['clients'] == 1 else 's'} "
                f"for {figures['seconds']:g} s"
                + (f" against {figures['url']}:" if "url" in figures else ":"),
                "",
                "| requests | errors | throughput (answered) | p50 | p99 | server RSS with its workers |",
                "|---|---|---|---|---|---|",
                f"| {figures['requests']:,} | {figures['errors']:,} | "
                f"{'-' if throughput is None else f'{throughput:.1f} requests/s'} | "
                f"{milliseconds(figures['p50_ms'])} | {milliseconds(figures['p99_ms'])} | "
                f"{_memory(figures, '→')} |",
            ]
        )
        + "\n"
    )


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found += [int(child) for child in text.split()]
    return found


def running(pid: int) -> bool:
    """Whether process ``pid`` runs (an exited one not yet waited for, a zombie, does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return not any(line.startswith("State:") and "Z" in line.split()[1:2] for line in status.splitlines())


def rss_of(pid: int | None) -> int | None:
    """Resident set size of a process and all its descendants (the query workers), from /proc;
    ``None`` if it no longer runs (a server that died is not a server that uses no memory)."""
    if pid is None or not running(pid):
        return None
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            pending += _children(current)
        except OSError:
            continue  # the process ended meanwhile
        total += next(
            (int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0
        )
    return total


def requests_mix(queries: list[SavedQuery], downloads: list[str]) -> list[tuple[str, str, dict]]:
    """The mix each client cycles through: every saved query, a few pages, a few downloads."""
    mix = []
    for query in queries:
        graphs = QUERY_GRAPHS[query.graph]
        accept = syntax("turtle").media_type if query.is_graph else results_format("json").media_type
        mix.append(
            (
                "POST",
                "/sparql",
                {
                    "form": {"query": example_text(query), "default-graph-uri": graphs},
                    "headers": {"Accept": accept},
                },
            )
        )
    for path in ("/", "/doc/person/liang-rubo.html", "/doc/unit/flow.ttl", "/charts/timeline.svg"):
        mix.append(("GET", path, {}))
    for name in downloads:
        mix.append(("GET", f"/dist/{name}", {}))
    return mix


Request = Callable[[Session, int], "str | None"]
"""Sends request number ``i`` of one client; returns None on success, else what went wrong."""

GRACE = 5.0
"""Seconds a request still running at the end of a run is given before it is cut (and counted as
failed): a server that answers a byte a second, or never, does not hold the run past its time."""


def _printable(text: str) -> str:
    """``text`` with what a terminal would act on (escapes, carriage returns: a server's bytes, in
    an error) written as Python escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def drive(
    base_url: str, clients: int, seconds: float, request: Request
) -> tuple[list[float], list[str], float]:
    """``clients`` threads sending requests for ``seconds`` (and at most ``MAX_REQUESTS_PER_CLIENT``
    each), each over its own connection (:mod:`bytedance_kg.bench.client`): the latency of every
    answered request, what went wrong with each failed one, and the time it all took. A failure of
    the connection or the server is a failed request; anything else a client raises (a fault of
    ``request``) stops no other client, and is raised once all have stopped, rather than ending one
    thread unseen and leaving figures of fewer clients than asked. The run ends at most
    :data:`GRACE` seconds after ``seconds``: a request still running then is cut and failed."""
    latencies: list[float] = []
    errors: list[str] = []
    faults: list[BaseException] = []
    lock = threading.Lock()
    # a URL it cannot use is refused here, once; no wait on the socket outlasts the run
    sessions = [Session(base_url, timeout=seconds + GRACE) for _ in range(clients)]
    deadline = time.monotonic() + seconds
    cut = threading.Event()

    def client(session: Session, offset: int) -> None:
        with session:
            for i in range(MAX_REQUESTS_PER_CLIENT):
                if cut.is_set() or time.monotonic() >= deadline:
                    return
                started = time.monotonic()
                try:
                    problem = request(session, offset + i)
                except FAILURES as error:
                    problem = str(error) or type(error).__name__
                except BaseException as fault:
                    faults.append(fault)
                    return
                elapsed = time.monotonic() - started
                if cut.is_set():
                    late = f"still running {GRACE:g} s after the end of the run: cut"
                    problem = late if problem is None else f"{problem} ({late})"
                with lock:
                    if problem is None:
                        latencies.append(elapsed)
                    else:
                        errors.append(_printable(problem))

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(s, i * 7)) for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join(max(0.0, deadline + GRACE - time.monotonic()))
    finally:  # at the run's end, or at once on Ctrl-C or SIGTERM: no client goes on sending
        cut.set()
        while any(thread.is_alive() for thread in threads):
            for session, thread in zip(sessions, threads, strict=True):
                if thread.is_alive():
                    session.abort()  # (again: one may have opened a new connection meanwhile)
            next((t for t in threads if t.is_alive()), threads[0]).join(0.05)
    if faults:
        raise faults[0]
    return latencies, errors, time.monotonic() - started


def run(
    base: str,
    queries: list[SavedQuery],
    downloads: list[str],
    clients: int,
    seconds: float,
    pid: int | None = None,
) -> Report:
    report = Report(rss_before=rss_of(pid), url=base)
    mix = requests_mix(queries, downloads)

    def request(session: Session, i: int) -> str | None:
        method, path, options = mix[i % len(mix)]
        try:
            status = session.request(method, path, **options)
        except FAILURES as error:
            return f"{method} {path}: {str(error) or type(error).__name__}"
        return None if status == 200 else f"{method} {path}: HTTP {status}"

    report.latencies, report.errors, report.seconds = drive(base, clients, seconds, request)
    report.rss_after = rss_of(pid)
    return report
