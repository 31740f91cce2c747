"""How much memory this process has held at most.

``resource.getrusage(RUSAGE_SELF).ru_maxrss`` is wrong for a process started by ``subprocess`` (or
:mod:`multiprocessing`'s spawn) from a large one: CPython starts children with ``vfork``, and
Linux carries the parent's high-water mark across the ``exec`` into the child's figure, so a
helper of a 3 GB build reports 3 GB. The kernel's ``VmHWM`` belongs to the address space itself
and starts afresh at ``exec``.
"""

from __future__ import annotations

import resource
from pathlib import Path


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
