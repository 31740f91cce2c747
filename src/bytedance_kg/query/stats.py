"""Statistics of the graph: counts by class and property, facts per quote, article coverage.

Coverage is the share of the article's sentences (see :mod:`bytedance_kg.pipeline.sentences`) that at least
one fact's quote overlaps: quotes used only to name things do not count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pyoxigraph as ox

from bytedance_kg.pipeline.sentences import Sentence, split_sentences
from bytedance_kg.project.namespaces import ID
from bytedance_kg.sparql.querying import compact

_Q = """
PREFIX kg: <https://w3id.org/bytedance-kg/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


@dataclass
class Stats:
    triples: int
    classes: list[tuple[str, int]]
    properties: list[tuple[str, int]]
    facts: int
    quotes: int
    facts_per_quote: Counter[int]
    sentences: list[Sentence]
    covered: list[Sentence]

    @property
    def coverage(self) -> float:
        return len(self.covered) / len(self.sentences) if self.sentences else 0.0


def _select(store: ox.Store, query: str) -> ox.QuerySolutions:
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    return solutions


def _counts(store: ox.Store, query: str) -> list[tuple[str, int]]:
    return [(compact(r[0]), int(r[1].value)) for r in _select(store, query)]


def compute(store: ox.Store, article_text: str) -> Stats:
    """Statistics of the data things (IRIs under ``id/``) in ``store``."""
    data = f'FILTER (STRSTARTS(STR(?s), "{ID}"))'
    classes = _counts(
        store,
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c {data} }} GROUP BY ?c ORDER BY DESC(?n) ?c",
    )
    properties = _counts(
        store, f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o {data} }} GROUP BY ?p ORDER BY DESC(?n) ?p"
    )
    triples = int(next(iter(_select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o {data} }}")))[0].value)
    per_quote = Counter(
        int(r[1].value)
        for r in _select(
            store,
            _Q
            + "SELECT ?q (COUNT(DISTINCT ?f) AS ?n) "
            + "WHERE { ?q a kg:Quote OPTIONAL { ?f prov:wasDerivedFrom ?q } } GROUP BY ?q",
        )
    )
    facts = int(
        next(
            iter(_select(store, _Q + "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f prov:wasDerivedFrom ?q }"))
        )[0].value
    )
    spans = [
        (int(r[0].value), int(r[1].value))
        for r in _select(
            store,
            _Q
            + "SELECT DISTINCT ?start ?end "
            + "WHERE { ?f prov:wasDerivedFrom ?q . ?q oa:hasSelector ?s . ?s oa:start ?start ; oa:end ?end }",
        )
    ]
    sentences = split_sentences(article_text)
    covered = [s for s in sentences if any(s.overlaps(a, b) for a, b in spans)]
    return Stats(triples, classes, properties, facts, sum(per_quote.values()), per_quote, sentences, covered)


def render(stats: Stats, top: int = 25) -> str:
    lines = [
        f"triples about things: {stats.triples}",
        f"fact nodes: {stats.facts}",
        f"quotes: {stats.quotes}",
        "",
    ]
    lines.append("facts per quote:")
    lines += [f"  {n} fact(s): {count} quote(s)" for n, count in sorted(stats.facts_per_quote.items())]
    lines.append("")
    lines.append(
        f"article coverage: {len(stats.covered)} of {len(stats.sentences)} sentences support a fact "
        f"({stats.coverage:.0%})"
    )
    for sentence in stats.sentences:
        if sentence not in stats.covered:
            lines.append(f"  not covered [{sentence.start}:{sentence.end}]: {sentence.text[:90]}")
    lines.append("")
    for title, rows in (("things by class", stats.classes), ("triples by property", stats.properties)):
        lines.append(f"{title} (top {top} of {len(rows)}):")
        width = max((len(name) for name, _ in rows[:top]), default=0)
        lines += [f"  {name.ljust(width)}  {count}" for name, count in rows[:top]]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
