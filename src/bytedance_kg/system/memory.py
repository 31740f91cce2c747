"""How much memory this process has held at most.

``resource.getrusage(RUSAGE_SELF).ru_maxrss`` is wrong for a process started by ``subprocess`` (or
:mod:`multiprocessing`'s spawn) from a large one: CPython starts children with ``vfork``, and
Linux carries the parent's high-water mark across the ``exec`` into the child's figure, so a
helper of a 3 GB build reports 3 GB. The kernel's ``VmHWM`` belongs to the address space itself
and starts afresh at ``exec``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import resource
from pathlib import Path

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
"""glibc's ``mallopt`` parameters (``malloc.h``)."""


def peak_resident_bytes() -> int:
    """The peak resident set size of this process, in bytes: ``VmHWM`` where Linux gives it,
    else ``ru_maxrss`` (kilobytes on Linux, which is where it is read)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def keep_freed_memory() -> bool:
    """Have glibc's allocator keep the memory this process frees for its next allocations, rather
    than hand each large block back to the system when it is freed and ask for fresh pages again
    later; whether it could (glibc only). For a one-shot process that allocates and frees gigabytes,
    such as a build: a fresh page costs the kernel a fault and a page of zeros, and on a virtual
    machine often a fault on the host too. At a million triples it cut the build's page faults by a
    fifth (900k to 695k) for some 125 MiB more at the peak. Not for a process that lives on, which
    would then keep its largest footprint."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    settings = ((_M_MMAP_THRESHOLD, 1 << 30), (_M_TRIM_THRESHOLD, (1 << 31) - 1), (_M_TOP_PAD, 64 << 20))
    return all(mallopt(option, value) == 1 for option, value in settings)
