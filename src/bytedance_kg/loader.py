"""``bytedance-kg load``: upload the release into any SPARQL 1.1 Graph Store.

Each named graph the project owns (ontology, vendored vocabularies, shapes, data, inferences, and
the VoID description) is replaced with an HTTP PUT, so a re-run converges to the same content
and graphs the project does not own are never touched. Afterwards every graph is read back and
its triples counted against the release.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from bytedance_kg.dataset import GRAPH, VOID_GRAPH
from bytedance_kg.errors import InputError
from bytedance_kg.release import ASSERTED, FULL, VOID_FILE
from bytedance_kg.remote import Endpoint, RemoteError, count_graph, put_graph


@dataclass
class LoadResult:
    counts: dict[str, int]


def release_graphs(dist: Path) -> dict[str, bytes]:
    """The release as N-Triples per named graph: the full dataset's graphs and the VoID graph."""
    nquads = dist / f"{FULL}.nq"
    if not nquads.exists():
        raise InputError(nquads, "no release to load; run `bytedance-kg build` first")
    lines: dict[str, list[str]] = defaultdict(list)
    for quad in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS):
        lines[quad.graph_name.value].append(f"{ox.Triple(quad.subject, quad.predicate, quad.object)} .\n")
    for triple in ox.parse(path=str(dist / VOID_FILE), format=ox.RdfFormat.TURTLE):
        lines[VOID_GRAPH].append(f"{triple} .\n")
    return {graph: "".join(sorted(body)).encode("utf-8") for graph, body in sorted(lines.items())}


def merged_graph(dist: Path, variant: str) -> bytes:
    """One variant of the release as a single graph: its sorted N-Triples file."""
    path = dist / f"{ASSERTED if variant == 'asserted' else FULL}.nt"
    if not path.exists():
        raise InputError(path, "no release to load; run `bytedance-kg build` first")
    return path.read_bytes()


def load(store: Endpoint, dist: Path, single_graph: str | None = None, variant: str = "full",
         progress: Callable[[str], None] = lambda _: None) -> LoadResult:
    """Upload every named graph of the release, or one ``variant`` (asserted or full) into
    ``single_graph``; then read each graph back and check its count."""
    graphs = {single_graph: merged_graph(dist, variant)} if single_graph else release_graphs(dist)
    for graph, body in graphs.items():
        triples = body.count(b"\n")
        progress(f"PUT {graph} ({triples} triples)")
        put_graph(store, graph, body)
    counts = {}
    for graph, body in graphs.items():
        # the store's N-Triples of the same graph may escape differently, but not four times longer
        expected, actual = body.count(b"\n"), count_graph(store, graph, limit=4 * len(body) + 1024 * 1024)
        if actual != expected:
            raise RemoteError(f"after loading, the store holds {actual} triples in <{graph}>, expected {expected}")
        counts[graph] = actual
    return LoadResult(counts)


OWNED_GRAPHS = [str(GRAPH[name]) for name in ("ontology", "imports", "shapes", "data", "inferred", "implied")] + [VOID_GRAPH]
