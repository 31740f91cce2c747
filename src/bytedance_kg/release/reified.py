"""The RDF 1.2 variant: every direct fact names the record that carries its quote and evidence.

RDF 1.1 consumers find a fact's provenance through a record beside it (a ``kg:Statement`` that
reifies it, the membership an ``org:headOf`` restates, the event an ``schema:performer`` belongs
to). RDF 1.2 lets a triple name its reifier directly: ``record rdf:reifies <<( s p o )>>``, so one
query asks which quote supports this very triple and whether it is stated or implied::

    SELECT ?quote ?evidence WHERE {
      person:zhu-wenjia org:headOf unit:seed ~ ?record .
      ?record prov:wasDerivedFrom ?quote ; kg:evidence ?evidence }

The variant holds what the article states and what it implies (each record says which), with a
reifier for: every triple a ``kg:Statement`` reifies; every ``org:headOf``/``org:memberOf`` that
restates a membership; and every fact-bearing triple of a record itself (its participants, values,
times, what it is about), whose reifier is the record.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import ORG, PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from bytedance_kg.project.namespaces import KG
from bytedance_kg.rdf.terms import to_ox, to_ox_predicate, to_ox_subject

REIFIES = ox.NamedNode(str(RDF) + "reifies")
BOOKKEEPING = {
    RDF.type,
    RDFS.label,
    PROV.wasDerivedFrom,
    KG.evidence,
    SKOS.editorialNote,
    RDF.subject,
    RDF.predicate,
    RDF.object,
}
"""A record's own description, not facts it carries."""


def reifications(data: Graph, implied: Graph) -> list[ox.Triple]:
    """``record rdf:reifies <<( s p o )>>`` for every fact of ``data`` (stated and implied) that has a
    record, where ``implied`` is the implied part of ``data`` (see :mod:`bytedance_kg.pipeline.evidence`).

    A triple's reifier says what its graph says: a stated record does not reify those of its own
    triples that are implied (the 2025 meeting's other presenters, a time read from context).
    Those are reified by the implied record that backs them instead: the ``kg:Statement`` that
    reifies them, or the implied record they point at (``when:during-2025-roles``)."""
    out: set[ox.Triple] = set()
    implied_records = set(data.subjects(KG.evidence, KG.implied))

    def add(record: Node, s: Node, p: Node, o: Node) -> None:
        triple = (s, p, o)
        if triple not in data or (triple in implied and record not in implied_records):
            return
        reified = ox.Triple(to_ox_subject(s), to_ox_predicate(p), to_ox(o))
        out.add(ox.Triple(to_ox_subject(record), REIFIES, reified))

    records = set(data.subjects(KG.evidence, None))
    for record in records:
        if (record, RDF.type, KG.Statement) in data:
            s, p, o = (data.value(record, part) for part in (RDF.subject, RDF.predicate, RDF.object))
            # a missing part would be a wildcard in ``in data`` (the shapes require all three)
            if s is not None and p is not None and o is not None:
                add(record, s, p, o)
            continue
        member, organisation = data.value(record, ORG.member), data.value(record, ORG.organization)
        if member is not None and organisation is not None:
            for shortcut in (ORG.headOf, ORG.memberOf):
                add(record, member, shortcut, organisation)
        for p, o in data.predicate_objects(record):
            if p not in BOOKKEEPING:
                add(record, record, p, o)
    for s, p, o in implied.triples((None, None, None)):
        if o in implied_records and s not in implied_records and p not in BOOKKEEPING:
            add(o, s, p, o)  # a stated record's link to what is only read from context
    return sorted(out, key=str)
