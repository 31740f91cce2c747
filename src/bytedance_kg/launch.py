"""The ``bytedance-kg`` command's entry point: stop signals answered from the process's first instant.

Importing the command line (the pipeline, pyoxigraph, rdflib) takes about a second, and Python's
own handlers would meanwhile die of SIGTERM without a word, or print a ``KeyboardInterrupt``
traceback from an import. So this module, which imports only the package's small module of stop
signals, makes a stop signal end the process at once with the exit code the README gives
(128 + the signal) and one line, until :func:`bytedance_kg.cli.main` takes over the signals for
the command itself (:mod:`bytedance_kg.system.interrupts`). Nothing has been written before that.
"""

from __future__ import annotations

import os
import sys
from types import FrameType

from bytedance_kg.system.interrupts import take_stop_signals


def _stopped_early(signum: int, _frame: FrameType | None) -> None:
    sys.stderr.write("error: interrupted\n")
    sys.stderr.flush()
    os._exit(128 + signum)  # mid-import: nothing to clean up, and no half-imported module to unwind


def entry() -> int:
    """The command line (:func:`bytedance_kg.cli.entry`), with stop signals answered meanwhile; a
    signal the process was started ignoring stays ignored."""
    take_stop_signals(_stopped_early)
    from bytedance_kg.cli import entry as run_command

    return run_command()
