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
from bytedance_kg.pipeline.engines.fast.shapes import validate_fast, validation_store
from bytedance_kg.pipeline.gates import GateResult, run_gates
from bytedance_kg.pipeline.sources import Sources
from bytedance_kg.rdf.triples import Triples
from bytedance_kg.system.background import in_background


class FastEngine:
    """The targeted rules (:func:`.rules.fast_closure`), compiled SHACL
    (:func:`.shapes.validate_fast`), and the gates on the sources in a pyoxigraph store."""

    name = "fast"
    concurrent = True  # the shacl engine and pyoxigraph let go of the interpreter lock

    def __init__(self) -> None:
        self._validation: tuple[Triples, Future[ox.Store]] | None = None
        """The data :meth:`prepare` was given, and the validator's store of it being filled."""

    def prepare(self, sources: Sources) -> None:
        """Both stores the later stages query are filled beside the quotes and the reasoning
        (pyoxigraph's bulk loader lets go of the interpreter lock, so the fills take the second
        core): the gates' (:meth:`~bytedance_kg.pipeline.sources.Sources.fill_store_in_background`)
        and the validator's, of the data with the ontology and the vocabularies, which is what the
        build then validates (``sources.terminology()`` is those two)."""
        parts = [sources.triples(part) for part in ("data", "ontology", "imports")]
        for part in parts:
            part.lines()  # made on this thread and kept, so that no two threads make them
        filled = in_background(lambda: validation_store(parts), "validation-store")
        self._validation = (parts[0], filled)
        sources.fill_store_in_background(after=filled)  # the validator's is needed first

    def reason(self, terminology: Graph, data: Triples) -> Closure:
        return fast_closure(terminology, data)

    def validate(self, data: Triples, shapes: Graph, ontology: Graph | None = None) -> Validation:
        """With the store :meth:`prepare` started, if it is this very data with an ontology (taken
        once: the store is not kept past this stage)."""
        filled = None
        if self._validation is not None and self._validation[0] is data and ontology is not None:
            filled, self._validation = self._validation[1], None
        return Validation(*validate_fast(data, shapes, ontology, filled))

    def gates(self, sources: Sources, checks_dir: Path) -> list[GateResult]:
        return run_gates(sources.store(), checks_dir)
