"""Errors the tools report to people, and the exit codes they map to.

Every error that reaches the command line names the offending file and, where there is one,
the line and column or the offending value, so that a maintainer can go straight to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
"""Success: the graph was built, or the data conforms."""
EXIT_NONCONFORMANT = 1
"""The input parsed, but the data does not conform (shapes, gates, quotes, reasoning)."""
EXIT_USAGE = 2
"""Usage or input error: a bad argument, a missing or unparsable file."""
EXIT_WRITE = 5
"""The checks passed but the release could not be written (a full disk, a helper process that
failed); ``dist`` still holds the previous release."""


class KGError(Exception):
    """Base class of the errors the command line reports without a traceback."""

    exit_code: int = EXIT_USAGE


@dataclass
class InputError(KGError):
    """A file that cannot be read or parsed, with the place of the fault."""

    path: Path | str
    message: str
    line: int | None = None
    column: int | None = None

    exit_code = EXIT_USAGE

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class UsageError(KGError):
    """A bad command-line argument or parameter."""

    exit_code = EXIT_USAGE


class NonConformanceError(KGError):
    """The data parsed but fails a check; the message is the readable report."""

    exit_code = EXIT_NONCONFORMANT


class WriteError(KGError):
    """The release could not be written; the message names the file."""

    exit_code = EXIT_WRITE
