// The search box on every page: as one types, the best matches from /search?format=json, each a link
// to its page (Enter with no suggestion chosen opens the full results at /search).
"use strict";

(function () {
  const input = document.getElementById("site-search-q");
  const list = document.getElementById("site-search-suggestions");
  if (!input || !list) return;
  let timer = null;
  let asked = "";

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function show(hits) {
    list.replaceChildren();
    hits.forEach((hit, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = "site-search-option-" + i;
      const a = document.createElement("a");
      a.href = hit.href || hit.iri;
      a.textContent = hit.label;  // text, never markup
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = hit.kindLabel;
      li.append(a, " ", kind);
      list.appendChild(li);
    });
    list.hidden = hits.length === 0;
    input.setAttribute("aria-expanded", hits.length ? "true" : "false");
  }

  async function suggest() {
    const text = input.value.trim();
    if (text === asked) return;
    asked = text;
    if (text.length < 2) { close(); return; }
    try {
      const response = await fetch("/search?format=json&limit=8&q=" + encodeURIComponent(text));
      if (!response.ok || text !== asked) return;
      show((await response.json()).hits);
    } catch (error) {
      close();  // suggestions are a convenience: the form still searches
    }
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 120); });
  input.addEventListener("keydown", (event) => {
    const links = Array.from(list.querySelectorAll("a"));
    // reopens the list Escape closed, then enters it: only while they are the text's suggestions
    if (event.key === "ArrowDown" && links.length && input.value.trim() === asked) {
      event.preventDefault();
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      links[0].focus();
    }
    // Escape closes an open list and keeps the text; a second one clears the box, as a search field
    // does (clearing at once would also close the list again 120 ms later, under a reopened list)
    if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  list.addEventListener("keydown", (event) => {
    const links = Array.from(list.querySelectorAll("a"));
    const at = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < links.length - 1) { event.preventDefault(); links[at + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? links[at - 1] : input).focus(); }
    if (event.key === "Escape") { close(); input.focus(); }
  });
  document.addEventListener("click", (event) => { if (!input.form.contains(event.target)) close(); });
})();
