// Behaviour shared by every page. Loaded as a file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  function showMessage(text, kind) {
    var box = document.getElementById("messages");
    if (!box) { return; }
    var item = document.createElement("div");
    item.className = "message " + (kind || "error");
    item.setAttribute("role", "alert");
    item.textContent = text;
    box.appendChild(item);
  }

  function paintSwatches(root) {
    root.querySelectorAll("[data-color]").forEach(function (element) {
      var color = element.getAttribute("data-color");
      if (/^#[0-9a-fA-F]{6}$/.test(color)) { element.style.backgroundColor = color; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { paintSwatches(document); });

  // A plain form with data-confirm asks before it submits (htmx forms use hx-confirm).
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  document.addEventListener("htmx:afterSwap", function (event) { paintSwatches(event.target); });

  // A request htmx did not swap (403, 404, 500) or that never reached the server is shown, never silently dropped.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var reasons = { 403: "You are not allowed to do this.", 404: "This item no longer exists, or you may not see it.", 500: "The server failed; nothing was saved. Try again." };
    showMessage(reasons[status] || ("The request failed (" + status + ")."));
  });
  document.addEventListener("htmx:sendError", function () {
    showMessage("The studio could not be reached. Check your connection; nothing was saved.");
  });
})();
