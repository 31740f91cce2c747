"""From a protocol request to the operation to run: the guard, the answer's format, the dataset.

All the work that grows with the query text happens here, and this runs where the query will run
(inside the query worker, under its limits; on a pool thread for ``--store``), never on the
server's event loop: a 64 KiB query of 30,000 tokens costs the guard ~0.1 s, which is the
client's own share of a worker to spend, not every other client's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from bytedance_kg.project.graphs import FULL_GRAPHS
from bytedance_kg.rdf.formats import GRAPH_SYNTAXES, results_format, syntax
from bytedance_kg.server.negotiation import excluded, ranked
from bytedance_kg.sparql.guard import (
    CheckedQuery,
    FederatedQueryRefused,
    QueryRefused,
    UpdateRefused,
    check_query,
)
from bytedance_kg.sparql.results import BOOLEAN_MEDIA_TYPES, WRITERS, JsonWriter, XmlWriter

GRAPH_FORMATS = {syntax.media_type: syntax.serialiser for syntax in GRAPH_SYNTAXES}
"""CONSTRUCT and DESCRIBE answers by media type, in the server's order of preference."""


class Refused(Exception):
    """The request cannot be run: its HTTP status and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


CARRIERS = {
    results_format("xml").media_type: results_format("json").media_type,
    syntax("rdfxml").media_type: f"{syntax('jsonld').media_type} or {syntax('turtle').media_type}",
    syntax("jsonld").media_type: f"{syntax('turtle').media_type} or {syntax('ntriples').media_type}",
}
"""The formats that cannot write every answer, each with what to ask for instead. XML cannot carry
a control character, nor RDF/XML a predicate whose IRI ends in no XML name or is one of its own
terms (``rdf:li``); JSON-LD has no triple terms (RDF 1.2). SPARQL JSON and Turtle carry any answer."""


@dataclass(frozen=True)
class Operation:
    checked: CheckedQuery
    media_type: str
    others: tuple[str, ...]
    """The other offered types the client accepts, best first: the answer is written in the first
    that can carry it when ``media_type`` cannot (:data:`CARRIERS`); none left, it is refused (406)."""
    default_graphs: list[str] | None
    """``None``: the query's own dataset (FROM / FROM NAMED)."""
    named_graphs: list[str] | None
    """``None`` with default graphs given: every graph of the store."""

    @property
    def service_default(self) -> bool:
        """Whether the query runs on the service's default dataset (:func:`dataset`): neither the
        request nor the query named one."""
        return self.default_graphs == list(FULL_GRAPHS) and self.named_graphs is None


RESULTS_ALIASES = {"application/json": JsonWriter.media_type, "application/xml": XmlWriter.media_type}
"""Generic types clients send for SPARQL results (``requests``' and many a script's ``Accept``),
answered with the results type they stand for. Offered after the results types, so that ``*/*``
never picks one."""
GRAPH_ALIASES = {
    "application/json": syntax("jsonld").media_type,
    "application/xml": syntax("rdfxml").media_type,
}
"""The same generic types for a graph answer: JSON-LD is its JSON, RDF/XML its XML."""


def aliases(form: str) -> dict[str, str]:
    """The generic types an answer of this query form is offered in, and what each stands for."""
    return GRAPH_ALIASES if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_ALIASES


def offered(form: str) -> list[str]:
    """The media types an answer of this query form is offered in (aliases last)."""
    if form in ("CONSTRUCT", "DESCRIBE"):
        types = list(GRAPH_FORMATS)
    else:
        types = BOOLEAN_MEDIA_TYPES if form == "ASK" else list(WRITERS)
    return [*types, *(alias for alias, media_type in aliases(form).items() if media_type in types)]


def dataset(
    default_param: list[str] | None, named_param: list[str] | None, checked: CheckedQuery
) -> tuple[list[str] | None, list[str] | None]:
    """The RDF dataset a query runs on, as the SPARQL 1.1 Protocol (2.1.4) and Query (13.2) say:
    graphs given as protocol parameters win over the query's FROM / FROM NAMED (either list may be
    empty); a query that names its own dataset gets exactly that (unknown graphs are empty,
    nothing is fetched; FROM NAMED alone leaves the default graph empty); otherwise the service
    default: the reasoned release as the default graph, every graph of the store by name."""
    if default_param is not None or named_param is not None:
        return default_param or [], named_param or []
    if checked.has_dataset:
        return None, None
    return list(FULL_GRAPHS), None


@dataclass(frozen=True)
class ProtocolRequest:
    """What a SPARQL 1.1 Protocol request asks: the query as the client sent it, its ``Accept``
    header, and its ``default-graph-uri`` and ``named-graph-uri`` values (``None`` if it gave none).
    It travels as one value from the handler to whoever checks and runs it (a query worker, or the
    thread that forwards it to a remote store)."""

    text: str
    accept: str | None
    default_param: list[str] | None
    named_param: list[str] | None


class CheckedQueries:
    """The guard's verdicts on the last few query texts that passed it, to give again when the same
    text comes back (a page's saved query, a client polling): the guard is a pure function of the
    text and the row limit, so its verdict can be reused, and that is a quarter of a worker's time
    on a typical saved query. Only texts up to ``max_chars`` are kept, so that a worker holds at
    most about ``size`` small verdicts (a long query's token offsets take far more room than its
    text). Refusals are not kept: they are cheap to reach again and carry the client's positions.
    The engine still parses and runs every query; no answer is kept here."""

    def __init__(self, size: int = 128, max_chars: int = 8192) -> None:
        self.size, self.max_chars = size, max_chars
        self._kept: OrderedDict[tuple[str, int | None], CheckedQuery] = OrderedDict()
        self._lock = threading.Lock()  # the remote backend prepares on a pool of threads

    def check(self, text: str, row_limit: int | None) -> CheckedQuery:
        """:func:`check_query`'s answer, from the kept ones when the same text passed before."""
        if len(text) > self.max_chars:
            return check_query(text, row_limit)
        key = (text, row_limit)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return kept
        checked = check_query(text, row_limit)
        with self._lock:
            self._kept[key] = checked
            if len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return checked


CHECKED = CheckedQueries()
"""This process's recent verdicts (each query worker has its own)."""


def prepare(request: ProtocolRequest, row_limit: int | None = None) -> Operation:
    """Check the query, choose the answer's format and the dataset; raise :class:`Refused`. With
    ``row_limit``, the guard bounds a SELECT query's solutions in its text (``checked.row_limit``)."""
    try:
        checked = CHECKED.check(request.text, row_limit)
    except QueryRefused as refused:
        prefix = "" if isinstance(refused, FederatedQueryRefused | UpdateRefused) else "malformed query: "
        raise Refused(400, prefix + str(refused)) from None
    formats = offered(checked.form)
    accepted: list[str] = []
    for chosen in ranked(request.accept, formats):
        media_type = aliases(checked.form).get(chosen, chosen)
        # an alias does not bring back the type it stands for where the client excluded that type
        if media_type not in accepted and (chosen == media_type or not excluded(request.accept, media_type)):
            accepted.append(media_type)
    if not accepted:
        raise Refused(
            406, f"none of the acceptable types is offered for {checked.form}: {', '.join(formats)}"
        )
    default_graphs, named_graphs = dataset(request.default_param, request.named_param, checked)
    return Operation(checked, accepted[0], tuple(accepted[1:]), default_graphs, named_graphs)
