"""The fast engine (the default): targeted OWL RL rules, SHACL in compiled code, gates on pyoxigraph.

It is allowed only because it agrees with the reference engine wherever both run; see
:mod:`bytedance_kg.pipeline.engines` and ``tests/test_fastpath.py``.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from bytedance_kg.pipeline.engines import Validation
from bytedance_kg.pipeline.engines.closure import Closure
from bytedance_kg.pipeline.engines.fast.rules import fast_closure
from bytedance_kg.pipeline.engines.fast.shapes import validate_fast
from bytedance_kg.pipeline.gates import GateResult, run_gates
from bytedance_kg.pipeline.sources import Sources
from bytedance_kg.rdf.triples import Triples


class FastEngine:
    """The targeted rules (:func:`.rules.fast_closure`), compiled SHACL
    (:func:`.shapes.validate_fast`), and the gates on the sources in a pyoxigraph store."""

    name = "fast"

    def prepare(self, sources: Sources) -> None:
        """The gates' store is filled beside the quotes and the reasoning
        (:meth:`~bytedance_kg.pipeline.sources.Sources.fill_store_in_background`)."""
        sources.fill_store_in_background()

    def reason(self, terminology: Graph, data: Triples) -> Closure:
        return fast_closure(terminology, data)

    def validate(self, data: Triples, shapes: Graph, ontology: Graph | None = None) -> Validation:
        return Validation(*validate_fast(data, shapes, ontology))

    def gates(self, sources: Sources, checks_dir: Path) -> list[GateResult]:
        return run_gates(sources.store(), checks_dir)
