"""One call in a fresh process: how the benchmarks keep each measurement from the last one's heap,
and read the peak memory of that call alone."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any


def _call(target: Callable[..., object], args: tuple[Any, ...], queue: multiprocessing.Queue) -> None:
    queue.put(target(*args))


def in_fresh_process(target: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> Any | None:
    """``target(*args)`` in a newly spawned interpreter (nothing inherited but the arguments, which
    must pickle, as must the result); None if it did not return within ``timeout`` seconds (the
    process is then killed) or ended without a result."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_call, args=(target, args, queue))
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join()
        return None
    return queue.get() if not queue.empty() else None
