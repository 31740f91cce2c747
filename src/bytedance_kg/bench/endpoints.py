"""The endpoint benchmark: our server against a raw ``oxigraph serve-read-only`` and an rdflib-backed
endpoint (the ``rdflib-endpoint`` package), on the same data, on this machine, in one run. Ours runs
twice: as served (``ours``: a repeated query is answered from its recent answers,
:mod:`bytedance_kg.server.answers`) and with that cache off (``ours-uncached``: every query goes to
a worker), since the clients cycle through the same saved queries and would otherwise measure
the cache alone.

Each server holds the full (reasoned) release as its default graph: ours through its own store,
Oxigraph from ``bytedance-kg-full.nt`` loaded with ``oxigraph load``, rdflib-endpoint from the same
file parsed by rdflib. Every saved query is first sent to all of them and their answers compared (the
same number of rows or triples), so the figures are for the same work. Then 1 and 8 clients each
cycle through the saved queries for a fixed time, in rounds (see :func:`run`), each over one
keep-alive connection of a light client (:mod:`bytedance_kg.bench.client`), and throughput and
p50/p99 latency are printed. All servers bind to 127.0.0.1 and are stopped at the end.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bytedance_kg.bench.client import Session
from bytedance_kg.bench.loadtest import drive, milliseconds, percentiles
from bytedance_kg.project.paths import ProjectPaths
from bytedance_kg.rdf.formats import results_format, syntax
from bytedance_kg.sparql.catalogue import SavedQuery, load_catalogue
from bytedance_kg.sparql.expected import example_text

_RDFLIB_ENDPOINT = """
import sys
import uvicorn
from rdflib import Graph
from rdflib_endpoint import SparqlEndpoint
graph = Graph().parse(sys.argv[1], format="nt")
uvicorn.run(SparqlEndpoint(graph=graph, cors_enabled=False), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(command: list[str], url: str, log: Path, timeout: float = 120) -> Iterator[None]:
    """Start a server, wait until ``url`` answers, stop it afterwards."""
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited: {log.read_text(errors='replace')[-1000:]}")
            try:
                if (
                    httpx.post(
                        url,
                        data={"query": "ASK {}"},
                        headers={"Accept": results_format("json").media_type},
                        timeout=2,
                    ).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not answer at {url} within {timeout} s")
            time.sleep(0.2)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _oxigraph() -> Path:
    """The Oxigraph server the ``bench`` extra installs beside this Python."""
    return Path(sys.executable).with_name("oxigraph")


def missing_tools() -> list[str]:
    """What the comparison starts that a plain install lacks (the ``bench`` extra installs them),
    named, so that ``bench`` can say so before it builds anything rather than fail with a traceback
    once the build's part is done."""
    missing = [] if _oxigraph().is_file() else [f"the Oxigraph server ({_oxigraph()})"]
    if importlib.util.find_spec("rdflib_endpoint") is None:
        missing.append("the rdflib_endpoint package")
    return missing


@contextmanager
def servers(paths: ProjectPaths, folder: Path) -> Iterator[dict[str, str]]:
    """The endpoints over the release in ``paths.dist``, by name."""
    full = paths.dist / "bytedance-kg-full.nt"
    binary = _oxigraph()
    store = folder / "oxigraph-store"
    subprocess.run(
        [str(binary), "load", "--location", str(store), "--file", str(full)], check=True, capture_output=True
    )
    ports = {name: free_port() for name in ("ours", "ours-uncached", "oxigraph", "rdflib")}
    serve = [str(Path(sys.executable).with_name("bytedance-kg")), "--root", str(paths.root)]
    serve += ["--dist", str(paths.dist), "-q", "serve", "--host", "127.0.0.1", "--client-queries", "4"]
    # every benchmark client comes from 127.0.0.1: it may run as many queries as there are workers
    ours = [*serve, "--port", str(ports["ours"])]
    uncached = [*serve, "--port", str(ports["ours-uncached"]), "--answer-cache", "0"]
    raw = [
        str(binary),
        "serve-read-only",
        "--location",
        str(store),
        "--bind",
        f"127.0.0.1:{ports['oxigraph']}",
    ]
    rdflib = [sys.executable, "-c", _RDFLIB_ENDPOINT, str(full), str(ports["rdflib"])]
    urls = {
        "ours": f"http://127.0.0.1:{ports['ours']}/sparql",
        "ours-uncached": f"http://127.0.0.1:{ports['ours-uncached']}/sparql",
        "oxigraph": f"http://127.0.0.1:{ports['oxigraph']}/query",
        "rdflib": f"http://127.0.0.1:{ports['rdflib']}/",
    }
    with (
        running(ours, urls["ours"], folder / "ours.log"),
        running(uncached, urls["ours-uncached"], folder / "ours-uncached.log"),
        running(raw, urls["oxigraph"], folder / "oxigraph.log"),
        running(rdflib, urls["rdflib"], folder / "rdflib.log"),
    ):
        yield urls


def _request(query: SavedQuery) -> tuple[dict[str, str], dict[str, str]]:
    accept = syntax("ntriples").media_type if query.is_graph else results_format("json").media_type
    return {"query": example_text(query)}, {"Accept": accept}


def answer_size(client: httpx.Client, url: str, query: SavedQuery) -> int:
    """Rows (or triples) in one server's answer to a saved query."""
    data, headers = _request(query)
    response = client.post(url, data=data, headers=headers, timeout=120)
    response.raise_for_status()
    if query.is_graph:
        return sum(1 for line in response.text.splitlines() if line.strip() and not line.startswith("#"))
    document = json.loads(response.text)
    return 1 if "boolean" in document else len(document["results"]["bindings"])


@dataclass
class Load:
    """One load run: the latency of every answered request and the number that failed."""

    server: str
    clients: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def throughput(self) -> float:
        """Answered requests a second (a refused connection fails in microseconds: no throughput)."""
        return len(self.latencies) / self.seconds


def summary(loads: list[Load]) -> dict[str, object]:
    """One server at one client count over its rounds: the median of the rounds' throughputs (a
    round the shared machine slowed moves it less than it moves a mean), each round's, and the
    latency percentiles of all its answered requests."""
    latencies = [latency for one in loads for latency in one.latencies]
    p50, p99 = percentiles(latencies) or (None, None)
    return {  # unrounded: the targets are judged on these (bytedance_kg.bench.targets)
        "server": loads[0].server,
        "clients": loads[0].clients,
        "seconds": sum(one.seconds for one in loads),
        "requests": len(latencies) + sum(one.errors for one in loads),
        "errors": sum(one.errors for one in loads),
        "throughput": statistics.median(one.throughput for one in loads),
        "rounds": [one.throughput for one in loads],
        "p50_ms": p50,
        "p99_ms": p99,
    }


def load(url: str, server: str, queries: list[SavedQuery], clients: int, seconds: float) -> Load:
    """``clients`` threads cycling through the saved queries for ``seconds``."""
    requests = [_request(q) for q in queries]

    def request(session: Session, i: int) -> str | None:
        data, headers = requests[i % len(requests)]
        status = session.request("POST", form=data, headers=headers)
        return None if status == 200 else f"HTTP {status}"

    latencies, errors, took = drive(url, clients, seconds, request)
    return Load(server, clients, took, latencies, len(errors))


def run(
    paths: ProjectPaths,
    seconds: float,
    client_counts: tuple[int, ...] = (1, 8),
    progress: Callable[[str], None] = lambda _: None,
    rounds: int = 1,
) -> dict[str, object]:
    """Compare the answers, then measure each server at each client count, in ``rounds`` rounds:
    each round runs every server for ``seconds`` at each client count, starting one server further
    on than the round before. The machine is shared, and a run of one server after the other made a
    slow minute fall on one of them (a ratio of 0.60 at 1 client, where the run before, of the same
    server, gave 0.97); in rounds it falls on every server, and the median of a server's rounds leaves it
    out (as the build's benchmark does, :func:`bytedance_kg.bench.build.run`)."""
    queries = list(load_catalogue(paths.queries_dir).values())
    with tempfile.TemporaryDirectory() as tmp, servers(paths, Path(tmp)) as urls:
        with httpx.Client() as client:
            sizes = {name: [answer_size(client, url, q) for q in queries] for name, url in urls.items()}
        mismatched = [q.name for i, q in enumerate(queries) if len({sizes[n][i] for n in urls}) != 1]
        if mismatched:
            raise RuntimeError(f"the servers disagree on {', '.join(mismatched)}: {sizes}")
        names = list(urls)
        loads: dict[tuple[str, int], list[Load]] = {(n, c): [] for c in client_counts for n in names}
        for i in range(rounds):
            order = names[i % len(names) :] + names[: i % len(names)]
            for clients in client_counts:
                for name in order:
                    progress(f"endpoint {name}, {clients} client(s), {seconds:g} s, round {i + 1}")
                    loads[name, clients].append(load(urls[name], name, queries, clients, seconds))
    runs = [summary(loads[name, clients]) for clients in client_counts for name in names]
    return {"queries": len(queries), "cpus": os.cpu_count(), "rounds": rounds, "runs": runs}


def render(result: dict) -> str:
    runs = result["runs"]
    lines = [
        "| server | clients | requests | errors | throughput (req/s, median of rounds) | each round (req/s) "
        "| p50 (ms) | p99 (ms) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        each = ", ".join(f"{t:.1f}" for t in r.get("rounds", [r["throughput"]]))
        lines.append(
            f"| {r['server']} | {r['clients']} | {r['requests']} | {r['errors']} | {r['throughput']:.1f} | "
            f"{each} | {milliseconds(r['p50_ms'], '')} | {milliseconds(r['p99_ms'], '')} |"
        )
    lines.append("")
    by = {(r["server"], r["clients"]): r for r in runs}
    for clients in sorted({r["clients"] for r in runs}):
        for mine in ("ours", "ours-uncached"):
            ours = by.get((mine, clients))
            if not ours:
                continue
            for other in ("oxigraph", "rdflib"):
                if (other, clients) in by and by[(other, clients)]["throughput"]:
                    ratio = ours["throughput"] / by[(other, clients)]["throughput"]
                    lines.append(f"- {clients} client(s): {mine} / {other} = {ratio:.2f}")
    return "\n".join(lines) + "\n"
