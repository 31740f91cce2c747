"""The fast engine (the default): targeted OWL RL rules, SHACL in compiled code, gates on pyoxigraph.

It is allowed only because it agrees with the reference engine wherever both run; see
:mod:`bytedance_kg.pipeline.engines` and ``tests/test_fastpath.py``.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from bytedance_kg.pipeline.engines import Validation
from bytedance_kg.pipeline.engines.closure import Closure
from bytedance_kg.pipeline.engines.fast.rules import fast_closure
from bytedance_kg.pipeline.engines.fast.shapes import validate_fast
from bytedance_kg.pipeline.gates import GateResult, run_gates
from bytedance_kg.pipeline.sources import PARTS, Sources
from bytedance_kg.rdf.triples import Triples
from bytedance_kg.system.background import in_background


class FastEngine:
    """The targeted rules (:func:`.rules.fast_closure`), compiled SHACL
    (:func:`.shapes.validate_fast`), and the gates on the sources in a pyoxigraph store."""

    name = "fast"
    concurrent = True  # the shacl engine and pyoxigraph let go of the interpreter lock
    reads_store = True  # the validation and the gates

    def __init__(self) -> None:
        self._prepared: tuple[Triples, Future[ox.Store]] | None = None
        """The data :meth:`prepare` was given, and the sources' store being filled."""

    def prepare(self, sources: Sources) -> None:
        """The store the later stages query is filled beside the quote check and the reasoning
        (pyoxigraph's bulk loader lets go of the interpreter lock, so the fill takes the second
        core): the sources as named graphs, which the gates read, with the terminology the data
        lacks in its default graph, so that the validator reads the data merged with the ontology
        and the vocabularies from the same store (:meth:`Sources.store`): one fill of the data, not
        two. ``sources.terminology()`` is what the build then validates with."""
        for part in PARTS:
            sources.triples(part).lines()  # made on this thread and kept, so that no two threads make them
        self._prepared = (sources.triples("data"), in_background(sources.store, "sources-store"))

    def reason(self, terminology: Graph, data: Triples) -> Closure:
        return fast_closure(terminology, data)

    def validate(self, data: Triples, shapes: Graph, ontology: Graph | None = None) -> Validation:
        """On the store :meth:`prepare` started when asked about that very data with an ontology,
        which in the build is the terminology that store holds; else on a store of its own."""
        merged = None
        if self._prepared is not None and self._prepared[0] is data and ontology is not None:
            merged = Sources.data_with_terminology(self._prepared[1].result())
        return Validation(*validate_fast(data, shapes, ontology, merged))

    def gates(self, sources: Sources, checks_dir: Path) -> list[GateResult]:
        """On the store :meth:`prepare` started (taken once: not kept past this stage)."""
        prepared, self._prepared = self._prepared, None
        return run_gates(prepared[1].result() if prepared is not None else sources.store(), checks_dir)
