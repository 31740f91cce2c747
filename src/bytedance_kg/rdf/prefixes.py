"""A graph written with the project's prefixes that it uses, and no other.

Three writers need this: a thing's documents on the server (Turtle and RDF/XML), the command
line's graph answers, and the release's ``ontology.rdf``. pyoxigraph's serialisers decide when
they write a prefixed name (a bare number needs no ``xsd:``; RDF/XML abbreviates only properties)
and declare every prefix they are given, so the text is written once with every candidate and
read back for the names it used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pyoxigraph as ox

from bytedance_kg.project.namespaces import ALL_PREFIXES
from bytedance_kg.rdf.terms import serialized

_LITERALS_AND_IRIS = re.compile(r'"(?:[^"\\]|\\.)*"|<[^>]*>')
"""In Turtle written by pyoxigraph: a quoted string (escapes inside) or a full IRI, where a colon
is no prefix's."""


def _turtle_body(turtle: str) -> str:
    return "\n".join(line for line in turtle.splitlines() if not line.startswith("@prefix "))


PREFIX_USES: dict[ox.RdfFormat, Callable[[str], list[str]]] = {
    ox.RdfFormat.TURTLE: lambda text: re.findall(
        r"(?:^|[\s(\[,;]|\^\^)([A-Za-z][\w.-]*)?:", _LITERALS_AND_IRIS.sub(" ", _turtle_body(text)), re.M
    ),
    ox.RdfFormat.RDF_XML: lambda text: re.findall(r"</?([A-Za-z][\w.-]*):", text),
}
"""The prefix names a text in each syntax uses: Turtle's prefixed names outside literals and IRIs,
RDF/XML's element names (its subjects and objects are written as full IRIs)."""

_ITS_DECLARATION = b' xmlns:its="http://www.w3.org/2005/11/its"'
"""pyoxigraph's RDF/XML serialiser declares the ITS namespace (for RDF 1.2's ``its:dir``) in every
document, whether or not a literal has a direction."""


def candidates(triples: Sequence[ox.Triple]) -> dict[str, str]:
    """The project's prefixes whose namespace one of the triples' IRIs (datatypes too) is in."""
    iris = {
        term.value
        for t in triples
        for term in (t.subject, t.predicate, t.object, getattr(t.object, "datatype", None))
        if isinstance(term, ox.NamedNode)
    }
    return {
        name: namespace
        for name, namespace in sorted(ALL_PREFIXES.items())
        if any(iri.startswith(namespace) for iri in iris)
    }


def with_used_prefixes(triples: Sequence[ox.Triple], fmt: ox.RdfFormat) -> bytes:
    """``triples`` in ``fmt`` (Turtle or RDF/XML), declaring the project's prefixes it uses and no
    other; in any other syntax, as pyoxigraph writes it."""
    if fmt not in PREFIX_USES:
        return serialized(triples, format=fmt)
    offered = candidates(triples)
    used = set(PREFIX_USES[fmt](serialized(triples, format=fmt, prefixes=offered).decode("utf-8")))
    text = serialized(triples, format=fmt, prefixes={n: ns for n, ns in offered.items() if n in used})
    if fmt == ox.RdfFormat.RDF_XML and b"its:" not in text:
        text = text.replace(_ITS_DECLARATION, b"", 1)
    return text
