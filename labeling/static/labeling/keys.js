// The keyboard of the annotate and review pages: a label's key picks it in the form marked data-label-keys
// (n: "no label applies" in multi-label projects, which clears the labels), Enter submits that form, s skips,
// u undoes, c comments, g opens the guidelines, w hides or shows a model's highlighted words, ? shows every
// shortcut.
// A submission that cannot reach the server stays on screen with its labels, and Enter sends it again.
(function () {
  "use strict";
  var offline = document.getElementById("annotate-offline");
  var help = document.getElementById("shortcuts");

  function form() { return document.querySelector("form[data-label-keys]"); }
  function click(id) { var button = document.getElementById(id); if (button) { button.click(); } }

  // "No label applies" and the labels exclude each other: choosing one clears the other.
  function exclusive(input) {
    var box = form() && form().querySelector("input[data-none]");
    if (!box || !input.checked || input.type !== "checkbox") { return; }
    if (input === box) {
      form().querySelectorAll('input[name="labels"]').forEach(function (label) { label.checked = false; });
    } else if (input.name === "labels") {
      box.checked = false;
    }
  }

  function pick(key) {
    var input = form() && form().querySelector('input[data-hotkey="' + CSS.escape(key) + '"]');
    if (!input) { return false; }
    input.checked = input.type === "checkbox" ? !input.checked : true;
    exclusive(input);
    return true;
  }

  document.addEventListener("change", function (event) {
    if (form() && form().contains(event.target)) { exclusive(event.target); }
  });

  document.addEventListener("keydown", function (event) {
    if (!form() || event.altKey || event.metaKey && event.key !== "Enter") { return; }
    if (help && help.open) { return; }  // the dialog handles its own keys (Esc closes it)
    var typing = event.target.matches("textarea, input[type=text], input[type=search], input[type=email], select");
    if (typing) {
      if (event.key === "Escape") { event.target.blur(); }
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form().requestSubmit(); }
      return;
    }
    if (event.ctrlKey) { return; }
    if (event.target.matches("button, a[href], summary") && event.key === "Enter") { return; }  // Enter acts on them
    var key = event.key.toLowerCase();
    if (event.key === "?") {
      if (help) { event.preventDefault(); help.showModal(); }
    } else if (key === "enter") {
      event.preventDefault(); form().requestSubmit();
    } else if (pick(key)) {
      event.preventDefault();
    } else if (key === "s") {
      event.preventDefault(); click("annotate-skip");
    } else if (key === "u") {
      event.preventDefault(); click("annotate-undo");
    } else if (key === "c") {
      var comment = form().querySelector("textarea");
      if (comment) { event.preventDefault(); comment.focus(); }
    } else if (key === "g") {
      var guidelines = document.getElementById("guidelines");
      if (guidelines) { event.preventDefault(); guidelines.open = !guidelines.open; }
    } else if (key === "w") {
      var explained = document.querySelector(".note-text.explained");
      if (explained) { event.preventDefault(); explained.classList.toggle("plain"); }
    }
  });

  if (!offline) { return; }
  function problem(message) {
    offline.textContent = message;
    offline.hidden = false;
  }
  document.body.addEventListener("htmx:sendError", function () {
    problem("The server could not be reached; your labels are still chosen. Press Enter to send them again.");
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    problem("The server failed (" + event.detail.xhr.status + "); your labels are still chosen. Press Enter to try again.");
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    offline.hidden = true;
    var note = document.getElementById("note-text");
    if (note) { note.scrollTop = 0; }
  });
}());
