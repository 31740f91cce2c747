"""A bounded load test of a running server: N clients for T seconds, mixing saved queries, pages
and downloads, against one base URL (127.0.0.1 in our runs). It reports errors, latency
percentiles, throughput and the growth of the server's resident memory.

A benchmark, not a unit test: it prints its figures; ``make bench`` runs it for 60 seconds with 16
clients. The request loop is bounded in count and in time, and stops by itself.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bytedance_kg.catalogue import SavedQuery
from bytedance_kg.dataset import ASSERTED_GRAPHS, FULL_GRAPHS
from bytedance_kg.expected import example_text

MAX_REQUESTS_PER_CLIENT = 100_000


@dataclass
class Report:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rss_before: int | None = None
    rss_after: int | None = None

    def render(self) -> str:
        count = len(self.latencies)
        ordered = sorted(self.latencies) or [0.0]
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        lines = [
            f"requests      {count}",
            f"errors        {len(self.errors)}",
            f"throughput    {count / self.seconds:.1f} requests/s" if self.seconds else "throughput    -",
            f"latency p50   {statistics.median(ordered) * 1000:.1f} ms",
            f"latency p99   {p99 * 1000:.1f} ms",
        ]
        if self.rss_before is not None and self.rss_after is not None:
            lines.append(f"server RSS (with its workers)    {self.rss_before / 2**20:.1f} MiB -> {self.rss_after / 2**20:.1f} MiB "
                         f"({(self.rss_after - self.rss_before) / 2**20:+.1f} MiB)")
        lines += [f"  error: {e}" for e in self.errors[:10]]
        return "\n".join(lines) + "\n"


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found += [int(child) for child in text.split()]
    return found


def rss_of(pid: int | None) -> int | None:
    """Resident set size of a process and all its descendants (the query workers), from /proc."""
    if pid is None:
        return None
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            pending += _children(current)
        except OSError:
            continue  # the process ended meanwhile
        total += next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total


def requests_mix(queries: list[SavedQuery], downloads: list[str]) -> list[tuple[str, str, dict]]:
    """The mix each client cycles through: every saved query, a few pages, a few downloads."""
    mix = []
    for query in queries:
        graphs = FULL_GRAPHS if query.graph == "full" else ASSERTED_GRAPHS
        accept = "text/turtle" if query.is_graph else "application/sparql-results+json"
        mix.append(("POST", "/sparql", {"data": {"query": example_text(query), "default-graph-uri": graphs},
                                        "headers": {"Accept": accept}}))
    for path in ("/", "/doc/person/liang-rubo.html", "/doc/unit/flow.ttl", "/charts/timeline.svg"):
        mix.append(("GET", path, {}))
    for name in downloads:
        mix.append(("GET", f"/dist/{name}", {}))
    return mix


def run(base: str, queries: list[SavedQuery], downloads: list[str], clients: int, seconds: float,
        pid: int | None = None) -> Report:
    report = Report(rss_before=rss_of(pid))
    mix = requests_mix(queries, downloads)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as session:
            for i in range(MAX_REQUESTS_PER_CLIENT):
                if time.monotonic() >= deadline:
                    return
                method, path, options = mix[(offset + i) % len(mix)]
                started = time.monotonic()
                try:
                    response = session.request(method, path, **options)
                    ok = response.status_code == 200
                    problem = f"{method} {path}: HTTP {response.status_code}"
                except httpx.HTTPError as error:
                    ok, problem = False, f"{method} {path}: {error}"
                elapsed = time.monotonic() - started
                with lock:
                    report.latencies.append(elapsed)
                    if not ok:
                        report.errors.append(problem)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i * 7,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.seconds = time.monotonic() - started
    report.rss_after = rss_of(pid)
    return report
