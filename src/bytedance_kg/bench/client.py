"""The HTTP client the benchmarks' timed loops send their requests with: one keep-alive HTTP/1.1
connection per simulated client, from the standard library's :mod:`http.client`.

Why not httpx, which the untimed requests use (starting servers, comparing answers): a timed
request's latency is the client's work as well as the server's, and httpx adds about 0.3 ms of its
own to each request. On this machine one client sending a trivial query to our uncached server got
1,093 answers a second through httpx and 1,596 through :mod:`http.client`, from the same server. A
cost that every server pays pulls the ratios between them towards 1; a lighter client leaves more
of the figures to the servers. (It is still Python, on the same cores: the fastest server's
figure, ``ours`` answering from its recent answers, is still bounded by it.)

Unlike httpx's pool, a connection is not checked before it is reused: a server that closes an
idle connection without saying so fails the next request (counted as a failure). The timed loops
never leave a connection idle, so this is a difference in principle only.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Form = Mapping[str, str | Sequence[str]]
"""Form fields (a field given a list is sent once per value, as ``default-graph-uri`` is)."""

_NOT_IN_A_URL = re.compile("[^\x21-\x7e]")
"""What a base URL may not hold: space, controls, non-ASCII (percent-encode them). Python's URL
parser drops tabs and line breaks without a word, which would send requests elsewhere than asked."""

_NAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*")
"""A host name: labels of letters, digits and inner hyphens, one dot between each."""

_NUMERIC = re.compile(r"[0-9]+|0[xX][0-9A-Fa-f]*")
"""A last label that makes a host an IPv4 address, to be written in full (``127.1``, ``0x7f.0.0.1``
and ``2130706433`` would each reach an address the URL does not show)."""

_BRACKETED = re.compile(r"\[([^\]]*)\](?::[0-9]*)?")
"""A network location whose host is in brackets: an IPv6 address, nothing after it but a port."""

_READ_AT_ONCE = 64 * 1024
"""An answer is read at most this much at a time (as much as one read of the socket gives), and
dropped: only its status is kept, so an answer of any length (an endless one included) costs no
more memory than this, and a cut (:meth:`Session.abort`) is seen after each read."""


def _host_fault(parts: urllib.parse.SplitResult) -> str | None:
    """Why the client cannot send to the host of ``parts`` as written, or ``None``: an IPv6 address
    in brackets (and nothing after them but a port), an IPv4 address in full, or a host name."""
    host = parts.hostname or ""
    if parts.netloc.startswith("["):
        if not _BRACKETED.fullmatch(parts.netloc):
            return "text after the brackets of an IPv6 address"
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return f"not an IPv6 address in brackets: {host!r}"
        return f"an IPv6 address without a zone, not {host!r}" if "%" in host else None
    if _NUMERIC.fullmatch(host.rsplit(".", 1)[-1]):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return f"not an IPv4 address in full (four numbers from 0 to 255): {host!r}"
        return None
    return None if _NAME.fullmatch(host) else f"not a host name or an IP address: {host!r}"


FAILURES = (OSError, http.client.HTTPException)
"""What a request raises when the connection or the server fails (refused, reset, timed out, an
answer that is not HTTP): a failed request, counted as such, not a crash of the run."""


@dataclass(frozen=True)
class Target:
    """Where a base URL sends requests: scheme, host, port and the path the requests go below."""

    scheme: str
    host: str
    port: int
    prefix: str


def target(base_url: str) -> Target:
    """The parts of ``base_url`` the client uses; :class:`ValueError` naming what is wrong when it
    cannot be sent to (not http(s), no host, a bad port, a path http.client will not send) or
    holds what the client would drop (a query, a fragment, a user name)."""
    if _NOT_IN_A_URL.search(base_url):
        raise ValueError(
            f"a URL of printable ASCII without spaces (percent-encode the rest), not {base_url!r}"
        )
    try:
        parts = urllib.parse.urlsplit(base_url)
    except ValueError as error:
        raise ValueError(f"not a usable URL: {base_url!r} ({error})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL with a host: {base_url!r}")
    fault = _host_fault(parts)
    if fault:
        raise ValueError(f"{fault} in {base_url!r}")
    if "?" in base_url or "#" in base_url or parts.username is not None:
        raise ValueError(f"a base URL without a query, a fragment or a user name, not {base_url!r}")
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError(f"not a usable port in {base_url!r} ({error})") from None
    if port == 0:
        raise ValueError(f"not a usable port in {base_url!r} (port 0 names no server)")
    default = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, parts.hostname, port or default, parts.path.rstrip("/"))


class Session:
    """Requests to one server over one connection, reopened after a failure; each answer is read to
    its end, so that the time measured is the whole answer's."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        where = target(base_url)
        kind = http.client.HTTPSConnection if where.scheme == "https" else http.client.HTTPConnection
        self.prefix = where.prefix
        self._connect = lambda: kind(where.host, where.port, timeout=timeout)
        self.connection = self._connect()
        self.aborted = False

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_: object) -> None:
        self.connection.close()

    def abort(self) -> None:
        """Cut the request running on this session, from another thread, and refuse the next: its
        wait on the socket ends at once (shutting the socket down wakes it; closing it would not),
        and an answer still arriving is given up at its next piece."""
        self.aborted = True
        sock = self.connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # not connected (yet, or any more)

    def request(
        self, method: str, path: str = "", form: Form | None = None, headers: Mapping[str, str] | None = None
    ) -> int:
        """Send one request to ``path`` (empty, or starting with ``/``, below the base URL), ``form``
        as an urlencoded body, and read the answer; its status. Raises one of :data:`FAILURES`
        when the connection or the server fails; anything else raised (a header http.client
        refuses to send) is a fault of the caller's, and propagates. Either way the next request
        goes over a new connection (a new object: a closed one would still send the lines a
        request that failed half-built left in its buffer)."""
        if path and not path.startswith("/"):
            raise ValueError(f"a path below the base URL starts with '/', not {path!r}")
        sent = dict(headers or {})
        body = None
        if form is not None:  # (its type is the form's, whatever else the headers said)
            body = urllib.parse.urlencode(form, doseq=True).encode("ascii")
            sent = {name: value for name, value in sent.items() if name.lower() != "content-type"}
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self._check_aborted()
            self.connection.request(method, self.prefix + path or "/", body, sent)
            response = self.connection.getresponse()
            while response.read1(_READ_AT_ONCE):
                self._check_aborted()
            self._check_aborted()
            if response.length:  # the server closed before the length it declared
                raise http.client.IncompleteRead(b"", response.length)
            response.close()  # read to its end: the connection takes the next request
        except BaseException:
            self.connection.close()
            self.connection = self._connect()
            raise
        return response.status

    def _check_aborted(self) -> None:
        if self.aborted:
            raise ConnectionAbortedError("stopped")
