"""Recent answers, kept so that the same query on the same release is answered without a worker.

A release never changes once written (a rebuild writes a new folder, and the server moves to it
between queries), so an answer depends only on the release, the query text, what the client
accepts, the dataset it names, and the server's limits (fixed for its life), unless the query
calls a function whose value is new on every run (``NOW()``, ``RAND()``, ...). Whether it may is
the worker's to say, from the guard's reading of the text the engine runs (escapes decoded,
comments dropped): such an answer is never kept, so its key never finds one, and the query is
always run. The event loop does not try to read the text itself. Those (but the limits) are the
key; the release folder is part of it, so a move to a new release never serves an old
answer. Only answers a worker gave in full or cut at a documented limit are kept, never refusals,
failures or timeouts, and only inline ones (at most ``INLINE_BYTES``); the whole is bounded in bytes,
least recently used first out. A hit skips the worker pool and its fair-share queue: it costs the
server a dictionary lookup and a copy, less than the queue itself.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

from bytedance_kg.server.operation import ProtocolRequest

Key = tuple[str, str, str | None, tuple[str, ...] | None, tuple[str, ...] | None]
A = TypeVar("A")
MAX_KEY_CHARACTERS = 4096
"""Longer requests are not kept: the server's event loop does nothing that grows with the query
text (SECURITY.md), and hashing a key is all a lookup does with it. Saved queries and the pages'
queries are far shorter."""


def answer_key(release: str, request: ProtocolRequest) -> Key | None:
    """What an answer depends on, besides the server's limits; ``None`` for a request too long to
    keep (:data:`MAX_KEY_CHARACTERS`, measured before anything is copied or hashed)."""
    default, named = request.default_param, request.named_param
    length = len(request.text) + len(request.accept or "")
    for values in (default, named):
        if values is not None:
            if len(values) > MAX_KEY_CHARACTERS:
                return None
            length += sum(len(value) for value in values)
    if length > MAX_KEY_CHARACTERS:
        return None
    return (
        release,
        request.text,
        request.accept,
        None if default is None else tuple(default),
        None if named is None else tuple(named),
    )


ENTRY_OVERHEAD = 512
"""Bytes an entry costs besides its texts: the dictionary slot, the key's tuple and strings' headers,
the answer object (an outside test measured about 390 bytes of memory per tiny answer)."""


def _size(key: Key, body: bytes) -> int:
    """Bytes an entry is counted as: its answer, its query and header values, and its overhead."""
    parts = [key[0], key[1], key[2] or "", *(key[3] or ()), *(key[4] or ())]
    return ENTRY_OVERHEAD + len(body) + sum(len(part) for part in parts)


class AnswerCache(Generic[A]):
    """Answers by :func:`answer_key`, at most ``max_bytes`` in all (0 keeps none)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Key, tuple[A, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Key) -> A | None:
        """The answer kept for ``key`` (now the most recently used), or ``None``."""
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[0]

    def put(self, key: Key, answer: A, body: bytes) -> None:
        """Keep ``answer`` (whose bytes are ``body``) unless it alone would take over a quarter of
        the budget; drop the least recently used answers until the rest fits."""
        size = _size(key, body)
        if size > self.max_bytes // 4 or key in self._entries:
            return
        self._entries[key] = (answer, size)
        self.used += size
        while self.used > self.max_bytes:
            _, (_, dropped) = self._entries.popitem(last=False)
            self.used -= dropped
