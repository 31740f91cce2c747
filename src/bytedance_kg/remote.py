"""Talking to an external SPARQL store over HTTP: the Graph Store Protocol for loading, and the
SPARQL 1.1 Protocol for queries. Standard library only (urllib), with basic and digest auth.

Every HTTP failure becomes a :class:`RemoteError` that says which request failed, with the
status and the start of the store's answer, never a traceback.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pyoxigraph as ox

from bytedance_kg.errors import KGError
from bytedance_kg.querying import QueryOutcome

EXIT_REMOTE = 3


class RemoteError(KGError):
    """The store answered with an error, or could not be reached."""

    exit_code = EXIT_REMOTE


@dataclass(frozen=True)
class Endpoint:
    """A URL and, optionally, credentials for HTTP basic or digest authentication."""

    url: str
    user: str | None = None
    password: str | None = None
    timeout: float = 60.0

    def opener(self) -> urllib.request.OpenerDirector:
        if self.user is None:
            return urllib.request.build_opener()
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, self.url, self.user, self.password or "")
        return urllib.request.build_opener(
            urllib.request.HTTPDigestAuthHandler(manager), urllib.request.HTTPBasicAuthHandler(manager)
        )

    def request(self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> bytes:
        """Send one request; return the body of a 2xx answer or raise :class:`RemoteError`."""
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with self.opener().open(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            detail = error.read()[:300].decode("utf-8", "replace").strip()
            raise RemoteError(f"{method} {url}: HTTP {error.code} {error.reason}: {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise RemoteError(f"{method} {url}: cannot reach the store ({reason})") from None


def graph_url(store: Endpoint, graph: str) -> str:
    separator = "&" if "?" in store.url else "?"
    return f"{store.url}{separator}{urllib.parse.urlencode({'graph': graph})}"


def put_graph(store: Endpoint, graph: str, ntriples: bytes) -> None:
    """Replace one named graph (Graph Store Protocol PUT)."""
    store.request("PUT", graph_url(store, graph), ntriples, {"Content-Type": "application/n-triples"})


def count_graph(store: Endpoint, graph: str) -> int:
    """The number of triples the store holds in one named graph (Graph Store Protocol GET)."""
    body = store.request("GET", graph_url(store, graph), headers={"Accept": "application/n-triples"})
    return sum(1 for _ in ox.parse(body, format=ox.RdfFormat.N_TRIPLES))


def _term(binding: dict[str, str]) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    kind = binding["type"]
    if kind == "uri":
        return ox.NamedNode(binding["value"])
    if kind == "bnode":
        return ox.BlankNode(binding["value"])
    # "typed-literal" is the 2007 draft's name for a literal with a datatype; Virtuoso still sends it.
    if "xml:lang" in binding:
        return ox.Literal(binding["value"], language=binding["xml:lang"])
    datatype = binding.get("datatype")
    return ox.Literal(binding["value"], datatype=ox.NamedNode(datatype) if datatype else None)


def query(endpoint: Endpoint, text: str, graph_form: bool, default_graphs: list[str] = ()) -> QueryOutcome:
    """Run a query through the SPARQL 1.1 Protocol (POST, form-encoded) and read the answer."""
    fields = [("query", text), *(("default-graph-uri", g) for g in default_graphs)]
    accept = "application/n-triples" if graph_form else "application/sparql-results+json"
    body = endpoint.request("POST", endpoint.url, urllib.parse.urlencode(fields).encode("utf-8"),
                            {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
    if graph_form:
        return QueryOutcome([], triples=list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)))
    document = json.loads(body)
    if "boolean" in document:
        return QueryOutcome([], boolean=bool(document["boolean"]))
    variables = document["head"]["vars"]
    if variables == ["__ASK_RETVAL"]:  # Virtuoso answers ASK in JSON as a one-row SELECT
        bindings = document["results"]["bindings"]
        return QueryOutcome([], boolean=bool(bindings) and bindings[0]["__ASK_RETVAL"]["value"] not in ("0", "false"))
    rows = [{v: _term(b) for v, b in binding.items()} for binding in document["results"]["bindings"]]
    return QueryOutcome(variables, rows=rows)
