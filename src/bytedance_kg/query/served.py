"""The release as ``/sparql`` serves it, in one store: what the server's query workers and the
command line both query, so that a query's named graphs (``FROM``, ``GRAPH``) are the same on both.

Kept apart from :mod:`bytedance_kg.query.store` so that a query worker imports pyoxigraph and the
project's names only, not the pipeline that rebuilds a stale release."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from bytedance_kg.project.graphs import VOID_GRAPH
from bytedance_kg.project.releasefiles import FULL, VOID_FILE


def release_store(dist: Path) -> ox.Store:
    """The full release's named graphs and the VoID graph. (``load``, not ``bulk_load``: the bulk
    loader reserves a 200 MB buffer, which a query worker under its memory cap cannot.)"""
    store = ox.Store()
    store.load(path=str(dist / f"{FULL}.nq"), format=ox.RdfFormat.N_QUADS)
    store.load(path=str(dist / VOID_FILE), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(VOID_GRAPH))
    return store
