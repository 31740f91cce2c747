"""Where the project's files live.

The repository root is found from this file (the package is installed in editable mode from
``src/``) or from ``BYTEDANCE_KG_ROOT``, so the tools work from any working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ARTICLE_FILE = "bytedance-on-deepseeks-impact.txt"
"""The source article's file name under ``data/sources/``."""


def repository_root() -> Path:
    """The repository root: ``$BYTEDANCE_KG_ROOT`` if set, else the folder above ``src/``."""
    env = os.environ.get("BYTEDANCE_KG_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class ProjectPaths:
    """The source and output locations of one checkout."""

    root: Path
    dist_dir: Path | None = None
    """Where ``build`` writes the release; ``dist/`` in the root unless set (tests build elsewhere)."""

    @property
    def ontology(self) -> Path:
        return self.root / "ontology" / "bytedance.ttl"

    @property
    def imports_dir(self) -> Path:
        return self.root / "ontology" / "imports"

    @property
    def imports(self) -> list[Path]:
        return sorted(self.imports_dir.glob("*.ttl"))

    @property
    def shapes(self) -> Path:
        return self.root / "ontology" / "shapes.ttl"

    @property
    def context(self) -> Path:
        return self.root / "ontology" / "context.jsonld"

    @property
    def data(self) -> Path:
        return self.root / "data" / "bytedance.ttl"

    @property
    def sources_dir(self) -> Path:
        return self.root / "data" / "sources"

    @property
    def article(self) -> Path:
        """The source article, byte for byte as scraped (its SHA-256 is recorded in the graph)."""
        return self.sources_dir / ARTICLE_FILE

    @property
    def checks_dir(self) -> Path:
        return self.root / "checks"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def dist(self) -> Path:
        return self.dist_dir if self.dist_dir is not None else self.root / "dist"

    def canonical_files(self) -> list[Path]:
        """The Turtle files kept in canonical (longturtle) form."""
        return [self.ontology, self.shapes, self.data, *self.imports]


def default_paths() -> ProjectPaths:
    return ProjectPaths(repository_root())
