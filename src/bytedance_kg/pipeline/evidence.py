"""Stated and implied: which triples a consumer sees by default.

Curators write every fact once, as a record (a membership, an event, a claim, an observation, or a
``kg:Statement`` reifying one plain triple) with its quote and ``kg:evidence kg:stated`` or
``kg:implied``. The build then routes every triple of the data into one of two named graphs, the way
Wikidata keeps its "truthy" direct claims apart from the full statements:

* ``graph/data``: what the article **states**, with the records that say so. This is the default
  graph of every published variant and of the endpoint; reasoning runs on it alone, so nothing
  inferred rests on an implied fact.
* ``graph/implied``: what the article only **implies**: each implied record with all its triples,
  the plain triple an implied ``kg:Statement`` reifies, the ``org:headOf``/``org:memberOf``
  shortcuts of an implied membership (unless a stated record backs the same shortcut), every triple
  that points at an implied record (an event whose time is only read from context), and the time
  entities and blank nodes that only implied triples use. A blank node named by both is an error.

A consumer leaves implied facts out by querying the default graph, and lists them with one query
over ``graph/implied`` (or the ``bytedance-kg-implied`` files).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress
from operator import not_

import pyoxigraph as ox
from rdflib.namespace import ORG, RDF, TIME

from bytedance_kg.project.namespaces import KG
from bytedance_kg.rdf.terms import ox_iri
from bytedance_kg.rdf.triples import Index, Term, Triples

TIME_TYPES = {
    ox_iri(kind)
    for kind in (
        TIME.Instant,
        TIME.Interval,
        TIME.ProperInterval,
        TIME.TemporalEntity,
        TIME.DateTimeDescription,
        KG.VagueInstant,
        KG.VaguePeriod,
        KG.RelativeInstant,
    )
}
SHORTCUTS = (ox_iri(ORG.headOf), ox_iri(ORG.memberOf))
"""Plain triples that restate a membership (its member, and its organisation)."""
_EVIDENCE, _STATED, _IMPLIED = ox_iri(KG.evidence), ox_iri(KG.stated), ox_iri(KG.implied)
_STATEMENT, _MEMBER, _ORGANIZATION = ox_iri(KG.Statement), ox_iri(ORG.member), ox_iri(ORG.organization)
_PARTS = (ox_iri(RDF.subject), ox_iri(RDF.predicate), ox_iri(RDF.object))


@dataclass
class Split:
    stated: Triples
    implied: Triples
    index: Index
    """The data's index the split was made with, kept for the RDF 1.2 variant's reifications,
    which join the same records (a second index of a million triples cost about a second of the
    write stage; keeping this one raised the build's peak by about 150 MiB)."""
    spanning: list[str]
    """A problem for each blank node the split would leave in both graphs (:func:`_spanning`)."""


def _shortcuts(index: Index, record: Term) -> set[ox.Triple]:
    member, organisation = index.value(record, _MEMBER), index.value(record, _ORGANIZATION)
    if not isinstance(member, ox.NamedNode | ox.BlankNode) or organisation is None:
        return set()  # a missing or literal member is the shapes' to report
    candidates = (ox.Triple(member, p, organisation) for p in SHORTCUTS)
    return {t for t in candidates if t in index}


def _carry(index: Index, implied: set[ox.Triple]) -> None:
    """Add to ``implied`` what a node says that only implied triples refer to, and so on down its
    parts: a time entity's (an event's time read from context needs no stated time), and a blank
    node's (``[ rdfs:label "..." ]`` under an implied record), which a named graph cannot share
    with another: each graph is published, and loaded, on its own."""
    pending = {t.object for t in implied}
    while pending:
        node = pending.pop()
        if not isinstance(node, ox.BlankNode) and not index.types(node) & TIME_TYPES:
            continue
        if all(t in implied for t in index.incoming.get(node, ())):
            for triple in index.outgoing.get(node, ()):
                if triple not in implied:
                    implied.add(triple)
                    pending.add(triple.object)


def _spanning(index: Index, implied: set[ox.Triple]) -> list[str]:
    """A problem for each blank node that would be in both graphs (a stated and an implied triple
    name it), naming one of each: a blank node is local to its graph's file, so a consumer who
    loads both would find two. Such a node needs an IRI."""
    problems = []
    nodes = {n for t in implied for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)}
    for node in sorted(nodes, key=str):
        naming = [*index.incoming.get(node, ()), *index.outgoing.get(node, ())]
        stated = next((t for t in naming if t not in implied), None)
        if stated is not None:
            one = next(t for t in naming if t in implied)
            problems.append(
                f"a blank node is named both by what the article states ({_shown(stated, index)}) and "
                f"by what it only implies ({_shown(one, index)}): a graph's blank node cannot be shared "
                "with another, give it an IRI"
            )
    return problems


def _shown(triple: ox.Triple, index: Index) -> str:
    """A triple for a message, its blank nodes as ``[]`` (their labels are the parser's, which the
    data file does not hold); one whose subject is a blank node says which thing it is under."""
    shown = " ".join("[]" if isinstance(t, ox.BlankNode) else str(t) for t in triple)
    above = _named_above(index, triple.subject) if isinstance(triple.subject, ox.BlankNode) else None
    return shown if above is None else f"{shown}, under {above}"


def _named_above(index: Index, node: ox.BlankNode) -> ox.NamedNode | None:
    """The nearest thing with an IRI that a blank node is nested under, going up the triples that
    name it, if there is one."""
    seen: set[Term] = {node}
    level: list[Term] = [node]
    while level:
        up: list[Term] = []
        for below in level:
            for triple in index.incoming.get(below, ()):
                if isinstance(triple.subject, ox.NamedNode):
                    return triple.subject
                if triple.subject not in seen:
                    seen.add(triple.subject)
                    up.append(triple.subject)
        level = up
    return None


def split(data: Triples) -> Split:
    """Route every triple of ``data`` into the stated or the implied graph (see the module's text)."""
    index = Index(data)
    implied_records = index.subjects(_EVIDENCE, _IMPLIED)
    stated_records = index.subjects(_EVIDENCE, _STATED)
    implied: set[ox.Triple] = set()
    for record in implied_records:
        implied.update(index.outgoing.get(record, ()))
        if _STATEMENT in index.types(record):
            s, p, o = (index.value(record, part) for part in _PARTS)
            # a missing or misplaced part is the shapes' to report (they require all three)
            if isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode) and o is not None:
                reified = ox.Triple(s, p, o)
                if reified in index:
                    implied.add(reified)
        implied |= _shortcuts(index, record)
    # a triple that points at an implied record (an event's time that is only read from context)
    # is implied too
    for record in implied_records:
        implied.update(index.incoming.get(record, ()))
    implied -= {t for record in stated_records for t in _shortcuts(index, record)}
    _carry(index, implied)
    spanning = _spanning(index, implied)
    # one membership test a triple, then each share taken in the data's order by C loops
    flags = list(map(implied.__contains__, data))
    kept = list(map(not_, flags))
    stated, implied_share = list(compress(data, kept)), list(compress(data, flags))
    if not data.has_lines:
        return Split(Triples(stated, distinct=True), Triples(implied_share, distinct=True), index, spanning)
    # the data's lines are made (the build's stores are filled from them): each share takes its
    # own, which the writers would otherwise serialise again (0.5 s at a million triples)
    lines = data.lines()
    return Split(
        Triples.with_lines(stated, list(compress(lines, kept)), data.written_here),
        Triples.with_lines(implied_share, list(compress(lines, flags)), data.written_here),
        index,
        spanning,
    )
