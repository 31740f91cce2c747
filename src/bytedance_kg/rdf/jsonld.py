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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import cast

import pyoxigraph as ox

from bytedance_kg.rdf.lexical import XSD_INTEGER, XSD_STRING
from bytedance_kg.rdf.terms import serialized

_CANONICAL_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_SAFE_INTEGER = 2**53 - 1
"""The largest integer a JSON reader that holds numbers as doubles reads exactly."""
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
        once per stem, of which a graph has few, not once per IRI, of which it has millions. An IRI
        that no namespace shortens but whose scheme is a prefix's name (``<schema:foo>``) is
        refused: written as it is, it would be read back as that prefix's term, another IRI."""
        known = self._compacted.get(iri)
        if known is None:
            found = _STEM.match(iri)
            stem = found.group() if found else ""
            best = self._best.get(stem)
            if best is None:
                best = self._best[stem] = self._longest_namespace(stem)
            if not best and iri.partition(":")[0] in self.prefixes:
                raise ValueError(
                    f"<{iri}> cannot be written with this context: JSON-LD would read it as a compact "
                    f"IRI, its scheme being the prefix {iri.partition(':')[0]!r} (a prefixed name "
                    "written between angle brackets?)"
                )
            known = self._compacted[iri] = f"{best}:{iri[len(self.prefixes[best]) :]}" if best else iri
        return known

    def _longest_namespace(self, stem: str) -> str:
        """The prefix name of the longest namespace ``stem`` starts with (the first so named), or ``""``."""
        best = ""
        for name, namespace in self.prefixes.items():
            if stem.startswith(namespace) and len(namespace) > len(self.prefixes.get(best, "")):
                best = name
        return best


_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescaped(match: re.Match[str]) -> str:
    short, long, char = match.groups()
    if char is None:
        return chr(int(short or long, 16))
    if char not in _ECHAR:
        raise ValueError(f"not an N-Triples escape: \\{char}")
    return _ECHAR[char]


def _literal_text(body: bytes) -> str:
    """A literal's lexical form from the text between its quotes (escapes resolved)."""
    text = body.decode("utf-8")
    return _ESCAPE.sub(_unescaped, text) if "\\" in text else text


class _Writer:
    """Keys and values of N-Triples tokens under one context (:class:`Context`): each distinct
    node, predicate-and-IRI pair and kind of literal is worked out once, since the same ones come
    back on every node of a large graph; the lines are never made into terms (at a million
    triples, making and reading pyoxigraph terms was half of the JSON-LD's time)."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self._nodes: dict[bytes, str] = {}
        self.iri_entries: dict[bytes, tuple[str, object]] = {}
        """A line's ``P O`` text, for an object that is not a literal → its key and value."""
        self._literal_kinds: dict[tuple[bytes, bytes], tuple[str, str, str]] = {}

    def node(self, token: bytes) -> str:
        """An IRI value's or a blank node's JSON-LD id (remembered: values come back)."""
        known = self._nodes.get(token)
        if known is None:
            known = self._nodes[token] = self.subject(token)
        return known

    def subject(self, token: bytes) -> str:
        """A node's id (a compact IRI, or ``_:label``), not remembered: each subject comes once."""
        if token.startswith(b"_:"):
            return token.decode()
        if token.startswith(b"<<"):
            raise TypeError(f"JSON-LD 1.1 has no triple terms: {token.decode()}")
        if token.startswith(b"<") and token.endswith(b">") and b"\\" not in token:
            return self.context.compact(token[1:-1].decode())
        raise ValueError(f"not an N-Triples IRI or blank node: {token.decode(errors='replace')}")

    def iri_entry(self, rest: bytes, predicate: bytes, obj: bytes) -> tuple[str, object]:
        """The key and value of an object that is a node (``rest`` is the line's ``P O``), remembered
        under ``rest``: a type is ``type`` and the node's id, whatever the context says."""
        if predicate == _TYPE_TOKEN:
            known: tuple[str, object] = "type", self.node(obj)
        else:
            iri, node = predicate[1:-1].decode(), self.node(obj)
            terms = self.context
            if iri in terms.iri_valued:
                known = terms.iri_valued[iri], node
            else:
                known = terms.plain.get(iri) or terms.compact(iri), {"id": node}
        self.iri_entries[rest] = known
        return known

    def literal_entry(self, predicate: bytes, obj: bytes) -> tuple[str, object, str | None]:
        """The key, the compacted value, and (for a language map) the language of a literal."""
        body, _, suffix = obj[1:].rpartition(b'"')
        kind = self._literal_kinds.get((predicate, suffix))
        how, key, extra = kind if kind is not None else self._literal_kind(predicate, suffix)
        text = _literal_text(body)
        if how == "text":
            return key, text, None
        if how == "map":
            return key, text, extra
        if how == "language":
            return key, {"@value": text, "@language": extra}, None
        if how == "integer" and _CANONICAL_INTEGER.fullmatch(text) and len(text.lstrip("-")) <= 16:
            number = int(text)
            # a JSON number reads back as this very xsd:integer where every JSON reader holds it
            # exactly: JSON-LD reads one of 10^21 or more as an xsd:double, and many readers
            # (JavaScript's, pyoxigraph's) hold a number as a double, exact only up to 2^53
            if abs(number) <= _SAFE_INTEGER:
                return key, number, None
        return key, {"@value": text, "@type": extra}, None

    def _literal_kind(self, predicate: bytes, suffix: bytes) -> tuple[str, str, str]:
        """How a literal of ``predicate`` with this ``suffix`` (``@tag``, ``^^<datatype>`` or
        nothing) is written: ``text`` (the value alone), ``map`` (a language map's entry),
        ``language`` or ``typed`` (a value object), ``integer`` (a number if canonical, else typed);
        with the key and the language or compacted datatype."""
        terms, iri = self.context, predicate[1:-1].decode()
        plain = terms.plain.get(iri) or terms.compact(iri)
        if suffix.startswith(b"@"):
            language = suffix[1:].decode()
            keyed = terms.languaged.get((iri, language.lower()))
            if keyed is not None:
                known = "text", keyed, ""
            elif iri in terms.language_maps:
                known = "map", terms.language_maps[iri], language
            else:
                known = "language", plain, language
        else:
            if suffix and not (suffix.startswith(b"^^<") and suffix.endswith(b">")):
                raise ValueError(f"not an N-Triples literal's ending: {suffix.decode(errors='replace')}")
            datatype = suffix[3:-1].decode() if suffix else XSD_STRING
            if (iri, datatype) in terms.typed:
                known = "text", terms.typed[(iri, datatype)], ""
            elif datatype == XSD_STRING:
                known = "text", plain, ""
            else:
                known = "integer" if datatype == XSD_INTEGER else "typed", plain, terms.compact(datatype)
        self._literal_kinds[(predicate, suffix)] = known
        return known


_ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode
"""JSON without indentation: the C encoder (``indent`` makes ``json`` fall back to Python)."""
_TYPE_TOKEN = f"<{RDF_TYPE}>".encode()


def _sort_key(value: object) -> str:
    """Values sort by their JSON text, but a string (the usual value) by itself, without encoding
    it: not quite the order of their JSON texts (``"a b"`` and ``"a"`` swap, and a string after
    ``{`` comes after the objects), but the same every time, which is all the writer needs."""
    return value if isinstance(value, str) else _ENCODE(value)


def _node_object(subject: bytes, rests: list[bytes], writer: _Writer) -> dict:
    """The node object of one subject from its lines' ``P O`` texts: keys and values by
    :meth:`_Writer.iri_entry` (looked up whole, for an object that is a node: most of them) and
    :meth:`_Writer.literal_entry`, arrays sorted."""
    values: dict[str, list] = {}
    languages: dict[str, dict[str, list[str]]] = {}
    iri_entries = writer.iri_entries
    for rest in rests:
        known = iri_entries.get(rest)
        if known is None:
            predicate, obj = rest.split(b" ", 1)
            if not obj.startswith(b'"'):
                known = writer.iri_entry(rest, predicate, obj)
            else:
                key, value, language = writer.literal_entry(predicate, obj)
                if language is not None:  # a language-tagged string in a language map
                    languages.setdefault(key, {}).setdefault(language, []).append(cast(str, value))
                    values.setdefault(key, [])
                    continue
                known = key, value
        key, value = known
        items = values.get(key)
        if items is None:
            values[key] = [value]
        else:
            items.append(value)
    node: dict[str, object] = {"id": writer.subject(subject)}
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


def node_objects(lines: Iterable[bytes], context: dict) -> Iterator[dict]:
    """One node object a subject, in the order the subjects come, from N-Triples lines as
    pyoxigraph writes them (``S P O .``, one space between terms, which an IRI or a blank node
    never holds): ``lines`` must come grouped by subject (sorted N-Triples are), so that a node is
    written as soon as its lines are read and the document is never held whole (at a million
    triples its dicts took gigabytes)."""
    writer = _Writer(Context.parse(context))
    subject = b""
    rests: list[bytes] = []
    for line in lines:
        if not line.endswith(b" .\n"):  # a subject that is a triple term is refused as a node
            raise ValueError(
                f"not an N-Triples line as pyoxigraph writes it: {line.decode(errors='replace')!r}"
            )
        this, rest = line[:-3].split(b" ", 1)
        if this != subject:
            if rests:
                yield _node_object(subject, rests, writer)
            subject, rests = this, []
        rests.append(rest)
    if rests:
        yield _node_object(subject, rests, writer)


def encoded_nodes(lines: Iterable[bytes], context: dict) -> Iterator[str]:
    """Each node object (:func:`node_objects`) as one line of JSON, keys sorted."""
    return map(_ENCODE, node_objects(lines, context))


def _lines(triples: Iterable[ox.Triple]) -> list[bytes]:
    """Triples as N-Triples lines, in their order (pyoxigraph writes one a line)."""
    return serialized(list(triples), format=ox.RdfFormat.N_TRIPLES).splitlines(keepends=True)


def jsonld_text(triples: Iterable[ox.Triple], context: dict) -> str:
    """The document's text, from triples grouped by subject (:func:`node_objects`): the context
    indented, then one node object a line, keys sorted. A line per node keeps a diff of two
    releases to the nodes that changed, and lets ``json`` encode each node in C; indenting the
    whole document took a third of the writer's time."""
    nodes = list(encoded_nodes(_lines(triples), context))
    graph = "[\n    " + ",\n    ".join(nodes) + "\n  ]" if nodes else "[]"
    return jsonld_head(context) + graph + "\n}\n"


def compact_document(triples: Iterable[ox.Triple], context: dict) -> dict:
    """The JSON-LD document of ``triples`` (in any order): the context inlined, one node object per
    subject in ``@graph``, every array sorted, so the same graph always gives the same text."""
    return {"@context": context, "@graph": list(node_objects(sorted(_lines(triples)), context))}


def jsonld_head(context: dict) -> str:
    """The document's text up to its ``@graph`` array: the context indented, keys sorted."""
    head = json.dumps({"@context": context}, indent=2, sort_keys=True, ensure_ascii=False)
    return head.removesuffix("\n}") + ',\n  "@graph": '
