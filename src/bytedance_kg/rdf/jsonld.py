"""Compacted JSON-LD of a graph, written directly from its triples with the project's context.

rdflib's JSON-LD serialiser compacts through a generic algorithm and was a fifth of the time of
writing the release (and pyoxigraph writes only expanded JSON-LD). Our context is simple: prefixes,
plain aliases, and terms that fix a value's kind (``"@type": "@id"``, a datatype, a language, or
a language map); integers in canonical form are written as JSON numbers, which JSON-LD reads
back as ``xsd:integer``. So each triple's key and value are chosen here by those rules, the way a
JSON-LD compactor would for this context: a term whose definition fits the value, else a compact
IRI with a full value object. The release tests read the result back through pyLD (an independent
processor) and require it to give exactly the graph it was written from.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import cast

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
_CANONICAL_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_GENERAL_DELIMITERS = ("/", "#", ":", "?", "[", "]", "@")
_STEM = re.compile(r".*[/#:?\[\]@](?=.)", re.DOTALL)
"""An IRI up to its last general delimiter before its end (greedy: the last one)."""


@dataclass
class Context:
    """The parts of a JSON-LD context that compaction uses."""

    prefixes: dict[str, str] = field(default_factory=dict)
    """Prefix name to namespace IRI."""
    plain: dict[str, str] = field(default_factory=dict)
    """Property IRI to a term that takes any value."""
    iri_valued: dict[str, str] = field(default_factory=dict)
    """Property IRI to a term whose values are IRIs (``"@type": "@id"``)."""
    typed: dict[tuple[str, str], str] = field(default_factory=dict)
    """(property IRI, datatype IRI) to a term that coerces that datatype."""
    language_maps: dict[str, str] = field(default_factory=dict)
    """Property IRI to a term whose values are a language map."""
    languaged: dict[tuple[str, str], str] = field(default_factory=dict)
    """(property IRI, language tag) to a term that fixes that language (``"@language": "en"``)."""
    _compacted: dict[str, str] = field(default_factory=dict)
    _best: dict[str, str] = field(default_factory=dict)
    """An IRI's stem to the prefix name of its longest namespace (:meth:`compact`)."""

    @classmethod
    def parse(cls, context: dict) -> Context:
        out = cls()
        for key, value in context.items():
            if isinstance(value, str) and value.endswith(_GENERAL_DELIMITERS) and not value.startswith("@"):
                out.prefixes[key] = value
        for key, value in context.items():
            if key.startswith("@") or key in out.prefixes or value in ("@id", "@type"):
                continue
            definition = value if isinstance(value, dict) else {"@id": value}
            iri = out.expand(definition["@id"])
            if definition.get("@container") == "@language":
                out.language_maps[iri] = key
            elif definition.get("@type") == "@id":
                out.iri_valued[iri] = key
            elif "@language" in definition:
                out.languaged[(iri, definition["@language"].lower())] = key
            elif "@type" in definition:
                out.typed[(iri, out.expand(definition["@type"]))] = key
            else:
                out.plain[iri] = key
        return out

    def expand(self, value: str) -> str:
        prefix, colon, local = value.partition(":")
        return self.prefixes[prefix] + local if colon and prefix in self.prefixes else value

    def compact(self, iri: str) -> str:
        """A compact IRI with the longest matching prefix, or the IRI itself (remembered: the
        same IRIs come back on every node).

        A namespace ends with a general delimiter and is shorter than the IRI, so it is a prefix
        of the IRI's stem (up to its last delimiter before the end): the namespaces are searched
        once per stem, of which a graph has few, not once per IRI, of which it has hundreds of
        thousands at a million triples."""
        known = self._compacted.get(iri)
        if known is None:
            found = _STEM.match(iri)
            stem = found.group() if found else ""
            best = self._best.get(stem)
            if best is None:
                best = self._best[stem] = self._longest_namespace(stem)
            known = self._compacted[iri] = f"{best}:{iri[len(self.prefixes[best]) :]}" if best else iri
        return known

    def _longest_namespace(self, stem: str) -> str:
        """The prefix name of the longest namespace ``stem`` starts with (the first so named), or ``""``."""
        best = ""
        for name, namespace in self.prefixes.items():
            if stem.startswith(namespace) and len(namespace) > len(self.prefixes.get(best, "")):
                best = name
        return best


def _node(term: ox.NamedNode | ox.BlankNode | ox.Triple, context: Context) -> str:
    if isinstance(term, ox.NamedNode):
        return context.compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    raise TypeError(f"JSON-LD 1.1 has no triple terms: {term}")


def _entry(
    predicate: str, obj: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, context: Context
) -> tuple[str, object, str | None]:
    """The key, the compacted value, and (for a language map) the language."""
    if not isinstance(obj, ox.Literal):
        if predicate in context.iri_valued:
            return context.iri_valued[predicate], _node(obj, context), None
        return context.plain.get(predicate) or context.compact(predicate), {"id": _node(obj, context)}, None
    text, language = obj.value, obj.language
    if language:
        keyed = context.languaged.get((predicate, language.lower()))
        if keyed is not None:
            return keyed, text, None
        if predicate in context.language_maps:
            return context.language_maps[predicate], text, language
        key = context.plain.get(predicate) or context.compact(predicate)
        return key, {"@value": text, "@language": language}, None
    datatype = obj.datatype.value
    if (predicate, datatype) in context.typed:
        return context.typed[(predicate, datatype)], text, None
    plain = context.plain.get(predicate)
    key = context.compact(predicate) if plain is None else plain
    if datatype == XSD_STRING:
        return key, text, None
    if datatype == XSD_INTEGER and _CANONICAL_INTEGER.fullmatch(text):
        return key, int(text), None  # a JSON number reads back as this very xsd:integer
    return key, {"@value": text, "@type": context.compact(datatype)}, None


_ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode
"""JSON without indentation: the C encoder (``indent`` makes ``json`` fall back to Python)."""


def _sort_key(value: object) -> str:
    """Values sort by their JSON text, but a string (the usual value) by itself, without encoding
    it: not quite the order of their JSON texts (``"a b"`` and ``"a"`` swap, and a string after
    ``{`` comes after the objects), but the same every time, which is all the writer needs."""
    return value if isinstance(value, str) else _ENCODE(value)


def _node_object(subject: ox.NamedNode | ox.BlankNode | ox.Triple, triples: list, terms: Context) -> dict:
    """The node object of one subject from its triples: keys by :func:`_entry`, arrays sorted."""
    values: dict[str, list] = defaultdict(list)
    languages: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for triple in triples:
        predicate, obj = triple.predicate.value, triple.object  # each read makes a new object
        if predicate == RDF_TYPE and not isinstance(obj, ox.Literal):
            values["type"].append(_node(obj, terms))
            continue
        key, value, language = _entry(predicate, obj, terms)
        if language is None:
            values[key].append(value)
        else:
            languages[key][language].append(cast(str, value))  # a language-tagged string
            values.setdefault(key, [])
    node: dict[str, object] = {"id": _node(subject, terms)}
    for key, items in values.items():
        if key in languages:
            node[key] = {
                lang: texts[0] if len(texts) == 1 else sorted(texts)
                for lang, texts in sorted(languages[key].items())
            }
        elif len(items) == 1:
            node[key] = items[0]
        else:
            node[key] = sorted(items, key=_sort_key)
    return node


def node_objects(triples: Iterable[ox.Quad] | Iterable[ox.Triple], context: dict) -> Iterator[dict]:
    """One node object a subject, in the order the subjects come: ``triples`` must come grouped by
    subject (sorted N-Triples are), so that a node is written as soon as its triples are read and
    the document is never held whole (at a million triples its dicts took gigabytes)."""
    terms = Context.parse(context)
    subject = None
    group: list = []
    for triple in triples:
        if triple.subject != subject:
            if group:
                yield _node_object(group[0].subject, group, terms)
            subject, group = triple.subject, []
        group.append(triple)
    if group:
        yield _node_object(group[0].subject, group, terms)


def compact_document(triples: Iterable[ox.Triple], context: dict) -> dict:
    """The JSON-LD document of ``triples`` (in any order): the context inlined, one node object per
    subject in ``@graph``, every array sorted, so the same graph always gives the same text."""
    grouped: list[ox.Triple] = sorted(triples, key=lambda t: str(t.subject))
    return {"@context": context, "@graph": list(node_objects(grouped, context))}


def jsonld_head(context: dict) -> str:
    """The document's text up to its ``@graph`` array: the context indented, keys sorted."""
    head = json.dumps({"@context": context}, indent=2, sort_keys=True, ensure_ascii=False)
    return head.removesuffix("\n}") + ',\n  "@graph": '


def encoded_nodes(triples: Iterable[ox.Quad] | Iterable[ox.Triple], context: dict) -> Iterator[str]:
    """Each node object (:func:`node_objects`) as one line of JSON, keys sorted."""
    return map(_ENCODE, node_objects(triples, context))


def jsonld_text(triples: Iterable[ox.Quad] | Iterable[ox.Triple], context: dict) -> str:
    """The document's text, from triples grouped by subject (:func:`node_objects`): the context
    indented, then one node object a line, keys sorted. A line per node keeps a diff of two
    releases to the nodes that changed, and lets ``json`` encode each node in C; indenting the
    whole document took a third of the writer's time."""
    nodes = list(encoded_nodes(triples, context))
    graph = "[\n    " + ",\n    ".join(nodes) + "\n  ]" if nodes else "[]"
    return jsonld_head(context) + graph + "\n}\n"
