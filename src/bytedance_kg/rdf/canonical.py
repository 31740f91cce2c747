"""The one canonical Turtle form of every source file.

rdflib's ``longturtle`` serialiser is deterministic and idempotent, so a file that equals its own
re-serialisation is in canonical form; diffs then show meaning, never layout. ``#`` comments do
not survive it: what matters goes into triples (``rdfs:comment``, ``skos:editorialNote``).
"""

from __future__ import annotations

import os
from pathlib import Path

from rdflib import BNode, Graph
from rdflib.compare import to_canonical_graph

from bytedance_kg.project.namespaces import new_graph
from bytedance_kg.rdf.parsing import load_turtle, read_text


def canonical_turtle(graph: Graph) -> str:
    """Serialise ``graph`` as longturtle with the project's prefixes (the serialiser writes only used ones).

    The output is a function of the graph alone: two runs give the same bytes.
    """
    if any(isinstance(term, BNode) for triple in graph for term in triple):
        # Blank-node labels are random per run; relabel them from the graph's content so that the
        # same graph always serialises to the same bytes.
        graph = to_canonical_graph(graph)
    out = new_graph()
    for triple in graph:
        out.add(triple)
    text = out.serialize(format="longturtle")
    return text if text.endswith("\n") else text + "\n"


def canonical_form(path: Path) -> str:
    """The canonical text of the Turtle file at ``path``."""
    return canonical_turtle(load_turtle(path))


def is_canonical(path: Path) -> bool:
    """True when the file is byte for byte its canonical form."""
    return read_text(path) == canonical_form(path)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: a killed writer leaves the old file whole."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def format_file(path: Path) -> bool:
    """Rewrite ``path`` in canonical form; return True if it changed."""
    text = canonical_form(path)
    if read_text(path) == text:
        return False
    write_atomically(path, text)
    return True
