"""Work started in a thread of its own while the caller goes on: the build's stores are filled this
way beside the stages before the ones that query them."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def in_background(work: Callable[[], T], name: str) -> Future[T]:
    """``work()`` in a new thread named after ``name``; its result (or what it raised) comes from
    the future. The thread ends once the work is done: nothing has to be shut down, and a future
    nobody asks for again costs only what its result holds until it is dropped.

    Worth it only for work that lets go of the interpreter lock for most of its time (pyoxigraph's
    bulk loader does): Python code would just take turns with the caller."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
    try:
        return pool.submit(work)
    finally:
        pool.shutdown(wait=False)
