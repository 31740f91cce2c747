"""The graphs that queries run on: the release in ``dist/``, or the sources if it is stale.

Loading the built N-Quads takes a fraction of a second; reasoning does not. So the release is read
when it is newer than every source, and otherwise built in memory from the sources (as ``build``
would, without writing anything). A saved query's ``Graph:`` header chooses which named graphs make
its default graph (:data:`bytedance_kg.project.graphs.QUERY_GRAPHS`). Two engines read them: an embedded
pyoxigraph store (fast; what the command line and the server use) and rdflib (the reference the
expected results are recorded with; see :mod:`bytedance_kg.sparql.expected` for why).
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from rdflib import Graph

from bytedance_kg.pipeline.engines import DEFAULT_ENGINE, engine
from bytedance_kg.pipeline.sources import Sources
from bytedance_kg.project.graphs import QUERY_GRAPHS
from bytedance_kg.project.namespaces import new_graph
from bytedance_kg.project.paths import ProjectPaths
from bytedance_kg.project.releasefiles import FULL
from bytedance_kg.rdf.terms import from_ox

Progress = Callable[[str], None]


def _sources_mtime(paths: ProjectPaths) -> float:
    files = [*paths.canonical_files(), *paths.sources_dir.glob("*")]
    return max(f.stat().st_mtime for f in files if f.exists())


def release_quads(
    paths: ProjectPaths, progress: Progress = lambda _: None, engine_name: str = DEFAULT_ENGINE
) -> list[ox.Quad]:
    """Every named graph of the release: from ``dist/`` if it is fresh, else from the sources,
    reasoned by the engine ``build`` uses (named ``engine_name``; see
    :mod:`bytedance_kg.pipeline.engines`)."""
    path = paths.dist / f"{FULL}.nq"
    if path.exists() and path.stat().st_mtime >= _sources_mtime(paths):
        return list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    progress("dist/ is missing or older than the sources; reading the sources ...")
    sources = Sources.load(paths)
    inferred = engine(engine_name).reason(sources.terminology(), sources.stated).inferred
    graphs = sources.release_graphs(inferred)
    return [q for name, quads in graphs.items() if name != "shapes" for q in quads]


def _triples(paths: ProjectPaths, mode: str, progress: Progress) -> list[ox.Triple]:
    wanted = {ox.NamedNode(g) for g in QUERY_GRAPHS[mode]}
    return [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in release_quads(paths, progress)
        if q.graph_name in wanted
    ]


def load_store(paths: ProjectPaths, mode: str, progress: Progress = lambda _: None) -> ox.Store:
    """An in-memory pyoxigraph store whose default graph is the query graph ``mode`` (asserted, full, all)."""
    store = ox.Store()
    store.bulk_extend(
        ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in _triples(paths, mode, progress)
    )
    return store


def load_graph(paths: ProjectPaths, mode: str, progress: Progress = lambda _: None) -> Graph:
    """The same graph in rdflib."""
    graph = new_graph()
    for t in _triples(paths, mode, progress):
        graph.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
    return graph
