"""Errors the tools report to people, and the exit codes they map to.

Every error that reaches the command line names the offending file and, where there is one,
the line and column or the offending value, so that a maintainer can go straight to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
"""Success: the graph was built, or the data conforms."""
EXIT_NONCONFORMANT = 1
"""The input parsed, but the data does not conform (shapes, gates, quotes, reasoning)."""
EXIT_USAGE = 2
"""Usage or input error: a bad argument, a missing or unparsable file."""
EXIT_WRITE = 5
"""The release could not be written (a full disk, a folder that is read-only, a helper process
that failed); ``dist`` still holds the previous release."""


class KGError(Exception):
    """Base class of the errors the command line reports without a traceback."""

    exit_code: int = EXIT_USAGE


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
        return f"{where}: {one_line(self.message)}"


def one_line(text: str) -> str:
    """``text`` with its control characters written as escapes (a parser names an offending
    newline by quoting it): an error message is one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class UsageError(KGError):
    """A bad command-line argument or parameter."""

    exit_code = EXIT_USAGE


class NonConformanceError(KGError):
    """The data parsed but fails a check; the message is the readable report."""

    exit_code = EXIT_NONCONFORMANT


class WriteError(KGError):
    """The release could not be written; the message names the file."""

    exit_code = EXIT_WRITE


@contextmanager
def said_as_write_error(name: str | None = None, *, within: Path | None = None) -> Iterator[None]:
    """An ``OSError`` raised in the body (a full disk, a read-only folder, a file size limit) as a
    one-line :class:`WriteError` naming ``name``, or else the path the system names (relative to
    ``within``, a staging folder whose random name would tell the reader nothing)."""
    try:
        yield
    except OSError as error:
        # of a link or a rename, the second file is the one being written (``filename`` is the
        # link's target or the file renamed)
        written = error.filename2 or error.filename
        where = name or (str(written) if written else "the release")
        if name is None and within is not None and Path(where).is_relative_to(within):
            where = str(Path(where).relative_to(within))
        raise WriteError(f"{where}: could not be written: {error.strerror or error}") from error
