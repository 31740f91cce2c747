"""The fast reasoner: targeted OWL RL rules, for the constructs our vocabularies use, in place of
owlrl's full closure.

owlrl joins every OWL RL rule against every triple, schema and data alike, until nothing changes,
so its cost grows faster than the data. OWL RL splits naturally in two, and so does this module:

1. The *terminology* (ontology + vendored vocabularies, and any schema axiom the data states) is
   closed with the ``scm-*`` rules of the OWL 2 RL profile: subclass and subproperty hierarchies
   (equivalences included, both ways; ``scm-uni`` for unions; ``scm-cls`` making every
   ``owl:Class`` a subclass of ``owl:Thing``), and domains and ranges inherited along both. The
   result gives the sets the instance rules need, computed once.
2. The instance rules then run semi-naively over the terminology's own triples and the data: each
   new triple is joined once with what is already known: ``cax-sco`` (through the closed hierarchy),
   ``prp-spo1``, ``prp-dom``, ``prp-rng``, ``prp-inv1/2``, ``prp-symp``, ``prp-trp``; and the
   consistency rules ``prp-fp``, ``prp-ifp``, ``prp-key`` (which would make distinct things
   ``owl:sameAs``) and ``cax-dw`` are reported as problems.

Any OWL construct outside these rules is refused by :func:`compile_terminology`, so the fast path
cannot silently miss an inference when an ontology grows. The result is the same
:class:`~bytedance_kg.pipeline.engines.closure.Closure` the owlrl path gives, cleaned by the same rules;
``tests/test_fastpath.py`` proves the two equal on the real data and on synthetic graphs, with and
without injected violations. The one deliberate difference: when the data makes two distinct things
``owl:sameAs``, this path reports it and does not go on to copy every triple of one onto the other
as owlrl does; the build refuses such data either way, so that copy is never published.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from bytedance_kg.pipeline.engines.closure import Closure, TermTriple, clean_closure
from bytedance_kg.pipeline.sources import union
from bytedance_kg.project.errors import KGError
from bytedance_kg.rdf.terms import Token, from_ox, line_tokens, token
from bytedance_kg.rdf.triples import Triples

Triple = TermTriple
RdflibTriple = tuple[Node, Node, Node]

# Terminology predicates and types whose instance rules this module implements; anything else in
# the OWL namespace that can make an instance-level inference is refused (see UNSUPPORTED).
UNSUPPORTED = (
    OWL.hasValue,
    OWL.someValuesFrom,
    OWL.allValuesFrom,
    OWL.intersectionOf,
    OWL.complementOf,
    OWL.oneOf,
    OWL.maxCardinality,
    OWL.maxQualifiedCardinality,
    OWL.propertyChainAxiom,
    OWL.propertyDisjointWith,
    OWL.members,
    OWL.distinctMembers,
    OWL.differentFrom,
    OWL.onProperty,
    OWL.sourceIndividual,
)
UNSUPPORTED_TYPES = (
    OWL.IrreflexiveProperty,
    OWL.AsymmetricProperty,
    OWL.AllDisjointClasses,
    OWL.AllDisjointProperties,
    OWL.AllDifferent,
    OWL.NegativePropertyAssertion,
)


class UnsupportedTerminology(KGError):
    """The terminology (or the data) uses an OWL construct the targeted rules do not implement:
    the build stops (exit 2) and says to use ``--engine reference``."""


@dataclass
class Terminology:
    """The axioms the instance rules read, from the closed terminology."""

    superclasses: dict[Token, set[Token]] = field(default_factory=lambda: defaultdict(set))
    superproperties: dict[Token, set[Token]] = field(default_factory=lambda: defaultdict(set))
    domains: dict[Token, set[Token]] = field(default_factory=lambda: defaultdict(set))
    ranges: dict[Token, set[Token]] = field(default_factory=lambda: defaultdict(set))
    inverses: dict[Token, set[Token]] = field(default_factory=lambda: defaultdict(set))
    symmetric: set[Token] = field(default_factory=set)
    transitive: set[Token] = field(default_factory=set)
    functional: set[Token] = field(default_factory=set)
    inverse_functional: set[Token] = field(default_factory=set)
    keys: dict[Token, list[list[Token]]] = field(default_factory=lambda: defaultdict(list))
    disjoint: set[tuple[Token, Token]] = field(default_factory=set)


def _list(graph: Graph, head: Node) -> list[Token]:
    return [token(item) for item in graph.items(head)]


def compile_terminology(closed: Graph) -> Terminology:
    """The instance-rule axioms of a closed terminology; refuses constructs not covered."""
    for predicate in UNSUPPORTED:
        if (None, predicate, None) in closed:
            raise UnsupportedTerminology(
                f"the fast reasoner has no rule for {predicate.n3()}; use --engine reference"
            )
    for kind in UNSUPPORTED_TYPES:
        if (None, RDF.type, kind) in closed:
            raise UnsupportedTerminology(
                f"the fast reasoner has no rule for {kind.n3()}; use --engine reference"
            )
    t = Terminology()
    for s, o in closed.subject_objects(RDFS.subClassOf):
        t.superclasses[token(s)].add(token(o))
    for s, o in closed.subject_objects(RDFS.subPropertyOf):
        t.superproperties[token(s)].add(token(o))
    for s, o in closed.subject_objects(RDFS.domain):
        t.domains[token(s)].add(token(o))
    for s, o in closed.subject_objects(RDFS.range):
        t.ranges[token(s)].add(token(o))
    for s, o in closed.subject_objects(OWL.inverseOf):
        t.inverses[token(s)].add(token(o))
        t.inverses[token(o)].add(token(s))
    for kind, members in (
        (OWL.SymmetricProperty, t.symmetric),
        (OWL.TransitiveProperty, t.transitive),
        (OWL.FunctionalProperty, t.functional),
        (OWL.InverseFunctionalProperty, t.inverse_functional),
    ):
        members.update(token(x) for x in closed.subjects(RDF.type, kind))
    for cls, head in closed.subject_objects(OWL.hasKey):
        t.keys[token(cls)].append(_list(closed, head))
    for a, b in closed.subject_objects(OWL.disjointWith):
        t.disjoint.add((token(a), token(b)))
        t.disjoint.add((token(b), token(a)))
    return t


SCHEMA_PREDICATES = (
    OWL.sameAs,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    RDFS.domain,
    RDFS.range,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    OWL.inverseOf,
    OWL.unionOf,
    OWL.hasKey,
    OWL.disjointWith,
)
SCHEMA_TYPES = (
    OWL.Class,
    OWL.SymmetricProperty,
    OWL.TransitiveProperty,
    OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty,
)


_TYPE, _NOTHING, _SAME_AS = token(RDF.type), token(OWL.Nothing), token(OWL.sameAs)
_SCHEMA_PREDICATES = {token(p) for p in (*SCHEMA_PREDICATES, *UNSUPPORTED, RDF.first, RDF.rest)}
_SCHEMA_TYPES = {token(t) for t in (*SCHEMA_TYPES, *UNSUPPORTED_TYPES)}
_IRI, _LITERAL = b"<", b'"'


def is_schema(triple: Triple) -> bool:
    """True for a triple the terminology rules read, or must refuse, wherever it is stated."""
    return triple[1] in _SCHEMA_PREDICATES or (triple[1] == _TYPE and triple[2] in _SCHEMA_TYPES)


def _reachable(edges: dict[Node, set[Node]]) -> dict[Node, set[Node]]:
    """The transitive closure of a relation given as adjacency sets (reflexive pairs only on cycles)."""
    out: dict[Node, set[Node]] = {}
    for start, direct in edges.items():
        seen: set[Node] = set()
        stack = list(direct)
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
        out[start] = seen
    return out


def _hierarchy(
    graph: Graph, sub: Node, equivalent: Node, extra: Iterable[tuple[Node, Node]] = ()
) -> dict[Node, set[Node]]:
    edges: dict[Node, set[Node]] = defaultdict(set)
    for a, b in (*graph.subject_objects(sub), *extra):
        edges[a].add(b)
    for a, b in graph.subject_objects(equivalent):
        edges[a].add(b)
        edges[b].add(a)
    return _reachable(edges)


def close_terminology(terminology: Graph) -> set[RdflibTriple]:
    """The triples the ``scm-*`` rules add to ``terminology``: scm-cls, scm-sco, scm-eqc1/2, scm-uni,
    scm-spo, scm-eqp1/2, scm-dom1/2, scm-rng1/2 (the reflexive ones included; cleaning drops them)."""
    out: set[RdflibTriple] = set()
    things = [(c, OWL.Thing) for c in terminology.subjects(RDF.type, OWL.Class)]  # scm-cls
    unions = [
        (member, union)
        for union, head in terminology.subject_objects(OWL.unionOf)
        for member in terminology.items(head)
    ]  # scm-uni
    classes_above = _hierarchy(terminology, RDFS.subClassOf, OWL.equivalentClass, [*things, *unions])
    properties_above = _hierarchy(terminology, RDFS.subPropertyOf, OWL.equivalentProperty)
    for above, sub, equivalent in (
        (classes_above, RDFS.subClassOf, OWL.equivalentClass),
        (properties_above, RDFS.subPropertyOf, OWL.equivalentProperty),
    ):
        for a, supers in above.items():
            for b in supers:
                out.add((a, sub, b))
                if a in above.get(b, ()):
                    out.add((a, equivalent, b))
    for axiom in (RDFS.domain, RDFS.range):  # scm-dom1/2, scm-rng1/2
        direct: dict[Node, set[Node]] = defaultdict(set)
        for prop, cls in terminology.subject_objects(axiom):
            direct[prop].add(cls)
        for prop in set(direct) | set(properties_above):
            for ancestor in {prop} | properties_above.get(prop, set()):
                for cls in direct.get(ancestor, ()):
                    out |= {(prop, axiom, d) for d in {cls} | classes_above.get(cls, set())}
    return out


class _Step(NamedTuple):
    """One property a triple's predicate implies (itself or a superproperty), with its axioms."""

    prop: Token
    domains: tuple[Token, ...]
    ranges: tuple[Token, ...]
    inverses: tuple[Token, ...]
    symmetric: bool
    transitive: bool


class _Chainer:
    """Semi-naive forward chaining of the instance rules over a set of triples."""

    def __init__(self, t: Terminology) -> None:
        self.t = t
        self.triples: set[Triple] = set()
        self.agenda: list[Triple] = []
        self.added: list[Triple] = []
        """The triples the rules added, none of them given to :meth:`run`."""
        self._plans: dict[Token, tuple[_Step, ...]] = {}
        # (property, subject) -> objects and (property, object) -> subjects, for the join rules.
        self.forward: dict[tuple[Token, Token], set[Token]] = defaultdict(set)
        self.backward: dict[tuple[Token, Token], set[Token]] = defaultdict(set)
        self.types: dict[Token, set[Token]] = defaultdict(set)
        self.joined = (
            t.transitive
            | t.functional
            | t.inverse_functional
            | {p for keys in t.keys.values() for key in keys for p in key}
        )

    def _index(self, triple: Triple) -> bool:
        """Add ``triple`` to the set and the indexes; whether it was new (one hash, not two)."""
        size = len(self.triples)
        self.triples.add(triple)
        if len(self.triples) == size:
            return False
        s, p, o = triple
        if p == _TYPE:
            self.types[s].add(o)
        elif p in self.joined:
            self.forward[(p, s)].add(o)
            self.backward[(p, o)].add(s)
        return True

    def add(self, triple: Triple) -> None:
        if self._index(triple):
            self.agenda.append(triple)
            self.added.append(triple)

    def _plan(self, p: Token) -> tuple[_Step, ...]:
        """What the rules do with a triple of predicate ``p``, worked out once per predicate (the
        data has few predicates)."""
        t = self.t
        plan = self._plans.get(p)
        if plan is None:
            plan = self._plans[p] = tuple(
                _Step(
                    q,
                    tuple(t.domains.get(q, ())),
                    tuple(t.ranges.get(q, ())),
                    tuple(t.inverses.get(q, ())),
                    q in t.symmetric,
                    q in t.transitive,
                )
                for q in t.superproperties.get(p, set()) | {p}  # prp-spo1, prp-eqp (closed)
            )
        return plan

    def run(self, seed: Iterable[Triple]) -> list[Triple]:
        """Close the set over ``seed`` and what it holds already; returns the triples of ``seed``
        that it held before (given earlier, or added by the rules)."""
        held = []
        for triple in seed:
            if not self._index(triple):
                held.append(triple)
            self.agenda.append(triple)
        superclasses, types, forward, backward = self.t.superclasses, self.types, self.forward, self.backward
        add, plan, plans, agenda = self.add, self._plan, self._plans, self.agenda
        none: frozenset[Token] = frozenset()
        # A type the thing has already is not added again: most of what the rules draw is such a
        # type (each of a thing's triples implies its domains' classes again), and the look-up in
        # the types index is a fraction of a call to :meth:`add`, which would find it held anyway.
        while agenda:
            s, p, o = agenda.pop()
            if p == _TYPE:
                known = types.get(s, none)
                for cls in superclasses.get(o, ()):  # cax-sco (closed, so also cax-eqc, cls-uni)
                    if cls not in known:
                        add((s, _TYPE, cls))
                continue
            for q, domains, ranges, inverses, symmetric, transitive in plans.get(p) or plan(p):
                if q != p:  # the triple itself is held
                    add((s, q, o))
                if domains:  # prp-dom
                    known = types.get(s, none)
                    for cls in domains:
                        if cls not in known:
                            add((s, _TYPE, cls))
                if ranges:  # prp-rng
                    known = types.get(o, none)
                    for cls in ranges:
                        if cls not in known:
                            add((o, _TYPE, cls))
                if (inverses or symmetric) and not o.startswith(_LITERAL) and not s.startswith(_LITERAL):
                    for inverse in inverses:  # prp-inv1/2
                        add((o, inverse, s))
                    if symmetric:  # prp-symp
                        add((o, q, s))
                if transitive:  # prp-trp, both ways round the new edge
                    for after in list(forward.get((q, o), ())):
                        add((s, q, after))
                    for before in list(backward.get((q, s), ())):
                        add((before, q, o))
        return held

    def same_as(self) -> set[tuple[Token, Token]]:
        """The distinct pairs prp-fp, prp-ifp and prp-key would make ``owl:sameAs``."""
        pairs: set[tuple[Token, Token]] = set()
        for (p, _), objects in self.forward.items():
            if p in self.t.functional and len(objects) > 1:
                pairs |= {(a, b) for a in objects for b in objects if a != b}
        for (p, _), subjects in self.backward.items():
            if p in self.t.inverse_functional and len(subjects) > 1:
                pairs |= {(a, b) for a in subjects for b in subjects if a != b}
        for cls, keys in self.t.keys.items():
            members = [x for x, classes in self.types.items() if cls in classes]
            for key in keys:
                by_values: dict[tuple, list[Token]] = defaultdict(list)
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
            if _NOTHING in classes:
                out.append(f"{x.decode()} is an instance of owl:Nothing")
            for a, b in self.t.disjoint:
                if a in classes and b in classes and a <= b:  # UTF-8 sorts as its text does
                    out.append(
                        f"{x.decode()} is an instance of the disjoint classes {a.decode()} and {b.decode()}"
                    )
        return out


def _product(values: list[set[Token]]) -> list[tuple[Token, ...]]:
    combos: list[tuple[Token, ...]] = [()]
    for options in values:
        combos = [c + (v,) for c in combos for v in options]
    return combos


def fast_closure(terminology: Graph, data: Triples) -> Closure:
    """The OWL RL closure of terminology + data, as the reference engine's
    :func:`~bytedance_kg.pipeline.engines.reference.reasoning.closure` computes it.

    The terminology (the vocabularies and any axiom the data states) is small and closed in
    rdflib; the instance rules then join the terms' tokens (:data:`~bytedance_kg.rdf.terms.Token`),
    the data's split from its own N-Triples lines: at a million triples, making three pyoxigraph
    terms a triple and hashing them in Rust at every lookup was half of the reasoning."""
    schema = union(terminology)
    data_terms = line_tokens(data.lines())  # the data's own lines split: no term made in Python
    for index, stated in enumerate(data_terms):
        if is_schema(stated):
            triple = data.items[index]
            schema.add((from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object)))
    for closed in close_terminology(schema):
        schema.add(closed)
    chainer = _Chainer(compile_terminology(schema))
    schema_terms: list[Triple] = [(token(s), token(p), token(o)) for s, p, o in schema]
    chainer.run(schema_terms)
    early = len(chainer.added)
    # the data's triples the set held already: those of the terminology, closed or not (the
    # data's own axioms among them), and those the rules drew from the terminology alone
    stated_before = set(chainer.run(data_terms))
    same = chainer.same_as() | {(a, b) for a, p, b in schema_terms if p == _SAME_AS and a != b}
    same |= {(b, a) for a, b in same}  # owl:sameAs is symmetric; owlrl reports both directions
    problems = sorted(
        {
            f"owl:sameAs merges distinct things: {a.decode()} and {b.decode()}"
            for a, b in same
            if a.startswith(_IRI) and b.startswith(_IRI)
        }
        | {
            "owl:sameAs with a blank node, which the fast engine does not reason over "
            f"(--engine reference does): {a.decode()} and {b.decode()}"
            for a, b in same
            if not (a.startswith(_IRI) and b.startswith(_IRI))
            and not a.startswith(_LITERAL)
            and not b.startswith(_LITERAL)
        }
        | set(chainer.disjoint_members())
    )
    # Every triple of the closure is the terminology closed, the data, or one the rules added,
    # and the data's own owl:equivalentClass axioms are in the closed terminology: so only the
    # first and the last can hold inferences, and every asserted triple is in the closure. Of
    # those, only the closed terminology and what the rules drew from it alone can be asserted
    # triples: whatever the rules added after the data was in the set is not in the data, and
    # the terminology was in the set before. A triple of the terminology is in the data exactly
    # when the data's run found it held.
    terminology_terms: set[Triple] = {(token(s), token(p), token(o)) for s, p, o in terminology}
    return clean_closure(
        [*schema_terms, *chainer.added[:early]],
        terminology_terms | stated_before,
        problems,
        asserted_size=len(data_terms) + len(terminology_terms - stated_before),
        new=chainer.added[early:],
    )
