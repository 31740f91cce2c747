"""The graphs that queries run on: the release in ``dist/``, or the sources if it is stale.

Loading the built Turtle takes a fraction of a second; reasoning does not. So the release file is
read when it is newer than every source, and otherwise the graph is built in memory from the
sources (as ``build`` would, without writing anything). Two engines read it: an embedded
pyoxigraph store (fast; what the command line and the server use) and rdflib (the reference the
expected results are recorded with; see :mod:`bytedance_kg.expected` for why).
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from rdflib import Graph

from bytedance_kg.build import ASSERTED_FILE, FULL_FILE
from bytedance_kg.canonical import canonical_turtle
from bytedance_kg.dataset import Sources
from bytedance_kg.namespaces import new_graph
from bytedance_kg.paths import ProjectPaths
from bytedance_kg.reasoning import closure


def _sources_mtime(paths: ProjectPaths) -> float:
    files = [*paths.canonical_files(), *paths.sources_dir.glob("*")]
    return max(f.stat().st_mtime for f in files if f.exists())


def release_turtle(paths: ProjectPaths, reasoned: bool, progress: Callable[[str], None] = lambda _: None) -> bytes:
    """The Turtle of the asserted (or, if ``reasoned``, the full) graph, from ``dist/`` if fresh."""
    path = paths.dist / (FULL_FILE if reasoned else ASSERTED_FILE)
    if path.exists() and path.stat().st_mtime >= _sources_mtime(paths):
        return path.read_bytes()
    progress("dist/ is missing or older than the sources; reading the sources ...")
    sources = Sources.load(paths)
    graph = closure(sources.reasoning_input()).full if reasoned else sources.asserted()
    return canonical_turtle(graph).encode("utf-8")


def load_store(paths: ProjectPaths, reasoned: bool, progress: Callable[[str], None] = lambda _: None) -> ox.Store:
    """An in-memory pyoxigraph store of the asserted graph, or the reasoned one when ``reasoned``."""
    store = ox.Store()
    store.bulk_load(release_turtle(paths, reasoned, progress), format=ox.RdfFormat.TURTLE)
    return store


def load_graph(paths: ProjectPaths, reasoned: bool, progress: Callable[[str], None] = lambda _: None) -> Graph:
    """The same graph in rdflib."""
    graph = new_graph()
    graph.parse(data=release_turtle(paths, reasoned, progress).decode("utf-8"), format="turtle")
    return graph
