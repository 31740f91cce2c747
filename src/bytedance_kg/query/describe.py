"""Everything known about one thing: its properties and values with labels, the links that point
at it, and the article's words that support it.

Used by ``bytedance-kg describe`` and by each thing's page. It only asks SPARQL questions, through
a ``run`` function, so it works the same on the embedded store and on an external endpoint.
Statements come from the asserted graph (what the data says); labels may come from the reasoned
graph, which also holds the vendored vocabularies' labels of the standard properties.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from bytedance_kg.project.errors import KGError, UsageError
from bytedance_kg.project.namespaces import ID
from bytedance_kg.sparql.catalogue import SavedQuery
from bytedance_kg.sparql.querying import QueryOutcome, compact, expand_iri, parse_param_term

ID_BASE = ID
Run = Callable[[str], QueryOutcome]
"""Runs a SPARQL query on the graph the description is drawn from."""


@dataclass(frozen=True)
class Value:
    term: ox.NamedNode | ox.Literal | ox.BlankNode
    label: str
    implied: bool = False
    """The triple that links the thing to this value is one the article only implies (it is in the
    implied graph, not the stated data): a reader must be told, as a consumer's query is."""

    def show(self) -> str:
        mark = "  [implied]" if self.implied else ""
        if isinstance(self.term, ox.Literal):
            suffix = f"@{self.term.language}" if self.term.language else ""
            return f'"{self.term.value}"{suffix}{mark}'
        text = compact(self.term)
        return (f"{self.label} ({text})" if self.label and self.label != text else text) + mark


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


EXIT_UNKNOWN = 4
"""Exit code: a name, slug or IRI given on the command line matches nothing in the graph."""

NAME_PROPERTIES = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    "https://schema.org/name",
    "https://schema.org/alternateName",
    "http://xmlns.com/foaf/0.1/name",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel",
)
"""The properties whose values are a thing's names, alternative names included."""


class UnknownThing(KGError):
    """A name or IRI that nothing in the graph answers to; the message suggests the nearest names."""

    exit_code = EXIT_UNKNOWN


@dataclass(frozen=True)
class NameIndex:
    """Every thing minted under the data's base with its names, slug and kinds (its types' labels),
    read once: matching a person's words against a few hundred names is quicker in Python than in
    as many queries, and the same list gives the suggestions when nothing matches."""

    names: dict[str, set[str]]
    """Each thing's IRI to its names, lower-cased."""
    kinds: dict[str, set[str]]
    """Each thing's IRI to the labels of its types, lower-cased (``team``, ``person``)."""

    @classmethod
    def read(cls, run: Run) -> NameIndex:
        properties = " ".join(f"<{p}>" for p in NAME_PROPERTIES)
        under = f'ISIRI(?thing) && STRSTARTS(STR(?thing), "{ID_BASE}")'
        names: dict[str, set[str]] = {}
        for row in run(f"SELECT DISTINCT ?thing WHERE {{ ?thing ?p ?o FILTER ({under}) }}").rows or []:
            names[row["thing"].value] = set()
        named = f"""SELECT DISTINCT ?thing ?name WHERE {{ VALUES ?p {{ {properties} }}
                      ?thing ?p ?name FILTER ({under} && ISLITERAL(?name)) }}"""
        for row in run(named).rows or []:
            names.setdefault(row["thing"].value, set()).add(row["name"].value.lower())
        kinds: dict[str, set[str]] = {}
        typed = f"""SELECT DISTINCT ?thing ?kind WHERE {{ ?thing a ?type .
                      ?type <http://www.w3.org/2000/01/rdf-schema#label> ?kind FILTER ({under}) }}"""
        for row in run(typed).rows or []:
            kinds.setdefault(row["thing"].value, set()).add(row["kind"].value.lower())
        return cls(names, kinds)

    def by_slug(self, slug: str) -> list[str]:
        """Things whose IRI ends in ``/slug`` (hash IRIs, such as a quote's selectors, are parts)."""
        wanted = slug.lower()
        return sorted(i for i in self.names if "#" not in i and i.rsplit("/", 1)[-1].lower() == wanted)

    def by_name(self, name: str) -> list[str]:
        """Things with this name or alternative name, ignoring case."""
        wanted = " ".join(name.lower().split())
        return sorted(i for i, names in self.names.items() if wanted in names)

    def by_name_and_kind(self, name: str) -> list[str]:
        """Things a name matches once the words of their kind are left out of both: "Flow team" is
        the team named "Flow", "the Seed team" the team "Seed"."""
        found = []
        for iri, names in self.names.items():
            ignored = {"the"} | {w for kind in self.kinds.get(iri, ()) for w in _words(kind)}
            wanted = [w for w in _words(name) if w not in ignored]
            if wanted and any([w for w in _words(n) if w not in ignored] == wanted for n in names):
                found.append(iri)
        return sorted(found)

    def nearest(self, text: str, count: int = 3) -> list[str]:
        """The things whose name, slug or prefixed name is closest to ``text``, nearest first: those
        with a name that has ``text`` as one of its words (``zhu``: Zhu Jun, Zhu Wenjia), shortest
        name first, then the closest spellings."""
        wanted = _words(text)
        by_word = sorted(
            (min(len(n) for n in names if _has_words(n, wanted)), iri)
            for iri, names in self.names.items()
            if "#" not in iri and any(_has_words(n, wanted) for n in names)
        )
        spelled: dict[str, str] = {}
        for iri, names in sorted(self.names.items()):
            forms = [*sorted(names), compact(ox.NamedNode(iri)).lower()]
            if "#" not in iri:
                forms.append(iri.rsplit("/", 1)[-1].lower())
            for form in forms:
                spelled.setdefault(form, iri)
        close = difflib.get_close_matches(text.lower(), list(spelled), n=count * 3, cutoff=0.6)
        return list(dict.fromkeys([*(iri for _, iri in by_word), *(spelled[c] for c in close)]))[:count]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _has_words(name: str, wanted: list[str]) -> bool:
    """Whether ``wanted`` (one or more words) occur in ``name`` as whole words, in order."""
    words = _words(name)
    return bool(wanted) and any(words[i : i + len(wanted)] == wanted for i in range(len(words)))


def known(run: Run, iri: ox.NamedNode) -> bool:
    """Whether the graph says anything with ``iri`` in it, as subject, predicate or object."""
    return bool(run(f"ASK {{ {{ {iri} ?p ?o }} UNION {{ ?s ?p {iri} }} UNION {{ ?s {iri} ?o }} }}").boolean)


def check_iri_params(query: SavedQuery, assignments: list[str], run: Run, graph: str, flag: str = "") -> None:
    """Refuse a parameter that names an IRI the graph (the query graph ``graph``, read by ``run``)
    says nothing about: the query would answer nothing, for a typo (``unit:flw``). Raises
    :class:`UnknownThing` naming it and the nearest names; ``assignments`` are well-formed (``bind``
    has read them); ``flag`` leads the message (``--param `` on the command line)."""
    for assignment in assignments:
        name, _, value = assignment.partition("=")
        term = parse_param_term(query, name, value)
        if isinstance(term, ox.NamedNode) and not known(run, term):
            raise UnknownThing(
                f"{flag}{name}={value}: the '{graph}' graph says nothing about {compact(term)}"
                + suggestion(run, value)
            )


def suggestion(run: Run, text: str, index: NameIndex | None = None) -> str:
    """``; did you mean: ...`` with the nearest names to ``text``, or a word on what to give."""
    index = index or NameIndex.read(run)
    shown = [_shown(run, iri) for iri in index.nearest(text)]
    if shown:
        return f"; did you mean: {', '.join(shown)}?"
    return (
        "; no name is near it: give a slug such as zhu-jun, a prefixed name such as person:liang-rubo, "
        "a name, or the IRI of a thing the article's graph describes"
    )


def _shown(run: Run, iri: str) -> str:
    term = ox.NamedNode(iri)
    label = _first_label(run, term)
    return f"{label} ({compact(term)})" if label else compact(term)


def resolve(run: Run, name: str) -> ox.NamedNode:
    """The thing ``name`` stands for: an IRI or prefixed name the graph knows; else the slug of a
    thing minted under the data's base (``zhu-jun``); else a name or alternative name, ignoring case;
    else a name with the words of its kind (``Flow team``). Where several match, a thing with a name
    is preferred to things without (a quote shares its slug with the thing it is about). Nothing,
    or several, is an error that says what was found or what is nearest."""
    if not name.strip():
        raise UsageError("give a name, a slug such as zhu-jun, a prefixed name or an IRI (not an empty one)")
    if name.startswith("<") or ":" in name:
        try:
            iri = ox.NamedNode(expand_iri(name))
        except UsageError:
            iri = None
        if iri is not None and run(f"ASK {{ {iri} ?p ?o }}").boolean:
            return iri
    index = NameIndex.read(run)
    for finder in (index.by_slug, index.by_name, index.by_name_and_kind):
        found = finder(name)
        if len(found) > 1:  # a thing and its quote share a slug (unit:ailab, quote:ailab): the named one
            found = [i for i in found if index.names[i]] or found
        if len(found) == 1:
            return ox.NamedNode(found[0])
        if len(found) > 1:
            raise UsageError(
                f"'{name}' names several things: {', '.join(_shown(run, i) for i in found)}; give one of them"
            )
    raise UnknownThing(f"nothing in the graph is called '{name}'{suggestion(run, name, index)}")


def _grouped(
    rows: list[dict], term: str, labels: Callable[[ox.NamedNode], str], stated: set[tuple[str, str]] | None
) -> dict[tuple[str, str], list[Value]]:
    """Values by property, each marked implied where ``stated`` (the (property, value) pairs of the
    stated graph) is given and lacks it."""
    groups: dict[tuple[str, str], list[Value]] = {}
    for row in rows:
        prop = row["p"]
        key = (labels(prop) or compact(prop), prop.value)
        value = row[term]
        implied = stated is not None and (prop.value, str(value)) not in stated
        groups.setdefault(key, []).append(
            Value(value, _label_of(row, "v") if isinstance(value, ox.NamedNode) else "", implied)
        )
    return {k: groups[k] for k in sorted(groups, key=lambda k: (k[0].lower(), k[1]))}


_OUT = "SELECT ?p ?o WHERE {{ VALUES ?t {{ {thing} }} ?t ?p ?o }}"
_IN = "SELECT ?p ?s WHERE {{ VALUES ?t {{ {thing} }} ?s ?p ?t . FILTER (ISIRI(?s)) }}"


def _pairs(run: Run, query: str, term: str) -> set[tuple[str, str]]:
    return {(row["p"].value, str(row[term])) for row in run(query).rows or []}


def describe(
    run: Run, thing: ox.NamedNode, labels_run: Run | None = None, stated_run: Run | None = None
) -> Description:
    """Gather the description of ``thing``; property labels are looked up with ``labels_run``. Where
    ``run`` reads what the article implies as well as what it states, ``stated_run`` reads the stated
    graph alone, and each value not found there is marked :attr:`Value.implied`."""
    labels_run = labels_run or run
    stated_out = _pairs(stated_run, _OUT.format(thing=thing), "o") if stated_run else None
    stated_in = _pairs(stated_run, _IN.format(thing=thing), "s") if stated_run else None
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
    result.properties = _grouped(_dedupe(own, "o"), "o", label, stated_out)
    inverse = (
        run(f"""SELECT ?p ?s ?vEn ?vAny WHERE {{ VALUES ?t {{ {thing} }} ?s ?p ?t . FILTER (ISIRI(?s))
                      {_LABEL.format(var="?s", name="v")} }} ORDER BY ?p ?s""").rows
        or []
    )
    result.referenced_by = _grouped(_dedupe(inverse, "s"), "s", label, stated_in)
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
