"""The fast validator: SHACL Core in a compiled engine, SHACL-SPARQL constraints on pyoxigraph.

pySHACL evaluates every constraint in Python, and its SPARQL-based constraints once per focus node
through rdflib's query engine; on 10k triples that is most of a build. Here:

- the Core constraints run in ``shacl`` (a SHACL engine written in Rust, on PyPI), given the
  shapes without their ``sh:sparql`` constraints;
- each SPARQL-based constraint runs once, as a whole query on a pyoxigraph store, and keeps the
  solutions whose ``?this`` is a focus node of its shape (equal to SHACL's pre-binding of
  ``$this`` for queries that bind it in their first triple pattern and have no sub-query, which
  ours are; :func:`sparql_constraints` refuses others).
  We run them ourselves because ``shacl`` 0.3.4 misses a violation that needs ``xsd:date``
  ordering (``FILTER (?begins > ?ends)``), found by the differential tests;
- qualified counts of a class (``sh:qualifiedValueShape [ sh:class C ]`` with
  ``sh:qualifiedMinCount``/``sh:qualifiedMaxCount``) run on the same store (:mod:`.qualified`):
  ``shacl`` 0.3.4 takes time that grows with the square of the data for them (its whole run with
  and without a quote's two selector counts: 0.39 and 0.31 s at 100k triples, 7.16 and 2.44 s at
  1M).

The results come back as the same
:class:`~bytedance_kg.pipeline.engines.shaperesults.ShapeResult` records pySHACL's report gives,
and ``tests/test_fastpath.py`` proves the two validators give the same multiset of (focus, path,
component, shape, value, severity, message) on the real data, on every negative case of
``tests/shapes/`` and on synthetic graphs with and without injected violations.
"""

from __future__ import annotations

import re
import tempfile
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

import pyoxigraph as ox
import shacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from bytedance_kg.pipeline.engines import ShapesRefused
from bytedance_kg.pipeline.engines.fast.findings import (
    Finding,
    default_message,
    report_graph,
    shape_message,
    written_message,
)
from bytedance_kg.pipeline.engines.fast.qualified import qualified_counts, run_qualified_counts
from bytedance_kg.pipeline.engines.fast.targets import Targets
from bytedance_kg.pipeline.engines.shaperesults import ShapeResult
from bytedance_kg.project.namespaces import REPORT_NAMES
from bytedance_kg.rdf.terms import from_ox, nquads, to_ox, to_quads
from bytedance_kg.rdf.triples import Queryable, Triples, fill
from bytedance_kg.sparql.results import solutions_at_once
from bytedance_kg.system.background import in_background, spare_processors

_LINES_AT_ONCE = 1 << 16
"""Lines joined for one write of the Core engine's input (some MB)."""


class UnsupportedShapes(ShapesRefused):
    """The shapes use something the fast validator cannot run exactly: the build stops (exit 2)."""


@dataclass(frozen=True)
class SparqlConstraint:
    """One ``sh:sparql`` constraint of one shape, ready to run."""

    shape: Node
    query: str
    message: Literal
    severity: Node
    path: Node | None
    targets: Targets
    node: Node
    """The ``sh:sparql`` value itself: each result names it as its ``sh:sourceConstraint``."""


def _prefixes(shapes: Graph, node: Node) -> str:
    lines = []
    for declaration in shapes.objects(node, SH.declare):
        prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
        lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(lines))


def sparql_constraints(shapes: Graph) -> list[SparqlConstraint]:
    """Every active SPARQL-based constraint with its shape's targets (class, implicit class, node,
    subjects-of and objects-of targets; a SHACL-AF ``sh:target`` or a query this module cannot run
    exactly is refused rather than ignored)."""
    out = []
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql)):
        if shapes.value(shape, SH.deactivated) == Literal(True) or shapes.value(
            constraint, SH.deactivated
        ) == Literal(True):
            continue
        targets = Targets.of(shapes, shape)
        if targets.advanced:
            raise UnsupportedShapes(f"the fast validator does not run SHACL-AF sh:target targets ({shape})")
        select = str(shapes.value(constraint, SH.select))
        if (
            re.search(r"\{\s*SELECT", select, re.IGNORECASE)
            or "$currentShape" in select
            or "$shapesGraph" in select
            or not re.search(r"WHERE\s*\{\s*\$this\s", select, re.IGNORECASE)
        ):
            raise UnsupportedShapes(
                f"the fast validator runs only queries whose first triple pattern binds $this "
                f"and that have no sub-query ({constraint})"
            )
        prefixes = "\n".join(_prefixes(shapes, node) for node in shapes.objects(constraint, SH.prefixes))
        if (
            not targets.declared
        ):  # e.g. a property shape reached through sh:property: its focus nodes are its parent's
            raise UnsupportedShapes(
                f"the fast validator runs SPARQL constraints only on shapes with targets of their "
                f"own ({shape}); use --engine reference"
            )
        out.append(
            SparqlConstraint(
                shape=shape,
                query=prefixes + "\n" + select.replace("$this", "?this"),
                message=shape_message(shapes, constraint) or Literal(""),
                severity=shapes.value(shape, SH.severity) or SH.Violation,
                path=shapes.value(shape, SH.path),
                targets=targets,
                node=constraint,
            )
        )
    return out


class _Objects:
    """The objects of a subject and predicate in the validated triples, indexed on first use (only a
    SPARQL constraint's finding with a literal value asks)."""

    def __init__(self, triples: list[Triples]) -> None:
        self._triples = triples
        self._index: dict[tuple[object, object], list[Node]] | None = None

    def __call__(self, subject: Node, predicate: Node) -> list[Node]:
        if self._index is None:
            self._index = defaultdict(list)
            for part in self._triples:
                for t in part:
                    self._index[(t.subject, t.predicate)].append(from_ox(t.object))
        return self._index.get((to_ox(subject), to_ox(predicate)), [])


def _as_in_data(objects: _Objects, focus: Node, path: Node | None, value: Node | None) -> Node | None:
    """The value as the data writes it. pyoxigraph stores integer subtypes (``xsd:nonNegativeInteger``)
    as ``xsd:integer``; the report must name the data's own term, as pySHACL's does."""
    if not isinstance(value, Literal) or path is None:
        return value
    for candidate in objects(focus, path):
        if isinstance(candidate, Literal) and candidate.eq(value) and candidate.datatype != value.datatype:
            return candidate
    return value


def run_sparql_constraints(
    store: Queryable, triples: list[Triples], constraints: list[SparqlConstraint]
) -> list[Finding]:
    """Each constraint once over the whole graph, keeping the solutions whose ``?this`` is one of the
    shape's focus nodes; one result per solution, as SHACL-SPARQL defines it (``sh:value`` is
    ``?value``, or the focus node for a node shape). Running the query once and filtering equals
    pre-binding ``$this`` when the query binds it in a triple pattern first, which
    :func:`sparql_constraints` checks; binding thousands of focus nodes in a ``VALUES`` block
    instead made pyoxigraph's plan for ``FILTER NOT EXISTS`` quadratic. The focus nodes are looked
    for only when the query has solutions to filter."""
    results = []
    objects = _Objects(triples)
    for constraint in constraints:
        try:
            solutions = store.query(constraint.query)
        except SyntaxError as error:  # a malformed query in the shapes: their fault, said in one line
            raise UnsupportedShapes(
                f"the SPARQL constraint of {constraint.shape} does not parse: "
                f"{' '.join(str(error).split())[:300]}"
            ) from None
        assert isinstance(solutions, ox.QuerySolutions)  # sh:select is a SELECT
        rows = solutions_at_once(solutions)
        if not rows:  # what conforms: no focus node to look for (at a million triples, seconds)
            continue
        focus_nodes = constraint.targets.focus_nodes(store)
        for row in rows:
            if row.get("this") not in focus_nodes:
                continue
            bound = {name: from_ox(term) for name, term in row.items()}
            focus = bound["this"]
            path = bound.get("path", constraint.path)
            value = _as_in_data(
                objects, focus, path, bound.get("value", focus if constraint.path is None else None)
            )
            message = Literal(
                re.sub(r"\{[?$](\w+)\}", lambda m: str(bound.get(m.group(1), "")), str(constraint.message)),
                lang=constraint.message.language,
            )
            results.append(
                Finding(
                    constraint.shape,
                    focus,
                    path,
                    SH.SPARQLConstraintComponent,
                    value,
                    message,
                    constraint.severity,
                    constraint.node,
                )
            )
    return results


@lru_cache(maxsize=8)
def _compiled(shapes_text: str) -> shacl.Shapes:
    """The shapes compiled by the Core engine; a shapes graph it refuses is an input error in one
    line, as pySHACL's refusals are in the reference engine."""
    try:
        return shacl.Shapes.from_text(shapes_text, format="ntriples")
    except ValueError as error:
        raise ShapesRefused(
            f"the SHACL Core engine cannot run the shapes: {' '.join(str(error).split())[:300]}"
        ) from None


def core_shapes(shapes: Graph, run_here: Collection[Node] = ()) -> str:
    """The shapes graph for the Core engine, as N-Triples: without the SPARQL-based constraints, and
    without the ``sh:property`` links to the property shapes in ``run_here``, which this module runs
    itself (:mod:`.qualified`)."""
    left_out = {to_ox(shape) for shape in run_here}
    return nquads(
        sorted(
            (
                q
                for q in to_quads(shapes)
                if q.predicate != _SPARQL and not (q.predicate == _PROPERTY and q.object in left_out)
            ),
            key=str,
        )
    )


_SPARQL, _PROPERTY = ox.NamedNode(str(SH.sparql)), ox.NamedNode(str(SH.property))


def _term(text: str | None) -> Node | None:
    """An N-Triples term from the Core engine as an rdflib term."""
    if not text:
        return None
    parsed = ox.parse(f"<urn:s> <urn:p> {text} .".encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return from_ox(next(iter(parsed)).object)


def _required_term(text: str | None) -> Node:
    """A term every result of the Core engine has (its shapes and its focus node)."""
    term = _term(text)
    assert term is not None
    return term


def _path(text: str | None) -> URIRef | None:
    """The Core engine's result path, which for our shapes is always one predicate."""
    if not text:
        return None
    if not (text.startswith("<") and text.endswith(">") and text.count("<") == 1):
        raise UnsupportedShapes(f"the fast validator reports only predicate paths, not {text}")
    return URIRef(text[1:-1])


def _core_message(shapes: Graph, result: shacl.Result) -> Literal:
    """A Core result's message as the shape wrote it: the engine reports only its text, so the
    language tag is taken back from the shapes. pySHACL writes its own text where a shape has no
    ``sh:message``; the Core engine none, so one is made."""
    if not result.message:
        return default_message(result.component, _required_term(result.root_shape))
    return written_message(shapes, _required_term(result.source_shape), result.message)


def validation_store(parts: list[Triples]) -> ox.Store:
    """The store the SPARQL constraints and the qualified counts run on: ``parts`` (the data, and
    the ontology if any) merged into its default graph."""
    store = ox.Store()
    for part in parts:  # one at a time: only a part that names a blank node is copied once more
        fill(store, part.lines(), checked=part.written_here)
    return store


def _scratch_file(folder: Path, parts: list[Triples]) -> str:
    """The N-Triples lines of ``parts`` in one file in ``folder``, for the Core engine to read: as
    text in memory it took a copy of the lines joined, their decoded text and the UTF-8 the engine
    is handed (at a million triples with some non-ASCII text, 600 MB of fresh memory)."""
    path = folder / "data.nt"
    with path.open("wb") as out:
        for part in parts:
            lines = part.lines()
            for start in range(0, len(lines), _LINES_AT_ONCE):
                out.write(b"".join(lines[start : start + _LINES_AT_ONCE]))
    return str(path)


def validate_fast(
    data: Triples, shapes: Graph, ontology: Graph | None = None, store: Queryable | None = None
) -> tuple[bool, list[ShapeResult], Graph]:
    """Validate ``data`` (with ``ontology`` mixed in, as the reference engine does):
    whether it conforms, the results as records, and the report graph. Both engines read the same
    N-Triples: the data's own lines, as pyoxigraph wrote them. ``store``, if given, holds the same
    triples as its default graph (:meth:`~bytedance_kg.pipeline.sources.Sources.data_with_terminology`),
    taken instead of a new one (:func:`validation_store`)."""
    parts = [data] if ontology is None else [data, Triples.of_graph(ontology)]
    qualified = qualified_counts(shapes)
    core = _compiled(core_shapes(shapes, [count.shape for count in qualified]))
    # The Core engine and pyoxigraph both let go of the interpreter lock while they work: the Core
    # constraints run in a thread while the store for the other constraints is filled and queried,
    # if a processor is spare for each beside the caller's (the build reasons meanwhile); else one
    # after the other, which on two processors left the reasoning its own (:func:`spare_processors`).
    with tempfile.TemporaryDirectory(prefix="validate-") as scratch:
        core_run = partial(core.validate_file, _scratch_file(Path(scratch), parts), allow_warnings=True)
        core_report = in_background(core_run, "core-shapes").result if spare_processors() > 1 else core_run
        if store is None:
            store = validation_store(parts)
        own_findings = run_sparql_constraints(store, parts, sparql_constraints(shapes))
        own_findings += run_qualified_counts(store, qualified)
        report = core_report()
    findings = [
        Finding(
            shape=_required_term(r.source_shape),
            focus=_required_term(r.focus_node),
            path=_path(r.path),
            component=URIRef(r.component_iri),
            value=_term(r.value),
            # pySHACL writes its own text where a shape has no sh:message; the Core engine none.
            message=_core_message(shapes, r),
            severity=URIRef(r.severity_iri),
        )
        for r in report.results
    ]
    findings += own_findings
    conforms = not any(f.severity == SH.Violation for f in findings)
    results = sorted(f.record(REPORT_NAMES) for f in findings)
    return conforms, results, report_graph(findings, conforms)
