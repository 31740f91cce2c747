"""Taking the network away from the processes that run user queries.

pyoxigraph evaluates ``SERVICE`` over HTTP and has no switch to turn that off, so "the endpoint
never fetches" cannot rest on a guard reading the query text alone (:mod:`bytedance_kg.sparql.guard`
is the first wall). It is made a property of the processes: once confined, a process cannot
open a network socket at all, whatever it is asked to run.

Two independent layers, each enough on its own:

* a **seccomp filter** (libseccomp, through ``pyseccomp``) that makes ``socket()`` fail with
  ``EACCES`` for every address family but ``AF_UNIX`` (the workers' pipes), and ``io_uring_setup``
  fail (io_uring can open sockets without the ``socket()`` call). It is applied to every thread
  and inherited by every child, and it cannot be lifted;
* an **empty network namespace** (``unshare(CLONE_NEWNET)``, where the process may create one,
  which needs root): no interface but a loopback that is down, so nothing is reachable even
  through a socket opened some other way.

Sockets that exist before confinement keep working: that is how the server confines itself
after it has bound its listening socket.
"""

from __future__ import annotations

import ctypes
import errno
import socket
from dataclasses import dataclass

CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class Confinement:
    """Which layers took effect."""

    seccomp: bool
    namespace: bool

    @property
    def confined(self) -> bool:
        return self.seccomp or self.namespace

    def describe(self) -> str:
        layers = [
            name
            for name, on in (
                ("seccomp socket filter", self.seccomp),
                ("empty network namespace", self.namespace),
            )
            if on
        ]
        return " + ".join(layers) if layers else "none"


class SandboxUnavailable(RuntimeError):
    """Neither layer could be applied on this system."""


def _deny_sockets() -> bool:
    """Install the seccomp filter on every thread of this process; False if libseccomp is missing."""
    try:
        import pyseccomp
    except (ImportError, OSError):  # the package, or libseccomp.so.2 behind it, is not there
        return False
    try:
        rules = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
        rules.set_attr(pyseccomp.Attr.CTL_TSYNC, 1)
        rules.add_rule(
            pyseccomp.ERRNO(errno.EACCES), "socket", pyseccomp.Arg(0, pyseccomp.NE, socket.AF_UNIX)
        )
        rules.add_rule(pyseccomp.ERRNO(errno.EPERM), "io_uring_setup")
        rules.load()
    except (OSError, RuntimeError, ValueError):
        return False
    return True


def _leave_network() -> bool:
    """Move this process into a new, empty network namespace; False where that is not permitted.
    Namespaces are per thread: call it before the process starts threads."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.unshare(CLONE_NEWNET) == 0)
    except (OSError, AttributeError):
        return False


def forbid_network(new_namespace: bool = False) -> Confinement:
    """Confine this process (and its future children); ``new_namespace`` also moves it into an
    empty network namespace where permitted (only for a process that has started no threads)."""
    namespace = _leave_network() if new_namespace else False
    return Confinement(seccomp=_deny_sockets(), namespace=namespace)


def require_confinement(confinement: Confinement) -> Confinement:
    """Raise :class:`SandboxUnavailable` unless at least one layer took effect."""
    if not confinement.confined:
        raise SandboxUnavailable(
            "cannot confine the query engine: libseccomp (Debian: libseccomp2) is not available and this "
            "user "
            "may not create a network namespace"
        )
    return confinement


def network_is_closed() -> bool:
    """Whether this process can no longer open an IP socket (for tests and for the start-up check)."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.socket(family, socket.SOCK_STREAM).close()
            return False
        except OSError:
            continue
    return True
