"""HTTP-level limits and headers that the ASGI application cannot enforce itself.

uvicorn (on httptools) caps neither the header section nor the time a client may take to send
it: a 128 MiB header was accepted and parsed for 19 s, and a connection that sends nothing stays
open. The application only sees a request once its headers are complete, so these limits live in
the protocol (:func:`protocol_class`), measured on the raw bytes before the parser buffers them:

* the request target is capped at :data:`MAX_TARGET_BYTES` (414; the application caps the query
  string at ``max_request_bytes``, also 414), the header section at ``max_header_bytes`` and at
  ``max_headers`` fields (431);
* the request line and headers must arrive within ``head_timeout`` of the connection or of the
  previous response (408); an idle keep-alive connection closes after ``keep_alive``;
* a client that takes nothing of a response for ``stall_timeout`` is disconnected, so a reader
  that stops holds no more than the transport's buffer.

:class:`SecurityHeaders` adds the browser-facing headers to every response.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from bytedance_kg.server.executor import Limits

_REASONS = {
    400: b"Bad Request",
    408: b"Request Timeout",
    414: b"URI Too Long",
    431: b"Request Header Fields Too Large",
}
PLAIN_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
"""The browser-facing headers every response carries (with a Content-Security-Policy)."""
PLAIN_POLICY = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
"""The policy of responses written by the protocol itself (plain text: nothing may load)."""
MAX_TARGET_BYTES = 65_535
"""The longest request target httptools can parse (its URL parser counts in 16 bits): a longer one is
answered 414 here, before the parser fails on it with a bare 400."""


def protocol_class(limits: Limits) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with the limits above (pass as ``uvicorn.Config(http=...)``)."""

    class GuardedProtocol(HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._head_open = True
            self._head_bytes = 0
            self._url_bytes = 0
            self._header_count = 0
            self._header_bytes = 0
            self._refusal: tuple[int, str] | None = None
            self._deferred: tuple[int, str] | None = None
            self._head_timer: asyncio.TimerHandle | None = None
            self._stall_timer: asyncio.TimerHandle | None = None

        # -- the request head: size and time
        # (uvicorn's own method narrows asyncio's BaseTransport to Transport, and ignores the same error)
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm_head_timer()

        def _arm_head_timer(self) -> None:
            self._cancel(self._head_timer)
            self._head_timer = self.loop.call_later(limits.head_timeout, self._head_too_slow)

        @staticmethod
        def _cancel(timer: asyncio.TimerHandle | None) -> None:
            if timer is not None:
                timer.cancel()

        def _head_too_slow(self) -> None:
            if self._head_open and not self.transport.is_closing():
                self._refuse(408, "the request line and headers did not arrive in time")

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._head_open, self._head_bytes, self._url_bytes = True, 0, 0
            self._header_count = self._header_bytes = 0

        def on_url(self, url: bytes) -> None:
            self._url_bytes += len(url)
            if self._url_bytes > MAX_TARGET_BYTES and self._refusal is None:
                self._refusal = (414, f"the request target is longer than {MAX_TARGET_BYTES} bytes")
                return
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._header_count += 1
            self._header_bytes += len(name) + len(value) + 4
            if self._header_count > limits.max_headers and self._refusal is None:
                self._refusal = (431, f"more than {limits.max_headers} header fields")
            if self._header_bytes > limits.max_header_bytes and self._refusal is None:
                self._refusal = (431, f"the header section is larger than {limits.max_header_bytes} bytes")
            if self._refusal is None:
                super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._head_open = False
            self._cancel(self._head_timer)
            if self._refusal is None:
                super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            if self._refusal is None and self.cycle is not None:
                super().on_body(body)

        def on_message_complete(self) -> None:
            if self._refusal is None and self.cycle is not None:
                super().on_message_complete()

        def data_received(self, data: bytes) -> None:
            if self._refusal is not None or self.transport.is_closing():
                return
            super().data_received(data)
            if self._refusal is None and self._head_open:
                self._head_bytes += len(data)
                if self._head_bytes > MAX_TARGET_BYTES + 64 + limits.max_header_bytes:
                    long_url = self._url_bytes > MAX_TARGET_BYTES
                    self._refusal = (
                        (414, "the request line is too long")
                        if long_url
                        else (431, f"the header section is larger than {limits.max_header_bytes} bytes")
                    )
            if self._refusal is not None:
                self._refuse(*self._refusal)

        def _refuse(self, status: int, message: str) -> None:
            """Answer with ``status`` and close, whatever the parser still holds; a request of the
            same connection still being answered is answered first (pipelining)."""
            self._refusal = (status, message)
            if self.cycle is not None and not self.cycle.response_complete:
                self._deferred = (status, message)
                self.flow.pause_reading()
                return
            self._write_refusal(status, message)

        def _write_refusal(self, status: int, message: str) -> None:
            body = (message + "\n").encode("utf-8")
            headers = b"".join(
                name + b": " + value + b"\r\n"
                for name, value in [*PLAIN_HEADERS, (b"content-security-policy", PLAIN_POLICY)]
            )
            head = (
                b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
                b"%sconnection: close\r\n\r\n" % (status, _REASONS[status], len(body), headers)
            )
            self.transport.write(head + body)
            self._detach()
            self.transport.close()

        def send_400_response(self, msg: str) -> None:  # the HTTP parser's own refusals
            self._write_refusal(400, msg)

        def _detach(self) -> None:
            """Tell a request still being answered on this connection that it is gone, now (the
            transport reports the loss only on a later turn of the loop, and a write to it before
            then raises)."""
            if self.cycle is not None and not self.cycle.response_complete:
                self.cycle.disconnected = True
                self.cycle.message_event.set()
            self.flow.resume_writing()

        def _drop(self) -> None:
            self._detach()
            self.transport.abort()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self._deferred is not None:  # a pipelined request was refused while this one was answered
                self._write_refusal(*self._deferred)
            elif not self.transport.is_closing():
                self._arm_head_timer()  # the next request's head must come in time too

        # -- the response: a reader that takes nothing is dropped
        def pause_writing(self) -> None:
            super().pause_writing()
            self._cancel(self._stall_timer)
            self._stall_timer = self.loop.call_later(limits.stall_timeout, self._drop)

        def resume_writing(self) -> None:
            super().resume_writing()
            self._cancel(self._stall_timer)

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel(self._head_timer)
            self._cancel(self._stall_timer)
            super().connection_lost(exc)

    return GuardedProtocol


def style_hash(css: str) -> str:
    """The CSP source expression that allows one inline ``<style>`` element with exactly ``css``."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii") + "'"


class SecurityHeaders:
    """ASGI middleware: a Content-Security-Policy and the other browser-facing headers on every
    response. The pages load scripts and styles only from this server; inline ``<style>`` is
    allowed only for the exact stylesheets given (the charts' own), by hash."""

    def __init__(self, app: Any, inline_styles: list[str]) -> None:
        self.app = app
        styles = " ".join(style_hash(css) for css in inline_styles)
        policy = (
            "default-src 'none'; script-src 'self'; style-src 'self' " + styles + "; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )
        self.headers = [
            (b"content-security-policy", policy.encode("ascii")),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in self.headers if h[0] not in present
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
