// Spans on the annotate page: select text in the note (the mouse, or Shift+arrows with the note focused: by word,
// or by character where the project snaps to characters), press a span label's key (or its button) to mark it;
// click a span or its row and press Backspace (or its ×) to remove it; Esc clears the selection. The note is drawn
// as runs of text between span edges, each run coloured by the spans over it (nested spans stack their underlines),
// so overlapping spans stay readable. Offsets are counted in Unicode code points, as the server counts them; the
// form sends the spans as JSON in its `spans` field.
(function () {
  "use strict";
  var WORD = /[\p{L}\p{N}_]/u;
  var state = null;

  function data(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  // Code points ↔ UTF-16 indices (identical unless the text holds characters outside the BMP).
  function indexer(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) {
      return { toPoint: function (i) { return i; }, toUnit: function (p) { return p; } };
    }
    var units = [];  // units[p] = the UTF-16 index of code point p
    for (var i = 0; i < text.length; i += 1) {
      units.push(i);
      var code = text.charCodeAt(i);
      if (code >= 0xD800 && code <= 0xDBFF && i + 1 < text.length) { i += 1; }
    }
    units.push(text.length);
    return {
      toPoint: function (unit) {
        var low = 0, high = units.length - 1;
        while (low < high) { var mid = (low + high + 1) >> 1; if (units[mid] <= unit) { low = mid; } else { high = mid - 1; } }
        return low;
      },
      toUnit: function (point) { return units[Math.min(point, units.length - 1)]; }
    };
  }

  function colourOf(name) { return (state.labels[name] || {}).color || "#888888"; }

  // The note's text as runs between span edges (and the selection's), each coloured by the spans over it: the
  // innermost's tint, one underline per span, each span's name where it starts.
  function runs(text, units, spans, colour, chosen, selection) {
    var edges = [0, text.length];
    spans.forEach(function (span) { edges.push(units.toUnit(span.start), units.toUnit(span.end)); });
    if (selection) { edges.push(selection[0], selection[1]); }
    edges = Array.from(new Set(edges)).sort(function (a, b) { return a - b; });
    var fragment = document.createDocumentFragment();
    var ranges = spans.map(function (span, index) {
      return { from: units.toUnit(span.start), to: units.toUnit(span.end), index: index };
    });
    for (var e = 0; e + 1 < edges.length; e += 1) {
      var from = edges[e], to = edges[e + 1];
      if (from === to) { continue; }
      var run = document.createElement("span");
      run.className = "run";
      run.dataset.start = from;
      run.textContent = text.slice(from, to);
      var over = ranges.filter(function (range) { return range.from <= from && to <= range.to; });
      if (over.length) {
        over.sort(function (a, b) { return (b.to - b.from) - (a.to - a.from); });  // the widest first
        var innermost = spans[over[over.length - 1].index];
        run.classList.add("marked");
        run.style.backgroundColor = colour(innermost.label) + "33";
        run.style.boxShadow = over.map(function (range, depth) {
          return "inset 0 -" + (2 + 3 * depth) + "px 0 " + colour(spans[range.index].label);
        }).join(", ");
        run.dataset.span = over[over.length - 1].index;
        run.title = over.map(function (range) {
          var span = spans[range.index];
          return span.label + (typeof span.score === "number" ? " " + span.score.toFixed(2) : "");
        }).join(" › ");
        over.forEach(function (range) {
          if (range.from === from) { run.dataset.tag = (run.dataset.tag ? run.dataset.tag + " " : "") + spans[range.index].label; }
          if (range.index === chosen) { run.classList.add("chosen"); }
        });
      }
      if (selection && selection[0] <= from && to <= selection[1]) { run.classList.add("selected"); }
      fragment.appendChild(run);
    }
    return fragment;
  }

  function render() {
    var started = performance.now();
    state.note.replaceChildren(runs(state.text, state.units, state.spans, colourOf, state.chosen, state.selection));
    renderPanel();
    state.field.value = JSON.stringify(state.spans);
    state.drawn = performance.now() - started;
    state.note.dataset.drawnMs = state.drawn.toFixed(1);
  }

  // Read-only copies of the note, each with one person's (or model's) spans: review lays them side by side.
  function drawCopies() {
    var copies = document.querySelectorAll(".span-copy");
    if (!copies.length) { return; }
    var labels = {};
    (data("span-labels-data") || []).forEach(function (label) { labels[label.name] = label; });
    var text = data("note-text-data"), units = indexer(text);
    var colour = function (name) { return (labels[name] || {}).color || "#888888"; };
    copies.forEach(function (copy) {
      copy.replaceChildren(runs(text, units, data(copy.dataset.spans) || [], colour, null, null));
    });
  }

  function excerpt(span) {
    var words = state.text.slice(state.units.toUnit(span.start), state.units.toUnit(span.end));
    return words.length > 60 ? words.slice(0, 57) + "…" : words;
  }

  function renderPanel() {
    var list = state.list;
    list.replaceChildren();
    state.spans.forEach(function (span, index) {
      var item = document.createElement("li");
      item.dataset.index = index;
      if (index === state.chosen) { item.classList.add("chosen"); }
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.backgroundColor = colourOf(span.label);
      var choose = document.createElement("button");
      choose.type = "button";
      choose.className = "span-choose";
      choose.textContent = span.label + ": “" + excerpt(span) + "”" +
        (typeof span.score === "number" ? " · " + span.score.toFixed(2) : "");
      choose.title = "characters " + span.start + "–" + span.end + "; Backspace removes it";
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "span-remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", "Remove " + span.label + " “" + excerpt(span) + "”");
      item.append(swatch, choose, remove);
      list.appendChild(item);
    });
    var count = document.getElementById("span-count");
    if (count) { count.textContent = state.spans.length + " span" + (state.spans.length === 1 ? "" : "s"); }
    var said = document.getElementById("span-selection");
    if (said) {
      said.textContent = state.hint || (state.selection
        ? "Selected “" + state.text.slice(state.selection[0], state.selection[1]).slice(0, 80) + "”: press a span label's key."
        : "Select text in the note (mouse, or Shift+arrows), then press a span label's key.");
    }
  }

  function isWord(index) { return index >= 0 && index < state.text.length && WORD.test(state.text[index]); }

  // A selection grown to whole words (where the project snaps to them) and trimmed of spaces at its ends.
  function snap(start, end) {
    var text = state.text;
    if (state.unit === "word") {
      while (start > 0 && isWord(start - 1) && isWord(start)) { start -= 1; }
      while (end < text.length && isWord(end) && isWord(end - 1)) { end += 1; }
    }
    while (start < end && /\s/.test(text[start])) { start += 1; }
    while (end > start && /\s/.test(text[end - 1])) { end -= 1; }
    return start < end ? [start, end] : null;
  }

  function offsetIn(node, offset) {
    var run = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    if (run === state.note) {  // between runs: the start of the run at that child index
      var child = state.note.childNodes[offset];
      return child ? Number(child.dataset.start) : state.text.length;
    }
    if (!run || !run.classList.contains("run")) { return null; }
    return Number(run.dataset.start) + (node.nodeType === Node.TEXT_NODE ? offset : 0);
  }

  function fromWindowSelection() {
    var chosen = window.getSelection();
    if (!chosen || chosen.isCollapsed || !chosen.rangeCount) { return; }
    var range = chosen.getRangeAt(0);
    if (!state.note.contains(range.startContainer) || !state.note.contains(range.endContainer)) { return; }
    var start = offsetIn(range.startContainer, range.startOffset), end = offsetIn(range.endContainer, range.endOffset);
    if (start === null || end === null) { return; }
    state.selection = snap(Math.min(start, end), Math.max(start, end));
    state.caret = state.selection ? state.selection[1] : state.caret;
    state.chosen = null;
    state.hint = "";
    chosen.removeAllRanges();
    render();
  }

  function step(from, direction) {
    var text = state.text, at = from;
    if (state.unit !== "word") { return Math.max(0, Math.min(text.length, at + direction)); }
    if (direction > 0) {
      while (at < text.length && !isWord(at)) { at += 1; }
      while (at < text.length && isWord(at)) { at += 1; }
    } else {
      while (at > 0 && !isWord(at - 1)) { at -= 1; }
      while (at > 0 && isWord(at - 1)) { at -= 1; }
    }
    return at;
  }

  function mark(name) {
    if (!state.selection) {
      state.hint = "Select text first: then " + name + " marks it.";
      renderPanel();
      return;
    }
    var span = { start: state.units.toPoint(state.selection[0]), end: state.units.toPoint(state.selection[1]), label: name };
    var same = state.spans.some(function (other) { return other.start === span.start && other.end === span.end && other.label === name; });
    var crossing = state.spans.filter(function (other) { return other.start < span.end && span.start < other.end; });
    if (same) {
      state.hint = "That span is marked already.";
    } else if (crossing.length && !state.overlap) {
      state.hint = "It overlaps “" + excerpt(crossing[0]) + "” (" + crossing[0].label + "), and this project keeps spans apart.";
    } else {
      state.spans.push(span);
      state.spans.sort(function (a, b) { return a.start - b.start || a.end - b.end; });
      state.hint = "";
      state.selection = null;
    }
    render();
  }

  function remove(index) {
    if (index === null || index === undefined || !state.spans[index]) { return; }
    state.spans.splice(index, 1);
    state.chosen = null;
    state.hint = "";
    render();
  }

  function setUp() {
    drawCopies();
    var note = document.getElementById("note-text");
    var field = document.getElementById("spans-field");
    if (!note || !field || !note.classList.contains("span-note")) { state = null; return; }
    var labels = {};
    (data("span-labels-data") || []).forEach(function (label) { labels[label.name] = label; });
    var text = data("note-text-data");
    state = {
      note: note, field: field, list: document.getElementById("span-list"), text: text, units: indexer(text),
      spans: (data("note-spans-data") || []).slice(), labels: labels, unit: note.dataset.spanUnit,
      overlap: note.dataset.spansOverlap === "true", selection: null, chosen: null, caret: 0, anchor: null, hint: ""
    };
    render();
  }

  document.addEventListener("mouseup", function (event) {
    if (state && state.note.contains(event.target)) { fromWindowSelection(); }
  });

  document.addEventListener("click", function (event) {
    if (!state) { return; }
    var button = event.target.closest("[data-span-label]");
    if (button) {  // then back to the note, so the keyboard goes on from there (Enter submits, arrows select)
      mark(button.dataset.spanLabel);
      state.note.focus({ preventScroll: true });
      return;
    }
    var item = event.target.closest("#span-list li");
    if (item && event.target.closest(".span-remove")) { remove(Number(item.dataset.index)); return; }
    if (item) { state.chosen = Number(item.dataset.index); render(); return; }
    var run = event.target.closest("#note-text .run[data-span]");
    if (run && window.getSelection().isCollapsed) { state.chosen = Number(run.dataset.span); render(); }
  });

  // Before the page's own keys (keys.js): a span label's key marks the selection; Backspace removes the chosen span.
  window.addEventListener("keydown", function (event) {
    if (!state || event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.target.matches && event.target.matches("textarea, input[type=text], input[type=search], select, dialog *")) {
      return;
    }
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    var label = Object.keys(state.labels).find(function (name) { return state.labels[name].key && state.labels[name].key === key; });
    if (label) {
      event.preventDefault(); event.stopImmediatePropagation(); mark(label);
    } else if ((key === "Backspace" || key === "Delete") && state.chosen !== null) {
      event.preventDefault(); event.stopImmediatePropagation(); remove(state.chosen);
    } else if (key === "Escape" && (state.selection || state.chosen !== null)) {
      state.selection = null; state.chosen = null; state.hint = ""; render();
    } else if ((key === "ArrowRight" || key === "ArrowLeft") && document.activeElement === state.note) {
      event.preventDefault();
      var direction = key === "ArrowRight" ? 1 : -1;
      if (event.shiftKey) {
        if (state.anchor === null || !state.selection) { state.anchor = state.caret; }
        state.caret = step(state.caret, direction);
        state.selection = snap(Math.min(state.anchor, state.caret), Math.max(state.anchor, state.caret));
      } else {
        state.caret = step(state.caret, direction);
        state.anchor = null;
        state.selection = null;
      }
      state.chosen = null;
      state.hint = "";
      render();
    }
  }, true);

  document.addEventListener("DOMContentLoaded", setUp);
  document.addEventListener("htmx:afterSwap", setUp);
  window.studioSpans = { render: function () { render(); return state.drawn; }, state: function () { return state; } };
}());
