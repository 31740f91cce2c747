"""What reasoning gives the build, whichever engine reasons: the closure, cleaned for publication.

Both engines' reasoners (owlrl's full closure in the reference engine, the targeted rules of the
fast one) hand their raw triples to :func:`clean_closure`, so the published inferences follow one
rule set: no triple that is not RDF 1.1 (a literal subject), no axiomatic noise (``x owl:sameAs x``,
the built-in vocabularies' own axioms), nothing about blank nodes the input never described.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Namespace
from rdflib.namespace import OWL, RDF, RDFS, XSD

from bytedance_kg.rdf.terms import Token, TokenTriple, token, token_lines
from bytedance_kg.rdf.triples import Triples

OWLRL_ERROR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
"""owlrl marks an inconsistency with a node of this namespace's ``ErrorMessage`` type."""
_BUILTIN = tuple(b"<" + str(namespace).encode() for namespace in (RDF, RDFS, OWL, XSD))
TermTriple = TokenTriple
"""A triple as the tokens of its terms (:data:`~bytedance_kg.rdf.terms.Token`): what the reasoners
join (a literal may be a subject)."""
_LITERAL, _BLANK = b'"', b"_:"


_REFLEXIVE_NOISE = {
    token(p)
    for p in (OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty)
}
_TRIVIAL_TYPES = {token(RDFS.Resource), token(OWL.Thing)}
_TYPE, _SUBCLASS, _EQUIVALENT_CLASS = token(RDF.type), token(RDFS.subClassOf), token(OWL.equivalentClass)
_OWLRL_ERRORS = (token(OWLRL_ERROR.error), token(OWLRL_ERROR.ErrorMessage))


@dataclass(frozen=True)
class Closure:
    """The outcome of reasoning: the triples it added, any inconsistency, and how many triples the
    full graph (asserted and inferred) holds. The build publishes the asserted and the inferred
    triples as separate named graphs and never needs the full graph as one object (at a million
    triples, making it took seconds and a gigabyte)."""

    inferred: Triples
    problems: list[str]
    asserted_size: int
    """How many distinct asserted triples the closure holds (all of them, in both engines)."""

    @property
    def full_size(self) -> int:
        """Triples of asserted and inferred together (no inference is an asserted triple)."""
        return self.asserted_size + len(self.inferred)


def is_noise(subject: Token, predicate: Token, obj: Token) -> bool:
    """True for an inferred triple that is not RDF 1.1 or tells a consumer nothing."""
    if subject.startswith(_LITERAL):
        return True  # not RDF 1.1: strict parsers reject it
    if predicate in _REFLEXIVE_NOISE and subject == obj:
        return True  # x owl:sameAs x, C rdfs:subClassOf C, ...
    if predicate == _TYPE and (obj in _TRIVIAL_TYPES or obj.startswith(_BLANK)):
        return True  # everything is a resource and a thing; anonymous classes (owl:unionOf) name nothing
    if subject.startswith(_BUILTIN):
        return True  # axioms about rdf:, rdfs:, owl:, xsd: terms themselves
    return False


def clean_closure(
    triples: Iterable[TermTriple],
    asserted: set[TermTriple],
    problems: list[str],
    asserted_size: int | None = None,
    new: Iterable[TermTriple] = (),
) -> Closure:
    """The published closure: asserted triples plus the inferences that are RDF 1.1 and tell a
    consumer something (see :func:`is_noise`); a blank node the input never described is dropped
    with everything said about it (owlrl's anonymous helper nodes), and so is every inference that
    names a blank node or restates an equivalence as subclass pairs (see :func:`_equivalence_classes`).

    ``triples`` is the whole closure, or, with ``asserted_size`` (how many asserted triples the
    closure holds), only the part that may hold inferences, every ``owl:equivalentClass`` triple
    of the closure among them: the fast rules know which triples they took as given from the data.
    ``new`` are more triples of the closure that are known to be none of the asserted ones (those
    the fast rules added once every asserted triple was in their set), so they are not looked up
    in ``asserted``: at a million triples those lookups were a quarter of the reasoning.

    The inferences are kept as their N-Triples lines, sorted: the order is the same whatever order
    the reasoner found them in, and the release, which sorts every graph's lines, finds them sorted."""
    triples = list(triples)
    new = list(new)
    equivalent = _equivalence_classes([*triples, *new])

    def published(triple: TermTriple) -> bool:
        return (
            not (triple[0].startswith(_BLANK) or triple[2].startswith(_BLANK))  # a predicate is an IRI
            and not is_noise(*triple)
            and triple[1] != _OWLRL_ERRORS[0]
            and triple[2] != _OWLRL_ERRORS[1]
            and not (
                triple[1] == _SUBCLASS and equivalent.get(triple[0], triple[0]) == equivalent.get(triple[2])
            )
        )

    kept = 0
    inferred = []
    for triple in triples:  # distinct: a set (fast rules) or a graph (owlrl)
        if triple in asserted:
            kept += 1
        elif published(triple):
            inferred.append(triple)
    inferred += [triple for triple in new if published(triple)]
    kept = kept if asserted_size is None else asserted_size
    lines = token_lines(inferred)
    lines.sort()
    return Closure(Triples.of_lines(lines, written_here=True), problems, kept)


def _equivalence_classes(triples: Iterable[TermTriple]) -> dict[Token, Token]:
    """Each class that is owl:equivalentClass to another, mapped to one representative of its group.

    The published closure leaves out the ``rdfs:subClassOf`` pairs that merely restate an
    equivalence (A and B each a subclass of the other): such cycles make SHACL engines that follow
    the hierarchy without a guard (rdf-validate-shacl) recurse forever, and they say nothing the
    ``owl:equivalentClass`` axiom does not. Inferences about blank nodes (the vocabularies' list
    cells) are left out too, so that no blank node spans two named graphs of the release."""
    parent: dict[Token, Token] = {}

    def find(node: Token) -> Token:
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    for s, p, o in triples:
        if p == _EQUIVALENT_CLASS and s != o:
            parent.setdefault(s, s)
            parent.setdefault(o, o)
            parent[find(s)] = find(o)
    return {node: find(node) for node in parent}
