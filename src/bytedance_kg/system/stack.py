"""Running the query engine on a thread with a large stack.

pyoxigraph parses and evaluates recursively; on the main thread's 8 MiB stack a query of a few
thousand nested or chained terms overflows it and the process dies with a segmentation fault (no
exception, no message). The guard refuses the deepest shapes (:mod:`bytedance_kg.sparql.guard`); this
is the margin behind it: on a 256 MiB stack every query within the 64 KiB size limit that was
tried (sums of 32,000 terms, 30,000 nested brackets, 3,800 UNIONs) parses and runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

ENGINE_STACK_BYTES = 256 * 1024 * 1024
T = TypeVar("T")


def with_engine_stack(function: Callable[[], T]) -> T:
    """``function()`` on a fresh thread with :data:`ENGINE_STACK_BYTES` of stack; its result or
    its exception comes back to the caller."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(function())
        except BaseException as error:  # handed back to the caller's thread
            failure.append(error)

    previous = threading.stack_size(ENGINE_STACK_BYTES)
    try:
        thread = threading.Thread(target=target, name="query-engine", daemon=True)
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]
