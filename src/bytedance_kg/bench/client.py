"""The HTTP client the benchmarks' timed loops send their requests with: one keep-alive HTTP/1.1
connection per simulated client, from the standard library's :mod:`http.client`.

Why not httpx, which the untimed requests use (starting servers, comparing answers): a timed
request's latency is the client's work as well as the server's, and httpx's is the larger part
here. On this machine one client sending a trivial query to our server got about 700 answers a
second through httpx and about 1,700 through :mod:`http.client`, from the same server; and with 8
client threads in one process, httpx's Python work, serialised by the GIL, set a ceiling on every
server's figure. A lighter client leaves the figures to the servers: the ratios between them are
no longer pulled towards 1 by a cost they all share.
"""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Mapping, Sequence

Form = Mapping[str, "str | Sequence[str]"]
"""Form fields (a field given a sequence is sent once per value, as ``default-graph-uri`` is)."""

FAILURES = (OSError, http.client.HTTPException)
"""What a request can raise when the connection or the server fails (refused, reset, timed out,
an answer that is not HTTP): a failed request, counted as such, not a crash of the run."""


class Session:
    """Requests to one server over one connection, reopened after a failure; each answer is read to
    its end, so that the time measured is the whole answer's."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        parts = urllib.parse.urlsplit(base_url)
        kinds = {"http": http.client.HTTPConnection, "https": http.client.HTTPSConnection}
        if parts.scheme not in kinds or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.prefix = parts.path.rstrip("/")
        self.connection = kinds[parts.scheme](parts.hostname, parts.port, timeout=timeout)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_: object) -> None:
        self.connection.close()

    def request(
        self, method: str, path: str = "", form: Form | None = None, headers: Mapping[str, str] | None = None
    ) -> int:
        """Send one request to ``path`` (below the base URL), ``form`` as an urlencoded body, and
        read the answer; its status. Raises one of :data:`FAILURES`."""
        sent = dict(headers or {})
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode("ascii")
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, self.prefix + path or "/", body, sent)
            response = self.connection.getresponse()
            response.read()
        except FAILURES:
            self.connection.close()  # the next request opens a new connection
            raise
        return response.status
