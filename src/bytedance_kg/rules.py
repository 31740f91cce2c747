"""The fast reasoner: owlrl closes the vocabularies once, then targeted OWL RL rules close the data.

owlrl's full closure re-derives the schema (subclass, subproperty, domain and range entailments
of ~1,400 vocabulary triples) on every build and joins every rule against every triple, so it
grows faster than the data. Here the work is split where OWL RL itself splits it:

1. The *terminology* (ontology + vendored vocabularies) is closed by owlrl itself, so its schema
   entailments are the reference's by construction. That closure depends only on the vocabulary
   files, so it is cached on disk under a key made of their content and owlrl's version.
2. From that closure we read the handful of axioms the instance rules use (subclass and
   subproperty sets, domains, ranges, inverses, symmetric and transitive properties, functional
   and inverse-functional properties, keys, disjoint classes) and run only those rules over the
   data, semi-naively: each new triple is joined once with what is already known.
   Any OWL construct the terminology uses that these rules do not cover is refused by
   :func:`compile_terminology`, so the fast path cannot silently miss inferences when the
   ontology grows.

The result is the same :class:`~bytedance_kg.reasoning.Closure` the owlrl path gives, cleaned by
the same rules; ``tests/test_fastpath.py`` proves the two equal on the real data and synthetic
graphs, with and without injected violations. The one deliberate difference: when the data makes
two distinct things ``owl:sameAs`` (a functional property with two values, a shared key), this
path reports it as a problem and does not go on to copy every triple of one onto the other, as
owlrl does; the build stops on the problem either way, so that copy is never published.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import owlrl
import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from bytedance_kg.canonical import write_atomically
from bytedance_kg.rdfio import nquads, to_quads, to_rdflib
from bytedance_kg.reasoning import Closure, clean_closure, owlrl_closure

Triple = tuple[Node, Node, Node]

# Terminology predicates and types whose instance rules this module implements; anything else in
# the OWL namespace that can make an instance-level inference is refused (see UNSUPPORTED).
UNSUPPORTED = (
    OWL.hasValue, OWL.someValuesFrom, OWL.allValuesFrom, OWL.intersectionOf, OWL.complementOf,
    OWL.oneOf, OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.propertyChainAxiom,
    OWL.propertyDisjointWith, OWL.members, OWL.distinctMembers, OWL.differentFrom,
    OWL.onProperty, OWL.sourceIndividual,
)
UNSUPPORTED_TYPES = (OWL.IrreflexiveProperty, OWL.AsymmetricProperty, OWL.AllDisjointClasses,
                     OWL.AllDisjointProperties, OWL.AllDifferent, OWL.NegativePropertyAssertion)


class UnsupportedTerminology(ValueError):
    """The terminology uses an OWL construct the targeted rules do not implement."""


@dataclass
class Terminology:
    """The axioms the instance rules read, from the closed terminology."""

    superclasses: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    superproperties: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    domains: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    ranges: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    inverses: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    symmetric: set[Node] = field(default_factory=set)
    transitive: set[Node] = field(default_factory=set)
    functional: set[Node] = field(default_factory=set)
    inverse_functional: set[Node] = field(default_factory=set)
    keys: dict[Node, list[list[Node]]] = field(default_factory=lambda: defaultdict(list))
    disjoint: set[tuple[Node, Node]] = field(default_factory=set)


def _list(graph: Graph, head: Node) -> list[Node]:
    return list(graph.items(head))


def compile_terminology(closed: Graph) -> Terminology:
    """The instance-rule axioms of an owlrl-closed terminology; refuses constructs not covered."""
    for predicate in UNSUPPORTED:
        if (None, predicate, None) in closed:
            raise UnsupportedTerminology(f"the fast reasoner has no rule for {predicate.n3()}; use --reasoner owlrl")
    for kind in UNSUPPORTED_TYPES:
        if (None, RDF.type, kind) in closed:
            raise UnsupportedTerminology(f"the fast reasoner has no rule for {kind.n3()}; use --reasoner owlrl")
    if any(s != o for s, o in closed.subject_objects(OWL.sameAs)):  # owlrl adds x sameAs x for every x
        raise UnsupportedTerminology("the fast reasoner has no rule for owl:sameAs between distinct terms")
    t = Terminology()
    for s, o in closed.subject_objects(RDFS.subClassOf):
        t.superclasses[s].add(o)
    for s, o in closed.subject_objects(RDFS.subPropertyOf):
        t.superproperties[s].add(o)
    for s, o in closed.subject_objects(RDFS.domain):
        t.domains[s].add(o)
    for s, o in closed.subject_objects(RDFS.range):
        t.ranges[s].add(o)
    for s, o in closed.subject_objects(OWL.inverseOf):
        t.inverses[s].add(o)
        t.inverses[o].add(s)
    t.symmetric = set(closed.subjects(RDF.type, OWL.SymmetricProperty))
    t.transitive = set(closed.subjects(RDF.type, OWL.TransitiveProperty))
    t.functional = set(closed.subjects(RDF.type, OWL.FunctionalProperty))
    t.inverse_functional = set(closed.subjects(RDF.type, OWL.InverseFunctionalProperty))
    for cls, head in closed.subject_objects(OWL.hasKey):
        t.keys[cls].append(_list(closed, head))
    for a, b in closed.subject_objects(OWL.disjointWith):
        t.disjoint.add((a, b))
        t.disjoint.add((b, a))
    return t


def terminology_key(terminology: Graph) -> str:
    """A cache key: the terminology's sorted N-Triples (blank-node labels included: they must be
    the content-only ones of :func:`~bytedance_kg.rdfio.with_content_labels`) and owlrl's version."""
    digest = hashlib.sha256(f"owlrl {owlrl.__version__}\n".encode())
    for line in sorted(nquads(to_quads(terminology)).splitlines()):
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def closed_terminology(terminology: Graph, cache_dir: Path | None) -> Graph:
    """owlrl's closure of the terminology alone (kept raw but for literal subjects), from the cache
    when the same vocabularies were closed before."""
    cached = cache_dir / f"terminology-{terminology_key(terminology)}.nt" if cache_dir else None
    if cached is not None and cached.exists():
        return to_rdflib(ox.parse(path=cached, format=ox.RdfFormat.N_TRIPLES))  # keeps blank-node labels
    work = owlrl_closure(terminology)
    closed = Graph()
    for triple in work:
        if not isinstance(triple[0], Literal):
            closed.add(triple)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(cached, nquads(to_quads(closed)))
    return closed


class _Chainer:
    """Semi-naive forward chaining of the instance rules over a set of triples."""

    def __init__(self, t: Terminology, known: Iterable[Triple]) -> None:
        self.t = t
        self.triples: set[Triple] = set()
        self.agenda: list[Triple] = []
        # (property, subject) -> objects and (property, object) -> subjects, for the join rules.
        self.forward: dict[tuple[Node, Node], set[Node]] = defaultdict(set)
        self.backward: dict[tuple[Node, Node], set[Node]] = defaultdict(set)
        self.types: dict[Node, set[Node]] = defaultdict(set)
        for triple in known:
            self._index(triple)

    def _index(self, triple: Triple) -> None:
        s, p, o = triple
        self.triples.add(triple)
        if p == RDF.type:
            self.types[s].add(o)
        elif p in self.t.transitive or p in self.t.functional or p in self.t.inverse_functional or p in self._key_properties:
            self.forward[(p, s)].add(o)
            self.backward[(p, o)].add(s)

    @property
    def _key_properties(self) -> set[Node]:
        cached = getattr(self, "_keys_cache", None)
        if cached is None:
            cached = {p for keys in self.t.keys.values() for key in keys for p in key}
            self._keys_cache = cached
        return cached

    def add(self, triple: Triple) -> None:
        if triple not in self.triples:
            self._index(triple)
            self.agenda.append(triple)

    def run(self, seed: Iterable[Triple]) -> None:
        for triple in seed:
            if triple not in self.triples:
                self._index(triple)
            self.agenda.append(triple)
        t = self.t
        while self.agenda:
            s, p, o = self.agenda.pop()
            if p == RDF.type:
                for cls in t.superclasses.get(o, ()):  # cax-sco (closed, so also cax-eqc, cls-uni)
                    self.add((s, RDF.type, cls))
                continue
            subject_ok = not isinstance(s, Literal)
            for q in t.superproperties.get(p, set()) | {p}:  # prp-spo1, prp-eqp (closed)
                self.add((s, q, o))
                for cls in t.domains.get(q, ()):  # prp-dom
                    self.add((s, RDF.type, cls))
                for cls in t.ranges.get(q, ()):  # prp-rng
                    self.add((o, RDF.type, cls))
                if not isinstance(o, Literal) and subject_ok:
                    for inverse in t.inverses.get(q, ()):  # prp-inv1/2
                        self.add((o, inverse, s))
                    if q in t.symmetric:  # prp-symp
                        self.add((o, q, s))
                if q in t.transitive:  # prp-trp, both ways round the new edge
                    for after in list(self.forward.get((q, o), ())):
                        self.add((s, q, after))
                    for before in list(self.backward.get((q, s), ())):
                        self.add((before, q, o))

    def same_as(self) -> set[tuple[Node, Node]]:
        """The distinct pairs prp-fp, prp-ifp and prp-key would make ``owl:sameAs``."""
        pairs: set[tuple[Node, Node]] = set()
        for (p, _), objects in self.forward.items():
            if p in self.t.functional and len(objects) > 1:
                pairs |= {(a, b) for a in objects for b in objects if a != b}
        for (p, _), subjects in self.backward.items():
            if p in self.t.inverse_functional and len(subjects) > 1:
                pairs |= {(a, b) for a in subjects for b in subjects if a != b}
        for cls, keys in self.t.keys.items():
            members = [x for x, classes in self.types.items() if cls in classes]
            for key in keys:
                by_values: dict[tuple, list[Node]] = defaultdict(list)
                for x in members:
                    values = [self.forward.get((p, x), set()) for p in key]
                    if all(values):
                        for combination in _product(values):
                            by_values[combination].append(x)
                for group in by_values.values():
                    pairs |= {(a, b) for a in group for b in group if a != b}
        return pairs

    def disjoint_members(self) -> list[str]:
        """cax-dw: things typed with two disjoint classes."""
        out = []
        for x, classes in self.types.items():
            for a, b in self.t.disjoint:
                if a in classes and b in classes and str(a) < str(b):
                    out.append(f"{x.n3()} is an instance of the disjoint classes {a.n3()} and {b.n3()}")
        return out


def _product(values: list[set[Node]]) -> list[tuple[Node, ...]]:
    combos: list[tuple[Node, ...]] = [()]
    for options in values:
        combos = [c + (v,) for c in combos for v in options]
    return combos


def fast_closure(terminology: Graph, data: Graph, cache_dir: Path | None = None) -> Closure:
    """The OWL RL closure of terminology + data, as :func:`reasoning.closure` computes it."""
    closed = closed_terminology(terminology, cache_dir)
    chainer = _Chainer(compile_terminology(closed), closed)
    chainer.run(data)
    problems = sorted(
        {f"owl:sameAs merges distinct things: <{a}> and <{b}>" for a, b in chainer.same_as()
         if isinstance(a, URIRef) and isinstance(b, URIRef)}
        | {f"the data makes distinct non-IRI terms the same: {a.n3()} and {b.n3()}" for a, b in chainer.same_as()
           if not (isinstance(a, URIRef) and isinstance(b, URIRef))
           and not isinstance(a, Literal) and not isinstance(b, Literal)}
        | set(chainer.disjoint_members())
    )
    asserted = set(terminology) | set(data)
    return clean_closure(chainer.triples, asserted, problems)

