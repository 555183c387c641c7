// The annotate page's keyboard: label keys, Enter, s, u, c, g. A submission that cannot reach the
// server stays on screen with its labels, and Enter sends it again.
(function () {
  "use strict";
  var offline = document.getElementById("annotate-offline");

  function task() { return document.getElementById("task"); }
  function form() { return document.getElementById("annotate-form"); }
  function click(id) { var button = document.getElementById(id); if (button) { button.click(); } }

  function paint() {
    document.querySelectorAll(".label-button[data-color]").forEach(function (label) {
      label.style.borderColor = label.getAttribute("data-color");
    });
  }

  function pick(key) {
    var input = form() && form().querySelector('input[data-hotkey="' + key + '"]');
    if (!input) { return false; }
    input.checked = input.type === "checkbox" ? !input.checked : true;
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (!task() || event.altKey || event.metaKey && event.key !== "Enter") { return; }
    var typing = event.target.matches("textarea, input[type=text], input[type=search], select");
    if (typing) {
      if (event.key === "Escape") { event.target.blur(); }
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && form()) { event.preventDefault(); form().requestSubmit(); }
      return;
    }
    if (event.ctrlKey) { return; }
    var key = event.key.toLowerCase();
    if (key === "enter") {
      if (form()) { event.preventDefault(); form().requestSubmit(); }
    } else if (pick(key)) {
      event.preventDefault();
    } else if (key === "s") {
      event.preventDefault(); click("annotate-skip");
    } else if (key === "u") {
      event.preventDefault(); click("annotate-undo");
    } else if (key === "c") {
      var comment = document.getElementById("annotate-comment");
      if (comment) { event.preventDefault(); comment.focus(); }
    } else if (key === "g") {
      var guidelines = document.getElementById("guidelines");
      if (guidelines) { event.preventDefault(); guidelines.open = !guidelines.open; }
    }
  });

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
    paint();
    var note = document.getElementById("note-text");
    if (note) { note.scrollTop = 0; }
  });
  paint();
}());
