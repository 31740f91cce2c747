"""The ASGI application (Starlette), assembled from its parts: the SPARQL 1.1 Protocol endpoint
(:mod:`.sparql`), linked data (:mod:`.linkeddata`: Cool-URI dereferencing, documents, downloads)
and the pages for people (:mod:`.pages`), over what they share (:mod:`.site`).

IRIs under the public base (``--base``, default ``https://w3id.org/bytedance-kg/``) map onto
this server's paths, so ``<base>id/person/liang-rubo`` is served at ``/id/person/liang-rubo``
here and behind the permanent-identifier redirect alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bytedance_kg.project.paths import ProjectPaths
from bytedance_kg.server.backend import Backend
from bytedance_kg.server.browse import all_kinds, one_kind, search
from bytedance_kg.server.charts import INLINE_STYLES
from bytedance_kg.server.dataset import dataset_document, dataset_identifier, downloads_page, graph_identifier
from bytedance_kg.server.executor import Limits
from bytedance_kg.server.hardening import SecurityHeaders
from bytedance_kg.server.linkeddata import (
    context,
    document,
    download,
    escaped_hash,
    identifier,
    ontology,
    ontology_document,
    ontology_version,
    shapes,
    shapes_turtle,
    well_known_void,
)
from bytedance_kg.server.pages import chart, landing, query_page
from bytedance_kg.server.site import DEFAULT_BASE, Site, error_response
from bytedance_kg.server.sparql import sparql
from bytedance_kg.sparql.catalogue import load_catalogue

RELEASE_CHECK_SECONDS = 1.0
"""How often the server looks whether ``dist`` points at a new release."""


async def _follow_releases(backend: Backend) -> None:
    while True:
        await asyncio.sleep(RELEASE_CHECK_SECONDS)
        try:
            await backend.follow_release()
        except OSError:  # a release vanishing mid-load: the next look finds the newest
            continue


async def _not_found(request: Request, error: Exception) -> Response:
    """Every 404 is the site's one error page (or plain text), whichever route gave it."""
    pointer = escaped_hash(request.app.state.site, urllib.parse.unquote(request.url.path))
    return error_response(
        request, 404, f"there is no page at {request.url.path[:200]}{pointer or '; try the search'}"
    )


async def _with_slash(request: Request) -> Response:
    """``/id`` and ``/dist``: 308 to the index with its slash, by a relative ``Location`` (Starlette's
    own slash redirect is absolute, built from the request's ``Host`` header, which a client chooses)."""
    return RedirectResponse(request.url.path + "/", status_code=308)


async def _not_allowed(request: Request, error: Exception) -> Response:
    return error_response(request, 405, f"{request.method} is not allowed here")


def create_app(
    backend: Backend, paths: ProjectPaths, base: str = DEFAULT_BASE, limits: Limits | None = None
) -> Starlette:
    """The application over ``backend`` (which knows the release it serves, and follows rebuilds)."""
    templates = Environment(
        loader=PackageLoader("bytedance_kg.server", "templates"), autoescape=select_autoescape(["html"])
    )
    article = paths.article.read_text(encoding="utf-8")
    site = Site(
        backend,
        base if base.endswith("/") else base + "/",
        templates,
        load_catalogue(paths.queries_dir),
        article,
        limits or Limits(),
    )
    static = Path(__file__).with_name("static")
    codemirror = paths.root / "web" / "node_modules" / "codemirror"
    routes = [
        Route("/", landing),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/query", query_page),
        Route("/search", search),
        Route("/id", _with_slash),
        Route("/id/", all_kinds),
        Route("/id/dataset", dataset_identifier),
        Route("/id/dataset/{part:path}", dataset_identifier),
        Route("/id/{kind}/", one_kind),
        Route("/id/{path:path}", identifier),
        Route("/graph/{name}", graph_identifier),
        Route("/doc/dataset.{ext:str}", dataset_document),
        Route("/doc/{path:path}", document),
        Route("/ontology", ontology),
        Route("/ontology.{ext:str}", ontology_document),
        Route("/ontology/{version:str}", ontology_version),
        Route("/shapes", shapes),
        Route("/shapes.ttl", shapes_turtle),
        Route("/context.jsonld", context),
        Route("/charts/{name}", chart),
        Route("/dist", _with_slash),
        Route("/dist/", downloads_page),
        Route("/dist/{name}", download),
        Route("/.well-known/void", well_known_void),
        Mount("/static", StaticFiles(directory=static), name="static"),
        Mount("/vendor/codemirror", StaticFiles(directory=codemirror, check_dir=False), name="codemirror"),
    ]
    middleware = [
        Middleware(SecurityHeaders, inline_styles=INLINE_STYLES),
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["Content-Type", "Vary", "X-Result-Truncated"],
        ),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await backend.start()
        follower = asyncio.create_task(_follow_releases(backend))
        try:
            yield
        finally:
            follower.cancel()
            backend.close()

    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={404: _not_found, 405: _not_allowed},
    )
    app.router.redirect_slashes = False  # see _with_slash
    app.state.site = site
    return app
