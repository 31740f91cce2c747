"""A thing's page for a person, not a triple store: what the graph says about it in plain words
first, then its properties with rows that say the same thing merged, the links to it read from the
page's side, and each quoted sentence of the article once, with every span that supports it marked.

It reshapes a :class:`~bytedance_kg.query.describe.Description` (the same one ``bytedance-kg
describe`` prints) and asks nothing more of the graph: the labels and kinds of linked things come
from the release's index (:mod:`.finding`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pyoxigraph as ox

from bytedance_kg.pipeline.sentences import Sentence, cut, sentence_around
from bytedance_kg.query.describe import Description, Run, Support, Value
from bytedance_kg.server.finding import Finder
from bytedance_kg.server.phrasing import VERB, from_the_objects_side, readable, unbracketed
from bytedance_kg.sparql.querying import compact

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SHOWN_ABOVE = {
    RDF_TYPE,
    "https://schema.org/description",
    "http://www.w3.org/2004/02/skos/core#definition",
}
"""Said in the page's heading already."""
PLUMBING = {
    "https://w3id.org/bytedance-kg/ontology#mention",
    "https://w3id.org/bytedance-kg/ontology#evidence",
    "http://www.w3.org/ns/prov#wasDerivedFrom",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#object",
    "http://www.w3.org/2004/02/skos/core#editorialNote",
}
"""Links that record where a fact comes from rather than what it says: left out of the summary
(the table below still shows them)."""


@dataclass(frozen=True)
class Row:
    """One row of a property table: the properties that give exactly these values."""

    properties: list[tuple[str, str]]
    """(readable label, IRI) of each property with these values."""
    values: list[Value]


@dataclass(frozen=True)
class Link:
    """A thing that links to the page's thing, and how (read from the page's side)."""

    thing: Value
    properties: list[tuple[str, str]]
    """(readable label, IRI) of each property it links by, as the triple reads."""

    @property
    def inverse(self) -> list[str]:
        """The properties' names read from the page's side (:func:`from_the_objects_side`), once each."""
        return list(dict.fromkeys(from_the_objects_side(label, iri) for label, iri in self.properties))


@dataclass(frozen=True)
class Fact:
    """A plain-words line of the summary: a linked thing whose label already says the fact (a
    membership, a claim), or a sentence made of a link."""

    kind: str
    text: str
    iri: str | None
    before: str = ""
    after: str = ""
    implied: bool = False
    """The link it is made of is one the article only implies."""
    when: str = ""
    """When it held, for a role or reporting line (``since January 2023``), from its interval."""


@dataclass
class QuotedSentence:
    """A sentence of the article once, with every span quoted for the thing marked in it."""

    sentence: Sentence
    segments: list[tuple[str, int]] = field(default_factory=list)
    """(text, how many quoted spans cover it) pieces of the sentence in order."""
    facts: list[tuple[str, str]] = field(default_factory=list)
    """(IRI, label) of each fact the marked spans support."""


def _merged(groups: dict[tuple[str, str], list[Value]]) -> list[tuple[list[tuple[str, str]], list[Value]]]:
    """Properties that give the same values (``rdfs:label``, ``schema:name`` and ``foaf:name`` all
    "Zhu Jun"; ``author`` and ``wasAttributedTo``) as one entry, in the order first seen."""
    merged: dict[tuple[str, ...], tuple[list[tuple[str, str]], list[Value]]] = {}
    for (label, iri), values in groups.items():
        key = tuple(sorted(str(v.term) for v in values))
        entry = merged.setdefault(key, ([], values))
        if readable(label, iri) not in [p[0] for p in entry[0]]:
            entry[0].append((readable(label, iri), iri))
    return list(merged.values())


def named(value: Value, finder: Finder) -> Value:
    """``value`` with a name where the graph gives it no label: a quote by its words (from the
    release's index), so that no link reads as a bare ``quote:flow-created``."""
    if value.label or not isinstance(value.term, ox.NamedNode):
        return value
    thing = finder.get(value.term.value)
    return dataclasses.replace(value, label=thing.name) if thing is not None else value


def property_rows(description: Description, finder: Finder) -> list[Row]:
    return [
        Row(props, [named(v, finder) for v in values])
        for props, values in _merged(description.properties)
        if not all(iri in SHOWN_ABOVE for _, iri in props)
    ]


def links_here(description: Description, finder: Finder) -> list[Link]:
    """Each linking thing once, with every property it links by, but for the records of where a
    fact comes from (a statement's ``rdf:object``, a ``kg:mention``): those are plumbing, in the
    thing's RDF documents, not sentences about it."""
    links: dict[str, Link] = {}
    for props, values in _merged(description.referenced_by):
        meaningful = [p for p in props if p[1] not in PLUMBING]
        for value in values if meaningful else []:
            link = links.setdefault(str(value.term), Link(named(value, finder), []))
            link.properties.extend(p for p in meaningful if p not in link.properties)
    return sorted(links.values(), key=lambda link: (link.inverse[0], link.thing.label.lower()))


_SPANS = """PREFIX time: <http://www.w3.org/2006/time#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?fact ?begin ?end ?inside WHERE {{ VALUES ?fact {{ {facts} }}
  ?fact <http://www.w3.org/ns/org#memberDuring> ?during .
  OPTIONAL {{ ?during time:hasBeginning/rdfs:label ?begin }}
  OPTIONAL {{ ?during time:hasEnd/rdfs:label ?end }}
  OPTIONAL {{ ?during time:inside/rdfs:label ?inside }} }} ORDER BY ?fact ?begin ?end ?inside"""


def time_spans(run: Run, iris: list[str]) -> dict[str, str]:
    """When each of ``iris`` that is a membership held, in words, from its ``org:memberDuring``
    interval's instants (``since January 2023``, ``until 2021``, ``2018 to 2021``, ``as of
    2024``); a membership whose interval the article does not place is left out."""
    if not iris:
        return {}
    spans: dict[str, str] = {}
    for row in run(_SPANS.format(facts=" ".join(f"<{i}>" for i in iris))).rows or []:
        begin, end, inside = (
            unbracketed(row[k].value) if k in row else "" for k in ("begin", "end", "inside")
        )
        words = _span_words(begin, end, inside)
        if words:
            spans.setdefault(row["fact"].value, words)
    return spans


def _span_words(begin: str, end: str, inside: str) -> str:
    if begin and end:
        return f"{begin} to {end}"
    if begin:
        return f"since {begin}"
    if end:
        return f"until {end}"
    return f"as of {inside}" if inside else ""


MEMBERSHIP_LINKS = {"http://www.w3.org/ns/org#member", "http://www.w3.org/ns/org#organization"}
"""How a membership links to its member and its organisation: its label names both and the role
("Hong Dingkun, technical lead of Flow"), so on either's page it is shown as it is, with no link
name before it."""


def summary(description: Description, finder: Finder, run: Run | None = None) -> list[Fact]:
    """What the graph says about the thing, in plain words: a membership by its label, which says
    it ("Hong Dingkun, technical lead of Flow", on his page and on Flow's); other links as
    "<thing> <verb> <this>" or "<link named from this side>: <thing>". With ``run``, a role says
    when it held (:func:`time_spans`)."""
    name = description.label
    facts: dict[str, Fact] = {}

    def kind_of(iri: str) -> str:
        thing = finder.get(iri)
        return finder.kinds[thing.kind].label if thing else ""

    for link in links_here(description, finder):
        iri = link.thing.term.value
        props = [label for label, p in link.properties if p not in PLUMBING]
        label = link.thing.label or compact(link.thing.term)
        if not props or iri in facts:
            continue
        if all(p in MEMBERSHIP_LINKS for _, p in link.properties):  # its label says it: "Hong Dingkun, …"
            before = after = ""
        elif all(VERB.search(p) for p in props):  # "Zhu Wenjia reports to Liang Rubo"
            before, after = "", f" {' · '.join(props)} {name}"
        else:  # read from the page's side: "presented at: all-staff meeting in 2025"
            before, after = f"{' · '.join(link.inverse)}: ", ""
        facts[iri] = Fact(kind_of(iri), label, iri, before, after, link.thing.implied)
    for row in property_rows(description, finder):
        props = [label for label, p in row.properties if p not in PLUMBING]
        if not props:
            continue
        for value in row.values:
            if not isinstance(value.term, ox.NamedNode) or value.term.value in facts:
                continue
            facts[value.term.value] = Fact(
                kind_of(value.term.value),
                value.label or compact(value.term),
                value.term.value,
                before=f"{' · '.join(props)}: ",
                implied=value.implied,
            )
    spans = time_spans(run, list(facts)) if run else {}
    timed = [dataclasses.replace(f, when=spans.get(f.iri or "", "")) for f in facts.values()]
    roles_first = sorted(timed, key=lambda f: (f.kind, f.before, f.text.lower()))
    return sorted(roles_first, key=lambda f: "membership" not in f.kind)


def quoted_sentences(
    quotes: list[Support], sentences: list[Sentence], article: str, finder: Finder
) -> list[QuotedSentence]:
    """Each sentence the quotes touch, once, in the article's order, with the union of the quoted
    spans in it marked and the facts they support listed."""
    found: dict[int, QuotedSentence] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    for quote in quotes:
        around = sentence_around(sentences, quote.start, quote.end) or [
            Sentence(quote.start, quote.end, quote.exact)
        ]
        first = Sentence(around[0].start, around[-1].end, article[around[0].start : around[-1].end])
        entry = found.setdefault(first.start, QuotedSentence(first))
        if (quote.start, quote.end) not in spans.setdefault(first.start, []):  # one quote, many facts
            spans[first.start].append((quote.start, quote.end))
        thing = finder.get(quote.fact.value) if isinstance(quote.fact, ox.NamedNode) else None
        fact = (quote.fact.value, thing.name if thing else compact(quote.fact))
        if fact not in entry.facts:
            entry.facts.append(fact)
    for start, entry in found.items():
        entry.segments = _segments(entry.sentence, spans[start], article)
    return [found[start] for start in sorted(found)]


def _segments(sentence: Sentence, spans: list[tuple[int, int]], article: str) -> list[tuple[str, int]]:
    """The sentence cut into pieces, each with how many quoted spans cover it (0: plain): a quote
    inside a wider one stays visible as a piece of its own (``Hong Dingkun as the technical lead``
    within the sentence that names all of Flow's leads)."""
    pieces: list[tuple[str, int]] = []
    for start, end, over in cut(sentence.start, sentence.end, spans):
        if pieces and pieces[-1][1] == len(over):
            pieces[-1] = (pieces[-1][0] + article[start:end], len(over))
        else:
            pieces.append((article[start:end], len(over)))
    return pieces
