"""What every part of the site shares: the :class:`Site` (backend, public base, templates), the
one error response, and what a thing's document holds."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bytedance_kg import __version__
from bytedance_kg.project.graphs import ASSERTED_GRAPHS, FULL_GRAPHS, GRAPH
from bytedance_kg.project.namespaces import BASE
from bytedance_kg.rdf.formats import HTML, syntax
from bytedance_kg.server.backend import Backend
from bytedance_kg.server.executor import Limits
from bytedance_kg.server.negotiation import accept_header, choose
from bytedance_kg.sparql.catalogue import SavedQuery

DEFAULT_BASE = BASE
T = TypeVar("T")


DOC_FORMATS = {"html": HTML} | {
    syntax(name).extension[1:]: syntax(name).media_type for name in ("turtle", "jsonld", "ntriples", "rdfxml")
}
"""A thing's document by extension: HTML first (what a browser gets), then the RDF syntaxes."""
DOC_ALIASES = {"application/json": "jsonld"}
"""Media types a document is also negotiated by, and the extension of the document that answers:
a client asking for plain JSON gets the JSON-LD document (JSON whose context says what it means)."""
DOC_MEDIA_TYPES = [*DOC_FORMATS.values(), *DOC_ALIASES]
"""What ``/id/`` and ``/doc/`` negotiate among, in the server's order (aliases last: ``*/*`` never
picks one)."""


def doc_extension(media_type: str) -> str:
    """The extension of the document that answers ``media_type`` (an alias's document's)."""
    return DOC_ALIASES.get(media_type) or next(ext for ext, mt in DOC_FORMATS.items() if mt == media_type)


@dataclass
class Site:
    """What the handlers share: the backend, the public base, the release folder, the templates."""

    backend: Backend
    base: str
    templates: Environment
    catalogue: dict[str, SavedQuery]
    article: str
    limits: Limits
    _made: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _making: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def dist(self) -> Path:
        """The release being served (it follows rebuilds:
        :class:`bytedance_kg.release.folders.ReleaseTracker`)."""
        return self.backend.dist

    def local(self, iri: str) -> str:
        """The path on this server for an IRI under the public base (else the IRI itself)."""
        return "/" + iri[len(self.base) :] if iri.startswith(self.base) else iri

    def href(self, iri: str) -> str | None:
        """Where a link to ``iri`` may point: this server for our IRIs, http(s) IRIs as they are,
        and nowhere for any other scheme (``javascript:`` in the data must not become a link)."""
        if iri.startswith(self.base):
            return self.local(iri)
        return iri if iri.lower().startswith(("http://", "https://")) else None

    def per_release(self, name: str, make: Callable[[], T]) -> T:
        """What ``make`` gives for the release being served, made once per release: the pages'
        indexes (search, the article's marks) are read from the graph once, not on every request,
        and made again when a rebuild publishes a new release under the running server."""
        key = (str(self.dist), name)
        with self._making:
            if key not in self._made:
                for old in [k for k in self._made if k[1] == name]:
                    del self._made[old]  # an earlier release's: never asked for again
                self._made[key] = make()
            return self._made[key]

    def run(self, graphs: list[str]):
        return lambda text: self.backend.outcome(text, graphs)

    def page(self, template: str, status: int = 200, **context: object) -> Response:
        html = self.templates.get_template(template).render(site=self, version=__version__, **context)
        return Response(html, status_code=status, media_type="text/html; charset=utf-8")


def error_response(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    site: Site = request.app.state.site
    # The page only for a client that names HTML (a browser); ``*/*`` (curl, scripts) gets the line.
    if choose(accept_header(request), ["text/plain", "text/html"]) == "text/html":
        response = site.page("error.html", status=status, status_code=status, message=message)
    else:
        response = PlainTextResponse(message + "\n", status_code=status)
    response.headers.update({"Vary": "Accept", **(headers or {})})  # the page or the line, by Accept
    return response


def script_safe(json_text: str) -> str:
    """JSON to embed in a ``<script>`` element: ``<``, ``>`` and ``&`` as JSON escapes, so no
    literal of the data can close the element or start markup."""
    return json_text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def exists(site: Site, iri: str, graphs: list[str] | None = None) -> bool:
    """Whether the graph (``graphs``; by default the reasoned release and what the article implies)
    says anything about ``iri`` (False for a string that is not a valid IRI)."""
    try:
        thing = ox.NamedNode(iri)
    except ValueError:
        return False
    graphs = graphs if graphs is not None else [*FULL_GRAPHS, str(GRAPH["implied"])]
    return bool(site.backend.outcome(f"ASK {{ {thing} ?p ?o }}", graphs).boolean)


def document_graphs(site: Site, thing: ox.NamedNode) -> list[str]:
    """A thing's document holds what the article states about it; a record of an implied fact (which
    has no stated triples) is served from the implied graph, where it lives."""
    if site.backend.outcome(f"ASK {{ {thing} ?p ?o }}", ASSERTED_GRAPHS).boolean:
        return ASSERTED_GRAPHS
    return [str(GRAPH["implied"])]
