"""The saved queries in ``queries/``: their headers, lookup by name, and close-match suggestions.

Each ``.rq`` file opens with a header of ``#`` lines (``Question:``, ``Description:`` and its
indented continuation, ``Tags:``, ``Graph: asserted|full|all``, one ``Param:`` line per run-time
parameter, and ``Example:`` with the ``name=value`` bindings of the documented example run). The
same header drives ``bytedance-kg queries``, the README's catalogue and the web page that lists
the queries.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from bytedance_kg.project.errors import UsageError
from bytedance_kg.rdf.parsing import read_text
from bytedance_kg.sparql.guard import check_query

GRAPHS = ("asserted", "full", "all")
PARAM_TYPES = ("IRI", "string", "integer")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_]\w*) \((?P<type>\w+)\) - (?P<doc>.+)$")


@dataclass(frozen=True)
class Param:
    """A run-time parameter: a variable of the query, bound by an inline VALUES block that opens the
    query's outermost group (see :func:`bytedance_kg.sparql.querying.bind`)."""

    name: str
    type: str
    doc: str

    @property
    def required(self) -> bool:
        return self.doc.startswith("required")


@dataclass(frozen=True)
class SavedQuery:
    """One saved query and its header."""

    name: str
    path: Path
    text: str
    question: str
    description: str = ""
    tags: tuple[str, ...] = ()
    graph: str = "asserted"
    params: tuple[Param, ...] = field(default_factory=tuple)
    example: tuple[str, ...] = ()
    """``name=value`` bindings of the documented example run (also the run the expected results record)."""

    @property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query-form keyword after the prologue."""
        return check_query(self.text).form  # the one reading of query texts

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        known = ", ".join(p.name for p in self.params) or "none"
        raise UsageError(f"query '{self.name}' has no parameter '{name}' (its parameters: {known})")


def parse_header(path: Path, text: str) -> SavedQuery:
    """Read a query's header; a missing question or a malformed line is an error naming the file."""
    fields: dict[str, str] = {}
    params: list[Param] = []
    last = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        if line.startswith("#   ") and last:
            fields[last] += " " + line[4:].strip()
            continue
        key, _, value = line[1:].strip().partition(":")
        value = value.strip()
        if key == "Param":
            match = _PARAM.match(value)
            if not match or match["type"] not in PARAM_TYPES:
                raise UsageError(
                    f"{path}:{number}: a Param line reads 'name (IRI|string|integer) - what it is'"
                )
            params.append(Param(match["name"], match["type"], match["doc"]))
        else:
            fields[key] = value
            last = key
    if "Question" not in fields:
        raise UsageError(f"{path}:1: the header has no 'Question:' line")
    graph = fields.get("Graph", "asserted")
    if graph not in GRAPHS:
        raise UsageError(f"{path}: 'Graph:' must be one of {', '.join(GRAPHS)}")
    tags = tuple(t.strip() for t in fields.get("Tags", "").split(",") if t.strip())
    example = tuple(fields.get("Example", "").split())
    return SavedQuery(
        path.stem,
        path,
        text,
        fields["Question"],
        fields.get("Description", ""),
        tags,
        graph,
        tuple(params),
        example,
    )


def load_catalogue(queries_dir: Path) -> dict[str, SavedQuery]:
    """Every saved query, by name (the file name without ``.rq``)."""
    return {p.stem: parse_header(p, read_text(p)) for p in sorted(queries_dir.glob("*.rq"))}


def find_query(catalogue: dict[str, SavedQuery], name_or_file: str) -> SavedQuery:
    """A saved query by name, or any ``.rq`` file by path; an unknown name suggests close ones."""
    if name_or_file in catalogue:
        return catalogue[name_or_file]
    path = Path(name_or_file)
    if path.suffix == ".rq" or path.exists():
        text = read_text(path)
        header = parse_header(path, text) if text.startswith("# Question:") else None
        return header or SavedQuery(path.stem, path, text, question=f"(query file {path})")
    close = difflib.get_close_matches(name_or_file, list(catalogue), n=3, cutoff=0.4)
    hint = f"; did you mean: {', '.join(close)}?" if close else "; `bytedance-kg queries` lists them"
    raise UsageError(f"no saved query named '{name_or_file}'{hint}")
