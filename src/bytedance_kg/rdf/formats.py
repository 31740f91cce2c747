"""One registry of the formats the project writes: name, file extension, media type and serialiser.

The release's files, the server's documents and answers, the download types, VoID's
``dcat:mediaType``, the service description and the command line's ``--format`` all look their
formats up here, so a syntax is added (or its media type corrected) in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

HTML = "text/html"


@dataclass(frozen=True)
class RdfSyntax:
    """A syntax of RDF graphs (or datasets), and pyoxigraph's serialiser for it."""

    name: str
    """What the command line calls it (``--format``)."""
    extension: str
    media_type: str
    serialiser: ox.RdfFormat
    title: str
    """What people call it (``N-Triples``)."""
    datasets: bool = False
    """Whether it holds named graphs (N-Quads, TriG)."""


@dataclass(frozen=True)
class ResultsFormat:
    """A format of SPARQL query results, and pyoxigraph's serialiser for it."""

    name: str
    extension: str
    media_type: str
    serialiser: ox.QueryResultsFormat


RDF_SYNTAXES = (
    RdfSyntax("turtle", ".ttl", "text/turtle", ox.RdfFormat.TURTLE, "Turtle"),
    RdfSyntax("ntriples", ".nt", "application/n-triples", ox.RdfFormat.N_TRIPLES, "N-Triples"),
    RdfSyntax("jsonld", ".jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, "JSON-LD"),
    RdfSyntax("rdfxml", ".rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML, "RDF/XML"),
    RdfSyntax("nquads", ".nq", "application/n-quads", ox.RdfFormat.N_QUADS, "N-Quads", datasets=True),
    RdfSyntax("trig", ".trig", "application/trig", ox.RdfFormat.TRIG, "TriG", datasets=True),
)
"""Every RDF syntax, graph syntaxes first in the order the server prefers them."""
GRAPH_SYNTAXES = tuple(syntax for syntax in RDF_SYNTAXES if not syntax.datasets)
"""The syntaxes of one graph: what a CONSTRUCT answer, a document or a description is offered in."""
RESULTS_FORMATS = (
    ResultsFormat("json", ".srj", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ResultsFormat("xml", ".srx", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ResultsFormat("csv", ".csv", "text/csv", ox.QueryResultsFormat.CSV),
    ResultsFormat("tsv", ".tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
)
"""The SPARQL 1.1 results formats, in the server's order of preference."""


def syntax(name: str) -> RdfSyntax:
    """The RDF syntax called ``name`` (a ``KeyError`` for another)."""
    return {s.name: s for s in RDF_SYNTAXES}[name]


def results_format(name: str) -> ResultsFormat:
    """The results format called ``name`` (a ``KeyError`` for another)."""
    return {f.name: f for f in RESULTS_FORMATS}[name]


def syntax_of(extension: str) -> RdfSyntax | None:
    """The RDF syntax of a file by its extension (``.ttl``), or ``None``."""
    return next((s for s in RDF_SYNTAXES if s.extension == extension), None)


def media_type_of(extension: str) -> str | None:
    """The media type of a file by its extension (``.html`` included), or ``None``."""
    if extension == ".html":
        return HTML
    found = syntax_of(extension)
    return found.media_type if found else None
