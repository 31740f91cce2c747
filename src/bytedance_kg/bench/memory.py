"""What fresh memory costs on this machine, measured beside each run of the build.

A process pays for each page of memory it has not used before: the kernel faults it in and zeroes
it. On a bare machine that cost is the same per page whatever the process's size. On a virtual
machine whose host takes back the memory the guest frees (Firecracker's free page reporting, as on
the machine the figures in ``BENCHMARKS.md`` come from), a page may also cost a fault on the host,
and how many do depends on how much the guest asks for at once. Measured there (2026-12-07), the
first touch of 300 MiB cost 2.5 µs a page and that of 3,000 MiB 3.0 to 9.1 µs a page. A build's
footprint grows with the data, so that cost could enter every stage's growth between sizes; the
benchmark measures it beside the build, in a fresh process touching as much memory as the build
peaked at, so that a change of machine shows. (With the hand-back held off for a minute, the builds
at a million triples took as long as with it: there it was not what made the stages grow.)
"""

from __future__ import annotations

import mmap
import time

from bytedance_kg.bench.fresh import in_fresh_process

PAGE = mmap.PAGESIZE


def _touch(size: int) -> float:
    """Write one byte into each page of ``size`` bytes of fresh anonymous memory; the seconds that
    took a page."""
    memory = mmap.mmap(-1, size)
    started = time.perf_counter()
    for offset in range(0, size, PAGE):
        memory[offset] = 1
    took = time.perf_counter() - started
    memory.close()
    return took / (size // PAGE)


def fresh_page_cost(size: int, timeout: float = 120.0) -> float | None:
    """Seconds a page that a fresh process takes to touch ``size`` bytes of memory it has not used
    before (at least one page); None if it did not finish within ``timeout``."""
    return in_fresh_process(_touch, (max(PAGE, size - size % PAGE),), timeout)
