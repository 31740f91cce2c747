"""The query page in a real headless browser (the fixtures of ``tests/conftest.py``): saved queries
run when picked and from their parameter forms, Ctrl+Enter runs, a query's link reproduces it, the
project's prefixes are declared for the user, errors are one line with the place marked, results
are paged, sortable and shown by label, and a download is the answer or a visible error, never an
error saved as a file. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import json
import random
import urllib.parse
import urllib.request
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from tests.conftest import ARTIFACTS, ROOT

ID = "https://w3id.org/bytedance-kg/id/"


def set_query(page, text: str) -> None:
    page.wait_for_selector(".CodeMirror")
    page.evaluate("text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)", text)


def query_text(page) -> str:
    return page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")


def table(page) -> list[list[str]]:
    page.wait_for_selector("table.results tbody tr")
    page.wait_for_load_state("networkidle")  # the labels' lookup
    return [
        [cell.text_content() or "" for cell in row.locator("td").all()]
        for row in page.locator("table.results tbody tr").all()
    ]


def expect_refusals(page, status: int, count: int) -> None:
    """Take from the page's console errors the ``count`` reports of an HTTP ``status`` the test
    provoked on purpose (Chromium logs every refused request); any other error still fails."""
    report = f"the server responded with a status of {status}"
    refusals = [e for e in page.errors if report in e]
    assert len(refusals) == count, page.errors
    page.errors[:] = [e for e in page.errors if report not in e]


def endpoint(server: str, text: str, graphs: list[str] | None = None) -> dict:
    """The endpoint's own JSON answer to ``text``: what the page must show."""
    fields = [("query", text), *(("default-graph-uri", g) for g in graphs or [])]
    request = urllib.request.Request(
        server + "/sparql",
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def test_a_saved_query_with_a_required_parameter_shows_its_form_and_runs_from_it(page, server: str) -> None:
    page.goto(server + "/query?name=describe")
    thing = page.locator("#param-thing")
    assert thing.get_attribute("required") is not None
    assert thing.get_attribute("placeholder") == "person:zhu-wenjia"
    page.wait_for_load_state("networkidle")
    assert page.locator("#results").inner_html() == ""  # not run unbound
    assert page.locator("#status").text_content().startswith("Not run: Give thing")
    page.locator("#run").click()  # Run, with the value still missing, runs nothing either
    page.wait_for_load_state("networkidle")
    assert page.locator("#results").inner_html() == ""
    thing.fill("person:zhu-wenjia")
    page.locator("#bind").click()
    page.wait_for_url("**/query?name=describe&thing=person%3Azhu-wenjia")
    page.wait_for_selector("pre.graph")
    assert "VALUES ?thing { <https://w3id.org/bytedance-kg/id/person/zhu-wenjia> }" in query_text(page)
    graph = Graph().parse(data=page.locator("pre.graph").text_content(), format="turtle")
    zhu = URIRef(ID + "person/zhu-wenjia")
    assert len(graph) > 5
    assert all(zhu in (s, o) or p == RDFS.label for s, p, o in graph)
    assert page.locator("#graph-downloads").is_visible()
    assert not page.locator("#table-downloads").is_visible()
    page.screenshot(path=str(ARTIFACTS / "query-describe-bound.png"), full_page=True)


def test_an_optional_parameter_narrows_a_table(page, server: str) -> None:
    page.goto(server + "/query?name=unit-leadership")
    every = table(page)  # unbound: every unit
    page.locator("#param-unit").fill("unit:flow")
    page.locator("#param-unit").press("Enter")
    page.wait_for_url("**unit=unit%3Aflow")
    flow = table(page)
    assert 0 < len(flow) < len(every)
    assert {row[0] for row in flow} == {"Flow"}
    assert {row[0] for row in every} > {"Flow"}
    page.locator("#param-unit").fill("not an iri")
    page.locator("#bind").click()
    page.wait_for_selector("#param-problem")
    assert "not an IRI" in page.locator("#param-problem").text_content()
    assert page.locator("table.results").count() == 0
    expect_refusals(page, 400, 1)


def test_a_syntax_error_is_one_line_with_its_place_marked(page, server: str) -> None:
    page.goto(server + "/query")
    set_query(page, "SELECT ?s\nWHERE { ?s ?p ?o }\nORDER ?s")
    page.locator("#run").click()
    page.wait_for_selector(".query-error-mark")
    message = page.locator("#status").text_content()
    assert message.startswith("Syntax error at line 3, column 7: ") and "BY" in message
    assert page.locator(".query-error-mark").text_content() == "?s"
    assert "ORDER" in page.locator(".query-error-line").text_content()
    page.screenshot(path=str(ARTIFACTS / "query-syntax-error.png"), full_page=True)

    set_query(page, "SELECT * WHERE {\n  ?s a nope:Thing\n}")
    page.locator("#run").click()
    page.wait_for_selector(".query-error-mark")
    message = page.locator("#status").text_content()
    assert message == "Syntax error at line 2, column 8: undeclared prefix 'nope:' in nope:Thing"
    assert page.locator(".query-error-mark").text_content() == "nope:Thing"
    assert page.locator("#status").evaluate("e => e.getClientRects().length") == 1  # one line box
    page.screenshot(path=str(ARTIFACTS / "query-undeclared-prefix.png"), full_page=True)
    set_query(page, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert page.locator(".query-error-mark").count() == 0  # an edit clears the mark
    expect_refusals(page, 400, 2)


def test_the_error_mark_counts_characters_as_the_server_does(page, server: str) -> None:
    """The server's column counts characters; the editor's, UTF-16 units (an emoji is two)."""
    page.goto(server + "/query")
    set_query(page, 'SELECT ("\U0001f600\U0001f600" AS ?x) WHERE { ?s ?p ?o . ?s ?p }')
    page.locator("#run").click()
    page.wait_for_selector(".query-error-mark")
    assert (
        page.locator("#status").text_content().startswith("Syntax error at line 1, column 46: unexpected '}'")
    )
    assert page.locator(".query-error-mark").text_content() == "}"
    expect_refusals(page, 400, 1)


def test_ctrl_enter_runs_and_the_projects_prefixes_are_declared(page, server: str) -> None:
    page.goto(server + "/query")
    text = "SELECT ?unit WHERE { ?unit org:subOrganizationOf+ co:bytedance }"
    set_query(page, text)
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+Enter")
    rows = table(page)
    note = page.locator("#declared").text_content()
    assert "co:, org:" in note
    sent = query_text(page)
    assert sent.startswith("PREFIX co: <https://w3id.org/bytedance-kg/id/org/>\nPREFIX org: ")
    expected = endpoint(server, sent)["results"]["bindings"]
    assert len(rows) == len(expected) >= 8
    link = page.locator("table.results a", has_text="Flow")  # by its label, not its path
    assert link.get_attribute("href") == "/id/unit/flow"
    assert link.get_attribute("title") == ID + "unit/flow"
    page.screenshot(path=str(ARTIFACTS / "query-ctrl-enter-labels.png"), full_page=True)


def test_a_shared_link_reproduces_the_query_and_its_results(page, browser, server: str) -> None:
    page.goto(server + "/query?name=companies")
    first = table(page)
    own = "SELECT ?person ?name WHERE { ?person schema:name ?name }\nORDER BY ?name LIMIT 7"
    set_query(page, own)
    page.keyboard.press("Control+Enter")
    rows = table(page)
    assert rows != first and len(rows) == 7
    link = page.locator("#share").get_attribute("href")
    assert page.url.endswith(link)  # the address bar carries the query too
    assert "graph=asserted" in link  # the saved query's dataset, which the edit kept
    own = query_text(page)  # with the PREFIX line the page declared
    assert own.startswith("PREFIX schema: <https://schema.org/>\nSELECT")
    other = browser.new_context().new_page()
    other.goto(server + link)
    assert query_text(other) == own
    assert table(other) == rows
    other.screenshot(path=str(ARTIFACTS / "query-shared-link.png"), full_page=True)
    other.context.close()


def test_picking_a_saved_query_runs_it_and_clears_the_old_results(page, server: str) -> None:
    page.goto(server + "/query?name=companies")
    before = table(page)
    page.locator("#saved").select_option("meeting-presenters")
    page.wait_for_url("**/query?name=meeting-presenters")
    rows = table(page)
    expected = json.loads((ROOT / "queries/expected/meeting-presenters.srj").read_text(encoding="utf-8"))
    wanted = [[b[v]["value"] for v in expected["head"]["vars"]] for b in expected["results"]["bindings"]]
    assert sorted(rows) == sorted(wanted) != sorted(before)
    headers = page.locator("table.results th").all_text_contents()
    assert headers == expected["head"]["vars"]
    page.screenshot(path=str(ARTIFACTS / "query-picked.png"), full_page=True)


def test_results_are_paged_and_sortable(page, server: str) -> None:
    numbers = list(range(1, 251))
    random.Random(14).shuffle(numbers)
    values = " ".join(f'({n} "n{n}")' for n in numbers)
    page.goto(server + "/query")
    set_query(page, f"SELECT ?n ?word WHERE {{ VALUES (?n ?word) {{ {values} }} }}")
    page.locator("#run").click()
    rows = table(page)
    assert [int(r[0]) for r in rows] == numbers[:100]
    assert page.locator("#pager-top .where").text_content() == "Rows 1–100 of 250 · page 1 of 3"
    page.locator("#pager-top button", has_text="Next").click()
    assert [int(r[0]) for r in table(page)] == numbers[100:200]
    page.locator("th button", has_text="n").first.click()  # numbers sort as numbers: 2 before 10
    assert [int(r[0]) for r in table(page)] == list(range(1, 101))
    assert page.locator("th").first.get_attribute("aria-sort") == "ascending"
    page.locator("th button", has_text="n").first.click()
    assert [int(r[0]) for r in table(page)] == list(range(250, 150, -1))
    page.locator("#pager-bottom button", has_text="Last").click()
    assert [int(r[0]) for r in table(page)] == list(range(50, 0, -1))
    page.locator("th button", has_text="word").click()  # strings: n1, n2, …, n10 (natural order)
    assert [r[1] for r in table(page)][:3] == ["n1", "n2", "n3"]
    page.screenshot(path=str(ARTIFACTS / "query-paged-sorted.png"), full_page=True)


def test_iris_sort_by_the_labels_the_table_shows(page, server: str) -> None:
    # by prefixed name person:zhu-jun < unit:flow < unit:seed; by label Flow < Seed < Zhu Jun
    page.goto(server + "/query")
    set_query(page, "SELECT ?thing WHERE { VALUES ?thing { person:zhu-jun unit:seed unit:flow } }")
    page.locator("#run").click()
    # the labels come from a second query, after the table is drawn ("networkidle" is the page
    # load's, not a later request's): wait for them, or fail after the timeout
    cells = "[...document.querySelectorAll('table.results tbody td')]"
    page.wait_for_function(f"() => {cells}.length === 3 && {cells}.every((td) => !/:/.test(td.textContent))")
    assert [r[0] for r in table(page)] == ["Zhu Jun", "Seed", "Flow"]  # the engine's order
    page.locator("th button", has_text="thing").click()
    page.wait_for_selector("th[aria-sort=ascending]")
    assert [r[0] for r in table(page)] == ["Flow", "Seed", "Zhu Jun"]
    page.locator("th button", has_text="thing").click()
    page.wait_for_selector("th[aria-sort=descending]")
    assert [r[0] for r in table(page)] == ["Zhu Jun", "Seed", "Flow"]


def test_a_download_of_a_construct_is_the_graph_or_a_visible_error(page, server: str) -> None:
    saved: list[object] = []
    page.on("download", lambda download: saved.append(download))
    page.goto(server + "/query")
    construct = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "CONSTRUCT { ?unit rdfs:label ?name }\n"
        "WHERE { ?unit org:subOrganizationOf+ co:bytedance ; rdfs:label ?name }"
    )
    set_query(page, construct)
    page.locator("#download-csv").click()  # not run yet: both kinds of download are offered
    page.wait_for_selector("#download-status.error")
    refusal = page.locator("#download-status").text_content()
    assert refusal == (
        "Not downloaded: a CONSTRUCT query's answer is a graph: "
        "download it as Turtle or N-Triples (error 406)"
    )
    page.locator("#download-json").click()
    # a locator's wait, not wait_for_function("..."): the page's CSP forbids the eval that polls
    # a bare expression
    page.locator("#download-status.error", has_text="406").wait_for()  # the click set "Preparing…" first
    page.wait_for_load_state("networkidle")
    assert saved == []  # no error was saved as data
    expect_refusals(page, 406, 2)
    page.screenshot(path=str(ARTIFACTS / "query-download-refused.png"), full_page=True)
    for button, syntax in (("#download-ttl", "turtle"), ("#download-nt", "nt")):
        with page.expect_download() as info:
            page.locator(button).click()
        graph = Graph().parse(info.value.path(), format=syntax)
        assert len(graph) >= 8 and set(graph.predicates()) == {RDFS.label}
    page.locator("#run").click()
    page.wait_for_selector("pre.graph")
    assert not page.locator("#download-csv").is_visible() and page.locator("#download-ttl").is_visible()


def test_an_ask_answer_downloads_as_json_and_never_offers_csv(page, server: str) -> None:
    """CSV and TSV have no form for a yes or no: after an ASK the CSV button is gone, and a CSV
    asked for before the run says to take JSON, not to take CSV."""
    page.goto(server + "/query")
    set_query(page, "ASK { ?s ?p ?o }")
    page.locator("#download-csv").click()  # not run yet: the table downloads are offered
    page.locator("#download-status.error", has_text="406").wait_for()
    assert page.locator("#download-status").text_content() == (
        "Not downloaded: an ASK query's answer is yes or no: "
        "download it as JSON (CSV and TSV have no form for it) (error 406)"
    )
    expect_refusals(page, 406, 1)
    page.locator("#run").click()
    page.wait_for_selector("#status:has-text('Answer: yes')")
    assert not page.locator("#download-csv").is_visible() and page.locator("#download-json").is_visible()
    with page.expect_download() as info:
        page.locator("#download-json").click()
    assert json.loads(Path(info.value.path()).read_text(encoding="utf-8"))["boolean"] is True
