"""Work started in a thread of its own while the caller goes on: the build's stores are filled this
way beside the stages before the ones that query them; and how many processors such work may keep
busy without taking the caller's."""

from __future__ import annotations

import os
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


def spare_processors() -> int:
    """The processors this process may use, less the one its calling thread keeps (0 on one).

    The build's own thread quotes, reasons and writes in Python while the validation, the gates
    and the release's helper processes run beside it: work beside it that keeps more threads busy
    than there are spare processors only takes turns with it. At a million triples on two
    processors, the validation's two engines side by side left the reasoning about 60% of its
    processor for some three seconds."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(0, usable - 1)
