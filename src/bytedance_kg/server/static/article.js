// The article read through its graph (templates/article.html). Without this script every mark is
// a link to its entry in the side panel, which lists them all. With it: hovering or focusing a mark
// shows its facts in a tooltip, and selecting it (click, Enter) shows its entry alone in the panel
// (a bottom sheet on a narrow screen) and moves the focus there, so its links are the next Tab stops.
"use strict";

(function () {
  const reader = document.getElementById("reader");
  const tip = document.getElementById("article-tip");
  const panel = document.getElementById("graph-panel");
  if (!reader || !tip || !panel) {
    return;
  }
  const close = panel.querySelector(".panel-close");
  const narrow = window.matchMedia("(max-width: 60rem)");
  const SHOWN = 8; // facts listed in the tooltip before "and N more"
  let selected = null; // the id of the selected entry
  let origin = null; // the mark the selection came from, to return the focus to

  reader.classList.add("js");

  function marksOf(id) {
    return reader.querySelectorAll('mark.quoted[data-entry="' + CSS.escape(id) + '"]');
  }

  function related(id) {
    const entry = reader.querySelector('mark.quoted[data-entry="' + CSS.escape(id) + '"]');
    const quotes = new Set(entry ? entry.dataset.quotes.split(" ") : []);
    return Array.from(reader.querySelectorAll("mark.quoted")).filter((mark) =>
      mark.dataset.quotes.split(" ").some((quote) => quotes.has(quote)),
    );
  }

  function wordsOf(entry, selector) {
    const words = Array.from(entry.querySelectorAll(selector), (node) => node.textContent.trim());
    return Array.from(new Set(words));
  }

  function paragraph(text, className) {
    const p = document.createElement("p");
    p.textContent = text;
    if (className) {
      p.className = className;
    }
    return p;
  }

  function place(mark) {
    const box = mark.getBoundingClientRect();
    const width = document.documentElement.clientWidth;
    // below the words if the tip fits there, else above them (where there is more room)
    const below = window.innerHeight - box.bottom, above = box.top;
    const flip = tip.offsetHeight + 12 > below && above > below;
    tip.style.top = window.scrollY + (flip ? box.top - tip.offsetHeight - 6 : box.bottom + 6) + "px";
    tip.style.left = "0px";
    const left = Math.min(window.scrollX + box.left, window.scrollX + width - tip.offsetWidth - 8);
    tip.style.left = Math.max(window.scrollX + 8, left) + "px";
  }

  function showTip(mark) {
    const entry = document.getElementById(mark.dataset.entry);
    if (!entry) {
      return;
    }
    const facts = wordsOf(entry, "li.fact > :first-child");
    const names = wordsOf(entry, ".names > a, .names > span");
    const count = facts.length === 1 ? "1 fact" : facts.length + " facts";
    tip.replaceChildren(paragraph(count + " in the graph from these words", "tip-head"));
    if (facts.length) {
      const list = document.createElement("ul");
      for (const words of facts.slice(0, SHOWN)) {
        const item = document.createElement("li");
        item.textContent = words;
        list.append(item);
      }
      if (facts.length > SHOWN) {
        const more = document.createElement("li");
        more.textContent = "and " + (facts.length - SHOWN) + " more";
        list.append(more);
      }
      tip.append(list);
    }
    if (names.length) {
      tip.append(paragraph("Names " + names.join(", ")));
    }
    tip.append(paragraph("Select to list them with links", "tip-hint"));
    tip.hidden = false;
    place(mark);
  }

  function hideTip() {
    tip.hidden = true;
  }

  function select(id, focus) {
    if (selected) {
      const before = document.getElementById(selected);
      if (before) {
        before.classList.remove("selected");
      }
      related(selected).forEach((mark) => mark.classList.remove("selected", "related"));
    }
    const entry = id ? document.getElementById(id) : null;
    selected = entry ? id : null;
    reader.classList.toggle("has-selection", Boolean(entry));
    close.hidden = !entry;
    history.replaceState(null, "", entry ? "#" + id : location.pathname + location.search);
    if (!entry) {
      return;
    }
    entry.classList.add("selected");
    // the piece chosen, and the rest of the words of its quotes (cut where other quotes overlap)
    related(id).forEach((mark) => mark.classList.add(mark.dataset.entry === id ? "selected" : "related"));
    panel.scrollTop = 0;
    if (focus) {
      entry.focus({ preventScroll: true });
    }
  }

  reader.addEventListener("click", (event) => {
    const link = event.target.closest("mark.quoted > a");
    if (!link) {
      return;
    }
    event.preventDefault();
    hideTip();
    origin = link;
    select(link.parentElement.dataset.entry, true);
    if (narrow.matches) {
      link.scrollIntoView({ block: "start" });
    }
  });

  for (const [enter, leave] of [
    ["mouseover", "mouseout"],
    ["focusin", "focusout"],
  ]) {
    reader.addEventListener(enter, (event) => {
      const mark = event.target.closest("mark.quoted");
      if (mark) {
        showTip(mark);
      }
    });
    reader.addEventListener(leave, (event) => {
      const mark = event.target.closest("mark.quoted");
      if (mark && !(event.relatedTarget && mark.contains(event.relatedTarget))) {
        hideTip();
      }
    });
  }

  close.addEventListener("click", () => {
    select(null, false);
    if (origin) {
      origin.focus();
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") {
      return;
    }
    if (!tip.hidden) {
      hideTip();
    } else if (selected) {
      close.click();
    }
  });

  const first = location.hash ? marksOf(location.hash.slice(1))[0] : null;
  if (first) {
    select(first.dataset.entry, false);
    first.scrollIntoView({ block: "center" });
  }
})();
