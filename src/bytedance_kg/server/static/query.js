// The query page: a CodeMirror SPARQL editor (served by this server, no CDN), the saved queries,
// and a results table built from SPARQL JSON results, with CSV and JSON downloads.
"use strict";

(function () {
  const saved = JSON.parse(document.getElementById("saved-queries").textContent);
  const form = document.getElementById("query-form");
  const select = document.getElementById("saved");
  const question = document.getElementById("question");
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  const editor = CodeMirror.fromTextArea(document.getElementById("query"), {
    mode: "application/sparql-query", lineNumbers: true, indentUnit: 2, viewportMargin: Infinity,
  });
  let graphs = [];

  function choose(name) {
    const entry = saved[name];
    if (!entry) { graphs = []; question.textContent = ""; return; }
    editor.setValue(entry.text);
    question.textContent = entry.question;
    graphs = entry.graphs;
  }

  function params(format) {
    const body = new URLSearchParams();
    body.append("query", editor.getValue());
    graphs.forEach((g) => body.append("default-graph-uri", g));
    return body;
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    const base = document.body.dataset.base;
    if (term.type === "uri" && /^https?:\/\//i.test(term.value)) {
      const a = document.createElement("a");
      a.href = term.value.startsWith(base) ? "/" + term.value.slice(base.length) : term.value;
      a.textContent = term.value.startsWith(base) ? term.value.slice(base.length) : term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value;  // text, never markup
      if (term["xml:lang"]) td.lang = term["xml:lang"];
    }
    return td;
  }

  function table(data) {
    const t = document.createElement("table");
    t.className = "results";
    const head = t.createTHead().insertRow();
    data.head.vars.forEach((v) => { const th = document.createElement("th"); th.scope = "col"; th.textContent = v; head.appendChild(th); });
    const body = t.createTBody();
    data.results.bindings.forEach((row) => {
      const tr = body.insertRow();
      data.head.vars.forEach((v) => tr.appendChild(cell(row[v])));
    });
    return t;
  }

  async function run(event) {
    if (event) event.preventDefault();
    status.textContent = "Running…";
    results.replaceChildren();
    const isGraph = /^\s*(?:(?:PREFIX|BASE)[^\n]*\n|#[^\n]*\n|\s)*(CONSTRUCT|DESCRIBE)/i.test(editor.getValue());
    const accept = isGraph ? "text/turtle" : "application/sparql-results+json";
    const response = await fetch("/sparql", { method: "POST", body: params(), headers: { Accept: accept } });
    const text = await response.text();
    if (!response.ok) { status.textContent = "Error " + response.status + ": " + text; return; }
    if (isGraph) {
      const pre = document.createElement("pre");
      pre.textContent = text;
      results.appendChild(pre);
      status.textContent = "Graph result (Turtle).";
      return;
    }
    const data = JSON.parse(text);
    if (typeof data.boolean === "boolean") { status.textContent = "Answer: " + (data.boolean ? "yes" : "no"); return; }
    results.appendChild(table(data));
    status.textContent = data.results.bindings.length + " row(s).";
  }

  async function download(event, accept, link) {
    event.preventDefault();
    const response = await fetch("/sparql", { method: "POST", body: params(), headers: { Accept: accept } });
    const url = URL.createObjectURL(await response.blob());
    const a = document.createElement("a");
    a.href = url; a.download = link.getAttribute("download");
    document.body.appendChild(a); a.click(); a.remove();
    URL.revokeObjectURL(url);
  }

  select.addEventListener("change", () => choose(select.value));
  form.addEventListener("submit", run);
  document.getElementById("download-csv").addEventListener("click", (e) => download(e, "text/csv", e.currentTarget));
  document.getElementById("download-json").addEventListener("click", (e) => download(e, "application/sparql-results+json", e.currentTarget));
  if (select.value) { choose(select.value); run(); }
})();
