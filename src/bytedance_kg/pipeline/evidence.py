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
  entities that only implied triples use.

A consumer leaves implied facts out by querying the default graph, and lists them with one query
over ``graph/implied`` (or the ``bytedance-kg-implied`` files).
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph
from rdflib.namespace import ORG, RDF, TIME
from rdflib.term import Node

from bytedance_kg.project.namespaces import KG, new_graph

Triple = tuple[Node, Node, Node]
TIME_TYPES = (
    TIME.Instant,
    TIME.Interval,
    TIME.ProperInterval,
    TIME.TemporalEntity,
    TIME.DateTimeDescription,
    KG.VagueInstant,
    KG.VaguePeriod,
    KG.RelativeInstant,
)
SHORTCUTS = (ORG.headOf, ORG.memberOf)
"""Plain triples that restate a membership (its member, and its organisation)."""


@dataclass
class Split:
    stated: Graph
    implied: Graph


def _shortcuts(data: Graph, record: Node) -> set[Triple]:
    member, organisation = data.value(record, ORG.member), data.value(record, ORG.organization)
    if member is None or organisation is None:
        return set()
    return {(member, p, organisation) for p in SHORTCUTS if (member, p, organisation) in data}


def split(data: Graph) -> Split:
    """Route every triple of ``data`` into the stated or the implied graph (see the module's text)."""
    implied_records = set(data.subjects(KG.evidence, KG.implied))
    stated_records = set(data.subjects(KG.evidence, KG.stated))
    implied: set[Triple] = set()
    for record in implied_records:
        implied |= set(data.triples((record, None, None)))
        if (record, RDF.type, KG.Statement) in data:
            s, p, o = (data.value(record, part) for part in (RDF.subject, RDF.predicate, RDF.object))
            # a missing part would be a wildcard in ``in data`` (the shapes require all three)
            if s is not None and p is not None and o is not None and (s, p, o) in data:
                implied.add((s, p, o))
        implied |= _shortcuts(data, record)
    # a triple that points at an implied record (an event's time that is only read from context)
    # is implied too
    implied |= {t for t in data.triples((None, None, None)) if t[2] in implied_records}
    backed = {t for record in stated_records for t in _shortcuts(data, record)}
    implied -= backed
    # time entities that only implied triples refer to go with them (and so on, down their parts)
    changed = True
    while changed:
        changed = False
        for node in {o for _, _, o in implied}:
            if not any((node, RDF.type, kind) in data for kind in TIME_TYPES):
                continue
            outgoing = set(data.triples((node, None, None)))
            if not outgoing <= implied and set(data.triples((None, None, node))) <= implied:
                implied |= outgoing
                changed = True
    stated = new_graph()
    implied_graph = new_graph()
    for triple in data:
        (implied_graph if triple in implied else stated).add(triple)
    return Split(stated, implied_graph)
