// The query page: a CodeMirror SPARQL editor (served by this server, no CDN); saved queries that run
// when picked, with forms for their parameters (bound by the server); Ctrl/Cmd+Enter to run; a link
// that reproduces the query; the project's prefixes declared for the user; syntax errors in one line
// with the place marked in the editor; results paged, sortable and shown by label; downloads that are
// the results or a visible error, never an error saved as data.
"use strict";

(function () {
  const PAGE_SIZE = 100;
  const ANSWER_TYPES = "application/sparql-results+json, text/turtle;q=0.9";
  const LABEL_PREFIXES = {
    rdfs: "http://www.w3.org/2000/01/rdf-schema#",
    skos: "http://www.w3.org/2004/02/skos/core#",
    schema: "https://schema.org/",
  };
  const NUMERIC = /#(?:integer|decimal|double|float|int|long|short|byte|(?:non)?(?:Negative|Positive)Integer|nonNegativeInteger|unsigned\w+)$/;
  // Tokens that matter for prefixes: comments, IRIs, strings and variables are read only to skip them.
  const TOKEN = new RegExp([
    /#[^\n\r]*/.source,
    /<[^<>"{}|^`\\\s]*>/.source,
    /"""[\s\S]*?"""|'''[\s\S]*?'''/.source,
    /"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*'/.source,
    /[?$][\w\u00b7\u00c0-\uffff]+|_:[\w.\-\u00c0-\uffff]+/.source,
    /((?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?):(?:[\w\-.:%\u00b7\u00c0-\uffff]|\\.)*/.source,
    /[A-Za-z_]\w*/.source,
  ].join("|"), "g");

  const setup = JSON.parse(document.getElementById("query-setup").textContent);
  const form = document.getElementById("query-form");
  const paramsForm = document.getElementById("params");
  const select = document.getElementById("saved");
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  const pagers = [document.getElementById("pager-top"), document.getElementById("pager-bottom")];
  const share = document.getElementById("share");
  const declaredNote = document.getElementById("declared");
  const tableDownloads = document.getElementById("table-downloads");
  const graphDownloads = document.getElementById("graph-downloads");
  const downloadStatus = document.getElementById("download-status");
  const editor = CodeMirror.fromTextArea(document.getElementById("query"), {
    mode: "application/sparql-query", lineNumbers: true, indentUnit: 2, viewportMargin: Infinity,
  });

  let graphName = form.dataset.graph || "";
  let openedText = editor.getValue(); // what the page opened with: its own URL reproduces it
  let blocked = form.hasAttribute("data-blocked"); // a required parameter has no value yet
  let generation = 0; // each run or page drawn; a late answer for an older one is dropped
  let lastRun = null;
  let errorMarks = [];
  const labels = new Map(); // IRI -> label (or null: it has none)

  function setStatus(element, text, isError) {
    element.textContent = text;
    element.classList.toggle("error", Boolean(isError));
  }

  // ---- prefixes: the project's, declared for the user where a query uses them undeclared ----

  function prefixesOf(text) {
    const declared = new Set();
    const used = new Set();
    let declaring = false;
    for (const match of text.matchAll(TOKEN)) {
      if (match[1] !== undefined) {
        (declaring ? declared : used).add(match[1]);
        declaring = false;
      } else {
        declaring = /^PREFIX$/i.test(match[0]);
      }
    }
    return { declared, used };
  }

  function declarePrefixes() {
    const { declared, used } = prefixesOf(editor.getValue());
    const missing = [...used].filter((p) => !declared.has(p) && p in setup.prefixes).sort();
    if (missing.length === 0) { declaredNote.hidden = true; return; }  // no stale note from an earlier query
    const lines = missing.map((p) => "PREFIX " + p + ": <" + setup.prefixes[p] + ">\n").join("");
    editor.replaceRange(lines, { line: 0, ch: 0 });
    declaredNote.textContent = "Declared for you (the project's prefixes): " +
      missing.map((p) => p + ":").join(", ") + ", in PREFIX lines at the top of the query.";
    declaredNote.hidden = false;
  }

  // ---- errors: one line, with the place marked in the editor ----

  function clearErrorMarks() {
    errorMarks.forEach((clear) => clear());
    errorMarks = [];
  }

  function markError(line, column, message) {
    const last = editor.lineCount() - 1;
    const at = Math.min(Math.max(line - 1, 0), last);
    const text = editor.getLine(at);
    // The server counts characters (code points); the editor counts UTF-16 units, two for an emoji.
    const before = Array.from(text).slice(0, Math.max(column - 1, 0)).join("");
    const ch = Math.min(before.length, text.length);
    const word = /^[^\s{}()[\],;]+/.exec(text.slice(ch));
    const end = { line: at, ch: word ? ch + word[0].length : Math.min(ch + 1, text.length) };
    const start = { line: at, ch: end.ch > ch ? ch : Math.max(ch - 1, 0) };
    const mark = editor.markText(start, end, { className: "query-error-mark", attributes: { title: message } });
    editor.addLineClass(at, "wrap", "query-error-line");
    errorMarks.push(() => mark.clear(), () => editor.removeLineClass(at, "wrap", "query-error-line"));
    editor.setCursor(start);
    editor.scrollIntoView(start, 80);
  }

  // The endpoint's message, on one line; a syntax error's "(line L, column C)" becomes a mark.
  function errorText(code, body) {
    const message = body.replace(/\s+/g, " ").trim();
    const place = /^(?:malformed query: )?(.*) \(line (\d+), column (\d+)\)$/.exec(message);
    if (code === 400 && place) {
      return { text: "Syntax error at line " + place[2] + ", column " + place[3] + ": " + place[1],
        line: Number(place[2]), column: Number(place[3]) };
    }
    const form = /offered for (SELECT|ASK|CONSTRUCT|DESCRIBE)/.exec(message);
    if (code === 406 && form) {
      const advice = {
        SELECT: "a table: download it as CSV or JSON",
        ASK: "yes or no: download it as JSON (CSV and TSV have no form for it)",
        CONSTRUCT: "a graph: download it as Turtle or N-Triples",
        DESCRIBE: "a graph: download it as Turtle or N-Triples",
      }[form[1]];
      return { text: (form[1] === "ASK" ? "an " : "a ") + form[1] + " query's answer is " + advice + " (error 406)" };
    }
    return { text: "Error " + code + ": " + message };
  }

  // The Turtle to show: the endpoint declares every project prefix; only those the graph uses are shown.
  function readableTurtle(turtle) {
    const lines = turtle.split("\n");
    const body = lines.filter((line) => !line.startsWith("@prefix ")).join("\n");
    return lines.filter((line) => {
      const declared = /^@prefix ([^:\s]*):/.exec(line);
      return !declared || new RegExp("(?:^|[\\s(\\[,;^])" + declared[1].replace(/[.-]/g, "\\$&") + ":").test(body);
    }).join("\n");
  }

  // ---- the endpoint ----

  function post(text, accept, graphs) {
    const body = new URLSearchParams();
    body.append("query", text);
    graphs.forEach((g) => body.append("default-graph-uri", g));
    return fetch("/sparql", { method: "POST", body: body, headers: { Accept: accept } });
  }

  function queryGraphs() {
    return setup.graphs[graphName] || [];
  }

  // ---- terms ----

  function compactIri(iri) {
    let best = null;
    for (const [prefix, namespace] of Object.entries(setup.prefixes)) {
      if (iri.startsWith(namespace) && (!best || namespace.length > best[1].length)) best = [prefix, namespace];
    }
    return best ? best[0] + ":" + iri.slice(best[1].length) : "<" + iri + ">";
  }

  function href(iri) {
    const base = document.body.dataset.base;
    if (iri.startsWith(base)) return "/" + iri.slice(base.length);
    return /^https?:\/\//i.test(iri) ? iri : null;
  }

  function cell(term, links) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const target = href(term.value);
      const a = document.createElement(target ? "a" : "span");
      if (target) a.href = target;
      a.title = term.value;
      a.dataset.iri = term.value;
      a.textContent = labels.get(term.value) || compactIri(term.value);
      links.push(a);
      td.appendChild(a);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      td.textContent = term.value; // text, never markup
      if (term["xml:lang"]) td.lang = term["xml:lang"];
      if (term.datatype) td.title = compactIri(term.datatype);
    }
    return td;
  }

  // The labels of IRIs not looked up before, in queries of at most LABEL_BATCH IRIs each: the shown
  // page's (for its links) or a whole column's (to sort it by what the table shows).
  const LABEL_BATCH = 200;
  async function lookUpLabels(iris) {
    const wanted = [...new Set(iris)].filter((iri) => !labels.has(iri) && !/[\s<>"{}|^`\\]/.test(iri));
    const prologue = Object.entries(LABEL_PREFIXES).map(([p, ns]) => "PREFIX " + p + ": <" + ns + ">").join("\n");
    for (let i = 0; i < wanted.length; i += LABEL_BATCH) {
      const batch = wanted.slice(i, i + LABEL_BATCH);
      const text = prologue + "\nSELECT ?s ?label ?rank WHERE {\n  VALUES ?s { " +
        batch.map((iri) => "<" + iri + ">").join(" ") + " }\n" +
        "  { ?s rdfs:label ?label BIND(1 AS ?rank) } UNION { ?s skos:prefLabel ?label BIND(2 AS ?rank) }" +
        " UNION { ?s schema:name ?label BIND(3 AS ?rank) }\n}";
      let data;
      try {
        const response = await post(text, "application/sparql-results+json", setup.labelGraphs);
        if (!response.ok) return; // the page keeps the prefixed names
        data = await response.json();
      } catch (error) {
        return;
      }
      const best = new Map();
      data.results.bindings.forEach((b) => {
        const lang = b.label["xml:lang"] || "";
        const score = Number(b.rank.value) * 2 + (lang === "" || lang.startsWith("en") ? 0 : 1);
        const seen = best.get(b.s.value);
        if (!seen || score < seen[0]) best.set(b.s.value, [score, b.label.value]);
      });
      batch.forEach((iri) => labels.set(iri, best.has(iri) ? best.get(iri)[1] : null));
    }
  }

  async function fillLabels(links, drawn) {
    await lookUpLabels(links.map((a) => a.dataset.iri));
    if (drawn !== generation) return;
    links.forEach((a) => { const label = labels.get(a.dataset.iri); if (label) a.textContent = label; });
  }

  // ---- the table: paged and sortable ----

  function sortKey(term) {
    if (!term) return null;
    if (term.type === "literal" && NUMERIC.test(term.datatype || "") && !isNaN(Number(term.value))) {
      return Number(term.value);
    }
    return term.type === "uri" ? labels.get(term.value) || compactIri(term.value) : term.value;
  }

  function compareKeys(a, b) {
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b), "en", { numeric: true });
  }

  // IRIs sort by what the table shows of them: their labels, looked up first for the whole column.
  async function sortBy(view, variable) {
    const iris = view.original.filter((row) => row[variable] && row[variable].type === "uri")
      .map((row) => row[variable].value).filter((iri) => !labels.has(iri));
    if (iris.length > 0) {
      const asked = generation;
      const said = status.textContent;
      setStatus(status, "Looking up the labels of " + iris.length + " IRIs to sort by them…");
      await lookUpLabels(iris);
      if (asked !== generation) return; // a newer run or page replaced this table meanwhile
      setStatus(status, said);
    }
    view.descending = view.sortVar === variable ? !view.descending : false;
    view.sortVar = variable;
    const sign = view.descending ? -1 : 1;
    const keyed = view.original.map((row, index) => [sortKey(row[variable]), index, row]);
    keyed.sort((x, y) => {
      if (x[0] === null || y[0] === null) return (x[0] === null) - (y[0] === null) || x[1] - y[1];
      return sign * compareKeys(x[0], y[0]) || x[1] - y[1];
    });
    view.rows = keyed.map((k) => k[2]);
    view.page = 0;
    draw(view);
  }

  function pageButton(label, page, view, disabled) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.disabled = disabled;
    button.addEventListener("click", () => { view.page = page; draw(view); });
    return button;
  }

  function drawPager(pager, view) {
    const pages = Math.ceil(view.rows.length / PAGE_SIZE);
    pager.hidden = pages <= 1;
    if (pages <= 1) { pager.replaceChildren(); return; }
    const first = view.page * PAGE_SIZE;
    const where = document.createElement("span");
    where.className = "where";
    where.textContent = "Rows " + (first + 1).toLocaleString("en") + "–" +
      Math.min(first + PAGE_SIZE, view.rows.length).toLocaleString("en") + " of " +
      view.rows.length.toLocaleString("en") + " · page " + (view.page + 1) + " of " + pages;
    pager.replaceChildren(
      pageButton("« First", 0, view, view.page === 0),
      pageButton("‹ Previous", view.page - 1, view, view.page === 0),
      where,
      pageButton("Next ›", view.page + 1, view, view.page >= pages - 1),
      pageButton("Last »", pages - 1, view, view.page >= pages - 1),
    );
  }

  function draw(view) {
    const drawn = ++generation;
    const table = document.createElement("table");
    table.className = "results";
    const head = table.createTHead().insertRow();
    view.vars.forEach((variable) => {
      const th = document.createElement("th");
      th.scope = "col";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = variable;
      button.title = "Sort by ?" + variable;
      if (view.sortVar === variable) th.setAttribute("aria-sort", view.descending ? "descending" : "ascending");
      button.addEventListener("click", () => sortBy(view, variable));
      th.appendChild(button);
      head.appendChild(th);
    });
    const body = table.createTBody();
    const links = [];
    view.rows.slice(view.page * PAGE_SIZE, (view.page + 1) * PAGE_SIZE).forEach((row) => {
      const tr = body.insertRow();
      view.vars.forEach((variable) => tr.appendChild(cell(row[variable], links)));
    });
    results.replaceChildren(table);
    pagers.forEach((pager) => drawPager(pager, view));
    fillLabels(links, drawn);
  }

  // ---- running ----

  function shareUrl(text) {
    if (text === openedText && location.search) return location.pathname + location.search;
    const params = new URLSearchParams({ query: text });
    if (graphName) params.append("graph", graphName);
    return "/query?" + params.toString();
  }

  // kind: "graph", "table" or "boolean" (an ASK's yes or no, which CSV has no form for)
  function showDownloads(kind) {
    tableDownloads.hidden = kind === "graph";
    graphDownloads.hidden = kind === "table" || kind === "boolean";
    document.getElementById("download-csv").hidden = kind === "boolean";
  }

  function clearResults() {
    generation++;
    results.replaceChildren();
    pagers.forEach((pager) => { pager.hidden = true; pager.replaceChildren(); });
    setStatus(downloadStatus, "");
  }

  function refuseUnbound() {
    if (!blocked || !paramsForm || editor.getValue() !== openedText) return false;
    paramsForm.requestSubmit(); // the browser says which required value is missing
    return true;
  }

  async function run() {
    if (refuseUnbound()) return;
    declarePrefixes();
    const text = editor.getValue();
    clearErrorMarks();
    clearResults();
    const started = generation;
    setStatus(status, "Running…");
    const url = shareUrl(text);
    history.replaceState(null, "", url);
    share.href = url;
    share.hidden = false;
    let response, body;
    try {
      response = await post(text, ANSWER_TYPES, queryGraphs());
      body = await response.text();
    } catch (error) {
      if (started === generation) setStatus(status, "The server could not be reached: " + error.message, true);
      return;
    }
    if (started !== generation) return; // a newer run, or a page picked, replaced this one
    if (!response.ok) {
      const error = errorText(response.status, body);
      setStatus(status, error.text, true);
      if (error.line) markError(error.line, error.column, error.text);
      return;
    }
    lastRun = text;
    const truncated = response.headers.get("X-Result-Truncated") ? " The server cut the answer short (its limits)." : "";
    if ((response.headers.get("Content-Type") || "").startsWith("text/turtle")) {
      const pre = document.createElement("pre");
      pre.className = "graph";
      pre.textContent = readableTurtle(body);
      results.replaceChildren(pre);
      showDownloads("graph");
      const size = new Blob([body]).size;
      setStatus(status, "A graph (" + (size / 1024).toFixed(1) + " KB of Turtle); download it as Turtle or N-Triples." + truncated);
      return;
    }
    const data = JSON.parse(body);
    showDownloads(typeof data.boolean === "boolean" ? "boolean" : "table");
    if (typeof data.boolean === "boolean") {
      setStatus(status, "Answer: " + (data.boolean ? "yes" : "no"));
      return;
    }
    const rows = data.results.bindings;
    if (rows.length === 0) {
      setStatus(status, "No rows: nothing matches the query.");
      return;
    }
    setStatus(status, rows.length.toLocaleString("en") + (rows.length === 1 ? " row." : " rows.") +
      (rows.length > 1 ? " Click a column's name to sort by it." : "") + truncated);
    draw({ vars: data.head.vars, original: rows, rows: rows, page: 0, sortVar: null, descending: false });
  }

  // Fetch, check the status, and only then save: an error is shown, never saved as the file.
  async function download(button) {
    if (refuseUnbound()) return;
    declarePrefixes();
    setStatus(downloadStatus, "Preparing " + button.textContent + "…");
    let response;
    try {
      response = await post(editor.getValue(), button.dataset.accept, queryGraphs());
      if (!response.ok) {
        const error = errorText(response.status, await response.text());
        setStatus(downloadStatus, "Not downloaded: " + error.text, true);
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = button.dataset.file;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      setStatus(downloadStatus, "Downloaded " + button.dataset.file + ".");
    } catch (error) {
      setStatus(downloadStatus, "Not downloaded: " + error.message, true);
    }
  }

  // ---- wiring ----

  select.addEventListener("change", () => {
    clearErrorMarks();
    clearResults();
    if (select.value) {
      setStatus(status, "Opening the saved query…");
      location.assign("/query?name=" + encodeURIComponent(select.value));
      return;
    }
    // one's own query: the saved query's question, form and dataset no longer apply
    graphName = "";
    blocked = false;
    openedText = null;
    ["question", "description", "params"].forEach((id) => {
      const element = document.getElementById(id);
      if (element) element.hidden = true;
    });
    setStatus(status, "Write a query and run it.");
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    if (paramsForm && paramsForm.contains(event.target)) paramsForm.requestSubmit();
    else run();
  });
  editor.on("change", () => {
    clearErrorMarks();
    if (lastRun !== null && editor.getValue() !== lastRun) showDownloads(null);
  });
  document.querySelectorAll("button.download").forEach((button) => {
    button.addEventListener("click", () => download(button));
  });
  if (form.hasAttribute("data-autorun")) run();
})();
