"""The build writes a complete release, and a failed build leaves the previous one untouched."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest

from bytedance_kg.build import ASSERTED_FILE, FULL_FILE, build, check_sources
from bytedance_kg.project.errors import InputError, NonConformanceError
from bytedance_kg.release.writer import write_release
from tests.conftest import copy_sources, edit_data


def strict_load(path: Path) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
    return store


def test_build_writes_both_files(built) -> None:
    target, result = built
    assert {ASSERTED_FILE, FULL_FILE} <= {p.name for p in target.dist.iterdir()}
    assert result.report.conforms
    assert set(result.timings) >= {"parse", "quotes", "reason", "validate", "gates", "write"}


def test_outputs_load_in_a_strict_parser(built) -> None:
    target, result = built
    asserted = strict_load(target.dist / ASSERTED_FILE)
    full = strict_load(target.dist / FULL_FILE)
    assert len(asserted) == result.counts["asserted triples"]
    assert len(full) == result.counts["full triples"] > len(asserted)


def test_the_default_build_never_makes_an_rdflib_graph_of_the_data(paths, tmp_path: Path) -> None:
    """The pipeline's data stays pyoxigraph triples from the parse to the writers (CONTRIBUTING, "The
    data model"): an rdflib graph of the data costs a build of a million triples minutes and gigabytes."""
    sources, report, reasoned = check_sources(paths)
    write_release(tmp_path, sources, reasoned, paths.context)
    assert report.conforms and (tmp_path / FULL_FILE).exists()
    grown = {
        "data": sources.triples("data"),
        "stated": sources.triples("stated"),
        "implied": sources.triples("implied"),
        "inferred": reasoned.inferred,
    }
    assert {name for name, triples in grown.items() if triples.graph_made} == set()
    sources.data  # the API's rdflib view is still there, made on first use
    assert sources.triples("data").graph_made


def test_the_validation_and_the_gates_start_once_the_quote_check_is_done(paths, monkeypatch) -> None:
    """The quote check is Python throughout and took turns for the interpreter lock with the
    validation beside it (a third slower at a million triples): the later checks start after it,
    and still run beside the reasoning."""
    import time

    import bytedance_kg.build as build_module
    from bytedance_kg.pipeline.engines.fast import FastEngine

    events: list[str] = []
    verify, validate, reason = build_module.verify_quotes, FastEngine.validate, FastEngine.reason

    def slow_verify(*args, **kwargs):
        time.sleep(0.3)  # long enough for a thread started before it to have begun validating
        found = verify(*args, **kwargs)
        events.append("quotes done")
        return found

    def recorded(name, method, pause=0.0):
        def run(self, *args, **kwargs):
            events.append(f"{name} started")
            time.sleep(pause)
            result = method(self, *args, **kwargs)
            events.append(f"{name} done")
            return result

        return run

    monkeypatch.setattr(build_module, "verify_quotes", slow_verify)
    monkeypatch.setattr(FastEngine, "validate", recorded("validate", validate))
    monkeypatch.setattr(FastEngine, "reason", recorded("reason", reason, pause=0.3))
    _, report, _ = check_sources(paths)
    assert report.conforms
    assert events.index("quotes done") < events.index("validate started")
    assert events.index("quotes done") < events.index("reason started")
    assert events.index("validate started") < events.index("reason done")  # beside the reasoning


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ("org:member person:hong-dingkun ;", "", "hong-dingkun-technical-lead-flow"),
        # found by a gate alone, once the release is written (the gates run beside the rest)
        (
            "unit:flow\n    a kg:Team ;",
            "unit:flow\n    a kg:Team ;\n    rdfs:seeAlso unit:flwo ;",
            "target=unit:flwo",
        ),
    ],
    ids=["shape-and-answers", "gate-only"],
)
def test_failed_build_keeps_previous_release(tmp_path: Path, old: str, new: str, named: str) -> None:
    scratch = copy_sources(tmp_path)
    build(scratch)
    before = {p.name: p.read_bytes() for p in scratch.dist.iterdir()}
    edit_data(scratch, old, new)
    with pytest.raises(NonConformanceError) as caught:
        build(scratch)
    assert named in str(caught.value)
    assert {p.name: p.read_bytes() for p in scratch.dist.iterdir()} == before
    assert [p.name for p in (tmp_path / ".releases").glob("dist-*")] == [scratch.dist.resolve().name]


def test_syntax_error_is_input_error_with_place(tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    edit_data(scratch, 'schema:name "Flow"@en ;', 'schema:name "Flow@en ;')
    with pytest.raises(InputError) as caught:
        build(scratch)
    assert caught.value.path == scratch.data and caught.value.line is not None
    assert not scratch.dist.exists()


def test_a_triple_in_two_graphs_of_the_default_graph_is_a_problem(tmp_path: Path) -> None:
    """The endpoint's default graph merges ontology, vocabularies, data and inferences; the build
    keeps them disjoint, so a merge and a union of them agree."""
    paths = copy_sources(tmp_path)
    restated = "\n<https://w3id.org/bytedance-kg/ontology#Person> a <http://www.w3.org/2002/07/owl#Class> .\n"
    paths.data.write_text(paths.data.read_text(encoding="utf-8") + restated, encoding="utf-8")
    _, report, _ = check_sources(paths)
    assert any("is in both the ontology and the data" in p for p in report.graph_problems)
    assert not report.conforms


def test_a_blank_node_named_from_the_stated_and_the_implied_graph_is_a_problem(tmp_path: Path) -> None:
    """The implied facts are published in a graph (and files) of their own; a blank node both sides
    name would be two nodes once the files are loaded apart, so the build asks for an IRI."""
    paths = copy_sources(tmp_path)
    shared = (
        "\nmembership:xiang-liang-head-xiang-liang-team rdfs:seeAlso _:shared ."
        "\n<https://w3id.org/bytedance-kg/id/org/bytedance> rdfs:seeAlso _:shared .\n"
    )
    paths.data.write_text(paths.data.read_text(encoding="utf-8") + shared, encoding="utf-8")
    _, report, _ = check_sources(paths)
    assert len(report.graph_problems) == 1 and "give it an IRI" in report.graph_problems[0]
    assert "xiang-liang-head" in report.graph_problems[0] and "org/bytedance" in report.graph_problems[0]
    assert report.reasoning_problems == [] and not report.conforms


def test_a_failed_check_outranks_a_release_that_could_not_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The release is written while the validation and the gates may still run: when both the
    writing and a gate fail, the gate's report is the error, and the folder written into is gone."""
    import bytedance_kg.build as building
    from bytedance_kg.project.errors import WriteError

    def full_disk(folder: Path, *args: object) -> None:
        (folder / "partial.nt").write_text("half")
        raise WriteError("bytedance-kg.nt: could not be written: No space left on device")

    scratch = copy_sources(tmp_path)
    # a gate's violation, which neither the quotes, the reasoning nor the saved answers see
    edit_data(
        scratch, "unit:flow\n    a kg:Team ;", "unit:flow\n    a kg:Team ;\n    rdfs:seeAlso unit:flwo ;"
    )
    monkeypatch.setattr(building, "write_release", full_disk)
    with pytest.raises(NonConformanceError, match="dangling-reference"):
        build(scratch)
    assert list((tmp_path / ".releases").glob("dist-*")) == [] and not scratch.dist.exists()
    fine = copy_sources(tmp_path / "fine")
    with pytest.raises(WriteError, match="No space left"):  # with nothing failing, the write error
        build(fine)
