// The fine-tune form shows each base's own settings: an encoder's (learning rate, epochs…) only when an encoder
// is chosen, the CRF's (c1, c2, iterations) only for the CRF, the windows' (stride, max windows, pooling) only when
// an encoder reads long notes in windows. Hidden fields are disabled, so they are not sent and take their defaults.
(function () {
  "use strict";
  function kindOf(base) { return base === "baseline" || base === "crf" ? base : "encoder"; }

  function update(form) {
    var select = form.querySelector("[data-base-select]");
    if (!select) return;
    var kind = kindOf(select.value);
    var longNotes = form.querySelector("[data-long-notes-select]");
    var windows = kind === "encoder" && longNotes !== null && longNotes.value === "windows";
    form.querySelectorAll("[data-base-kind]").forEach(function (input) {
      var shown = input.getAttribute("data-base-kind").split(" ").indexOf(kind) !== -1 &&
        (!input.hasAttribute("data-windows-only") || windows);
      var wrapper = input.closest(".recipe-field") || input;
      wrapper.hidden = !shown;
      input.disabled = !shown;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.hasAttribute && (event.target.hasAttribute("data-base-select") ||
        event.target.hasAttribute("data-long-notes-select"))) update(event.target.form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(update);
  });
})();
