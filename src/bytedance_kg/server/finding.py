"""Finding things without SPARQL: every thing the release names, by kind, and a ranked search over
their names, alternative names, descriptions and the article's words quoted for them.

The index is read from the graph with one query per release (:meth:`Site.per_release`) and searched
in memory: the data are a few hundred things, so a scan is faster than any query, and the ranking
(a name before a description before a quote) is ours to choose rather than a text index's.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from bytedance_kg.project.namespaces import ID, KG
from bytedance_kg.sparql.querying import QueryOutcome

NAME_PROPERTIES = {
    "http://www.w3.org/2000/01/rdf-schema#label": "name",
    "http://www.w3.org/2004/02/skos/core#prefLabel": "name",
    "https://schema.org/name": "name",
    "http://xmlns.com/foaf/0.1/name": "name",
    "http://www.w3.org/2004/02/skos/core#altLabel": "also called",
    "https://schema.org/alternateName": "also called",
}
TEXT_PROPERTIES = {
    "https://schema.org/description": "description",
    "http://www.w3.org/2004/02/skos/core#definition": "definition",
    "http://www.w3.org/ns/oa#exact": "quoted words",
}
WEIGHT = {
    "name": 1.0,
    "also called": 0.9,
    "description": 0.4,
    "definition": 0.4,
    "quoted words": 0.3,
    "address": 0.25,
}
"""How much a match in each field counts: a thing is found first by what it is called; its address
last, as its words are made from its name or its quote (a quote found by its words shows them)."""

_INDEX_QUERY = """
SELECT ?thing ?field ?text WHERE {{
  {{ ?thing ?field ?text VALUES ?field {{ {fields} }} }}
  UNION {{ ?thing <http://www.w3.org/ns/oa#hasSelector>/<http://www.w3.org/ns/oa#exact> ?text
           BIND (<http://www.w3.org/ns/oa#exact> AS ?field) }}
  UNION {{ ?thing a ?text BIND (<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> AS ?field) }}
  FILTER (isIRI(?thing) && STRSTARTS(STR(?thing), "{id}") && !CONTAINS(STR(?thing), "#"))
}}"""
_CLASS_LABELS = """
SELECT ?class ?label WHERE {{
  ?class <http://www.w3.org/2000/01/rdf-schema#label> ?label
  FILTER (STRSTARTS(STR(?class), "{kg}") && LANGMATCHES(LANG(?label), "en"))
}}"""


def folded(text: str) -> str:
    """Text for matching: case and accents folded, punctuation to spaces (``Zhū`` finds ``zhu``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


@dataclass
class Thing:
    """One thing of the release, as the search and the index pages show it."""

    iri: str
    kind: str
    """The first segment of its path under ``id/`` (``person``, ``unit``): what the index pages list by."""
    label: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    """(field, text) pairs: names, alternative names, descriptions, quoted words."""
    classes: set[str] = field(default_factory=set)

    @property
    def slug(self) -> str:
        return self.iri[len(ID) :]

    @property
    def name(self) -> str:
        """Its label; a quote's own words (quotes have no label); else its address."""
        if self.label:
            return self.label
        words = next((text for field, text in self.fields if field == "quoted words"), "")
        if words:
            return "“" + (words if len(words) <= 80 else words[:79] + "…") + "”"
        return self.slug


@dataclass(frozen=True)
class Hit:
    thing: Thing
    score: float
    field: str
    """What matched: ``name``, ``also called``, ``address``, ``description``, ``quoted words``."""
    text: str
    """The matching text (a name, or the words of a description or quote)."""


@dataclass(frozen=True)
class Kind:
    name: str
    """The path segment (``person``)."""
    label: str
    """What the ontology calls most of its things (``person``), else the segment."""
    things: list[Thing]


def _score(query: list[str], phrase: str, text: str) -> float:
    """How well ``text`` (folded) answers the folded query: 1 for the text itself; less for a text
    that starts with it, less for one that holds its words in a row, less again for one whose words
    start with each query word, least for one that holds each; 0 if a word is missing. Within a
    tier, the more of the text the query covers, the better (``Zhu Jun`` before ``Zhu Jun,
    overseeing product development of Flow``)."""
    covered = len(phrase) / max(len(text), 1)
    # One letter beside other words (the "a" and "b" of "A/B") must be a whole word: as a prefix it
    # would match every word that starts with it. Alone, it is someone typing a name's start.
    whole = {q for q in query if len(q) == 1 and len(query) > 1}
    if text == phrase:
        return 1.0
    if text.startswith(phrase if query[-1] not in whole else phrase + " "):
        return 0.7 + 0.2 * covered
    if f" {phrase} " in f" {text} ":  # the words in a row: "a b" in "an a b testing company"
        return 0.6 + 0.1 * covered
    words = text.split()
    if all(any(w == q if q in whole else w.startswith(q) for w in words) for q in query):
        return 0.5 + 0.1 * covered
    if all(q in words if q in whole else q in text for q in query):
        return 0.2 + 0.1 * covered
    return 0.0


class Finder:
    """The release's things, by IRI and by kind, and the search over them."""

    def __init__(self, things: list[Thing], class_labels: dict[str, str]) -> None:
        self.things = sorted(things, key=lambda t: (folded(t.name), t.iri))
        self._folded = {t.iri: [(f, folded(text), text) for f, text in t.fields] for t in self.things}
        by_kind: dict[str, list[Thing]] = {}
        for thing in self.things:
            by_kind.setdefault(thing.kind, []).append(thing)
        self.kinds = {
            name: Kind(name, _kind_label(name, members, class_labels), members)
            for name, members in sorted(by_kind.items())
        }

    @classmethod
    def of(cls, run: Callable[[str], QueryOutcome]) -> Finder:
        """The index, from the graph ``run`` queries (the asserted and implied data)."""
        fields = " ".join(f"<{p}>" for p in [*NAME_PROPERTIES, *TEXT_PROPERTIES])
        rows = run(_INDEX_QUERY.format(fields=fields, id=ID)).rows or []
        things: dict[str, Thing] = {}
        for row in rows:
            iri, prop, value = row["thing"].value, row["field"].value, row["text"]
            thing = things.setdefault(iri, Thing(iri, iri[len(ID) :].split("/", 1)[0]))
            if isinstance(value, ox.NamedNode):
                thing.classes.add(value.value)
                continue
            if not isinstance(value, ox.Literal) or (value.language and not value.language.startswith("en")):
                continue
            label = NAME_PROPERTIES.get(prop) or TEXT_PROPERTIES[prop]
            thing.fields.append((label, value.value))
            if prop == "http://www.w3.org/2000/01/rdf-schema#label" and (
                not thing.label or value.value < thing.label
            ):
                thing.label = value.value
        for thing in things.values():
            thing.fields.append(("address", thing.slug.replace("/", " ").replace("-", " ")))
            thing.fields.sort()
        labels = run(_CLASS_LABELS.format(kg=KG)).rows or []
        return cls(list(things.values()), {r["class"].value: r["label"].value for r in labels})

    def get(self, iri: str) -> Thing | None:
        return next((t for t in self.things if t.iri == iri), None)

    def near(self, text: str, count: int = 5) -> list[Thing]:
        """Things whose name or address is close to ``text`` (a typo: ``hong dinkun``), closest first."""
        wanted = folded(text)
        names: dict[str, Thing] = {}
        for thing in self.things:
            for name in (folded(thing.name), folded(thing.slug.rsplit("/", 1)[-1].replace("-", " "))):
                names.setdefault(name, thing)
        return [names[n] for n in difflib.get_close_matches(wanted, list(names), n=count, cutoff=0.75)]

    def search(self, text: str, kind: str | None = None) -> list[Hit]:
        """Every thing that matches every word of ``text``, best first: by what matched (a name before
        a description before a quote), then by how (the whole name, its start, the start of words)."""
        phrase = folded(text)
        query = phrase.split()
        if not query:
            return []
        hits = []
        for thing in self.things if kind is None else self.kinds.get(kind, Kind(kind, kind, [])).things:
            best: tuple[float, str, str] | None = None
            for name, folded_text, original in self._folded[thing.iri]:
                score = WEIGHT[name] * _score(query, phrase, folded_text)
                if score and (best is None or score > best[0]):
                    best = (score, name, original)
            if best is not None:
                hits.append(Hit(thing, *best))
        hits.sort(key=lambda h: (-h.score, folded(h.thing.name)))
        return hits


def _kind_label(name: str, members: list[Thing], class_labels: dict[str, str]) -> str:
    """The label of the project's class its identifiers are named after (``event``), else of a class
    every one of a kind's things has (``membership``), else its path segment (``time``, whose things
    are instants, intervals and vague periods): the ontology, not this module, names the kinds."""
    named = [iri for iri in class_labels if iri.rsplit("#", 1)[-1].lower() == name]
    if named:
        return class_labels[named[0]]
    shared = set.intersection(*(t.classes for t in members)) & class_labels.keys() if members else set()
    return class_labels[min(shared)] if len(shared) == 1 else name
