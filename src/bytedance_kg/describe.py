"""Everything known about one thing: its properties and values with labels, the links that point
at it, and the article's words that support it.

Used by ``bytedance-kg describe``. Statements come from the asserted graph (what the data says);
labels come from the reasoned graph, which also holds the vendored vocabularies' labels of the
standard properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from bytedance_kg.errors import UsageError
from bytedance_kg.querying import compact, expand_iri

ID_BASE = "https://w3id.org/bytedance-kg/id/"
_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"


@dataclass(frozen=True)
class Value:
    term: ox.NamedNode | ox.Literal | ox.BlankNode
    label: str

    def show(self) -> str:
        if isinstance(self.term, ox.Literal):
            suffix = f"@{self.term.language}" if self.term.language else ""
            return f'"{self.term.value}"{suffix}'
        text = compact(self.term)
        return f"{self.label} ({text})" if self.label and self.label != text else text


@dataclass(frozen=True)
class Support:
    """A quote that supports the thing or a fact about it."""

    fact: str
    exact: str
    start: int
    end: int


@dataclass
class Description:
    iri: str
    label: str
    properties: dict[str, list[Value]] = field(default_factory=dict)
    referenced_by: dict[str, list[Value]] = field(default_factory=dict)
    quotes: list[Support] = field(default_factory=list)


def _label(store: ox.Store, term: ox.NamedNode | ox.Literal | ox.BlankNode) -> str:
    if not isinstance(term, ox.NamedNode):
        return ""
    labels = sorted(
        (q.object.language != "en", q.object.value)
        for q in store.quads_for_pattern(term, ox.NamedNode(_LABEL[1:-1]), None)
        if isinstance(q.object, ox.Literal)
    )
    return labels[0][1] if labels else ""


def resolve(store: ox.Store, name: str) -> ox.NamedNode:
    """An IRI, prefixed name, or a label or name of a thing (case-insensitive, exact) to its IRI."""
    if name.startswith("<") or ":" in name:
        try:
            iri = ox.NamedNode(expand_iri(name))
        except UsageError:
            iri = None
        if iri is not None and next(iter(store.quads_for_pattern(iri, None, None)), None) is not None:
            return iri
    # The wanted name is used in a FILTER, so it is bound inside the pattern (a trailing VALUES
    # clause would join only after the FILTER had run); it goes in as a serialised RDF literal.
    query = f"""
        SELECT DISTINCT ?thing WHERE {{
          VALUES ?wanted {{ {ox.Literal(name)} }}
          VALUES ?property {{ <http://www.w3.org/2000/01/rdf-schema#label> <https://schema.org/name> }}
          ?thing ?property ?name .
          FILTER (STRSTARTS(STR(?thing), "{ID_BASE}") && LCASE(STR(?name)) = LCASE(?wanted))
        }} ORDER BY ?thing"""
    rows = [r["thing"] for r in store.query(query)]
    if len(rows) == 1:
        return rows[0]
    if len(rows) > 1:
        raise UsageError(f"'{name}' names several things: {', '.join(compact(r) for r in rows)}")
    raise UsageError(f"nothing is called '{name}' (give an IRI, a prefixed name such as person:liang-rubo, or a label)")


def _property_key(labels: ox.Store, predicate: ox.NamedNode) -> str:
    label = _label(labels, predicate)
    return f"{label} ({compact(predicate)})" if label else compact(predicate)


def describe(store: ox.Store, thing: ox.NamedNode, labels: ox.Store | None = None) -> Description:
    """Gather the description of ``thing`` from ``store``, with labels from ``labels`` (or ``store``)."""
    labels = labels or store
    result = Description(thing.value, _label(labels, thing))
    for quad in sorted(store.quads_for_pattern(thing, None, None), key=lambda q: (q.predicate.value, str(q.object))):
        key = _property_key(labels, quad.predicate)
        result.properties.setdefault(key, []).append(Value(quad.object, _label(labels, quad.object)))
    for quad in sorted(store.quads_for_pattern(None, None, thing), key=lambda q: (q.predicate.value, str(q.subject))):
        if isinstance(quad.subject, ox.NamedNode):
            key = _property_key(labels, quad.predicate)
            result.referenced_by.setdefault(key, []).append(Value(quad.subject, _label(labels, quad.subject)))
    query = """
        PREFIX kg: <https://w3id.org/bytedance-kg/ontology#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT DISTINCT ?fact ?exact ?start ?end WHERE {
          { ?thing kg:mention ?quote . BIND (?thing AS ?fact) }
          UNION { ?thing prov:wasDerivedFrom ?quote . BIND (?thing AS ?fact) }
          UNION { ?fact ?p ?thing ; prov:wasDerivedFrom ?quote . }
          ?quote oa:hasSelector ?t , ?s . ?t oa:exact ?exact . ?s oa:start ?start ; oa:end ?end .
        } ORDER BY ?start ?end ?fact"""
    for row in store.query(query + f"\nVALUES ?thing {{ {thing} }}"):
        result.quotes.append(Support(compact(row["fact"]), row["exact"].value, int(row["start"].value),
                                     int(row["end"].value)))
    return result


def render(description: Description) -> str:
    """The description as readable text."""
    lines = [f"{description.label or compact(ox.NamedNode(description.iri))}", f"<{description.iri}>", ""]
    for title, groups in (("", description.properties), ("referenced by", description.referenced_by)):
        if not groups:
            continue
        if title:
            lines.append(f"{title}:")
        for key, values in groups.items():
            shown = [v.show() for v in values]
            lines.append(f"  {key}: {shown[0]}")
            lines += [f"  {' ' * len(key)}  {s}" for s in shown[1:]]
        lines.append("")
    if description.quotes:
        lines.append("in the article:")
        for q in description.quotes:
            lines.append(f"  [{q.start}:{q.end}] “{q.exact}”  ({q.fact})")
    return "\n".join(lines).rstrip() + "\n"
