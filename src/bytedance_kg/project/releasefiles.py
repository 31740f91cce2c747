"""The release's file names, in one place (their media types are in :mod:`bytedance_kg.rdf.formats`).

The writers (:mod:`bytedance_kg.release.writer`), its description
(:mod:`bytedance_kg.release.void`), the loader, the query store and the server all name the same
files; none of them needs the others' code for that (the store and the server would otherwise
import the build's reasoner to learn a file name).
"""

from __future__ import annotations

ASSERTED = "bytedance-kg"
"""Stem of the asserted variant's files: ontology, vocabularies and what the article states."""
FULL = "bytedance-kg-full"
"""Stem of the full variant's files: the asserted one and its OWL RL closure."""
IMPLIED = "bytedance-kg-implied"
"""Stem of the implied variant's files: what the article only implies."""
REIFIED = "bytedance-kg-reified"
"""Stem of the RDF 1.2 variant's files."""
CONTEXT_FILE = "context.jsonld"
VOID_FILE = "void.ttl"
CHECKSUMS_FILE = "SHA256SUMS"
