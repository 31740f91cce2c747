"""The embedded store that queries run on: the release in ``dist/``, or the sources if it is stale.

Loading the built Turtle into pyoxigraph takes a fraction of a second; reasoning does not. So the
store reads ``dist/`` when it is newer than every source, and otherwise builds the graph in memory
from the sources (checked as in ``build``, but without writing anything).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from bytedance_kg.build import ASSERTED_FILE, FULL_FILE
from bytedance_kg.canonical import canonical_turtle
from bytedance_kg.dataset import Sources
from bytedance_kg.paths import ProjectPaths
from bytedance_kg.reasoning import closure


def _sources_mtime(paths: ProjectPaths) -> float:
    files = [*paths.canonical_files(), *paths.sources_dir.glob("*")]
    return max(f.stat().st_mtime for f in files if f.exists())


def release_file(paths: ProjectPaths, reasoned: bool) -> Path | None:
    """The up-to-date release file for the graph asked for, or None if missing or stale."""
    path = paths.dist / (FULL_FILE if reasoned else ASSERTED_FILE)
    if path.exists() and path.stat().st_mtime >= _sources_mtime(paths):
        return path
    return None


def load_store(paths: ProjectPaths, reasoned: bool, progress: Callable[[str], None] = lambda _: None) -> ox.Store:
    """An in-memory store holding the asserted graph, or the reasoned one when ``reasoned``."""
    store = ox.Store()
    path = release_file(paths, reasoned)
    if path is not None:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
        return store
    progress("dist/ is missing or older than the sources; reading the sources ...")
    sources = Sources.load(paths)
    graph = closure(sources.reasoning_input()).full if reasoned else sources.asserted()
    store.bulk_load(canonical_turtle(graph).encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return store
