"""Everything known about one thing: its properties and values with labels, the links that point
at it, and the article's words that support it.

Used by ``bytedance-kg describe`` and by each thing's page. It only asks SPARQL questions, through
a ``run`` function, so it works the same on the embedded store and on an external endpoint.
Statements come from the asserted graph (what the data says); labels may come from the reasoned
graph, which also holds the vendored vocabularies' labels of the standard properties.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from bytedance_kg.project.errors import UsageError
from bytedance_kg.project.namespaces import ID
from bytedance_kg.sparql.querying import QueryOutcome, compact, expand_iri

ID_BASE = ID
Run = Callable[[str], QueryOutcome]
"""Runs a SPARQL query on the graph the description is drawn from."""


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

    fact: ox.NamedNode | ox.Literal | ox.BlankNode
    exact: str
    start: int
    end: int


@dataclass
class Description:
    iri: str
    label: str
    properties: dict[tuple[str, str], list[Value]] = field(default_factory=dict)
    """Values by (property label, property IRI)."""
    referenced_by: dict[tuple[str, str], list[Value]] = field(default_factory=dict)
    quotes: list[Support] = field(default_factory=list)

    def values(self, iri: str) -> list[Value]:
        return next((v for (label, p), v in self.properties.items() if p == iri), [])


_LABEL = """OPTIONAL {{ {var} <http://www.w3.org/2000/01/rdf-schema#label> ?{name}En
                      FILTER (LANGMATCHES(LANG(?{name}En), "en")) }}
            OPTIONAL {{ {var} <http://www.w3.org/2000/01/rdf-schema#label> ?{name}Any }}"""


def _label_of(row: dict, name: str) -> str:
    for key in (name + "En", name + "Any"):
        if key in row:
            return row[key].value
    return ""


def _first_label(run: Run, thing: ox.NamedNode) -> str:
    rows = run(f"SELECT * WHERE {{ VALUES ?t {{ {thing} }} {_LABEL.format(var='?t', name='l')} }}").rows or []
    return min((_label_of(r, "l") for r in rows), default="")


def resolve(run: Run, name: str) -> ox.NamedNode:
    """An IRI, a prefixed name, or a label or name of a thing (case-insensitive) to its IRI."""
    if name.startswith("<") or ":" in name:
        try:
            iri = ox.NamedNode(expand_iri(name))
        except UsageError:
            iri = None
        if iri is not None and run(f"ASK {{ {iri} ?p ?o }}").boolean:
            return iri
    # The name is compared in a FILTER, so it is bound inside the pattern, as a serialised literal.
    query = f"""
        SELECT DISTINCT ?thing WHERE {{
          VALUES ?wanted {{ {ox.Literal(name)} }}
          VALUES ?property {{ <http://www.w3.org/2000/01/rdf-schema#label> <https://schema.org/name> }}
          ?thing ?property ?name .
          FILTER (STRSTARTS(STR(?thing), "{ID_BASE}") && LCASE(STR(?name)) = LCASE(?wanted))
        }} ORDER BY ?thing"""
    # only IRIs pass the FILTER (STR of a blank node is an error), which this says to the type checker
    rows = [t for r in run(query).rows or [] if isinstance(t := r["thing"], ox.NamedNode)]
    if len(rows) == 1:
        return rows[0]
    if len(rows) > 1:
        raise UsageError(f"'{name}' names several things: {', '.join(compact(r) for r in rows)}")
    raise UsageError(
        f"nothing is called '{name}' (give an IRI, a prefixed name such as person:liang-rubo, or a label)"
    )


def _grouped(
    rows: list[dict], term: str, labels: Callable[[ox.NamedNode], str]
) -> dict[tuple[str, str], list[Value]]:
    groups: dict[tuple[str, str], list[Value]] = {}
    for row in rows:
        prop = row["p"]
        key = (labels(prop) or compact(prop), prop.value)
        value = row[term]
        groups.setdefault(key, []).append(
            Value(value, _label_of(row, "v") if isinstance(value, ox.NamedNode) else "")
        )
    return {k: groups[k] for k in sorted(groups, key=lambda k: (k[0].lower(), k[1]))}


def describe(run: Run, thing: ox.NamedNode, labels_run: Run | None = None) -> Description:
    """Gather the description of ``thing``; property labels are looked up with ``labels_run``."""
    labels_run = labels_run or run
    cache: dict[str, str] = {}

    def label(term: ox.NamedNode) -> str:
        if term.value not in cache:
            cache[term.value] = _first_label(labels_run, term)
        return cache[term.value]

    result = Description(thing.value, _first_label(labels_run, thing) or _first_label(run, thing))
    own = (
        run(f"""SELECT ?p ?o ?vEn ?vAny WHERE {{ VALUES ?t {{ {thing} }} ?t ?p ?o .
                  {_LABEL.format(var="?o", name="v")} }} ORDER BY ?p ?o""").rows
        or []
    )
    result.properties = _grouped(_dedupe(own, "o"), "o", label)
    inverse = (
        run(f"""SELECT ?p ?s ?vEn ?vAny WHERE {{ VALUES ?t {{ {thing} }} ?s ?p ?t . FILTER (ISIRI(?s))
                      {_LABEL.format(var="?s", name="v")} }} ORDER BY ?p ?s""").rows
        or []
    )
    result.referenced_by = _grouped(_dedupe(inverse, "s"), "s", label)
    quotes = (
        run(f"""
        PREFIX kg: <https://w3id.org/bytedance-kg/ontology#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT DISTINCT ?fact ?exact ?start ?end WHERE {{
          VALUES ?thing {{ {thing} }}
          {{ ?thing kg:mention ?quote . BIND (?thing AS ?fact) }}
          UNION {{ ?thing prov:wasDerivedFrom ?quote . BIND (?thing AS ?fact) }}
          UNION {{ ?fact ?p ?thing ; prov:wasDerivedFrom ?quote . }}
          ?quote oa:hasSelector ?t , ?s . ?t oa:exact ?exact . ?s oa:start ?start ; oa:end ?end .
        }} ORDER BY ?start ?end ?fact""").rows
        or []
    )
    result.quotes = [
        Support(r["fact"], r["exact"].value, int(r["start"].value), int(r["end"].value)) for r in quotes
    ]
    return result


def _dedupe(rows: list[dict], term: str) -> list[dict]:
    """One row per (property, value): a value with several labels keeps the first (English) one."""
    seen: dict[tuple[str, str], dict] = {}
    for row in rows:
        seen.setdefault((row["p"].value, str(row[term])), row)
    return list(seen.values())


def render(description: Description) -> str:
    """The description as readable text."""
    lines = [f"{description.label or compact(ox.NamedNode(description.iri))}", f"<{description.iri}>", ""]
    for title, groups in (("", description.properties), ("referenced by", description.referenced_by)):
        if not groups:
            continue
        if title:
            lines.append(f"{title}:")
        for (label, iri), values in groups.items():
            key = f"{label} ({compact(ox.NamedNode(iri))})" if label != compact(ox.NamedNode(iri)) else label
            shown = [v.show() for v in values]
            lines.append(f"  {key}: {shown[0]}")
            lines += [f"  {' ' * len(key)}  {s}" for s in shown[1:]]
        lines.append("")
    if description.quotes:
        lines.append("in the article:")
        for q in description.quotes:
            lines.append(f"  [{q.start}:{q.end}] “{q.exact}”  ({compact(q.fact)})")
    return "\n".join(lines).rstrip() + "\n"
