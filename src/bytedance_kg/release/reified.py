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
from rdflib.namespace import ORG, PROV, RDF, RDFS, SKOS

from bytedance_kg.project.namespaces import KG
from bytedance_kg.rdf.terms import ox_iri
from bytedance_kg.rdf.triples import Index, Term, Triples

REIFIES = ox_iri(str(RDF) + "reifies")
BOOKKEEPING = {
    ox_iri(p)
    for p in (
        RDF.type,
        RDFS.label,
        PROV.wasDerivedFrom,
        KG.evidence,
        SKOS.editorialNote,
        RDF.subject,
        RDF.predicate,
        RDF.object,
    )
}
"""A record's own description, not facts it carries."""
_EVIDENCE, _IMPLIED, _STATEMENT = ox_iri(KG.evidence), ox_iri(KG.implied), ox_iri(KG.Statement)
_PARTS = (ox_iri(RDF.subject), ox_iri(RDF.predicate), ox_iri(RDF.object))
_MEMBER, _ORGANIZATION = ox_iri(ORG.member), ox_iri(ORG.organization)
_SHORTCUTS = (ox_iri(ORG.headOf), ox_iri(ORG.memberOf))


def reifications(index: Index, implied: Triples) -> list[ox.Triple]:
    """``record rdf:reifies <<( s p o )>>`` for every fact of the data ``index`` holds (stated and
    implied) that has a record, where ``implied`` is the implied part of the data (see
    :mod:`bytedance_kg.pipeline.evidence`, whose split made the index).

    A triple's reifier says what its graph says: a stated record does not reify those of its own
    triples that are implied (the 2025 meeting's other presenters, a time read from context).
    Those are reified by the implied record that backs them instead: the ``kg:Statement`` that
    reifies them, or the implied record they point at (``when:during-2025-roles``)."""
    out: set[ox.Triple] = set()
    data = index.data
    implied_records = index.subjects(_EVIDENCE, _IMPLIED)

    def add(record: Term, s: Term, p: Term, o: Term) -> None:
        if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode) or isinstance(record, ox.Literal):
            return
        triple = ox.Triple(s, p, o)
        if triple not in index or (triple in implied and record not in implied_records):
            return
        out.add(ox.Triple(record, REIFIES, triple))

    records = {t.subject for t in data if t.predicate == _EVIDENCE}
    for record in records:
        if _STATEMENT in index.types(record):
            s, p, o = (index.value(record, part) for part in _PARTS)
            # a record without all three parts names no triple (the shapes require all three)
            if s is not None and p is not None and o is not None:
                add(record, s, p, o)
            continue
        member, organisation = index.value(record, _MEMBER), index.value(record, _ORGANIZATION)
        if member is not None and organisation is not None:
            for shortcut in _SHORTCUTS:
                add(record, member, shortcut, organisation)
        # the record's own triples: in the data by construction, with a subject and a predicate
        # that may be reified, so only the stated-or-implied rule of ``add`` applies (most of the
        # reifications: at a million triples, building and looking up each again took seconds)
        own_record_implied = record in implied_records
        for triple in index.outgoing.get(record, ()):
            if triple.predicate not in BOOKKEEPING and (own_record_implied or triple not in implied):
                out.add(ox.Triple(record, REIFIES, triple))
    for triple in implied:
        s, p, o = triple.subject, triple.predicate, triple.object
        if o in implied_records and s not in implied_records and p not in BOOKKEEPING:
            add(o, s, p, o)  # a stated record's link to what is only read from context
    return list(out)
