"""Talking to an external SPARQL store over HTTP (httpx): the Graph Store Protocol for loading, and
the SPARQL 1.1 Protocol for queries, with basic or digest authentication.

Every HTTP failure becomes a :class:`RemoteError` that says which request failed, with the
status and the start of the store's answer, never a traceback.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
import pyoxigraph as ox

from bytedance_kg.project.errors import KGError, UsageError
from bytedance_kg.rdf.formats import results_format, syntax
from bytedance_kg.sparql.querying import QueryOutcome
from bytedance_kg.sparql.results import json_term

EXIT_REMOTE = 3


class RemoteError(KGError):
    """The store answered with an error, or could not be reached."""

    exit_code = EXIT_REMOTE


@dataclass
class Endpoint:
    """A URL and, optionally, credentials for HTTP basic or digest authentication.

    With credentials, the first request is a body-less probe that learns which scheme the store
    asks for (and, for digest, its challenge), so that large uploads are sent once, already
    authenticated: a store that answers 401 and closes the connection mid-body would otherwise
    break the upload.
    """

    url: str
    user: str | None = None
    password: str | None = None
    timeout: float = 60.0
    _auth: httpx.Auth | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        checked_url(self.url)

    def _authentication(self) -> httpx.Auth | None:
        if self.user is None or self._auth is not None:
            return self._auth
        probe = httpx.get(graph_url(self, "urn:bytedance-kg:auth-probe"), timeout=self.timeout)
        scheme = probe.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
        auth: httpx.Auth = (
            httpx.DigestAuth(self.user, self.password or "")
            if scheme == "digest"
            else httpx.BasicAuth(self.user, self.password or "")
        )
        if scheme == "digest":  # let the digest auth learn the challenge on another body-less request
            httpx.get(graph_url(self, "urn:bytedance-kg:auth-probe"), auth=auth, timeout=self.timeout)
        self._auth = auth
        return auth

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        limit: int | None = None,
    ) -> bytes:
        """Send one request; return the body of a 2xx answer or raise :class:`RemoteError`. With
        ``limit``, an answer longer than that many bytes is refused without being read further."""
        try:
            with httpx.stream(
                method,
                url,
                content=body,
                headers=headers or {},
                auth=self._authentication(),
                timeout=self.timeout,
            ) as response:
                if response.status_code >= 300:  # a redirect is not followed (it could lead anywhere)
                    detail = " ".join(response.read()[:300].decode("utf-8", "replace").split())
                    raise RemoteError(
                        f"{method} {url}: HTTP {response.status_code} {response.reason_phrase}: {detail}"
                    )
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise RemoteError(f"{method} {url}: the store's answer is larger than {limit} bytes")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as error:
            raise RemoteError(
                f"{method} {url}: cannot reach the store ({error or type(error).__name__})"
            ) from None
        except (httpx.InvalidURL, ValueError) as error:  # an unusable URL that got past the check
            raise RemoteError(f"{method} {url}: {error}") from None


def checked_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host (and a valid port), else a usage error."""
    try:
        parsed = httpx.URL(url)
        port = parsed.port
    except (httpx.InvalidURL, ValueError, TypeError) as error:
        raise UsageError(f"not a usable URL: {url!r} ({error})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(f"not an http(s) URL with a host: {url!r}")
    if port is not None and not 0 < port < 65536:
        raise UsageError(f"port out of range in {url!r}")
    return url


def graph_url(store: Endpoint, graph: str) -> str:
    separator = "&" if "?" in store.url else "?"
    return f"{store.url}{separator}{urllib.parse.urlencode({'graph': graph})}"


def put_graph(store: Endpoint, graph: str, ntriples: bytes) -> None:
    """Replace one named graph (Graph Store Protocol PUT)."""
    store.request("PUT", graph_url(store, graph), ntriples, {"Content-Type": syntax("ntriples").media_type})


def read_graph(store: Endpoint, graph: str, limit: int | None = None) -> list[ox.Triple]:
    """The triples the store holds in one named graph (Graph Store Protocol GET); an answer longer
    than ``limit`` bytes is an error, not read to its end."""
    url = graph_url(store, graph)
    body = store.request("GET", url, headers={"Accept": syntax("ntriples").media_type}, limit=limit)
    try:
        return list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as error:
        raise RemoteError(f"GET {url}: the store's answer is not N-Triples ({_short(error)})") from None


def count_graph(store: Endpoint, graph: str, limit: int | None = None) -> int:
    """The number of triples the store holds in one named graph."""
    return len(read_graph(store, graph, limit))


def _short(error: BaseException) -> str:
    return " ".join(str(error).split())[:200]


def query(
    endpoint: Endpoint, text: str, graph_form: bool, default_graphs: Sequence[str] = ()
) -> QueryOutcome:
    """Run a query through the SPARQL 1.1 Protocol (POST, form-encoded) and read the answer."""
    fields = [("query", text), *(("default-graph-uri", g) for g in default_graphs)]
    accept = syntax("ntriples").media_type if graph_form else results_format("json").media_type
    body = endpoint.request(
        "POST",
        endpoint.url,
        urllib.parse.urlencode(fields).encode("utf-8"),
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
    )
    try:
        return _outcome(body, graph_form)
    except (SyntaxError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise RemoteError(
            f"POST {endpoint.url}: the store's answer is not a SPARQL result ({_short(error)})"
        ) from None


def _outcome(body: bytes, graph_form: bool) -> QueryOutcome:
    if graph_form:
        return QueryOutcome([], triples=list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)))
    document = json.loads(body)
    if "boolean" in document:
        return QueryOutcome([], boolean=bool(document["boolean"]))
    variables = document["head"]["vars"]
    if variables == ["__ASK_RETVAL"]:  # Virtuoso answers ASK in JSON as a one-row SELECT
        bindings = document["results"]["bindings"]
        return QueryOutcome(
            [], boolean=bool(bindings) and bindings[0]["__ASK_RETVAL"]["value"] not in ("0", "false")
        )
    rows = [{v: json_term(b) for v, b in binding.items()} for binding in document["results"]["bindings"]]
    return QueryOutcome(variables, rows=rows)
