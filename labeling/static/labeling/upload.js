// Upload with a progress bar and drag-and-drop. Without this script the form still posts normally.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var input = document.getElementById("upload-file");
  var zone = document.getElementById("dropzone");
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10);

  function describe(file) { return file.name + " (" + Math.round(file.size / 1024) + " KB)"; }

  input.addEventListener("change", function () {
    if (input.files.length) { status.textContent = "Selected " + describe(input.files[0]); }
  });
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    if (event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      status.textContent = "Selected " + describe(input.files[0]);
    }
  });

  form.addEventListener("submit", function (event) {
    if (!input.files.length) { return; }
    var file = input.files[0];
    event.preventDefault();
    if (file.size > maxBytes) {
      status.textContent = file.name + " is larger than the upload limit; nothing was sent.";
      return;
    }
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable) {
        bar.hidden = false;
        bar.value = progress.loaded / progress.total;
        status.textContent = "Uploading " + Math.round(100 * progress.loaded / progress.total) + "%";
      }
    });
    request.addEventListener("load", function () {
      if (request.status === 200 && request.responseURL && request.responseURL !== window.location.href) {
        window.location.assign(request.responseURL);  // the column mapping page
      } else {
        var page = new DOMParser().parseFromString(request.responseText, "text/html");
        var error = page.getElementById("upload-error");
        status.textContent = error ? error.textContent : "The upload failed (" + request.status + "). Nothing was saved.";
        status.classList.add("error");
        bar.hidden = true;
        form.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
      }
    });
    request.addEventListener("error", function () {
      status.textContent = "The upload failed: the studio could not be reached. Nothing was saved.";
    });
    form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    request.send(new FormData(form));
  });
})();

// The column mapping: warn when the text column holds numbers or short codes, and show the value-naming
// table of each label column ticked.
(function () {
  "use strict";
  var form = document.getElementById("mapping-form");
  if (!form) { return; }
  var textField = document.getElementById("text-field");
  var warning = document.getElementById("text-warning");
  var message = document.getElementById("text-warning-message");
  if (textField && warning) {
    textField.addEventListener("change", function () {
      var text = textField.options[textField.selectedIndex].getAttribute("data-warning") || "";
      message.textContent = text;
      warning.hidden = !text;
    });
  }
  form.querySelectorAll("input[name=label_fields]").forEach(function (box) {
    box.addEventListener("change", function () {
      form.querySelectorAll("fieldset.label-values").forEach(function (table) {
        if (table.getAttribute("data-label-column") === box.value) { table.hidden = !box.checked; }
      });
    });
  });
})();
