"""What a thing's document holds, and how it is written in each RDF syntax.

A document is a bounded description a client can use without asking anything else:

* the thing's **outgoing** triples, with those of its own ``#`` IRIs (a quote's selectors), from the
  graph that states them (:func:`~bytedance_kg.server.site.document_graphs`);
* its **incoming** triples (``?s ?p <thing>``) from that same graph, at most :data:`INCOMING_LIMIT`,
  so that a client learns of the membership that gives a person his role;
* its **reasoned types** from the standard vocabularies (schema.org, ORG, PROV-O, FOAF, OWL-Time,
  SKOS, OA...), read from the reasoned graph: what a client that knows no ``kg:`` term can use;
* the **labels** (``rdfs:label``, ``schema:name``) of every other node it links to or is linked
  from, types included, so a client can show a link without fetching its target.

The parts come from fixed CONSTRUCT queries through ``Backend.document`` as N-Triples, and are
written here: so the embedded store and an external endpoint give the same document, Turtle and
RDF/XML declare only the prefixes they use, and JSON-LD is compacted with the published context
(inlined, as in the release's files, so no reader fetches anything).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox

from bytedance_kg.project.graphs import FULL_GRAPHS, GRAPH
from bytedance_kg.project.namespaces import STANDARD_PREFIXES
from bytedance_kg.project.releasefiles import CONTEXT_FILE
from bytedance_kg.rdf.formats import GRAPH_SYNTAXES, syntax
from bytedance_kg.rdf.jsonld import RDF_TYPE, jsonld_text
from bytedance_kg.rdf.prefixes import with_used_prefixes
from bytedance_kg.release.writer import load_context
from bytedance_kg.server.site import Site, document_graphs

INCOMING_LIMIT = 1000
"""Incoming triples a document holds at most (a hub of a large graph could have millions); the
response says when some were left out (``X-Result-Truncated: incoming``)."""
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SCHEMA = STANDARD_PREFIXES["schema"]
SCHEMA_NAME = SCHEMA + "name"
LABELS = (RDFS_LABEL, SCHEMA_NAME)
"""The properties a linked thing's label is read from."""
TYPE_VOCABULARIES = tuple(
    namespace for name, namespace in STANDARD_PREFIXES.items() if name not in ("owl", "rdfs", "xsd")
)
"""Where the reasoned types a document states come from: the standard vocabularies, less the
modelling ones (``owl:Thing``, ``owl:NamedIndividual`` and ``rdfs:Resource`` tell a client nothing)."""
NTRIPLES = syntax("ntriples")
JSON = "application/json"
"""Answered with the JSON-LD document: JSON-LD is JSON, and its inlined context makes it self-describing."""

Node = ox.NamedNode | ox.BlankNode


@dataclass(frozen=True)
class ResourceDescription:
    """The triples of a thing's document, ordered for reading: the thing, its ``#`` IRIs, then the
    things that point at it and the labels of what it links to (grouped by subject)."""

    thing: ox.NamedNode
    triples: list[ox.Triple]
    incoming_cut: bool
    """Whether some incoming triples were left out (more than :data:`INCOMING_LIMIT`)."""

    def values(self, subject: Node, predicate: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        """The objects of ``subject``'s ``predicate`` in the document."""
        return [
            t.object
            for t in self.triples
            if t.subject == subject and t.predicate.value == predicate and not isinstance(t.object, ox.Triple)
        ]

    def label(self, subject: Node) -> str | None:
        """The subject's name or label, English first; ``None`` when the document has none."""
        found = [v for p in (SCHEMA_NAME, RDFS_LABEL) for v in self.values(subject, p)]
        literals = [v for v in found if isinstance(v, ox.Literal)]
        english = [v for v in literals if (v.language or "").lower().startswith("en")]
        return (english or literals)[0].value if literals else None


def constructed(site: Site, query: str, graphs: list[str]) -> list[ox.Triple]:
    """A fixed CONSTRUCT's triples, asked for as N-Triples (which every store writes the same)."""
    body = site.backend.document(query, NTRIPLES.media_type, graphs)
    return [quad.triple for quad in ox.parse(body, format=NTRIPLES.serialiser)]


def _stated(site: Site, thing: ox.NamedNode) -> list[ox.Triple]:
    """Outgoing triples of the thing and its ``#`` IRIs, and incoming ones from other subjects (one
    past the limit, so that a cut shows), from the graph that states them."""
    own = f'?s = {thing} || STRSTARTS(STR(?s), CONCAT(STR({thing}), "#"))'
    query = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
      {{ ?s ?p ?o FILTER ({own}) }}
      UNION
      {{ SELECT ?s ?p ?o WHERE {{ ?s ?p {thing} FILTER (!({own})) BIND ({thing} AS ?o) }}
         ORDER BY ?s ?p LIMIT {INCOMING_LIMIT + 1} }}
    }}"""
    return constructed(site, query, document_graphs(site, thing))


def _reasoned_types(site: Site, thing: ox.NamedNode) -> list[ox.Triple]:
    vocabularies = " || ".join(f'STRSTARTS(STR(?type), "{namespace}")' for namespace in TYPE_VOCABULARIES)
    query = f"CONSTRUCT {{ {thing} a ?type }} WHERE {{ {thing} a ?type FILTER ({vocabularies}) }}"
    return constructed(site, query, FULL_GRAPHS)


def _labels(site: Site, nodes: list[ox.NamedNode]) -> list[ox.Triple]:
    """``rdfs:label`` and ``schema:name`` of ``nodes``, from the reasoned graph (which holds the
    vendored vocabularies' labels of their classes) and the implied one (its records' labels)."""
    if not nodes:
        return []
    values = " ".join(str(node) for node in nodes)
    properties = " ".join(f"<{p}>" for p in LABELS)
    query = f"""CONSTRUCT {{ ?x ?p ?label }} WHERE {{
      VALUES ?x {{ {values} }} VALUES ?p {{ {properties} }} ?x ?p ?label }}"""
    return constructed(site, query, [*FULL_GRAPHS, str(GRAPH["implied"])])


def describe_resource(site: Site, thing: ox.NamedNode) -> ResourceDescription:
    """The thing's document: three fixed queries (stated, reasoned types, labels), merged."""
    stated = _stated(site, thing)
    outgoing = [t for t in stated if _own(thing, t.subject)]
    incoming = sorted((t for t in stated if not _own(thing, t.subject)), key=str)
    kept = incoming[:INCOMING_LIMIT]
    triples = {*outgoing, *kept, *_reasoned_types(site, thing)}
    described = {t.subject for t in triples if _own(thing, t.subject)}
    linked = {
        node
        for t in triples
        for node in (t.subject, t.object)
        if isinstance(node, ox.NamedNode) and node not in described
    }
    triples.update(_labels(site, sorted(linked, key=str)))
    return ResourceDescription(
        thing, sorted(triples, key=lambda t: _reading_order(thing, t)), len(incoming) > len(kept)
    )


def _own(thing: ox.NamedNode, term: object) -> bool:
    """Whether ``term`` is the thing or one of its ``#`` IRIs (what the document describes)."""
    return isinstance(term, ox.NamedNode) and (term == thing or term.value.startswith(thing.value + "#"))


def _reading_order(thing: ox.NamedNode, triple: ox.Triple) -> tuple[int, str, int, str, str]:
    """The thing first, then its ``#`` IRIs, then every other subject; each subject's triples
    together (Turtle and the JSON-LD writer group by subject), types first."""
    rank = 0 if triple.subject == thing else 1 if _own(thing, triple.subject) else 2
    kind = 0 if triple.predicate.value == RDF_TYPE else 1
    return rank, str(triple.subject), kind, str(triple.predicate), str(triple.object)


def render(site: Site, description: ResourceDescription, media_type: str) -> bytes:
    """A thing's document in ``media_type`` (see :func:`render_triples`)."""
    return render_triples(site, description.triples, media_type)


def render_triples(site: Site, triples: list[ox.Triple], media_type: str) -> bytes:
    """``triples`` in ``media_type``: one of :data:`~bytedance_kg.rdf.formats.GRAPH_SYNTAXES`' media
    types, or ``application/json`` (the JSON-LD document, compacted with the published context);
    Turtle and RDF/XML declare only the prefixes they use."""
    if media_type in (syntax("jsonld").media_type, JSON):
        context = load_context(site.dist / CONTEXT_FILE)
        return jsonld_text(triples, context).encode("utf-8")
    fmt = next(s.serialiser for s in GRAPH_SYNTAXES if s.media_type == media_type)
    return with_used_prefixes(triples, fmt)


def search_summary(site: Site, thing: ox.NamedNode) -> bytes:
    """What a thing's page embeds for search engines (``<script type="application/ld+json">``):
    schema.org's own context, the thing's schema.org types and name, and its other schema.org
    properties, a linked thing by its IRI and name. The full description is the document; this is
    the part a crawler that reads only schema.org understands."""
    description = describe_resource(site, thing)
    summary: dict[str, object] = {"@context": "https://schema.org", "@id": thing.value}
    types = sorted(
        o.value[len(SCHEMA) :]
        for o in description.values(thing, RDF_TYPE)
        if isinstance(o, ox.NamedNode) and o.value.startswith(SCHEMA)
    )
    if types:
        summary["@type"] = types if len(types) > 1 else types[0]
    name = description.label(thing)
    if name is not None:
        summary["name"] = name
    for predicate in sorted({t.predicate.value for t in description.triples if t.subject == thing}):
        if not predicate.startswith(SCHEMA) or predicate == SCHEMA_NAME:
            continue
        values = [
            _summary_value(description, v)
            for v in description.values(thing, predicate)
            if not isinstance(v, ox.BlankNode)  # nothing a crawler could name
        ]
        if not values:
            continue
        summary[predicate[len(SCHEMA) :]] = values[0] if len(values) == 1 else values
    return json.dumps(summary, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _summary_value(description: ResourceDescription, value: ox.NamedNode | ox.Literal) -> object:
    """A literal as its text; a linked thing as its IRI, with its name when the document has one."""
    if isinstance(value, ox.Literal):
        return value.value
    linked: dict[str, str] = {"@id": value.value}
    label = description.label(value)
    if label is not None:
        linked["name"] = label
    return linked
