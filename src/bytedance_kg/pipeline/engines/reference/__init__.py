"""The reference engine: owlrl, pySHACL and rdflib's SPARQL, the oracle the fast engine must match.

owlrl and pySHACL are imported by this engine's modules alone (:mod:`.reasoning`, :mod:`.shapes`);
``bytedance-kg build --engine reference`` runs a whole build on it.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from bytedance_kg.pipeline.engines import Validation
from bytedance_kg.pipeline.engines.closure import Closure
from bytedance_kg.pipeline.engines.reference.reasoning import closure
from bytedance_kg.pipeline.engines.reference.shapes import validate_graph
from bytedance_kg.pipeline.gates import GateResult, run_gates
from bytedance_kg.pipeline.sources import Sources, union
from bytedance_kg.rdf.triples import Triples


class ReferenceEngine:
    """owlrl's full closure of terminology and data, pySHACL, and the gates on an rdflib dataset."""

    name = "reference"
    concurrent = False  # rdflib and pySHACL hold the interpreter lock: one stage after another
    reads_store = False  # rdflib's dataset (Sources.dataset)

    def prepare(self, sources: Sources) -> None:
        """Nothing: the oracle runs each stage on its own, as written."""

    def reason(self, terminology: Graph, data: Triples) -> Closure:
        return closure(union(terminology, data.graph()))

    def validate(self, data: Triples, shapes: Graph, ontology: Graph | None = None) -> Validation:
        return Validation(*validate_graph(data.graph(), shapes, ontology))

    def gates(self, sources: Sources, checks_dir: Path) -> list[GateResult]:
        return run_gates(sources.dataset(), checks_dir)
