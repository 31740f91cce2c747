"""Generated parts of the README: the model diagram, the query catalogue, the command examples.

Each part lives between ``<!-- BEGIN generated: NAME -->`` and ``<!-- END generated: NAME -->``
markers and is produced from the graph, the query headers or real runs of the command line, so
the documentation cannot drift from what the project does (a test runs ``docs --check``).
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from collections.abc import Callable

import pyoxigraph as ox

from bytedance_kg.project.namespaces import BASE
from bytedance_kg.sparql.catalogue import SavedQuery
from bytedance_kg.sparql.querying import compact

MAIN_CLASSES = (
    "Company",
    "OrganizationalUnit",
    "Person",
    "Role",
    "Membership",
    "Statement",
    "SoftwareProduct",
    "Event",
    "Observation",
    "Metric",
    "Claim",
    "Idea",
    "Critique",
    "Technology",
    "Quote",
    "SourceArticle",
)
"""The classes the diagram shows; instances of their subclasses are drawn as these."""

EXAMPLES = (
    "bytedance-kg queries --tag roles",
    "bytedance-kg query unit-leadership --param unit=unit:flow",
    "bytedance-kg query meeting-presenters --format csv",
    "bytedance-kg query zhu-wenjia-reports-to-ceo",
    "bytedance-kg describe person:hong-dingkun",
    "bytedance-kg query no-such-query",
)
"""Commands whose real output the README shows."""

_KG = BASE + "ontology#"


def model_diagram(store: ox.Store) -> str:
    """A Mermaid diagram of how instances of the main classes link to each other in the data.

    Left out, to keep it readable: ``kg:mention`` (every named thing has one, to a quote) and the
    reification properties of statements (``rdf:subject``, ``rdf:object``).
    """
    values = " ".join(f"<{_KG}{name}>" for name in MAIN_CLASSES)
    query = f"""
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?from ?property ?to WHERE {{
          VALUES ?from {{ {values} }}
          VALUES ?to {{ {values} }}
          ?s ?property ?o .
          ?s a/rdfs:subClassOf* ?from . ?o a/rdfs:subClassOf* ?to .
          FILTER (?property NOT IN (rdf:type, rdf:subject, rdf:predicate, rdf:object, <{_KG}mention>))
        }} ORDER BY ?from ?property ?to"""
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    edges = [
        (r["from"].value[len(_KG) :], compact(r["property"]), r["to"].value[len(_KG) :]) for r in solutions
    ]
    lines = ["```mermaid", "flowchart LR"]
    lines += [f'  {a} -- "{p}" --> {b}' for a, p, b in edges]
    lines.append("```")
    return "\n".join(lines)


def query_catalogue(catalogue: dict[str, SavedQuery]) -> str:
    """A Markdown table of the saved queries from their headers."""
    lines = ["| query | question | form | tags |", "|---|---|---|---|"]
    for query in catalogue.values():
        params = "".join(f" `--param {p.name}=…`" for p in query.params)
        lines.append(
            f"| `{query.name}`{params} | {query.question} | {query.form} | {', '.join(query.tags)} |"
        )
    return "\n".join(lines)


def command_examples(run: Callable[[list[str]], int]) -> str:
    """Each example command and what it prints (stdout and stderr), run in-process."""
    blocks = []
    for command in EXAMPLES:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(["--quiet", *shlex.split(command)[1:]])
        text = (out.getvalue() + err.getvalue()).replace("\r\n", "\n")  # SPARQL CSV/TSV end lines in CRLF
        status = f"\n(exit code {code})" if code else ""
        blocks.append(f"```console\n$ {command}\n{text.rstrip()}{status}\n```")
    return "\n\n".join(blocks)


def section_fault(document: str, name: str) -> str | None:
    """Why ``document`` does not hold the generated section ``name`` once, its end after its
    beginning, if it does not: a fault of the document's markers, which regenerating cannot mend (a
    second, stale copy of a section was rewritten along with the first, and then passed the check)."""
    begin, end = f"<!-- BEGIN generated: {name} -->\n", f"<!-- END generated: {name} -->"
    markers = f"{begin.rstrip()} ... {end}"
    begins, ends = document.count(begin), document.count(end)
    if (begins, ends) == (1, 1):
        if document.index(end) < document.index(begin):
            return f"the generated section '{name}' ends before it begins ({markers})"
        return None
    counted = ", ".join(
        f"{count} {kind} marker{'' if count == 1 else 's'}"
        for kind, count in (("BEGIN", begins), ("END", ends))
    )
    return f"the generated section '{name}' needs one BEGIN and one END marker, not {counted} ({markers})"


def replace_section(document: str, name: str, content: str) -> str:
    """``document`` with the generated section ``name`` replaced by ``content``; a ``ValueError``
    saying what is wrong (:func:`section_fault`) if the document does not hold it once."""
    fault = section_fault(document, name)
    if fault is not None:
        raise ValueError(fault)
    pattern = re.compile(
        rf"(<!-- BEGIN generated: {re.escape(name)} -->\n).*?(<!-- END generated: {re.escape(name)} -->)",
        re.S,
    )
    return pattern.sub(lambda m: m.group(1) + content + "\n" + m.group(2), document, count=1)
