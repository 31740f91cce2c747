"""The seam between the build and whatever checks and reasons: engines behind one protocol.

A build asks three things of its sources: their OWL RL closure, their SHACL results, and the rows
of the quality gates. An :class:`Engine` answers all three. Two are registered:

- ``fast`` (the default): the targeted OWL RL rules, SHACL Core in the ``shacl`` engine with the
  SPARQL constraints on pyoxigraph, the gates on pyoxigraph;
- ``reference``: owlrl's full closure, pySHACL, the gates on rdflib. Slow, written by others, and
  the oracle: the differential tests (``tests/test_fastpath.py``, ``tests/test_shapes.py``) run
  both through this protocol and require the same answers.

Engines are imported only when asked for by name (:func:`engine`), so owlrl and pySHACL, which
only the reference engine imports, are never loaded by a fast build, a query or the server.
Adding an engine is one class with these methods and its :attr:`Engine.concurrent` flag, and one
line in :data:`ENGINES`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rdflib import Graph

from bytedance_kg.pipeline.engines.closure import Closure
from bytedance_kg.pipeline.engines.shaperesults import ShapeResult
from bytedance_kg.pipeline.gates import GateResult
from bytedance_kg.pipeline.sources import Sources
from bytedance_kg.project.errors import KGError
from bytedance_kg.rdf.triples import Triples


class ShapesRefused(KGError):
    """An engine cannot run the shapes it was given (a pattern it cannot compile, a form it does not
    run exactly): the build reports it as an input error in the shapes file (exit 2). The engines
    are given the shapes as a graph, so the build, which read the file, names it."""


@dataclass(frozen=True)
class Validation:
    """What a SHACL run found: whether the data conforms, the results, and the report graph."""

    conforms: bool
    results: list[ShapeResult]
    report: Graph


class Engine(Protocol):
    """The build's checking stages. Every method reads its inputs and changes none of what they
    hold (:meth:`prepare` may start work that they keep for a later stage)."""

    name: str
    concurrent: bool
    """Whether :meth:`validate` and :meth:`gates` may run on another thread beside :meth:`reason`
    (the build then runs them so): true of an engine whose validation and gates spend their time
    in code that lets go of the interpreter lock, and read only what the build made before
    starting them. Python code would merely take turns with the reasoning."""
    reads_store: bool
    """Whether its stages read the sources' pyoxigraph store (:meth:`Sources.store`): the build then
    has pyoxigraph load the data file into it beside the parse (:meth:`Sources.load`)."""

    def prepare(self, sources: Sources) -> None:
        """Start, in the background, what a later stage of this engine will need from ``sources``,
        while the stages before it run (the build calls it once the sources are parsed)."""
        ...

    def reason(self, terminology: Graph, data: Triples) -> Closure:
        """The cleaned OWL RL closure of ``terminology`` (small: an rdflib graph) and ``data`` (the
        pipeline's triples) together, with its problems."""
        ...

    def validate(self, data: Triples, shapes: Graph, ontology: Graph | None = None) -> Validation:
        """``data`` against ``shapes``, with ``ontology`` mixed in for the class hierarchy."""
        ...

    def gates(self, sources: Sources, checks_dir: Path) -> list[GateResult]:
        """Every gate in ``checks_dir`` over the sources as named graphs."""
        ...


ENGINES: dict[str, str] = {
    "fast": "bytedance_kg.pipeline.engines.fast:FastEngine",
    "reference": "bytedance_kg.pipeline.engines.reference:ReferenceEngine",
}
"""Engine name → ``module:class``, imported on first use."""
DEFAULT_ENGINE = "fast"


def engine(name: str = DEFAULT_ENGINE) -> Engine:
    """The engine registered as ``name`` (a :class:`ValueError` naming the known ones otherwise)."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
    module, _, cls = ENGINES[name].partition(":")
    made: Engine = getattr(importlib.import_module(module), cls)()
    return made
