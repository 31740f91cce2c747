"""The release described for people: the dataset's own page at the dataset IRI (VoID's facts in
words, the Turtle one click away) and the downloads page (which file to take for what).

Both read ``void.ttl``'s graph, which the build writes from the release itself, so the counts,
sizes and descriptions on the pages are the ones a VoID client reads."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from bytedance_kg.project.graphs import VOID_GRAPH
from bytedance_kg.project.namespaces import ID
from bytedance_kg.project.releasefiles import CHECKSUMS_FILE, CONTEXT_FILE, VOID_FILE
from bytedance_kg.rdf.formats import RDF_SYNTAXES, syntax, syntax_of
from bytedance_kg.server.documents import constructed, render_triples
from bytedance_kg.server.negotiation import accept_header, choose
from bytedance_kg.server.site import DOC_FORMATS, DOC_MEDIA_TYPES, Site, doc_extension, error_response

DATASET = ID + "dataset"
TURTLE = syntax("turtle").media_type
OTHER_FILES = {
    "ontology.rdf": "The ontology alone, in RDF/XML, for OWL editors such as Protégé.",
    "ontology.html": "The ontology's documentation (every class and property with its definition), to "
    "read offline; online at /ontology.html.",
    VOID_FILE: "This description in VoID and DCAT: counts, parts, files and their checksums.",
    CONTEXT_FILE: "The JSON-LD context the JSON-LD files are compacted with, for reuse.",
    CHECKSUMS_FILE: "The SHA-256 of every file: check a download with sha256sum -c SHA256SUMS.",
}
"""What the release's files other than the data variants are for (the variants describe themselves
in VoID)."""

_VOID = "http://rdfs.org/ns/void#"
_DCT = "http://purl.org/dc/terms/"
_FACTS = f"""
SELECT ?p ?o WHERE {{ <{DATASET}> ?p ?o
  VALUES ?p {{ <{_DCT}title> <{_DCT}description> <{_DCT}creator> <{_DCT}license> <{_DCT}source> <{_DCT}issued>
    <{_DCT}modified> <{_VOID}triples> <{_VOID}entities> <{_VOID}classes> <{_VOID}properties>
    <{_VOID}sparqlEndpoint> }} }}"""
_PARTS = f"""
SELECT ?part ?label ?description ?triples ?file WHERE {{
  <{DATASET}> <{_DCT}hasPart> ?part .
  ?part <{_VOID}triples> ?triples .
  OPTIONAL {{ ?part <http://www.w3.org/2000/01/rdf-schema#label> ?label }}
  OPTIONAL {{ ?part <{_DCT}description> ?description }}
  OPTIONAL {{ ?part <http://www.w3.org/ns/dcat#distribution> ?file }}
}}"""


@dataclass
class Part:
    """A variant (a set of files of one graph) or a named graph of the dataset."""

    iri: str
    label: str
    description: str
    triples: int
    files: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return self.iri[len(DATASET) + 1 :].replace("/", "-")

    @property
    def is_graph(self) -> bool:
        return "/graph/" in self.iri


def _facts(site: Site) -> dict[str, list[str]]:
    facts: dict[str, list[str]] = {}
    for row in site.backend.outcome(_FACTS, [VOID_GRAPH]).rows or []:
        facts.setdefault(row["p"].value.rsplit("/", 1)[-1].rsplit("#", 1)[-1], []).append(row["o"].value)
    return facts


def _parts(site: Site) -> list[Part]:
    parts: dict[str, Part] = {}
    for row in site.backend.outcome(_PARTS, [VOID_GRAPH]).rows or []:
        iri = row["part"].value
        part = parts.setdefault(
            iri,
            Part(
                iri,
                row["label"].value if "label" in row else iri,
                row["description"].value if "description" in row else "",
                int(row["triples"].value),
            ),
        )
        if "file" in row and row["file"].value.rsplit("/", 1)[-1] not in part.files:
            part.files.append(row["file"].value.rsplit("/", 1)[-1])
    order = [s.extension for s in RDF_SYNTAXES]
    for part in parts.values():
        part.files.sort(
            key=lambda name: order.index(ext) if (ext := "." + name.rsplit(".", 1)[-1]) in order else 99
        )
    return sorted(parts.values(), key=lambda p: (p.is_graph, p.iri))


@dataclass(frozen=True)
class Download:
    name: str
    size: int
    format: str
    purpose: str


def _downloads(site: Site, parts: list[Part]) -> list[Download]:
    """Every file of the release with its size and format, each said what it is for."""
    variant_of = {name: part for part in parts if not part.is_graph for name in part.files}
    out = []
    for path in sorted(site.dist.iterdir()):
        if not path.is_file():
            continue
        found = syntax_of(path.suffix)
        kind = found.title if found else {".html": "HTML", ".jsonld": "JSON-LD"}.get(path.suffix, "text")
        if path.name in variant_of:
            purpose = f"{variant_of[path.name].label}: {variant_of[path.name].description}"
        elif found is not None and found.datasets:
            purpose = (
                "Every named graph in one file (ontology, vocabularies, data, shapes, implied"
                + (", inferences)" if "-full" in path.name else ")")
                + (": the implied graph alone." if "-implied" in path.name else ".")
            )
        else:
            purpose = OTHER_FILES.get(path.name, "")
        out.append(Download(path.name, path.stat().st_size, kind, purpose))
    return out


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000  # type: ignore[assignment]
    return str(size)


def dataset_identifier(request: Request) -> Response:
    """The dataset IRI (and its parts' IRIs): 303 See Other to the dataset's page or its VoID."""
    return _see_dataset(request, request.path_params.get("part", ""))


def graph_identifier(request: Request) -> Response:
    """A named graph's IRI (``/graph/data``): 303 See Other to where the dataset's description
    tells of it, as for its part of the dataset (``/id/dataset/graph/data``); the VoID graph's IRI
    to the description as a whole, which is what that graph holds."""
    name = request.path_params["name"]
    return _see_dataset(request, "" if VOID_GRAPH.endswith("/graph/" + name) else "graph/" + name)


def _see_dataset(request: Request, part: str) -> Response:
    site: Site = request.app.state.site
    if part and part.replace("/", "-") not in {p.anchor for p in _parts(site)}:
        return error_response(
            request, 404, f"the dataset has no part {part[:80]!r}; /doc/dataset.html lists them"
        )
    media_type = choose(accept_header(request), DOC_MEDIA_TYPES)
    if media_type is None:
        return error_response(request, 406, "offered: " + ", ".join(DOC_MEDIA_TYPES))
    extension = doc_extension(media_type)
    anchor = "#" + urllib.parse.quote(part.replace("/", "-")) if part and extension == "html" else ""
    return RedirectResponse(f"/doc/dataset.{extension}{anchor}", status_code=303, headers={"Vary": "Accept"})


def dataset_document(request: Request) -> Response:
    """``/doc/dataset.html``: VoID's facts in words; ``/doc/dataset.ttl``: ``void.ttl`` itself; the
    other syntaxes of a thing's document (JSON-LD, N-Triples, RDF/XML): VoID's graph in them."""
    site: Site = request.app.state.site
    extension = request.path_params["ext"]
    if extension not in DOC_FORMATS:
        return error_response(
            request, 404, "the dataset is described at /doc/dataset." + ", .".join(DOC_FORMATS)
        )
    if extension == "ttl":
        return FileResponse(site.dist / VOID_FILE, media_type=TURTLE)
    if extension != "html":
        triples = constructed(site, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", [VOID_GRAPH])
        return Response(
            render_triples(site, triples, DOC_FORMATS[extension]), media_type=DOC_FORMATS[extension]
        )
    parts = _parts(site)
    return site.page(
        "dataset.html",
        facts=_facts(site),
        variants=[p for p in parts if not p.is_graph],
        graphs=[p for p in parts if p.is_graph],
        downloads={d.name: d for d in _downloads(site, parts)},
        size=human_size,
    )


def downloads_page(request: Request) -> Response:
    """``/dist/``: every file, what it is for, its format and size."""
    site: Site = request.app.state.site
    parts = _parts(site)
    return site.page(
        "downloads.html",
        downloads=_downloads(site, parts),
        variants=[p for p in parts if not p.is_graph],
        size=human_size,
    )
