"""The graphs that queries run on: the release in ``dist/``, or the sources if it is stale.

Loading the built N-Quads takes a fraction of a second; reasoning does not. So the release is read
when it is newer than every source, and otherwise built in memory from the sources (as ``build``
would, without writing anything). A saved query's ``Graph:`` header chooses which named graphs make
its default graph (:data:`bytedance_kg.project.graphs.QUERY_GRAPHS`). Two engines read them: an
embedded pyoxigraph store (fast; what the command line and the server use) and rdflib (the reference the
expected results are recorded with; see :mod:`bytedance_kg.sparql.expected` for why).

A query that declares no graph runs on the endpoint's default graph (:data:`ENDPOINT_GRAPH`), and
the command line's store holds the release's named graphs as ``/sparql``'s does
(:func:`dataset_store`), so the same text gives the same answer on both, ``FROM`` and ``GRAPH``
included.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyoxigraph as ox
from rdflib import Graph

from bytedance_kg.pipeline.engines import DEFAULT_ENGINE, engine
from bytedance_kg.pipeline.sources import Sources, query_store
from bytedance_kg.project.graphs import GRAPH, QUERY_GRAPHS, VOID_GRAPH
from bytedance_kg.project.namespaces import new_graph
from bytedance_kg.project.paths import ProjectPaths
from bytedance_kg.project.releasefiles import FULL
from bytedance_kg.query.served import release_store
from bytedance_kg.rdf.terms import from_ox
from bytedance_kg.rdf.triples import Triples, named_graph_store
from bytedance_kg.sparql.catalogue import GRAPHS, SavedQuery

Progress = Callable[[str], None]

ENDPOINT_GRAPH = "full"
"""The query graph that is the endpoint's default graph (:data:`FULL_GRAPHS`): the reasoned release."""
GRAPH_CONTENTS = {
    "asserted": "what the data states, without reasoning (ontology + data)",
    "full": "the reasoned release, /sparql's default graph (ontology, vocabularies, data, inferences)",
    "all": "what the article states and what it only implies, without reasoning (ontology, data, implied)",
}
"""What each query graph (``--graph``, a saved query's ``Graph:``) holds, in a person's words."""
_DECLARED = re.compile(r"^# Graph:", re.MULTILINE)


def graph_of(query: SavedQuery, chosen: str | None = None) -> tuple[str, str]:
    """The query graph ``query`` runs on, and why: the one ``chosen`` on the command line, else the
    one its header declares (every saved query declares one), else the endpoint's."""
    if chosen is not None:
        return chosen, "chosen on the command line"
    if _DECLARED.search(query.text):
        return query.graph, "the query's Graph: header"
    return ENDPOINT_GRAPH, "the default for a query that declares none, as on /sparql"


def empty_answer_hint(mode: str, why: str) -> str:
    """What to say when a query found nothing on the graph ``mode``: which graph that was and why,
    and the others, which hold what it does not (reasoned types, implied facts)."""
    others = " or ".join(f"--graph {g}" for g in GRAPHS if g != mode)
    return f"no answers from the '{mode}' graph ({why}): {GRAPH_CONTENTS[mode]}; try {others}"


def _sources_mtime(paths: ProjectPaths) -> float:
    files = [*paths.canonical_files(), *paths.sources_dir.glob("*")]
    return max(f.stat().st_mtime for f in files if f.exists())


def _fresh(paths: ProjectPaths) -> bool:
    """Whether ``dist/`` holds a release newer than every source."""
    path = paths.dist / f"{FULL}.nq"
    return path.exists() and path.stat().st_mtime >= _sources_mtime(paths)


def _from_sources(paths: ProjectPaths, progress: Progress, engine_name: str) -> dict[str, Triples]:
    progress("dist/ is missing or older than the sources; reading the sources ...")
    sources = Sources.load(paths)
    inferred = engine(engine_name).reason(sources.terminology(), sources.triples("stated")).inferred
    return dict(sources.release_graphs(inferred))


def release_graphs(
    paths: ProjectPaths, progress: Progress = lambda _: None, engine_name: str = DEFAULT_ENGINE
) -> dict[str, Triples]:
    """Every named graph of the release but the shapes, by name (:data:`GRAPH`): from ``dist/`` if
    it is fresh, else from the sources, reasoned by the engine ``build`` uses (named
    ``engine_name``; see :mod:`bytedance_kg.pipeline.engines`)."""
    if _fresh(paths):
        graphs = graphs_of_nquads((paths.dist / f"{FULL}.nq").read_bytes())
    else:
        graphs = _from_sources(paths, progress, engine_name)
    graphs.pop("shapes", None)
    return graphs


def dataset_store(paths: ProjectPaths, progress: Progress = lambda _: None) -> ox.Store:
    """The dataset the command line queries, with a query graph's named graphs as its default graph
    (:func:`default_graphs`): the served one (:func:`release_store`) when ``dist/`` is fresh, else
    the same named graphs built from the sources (all but VoID, which only a release has)."""
    if _fresh(paths):
        return release_store(paths.dist)
    graphs = _from_sources(paths, progress, DEFAULT_ENGINE)
    progress(f"the VoID graph <{VOID_GRAPH}> is in a release only: `bytedance-kg build` writes one")
    return named_graph_store({str(GRAPH[name]): g for name, g in graphs.items()})


def default_graphs(mode: str) -> list[str]:
    """The named graphs a query graph (``asserted``, ``full``, ``all``) merges into the default graph."""
    return QUERY_GRAPHS[mode]


def graphs_of_nquads(data: bytes) -> dict[str, Triples]:
    """The release's named graphs (:data:`GRAPH`) from its N-Quads file, as pyoxigraph wrote it (one
    quad a line, every quad in a named graph): each line's graph is its last term, so the lines are
    sorted into graphs and become N-Triples lines without being parsed into Python objects."""
    names = {f"<{iri}>".encode(): name for name, iri in GRAPH.items()}
    lines: dict[str, list[bytes]] = {name: [] for name in GRAPH}
    for line in data.splitlines(keepends=True):
        start = line.rindex(b" <", 0, len(line) - 3)
        lines[names[line[start + 1 : -3]]].append(line[:start] + b" .\n")
    return {name: Triples.of_lines(graph) for name, graph in lines.items()}


def load_store(paths: ProjectPaths, mode: str, progress: Progress = lambda _: None) -> ox.Store:
    """An in-memory pyoxigraph store whose default graph is the query graph ``mode`` (asserted, full, all)."""
    return query_store(release_graphs(paths, progress), mode)


def load_graph(paths: ProjectPaths, mode: str, progress: Progress = lambda _: None) -> Graph:
    """The same graph in rdflib."""
    graph = new_graph()
    for quad in load_store(paths, mode, progress):
        graph.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    return graph
