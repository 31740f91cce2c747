"""Stop signals (Ctrl-C, ``kill``) as exceptions until a command's commit point, and held after it.

A build that is stopped must either leave the previous release in place and say "interrupted",
or have published the new one and say so: never publish and then report a failure. Python's
default SIGTERM kills the process without running any ``finally`` (the staging folder stays
behind), and its SIGINT raises wherever the main thread is, also just after ``dist`` has been
switched. So, for the span of one command (:func:`stop_signals`):

* SIGINT and SIGTERM raise :class:`Interrupted` in the main thread, so that every clean-up runs;
  each is also recorded, because an exception raised in a signal handler can be lost: when the
  signal lands while the interpreter runs a finaliser (a ``__del__`` such as ``Popen``'s, a weak
  reference's callback), Python prints "Exception ignored" and carries on. :func:`committing`
  therefore refuses to begin if a signal has arrived, raised or not;
* inside :func:`committing`, a signal is only recorded. If the body completes, the command has
  committed: later signals are recorded too, and the command finishes and reports its success.
  If the body fails, a recorded signal is raised then.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A stop signal, raised where the main thread was; ``exit_code`` is the shell's 128 + signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.exit_code = 128 + signum


class _State:
    """Whether signals are held now, whether the command has committed, and what arrived."""

    def __init__(self) -> None:
        self.holding = False
        self.committed = False
        self.arrived: list[int] = []
        """Signals recorded while holding, to raise if the body fails."""
        self.received: list[int] = []
        """Every stop signal of the command, raised or held."""


_state = _State()


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    _state.received.append(signum)
    if _state.holding:
        _state.arrived.append(signum)
        return
    raise Interrupted(signum)


def take_stop_signals(handler: Callable[[int, FrameType | None], None]) -> dict[int, Any]:
    """Set ``handler`` for the stop signals the process does not ignore (a background job's SIGINT
    stays ignored); returns the handlers they had."""
    return {
        signum: signal.signal(signum, handler)
        for signum in STOP_SIGNALS
        if signal.getsignal(signum) is not signal.SIG_IGN
    }


def _quiet_about_lost_interruptions(
    hook: Callable[[Any], object],
) -> Callable[[Any], object]:
    """``hook`` for everything but an :class:`Interrupted` lost in a finaliser: that one is recorded
    and raised at the commit point, and printing its traceback would only bury the one line that
    says the command was interrupted."""

    def quiet(unraisable: Any) -> object:
        if isinstance(unraisable.exc_value, Interrupted):
            return None
        return hook(unraisable)

    return quiet


@contextmanager
def stop_signals(*, enabled: bool = True, restore: bool = True) -> Iterator[_State]:
    """SIGINT and SIGTERM handled as above while the body runs. A signal the process ignores (a
    background job's SIGINT) stays ignored.

    After the body, with ``restore``, the previous handlers are back (a test that runs a command
    in its own process). Without it (the command line, whose process ends with the command), stop
    signals are ignored from then on: the command's outcome is settled, and the interpreter's
    shutdown must not turn a published build into a process killed by a signal (Python puts the
    default action back for every signal it handles as it shuts down, but leaves an ignored one
    ignored). Not ``enabled``, or outside the main thread (where Python cannot set handlers),
    nothing changes. The state given says, once the body is done, whether it committed and which
    signals arrived while it ran."""
    global _state
    _state = _State()
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield _state
        return
    previous = take_stop_signals(_on_signal)
    unraisable = sys.unraisablehook
    sys.unraisablehook = _quiet_about_lost_interruptions(unraisable)
    try:
        yield _state
    finally:
        sys.unraisablehook = unraisable
        if restore:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        else:
            for signum in previous:
                signal.signal(signum, signal.SIG_IGN)


@contextmanager
def committing() -> Iterator[None]:
    """Hold stop signals while the body runs. If it completes, the command has committed and they
    stay held for the rest of it; if it raises, the first signal that arrived meanwhile is raised
    instead. A signal that arrived before, whose exception a finaliser swallowed, is raised here,
    before the body: the command stops short of its commit point as it would have."""
    if _state.received and not _state.committed:
        raise Interrupted(_state.received[0])
    _state.holding = True
    try:
        yield
    except BaseException:
        _state.holding = False
        if _state.arrived:
            raise Interrupted(_state.arrived.pop(0))  # noqa: B904 (the body's error is its context)
        raise
    _state.committed = True
