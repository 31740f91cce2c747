"""The reference engine's reasoner: owlrl's full OWL RL closure, cleaned as every closure is.

owlrl joins every OWL RL rule against every triple until nothing changes: slow, but complete and
written by others, so it is the oracle the fast rules are compared with. An inconsistency is not an
exception in owlrl; it appears as a node typed ``agent-ont#ErrorMessage``, which :func:`_problems`
reports. owlrl is imported here and nowhere else (see :mod:`bytedance_kg.pipeline.engines`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import owlrl
import rdflib.term
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from bytedance_kg.pipeline.engines.closure import OWLRL_ERROR, Closure, TermTriple, clean_closure
from bytedance_kg.rdf.terms import token


def _problems(work: Graph) -> list[str]:
    """owlrl's error nodes and ``owl:sameAs`` links between distinct named things."""
    problems = [
        f"owlrl reports an inconsistency: {work.value(node, OWLRL_ERROR.error)}"
        for node in work.subjects(RDF.type, OWLRL_ERROR.ErrorMessage)
    ]
    for subject, obj in work.subject_objects(OWL.sameAs):
        if isinstance(subject, URIRef) and isinstance(obj, URIRef) and subject != obj:
            problems.append(f"owl:sameAs merges distinct things: <{subject}> and <{obj}>")
    return sorted(set(problems))


@contextmanager
def rdflib_converters_kept() -> Iterator[None]:
    """owlrl replaces rdflib's lexical-to-Python converters process-wide (``_toPythonMapping``) and
    leaves them so; with them, every literal parsed later in the process judges valid
    ``"--01"^^xsd:gMonth`` and ``"---28"^^xsd:gDay`` ill-typed, and pySHACL then reports them.
    The mapping is restored exactly, whatever owlrl added or replaced."""
    saved = dict(rdflib.term._toPythonMapping)
    try:
        yield
    finally:
        rdflib.term._toPythonMapping.clear()
        rdflib.term._toPythonMapping.update(saved)


def owlrl_closure(asserted: Graph) -> Graph:
    """owlrl's raw OWL RL closure of a copy of ``asserted`` (noise included)."""
    work = Graph()
    for triple in asserted:
        work.add(triple)
    with rdflib_converters_kept():
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(work)
    return work


def closure(asserted: Graph) -> Closure:
    """The OWL RL closure of ``asserted`` by owlrl, cleaned of noise, with the inferred part alone."""
    work = owlrl_closure(asserted)
    return clean_closure(as_terms(work), set(as_terms(asserted)), _problems(work))


def as_terms(graph: Graph) -> list[TermTriple]:
    """An rdflib graph's triples as tuples of their terms' tokens (owlrl's may have literal subjects)."""
    return [(token(s), token(p), token(o)) for s, p, o in graph]
