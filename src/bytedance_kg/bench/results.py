"""The saved figures: ``bench-results.json`` and the generated tables of ``BENCHMARKS.md``, kept in
step.

Every table that ``BENCHMARKS.md`` generates is rendered from ``bench-results.json`` alone
(:data:`SECTIONS`): the build's, the endpoints' and the load test's each from its part of the file,
and issue 13's targets from the parts their figures come from (:mod:`bytedance_kg.bench.targets`).
So a reader can recompute any figure of the document from the file, and :func:`stale_tables`
(``bytedance-kg docs --check``, and the tests) finds a table that no longer matches, whether it
was edited by hand or left behind by a run that saved another part.

The parts come from two commands: ``bytedance-kg bench --save`` (the build and, unless
``--endpoint-seconds 0``, the endpoints; the file's ``recorded`` says when and from which commit)
and ``bytedance-kg loadtest --save`` (its part carries a ``recorded`` of its own). Saving one part
leaves the others as they were; a part a run was asked to leave out (the endpoints) is removed,
and its table says so, rather than look as if that run had made it.
"""

from __future__ import annotations

import datetime
import json
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bytedance_kg.bench import build, endpoints, loadtest, targets
from bytedance_kg.maintainer.docs import replace_section, section_fault
from bytedance_kg.project.errors import InputError
from bytedance_kg.rdf.canonical import write_atomically

RESULTS, DOCUMENT = "bench-results.json", "BENCHMARKS.md"
PARTS: dict[str, Callable[[Any], str]] = {
    "build": build.render,
    "endpoints": endpoints.render,
    "loadtest": loadtest.render,
}
"""Each part of the JSON, and what renders its table (the generated section of the same name)."""
NOT_MEASURED = "Not measured in the run saved last: see `{results}`, which has no `{part}`."


def _section(part: str) -> Callable[[Mapping[str, Any]], str]:
    def rendered(results: Mapping[str, Any]) -> str:
        if part not in results:
            return NOT_MEASURED.format(results=RESULTS, part=part)
        return PARTS[part](results[part])

    return rendered


SECTIONS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{part: _section(part) for part in PARTS},
    "targets": targets.render,
}
"""Each generated section of ``BENCHMARKS.md``, and how it is rendered from the whole file."""


FIGURE_FILES = (RESULTS, DOCUMENT, "docs/benchmarks.svg")
"""What ``--save`` writes: not the code that made the figures, so not asked about by :func:`recorded`
(``make bench``'s load test runs after ``bench --save`` has rewritten them)."""


def recorded(root: Path) -> dict[str, object]:
    """When the figures were saved and from which commit of ``root`` (``None`` outside a git
    checkout), and whether its tracked files, but for :data:`FIGURE_FILES`, were as committed: a
    reader of ``bench-results.json`` can then tell which code made them."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    changed = git(
        "status", "--porcelain", "--untracked-files=no", "--", ".", *(f":!{f}" for f in FIGURE_FILES)
    )
    return {
        "saved": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "HEAD"),
        "tracked_files_as_committed": None if changed is None else not changed,
    }


def read(root: Path, missing_ok: bool = False) -> dict[str, Any]:
    """The content of ``bench-results.json`` under ``root``; a file that is missing or is not a JSON
    object of the known parts is an input error naming it (``docs`` would otherwise write every table
    as "not measured"); ``missing_ok``: a missing file is an empty one (the first ``bench --save``)."""
    target = root / RESULTS
    try:
        results = json.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if missing_ok:
            return {}
        raise InputError(str(target), "no such file (`bytedance-kg bench --save` writes it)") from None
    except OSError as error:
        raise InputError(str(target), error.strerror or str(error)) from None
    except UnicodeDecodeError:
        raise InputError(str(target), "not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise InputError(str(target), f"not JSON: {error.msg}", error.lineno, error.colno) from None
    if not isinstance(results, dict):
        raise InputError(str(target), "not a JSON object")
    for part, kind in (("recorded", dict), ("build", list), ("endpoints", dict), ("loadtest", dict)):
        if part in results and not isinstance(results[part], kind):
            raise InputError(str(target), f"'{part}' is not a JSON {'array' if kind is list else 'object'}")
    return results


def document(root: Path, results: Mapping[str, Any]) -> str:
    """``BENCHMARKS.md`` under ``root`` with every generated section rendered from ``results``."""
    text = read_document(root)
    for section in SECTIONS:
        text = _replaced(root, text, section, _rendered(root, section, results))
    return text


def _rendered(root: Path, section: str, results: Mapping[str, Any]) -> str:
    """A section's table; a part the file holds but that lacks a figure, or holds one of the wrong
    kind, is an input error naming the file and the section."""
    try:
        return SECTIONS[section](results)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        detail = f"no {error}" if isinstance(error, KeyError) else str(error)
        raise InputError(str(root / RESULTS), f"cannot render the '{section}' table: {detail}") from None


def read_document(root: Path) -> str:
    """``BENCHMARKS.md``'s text; a missing or unreadable one is an input error naming it."""
    try:
        return (root / DOCUMENT).read_text(encoding="utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(
            str(root / DOCUMENT), f"{reason} (it holds the generated tables: restore it from git)"
        ) from None


def section_faults(root: Path) -> list[str]:
    """The faults of ``BENCHMARKS.md``'s generated sections' markers, each naming the file."""
    text = read_document(root)
    return [f"{root / DOCUMENT}: {fault}" for s in SECTIONS if (fault := section_fault(text, s)) is not None]


def _replaced(root: Path, text: str, section: str, table: str) -> str:
    try:
        return replace_section(text, section, table.rstrip())
    except ValueError as fault:
        raise InputError(str(root / DOCUMENT), str(fault)) from None


def check_savable(root: Path, dated_apart: bool = False) -> None:
    """Raise the input error that :func:`save` would, before a run whose figures it would lose."""
    document(root, read(root, missing_ok=not dated_apart))


def save(
    root: Path, parts: Mapping[str, dict[str, Any] | list[dict] | None], dated_apart: bool = False
) -> None:
    """Write ``parts`` into ``bench-results.json`` under ``root`` (``None`` removes a part; the file's
    other keys stay), then every generated table of ``BENCHMARKS.md`` from the file's new content.
    The run dates the file's ``recorded`` (``bench``), or, ``dated_apart``, each part it saves, which
    is then a JSON object, gets a ``recorded`` of its own (``loadtest``)."""
    results = read(root, missing_ok=not dated_apart)  # a part of its own joins figures already saved
    if not dated_apart:
        results["recorded"] = recorded(root)
    for part, value in parts.items():
        if part not in PARTS:
            raise ValueError(f"no table renders a part named {part!r}")
        if value is None:
            results.pop(part, None)
        elif not dated_apart:
            results[part] = value
        else:
            assert isinstance(value, dict), part
            results[part] = {"recorded": recorded(root), **value}
    known = ("recorded", *PARTS)
    ordered = {key: results[key] for key in known if key in results} | {
        key: value for key, value in results.items() if key not in known
    }
    text = document(root, ordered)
    write_atomically(root / RESULTS, json.dumps(ordered, indent=2) + "\n")
    write_atomically(root / DOCUMENT, text)


def stale_tables(root: Path) -> list[str]:
    """The generated tables of ``BENCHMARKS.md`` that differ from what ``bench-results.json``
    renders, each named with what mends it (``bytedance-kg docs``); a section whose markers are at
    fault is :func:`section_faults`'s to name, and left out here."""
    results = read(root)
    text = read_document(root)
    return [
        f"{root / DOCUMENT}: the '{section}' table is not what {RESULTS} gives (run: bytedance-kg docs)"
        for section in SECTIONS
        if section_fault(text, section) is None
        and replace_section(text, section, _rendered(root, section, results).rstrip()) != text
    ]
