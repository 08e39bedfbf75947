// Small progressive enhancements; every page works without this file.
"use strict";

// "Länk till stycket": copy the full permalink to the clipboard, keep the link working as a link.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-copy]");
  if (!link || !navigator.clipboard || event.ctrlKey || event.metaKey) return;
  event.preventDefault();
  var url = new URL(link.getAttribute("data-copy"), window.location.origin).href;
  navigator.clipboard.writeText(url).then(function () {
    var note = document.createElement("span");
    note.className = "copied";
    note.setAttribute("role", "status");
    note.textContent = " Länken är kopierad.";
    link.after(note);
    setTimeout(function () { note.remove(); }, 3000);
  }, function () { window.location.href = link.href; });
});

// Move focus to the passage a permalink points at, so keyboard and screen-reader users start there.
window.addEventListener("DOMContentLoaded", function () {
  var marked = document.querySelector(".passage.marked");
  // The address (#id) has already scrolled it into place: focusing must not scroll again and hide the
  // heading above it.
  if (marked) { marked.focus({ preventScroll: true }); }
});

// Upload form: show the file's transfer as a progress bar, then go on to the page that follows the ingest.
// Without this script the form posts as usual and the server redirects to the same page.
document.addEventListener("submit", function (event) {
  var form = event.target.closest("form[data-upload-progress]");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  event.preventDefault();
  var box = form.querySelector(".upload-progress");
  var bar = box.querySelector("progress");
  var text = box.querySelector(".upload-progress-text");
  var error = form.querySelector(".upload-error");
  var button = form.querySelector("button[type=submit]");
  var announced = -1;
  function show(percent, message) {
    bar.value = percent;
    if (message || percent - announced >= 10 || percent === 100) {  // a screen reader hears steps, not every byte
      announced = percent;
      text.textContent = message || percent + " %";
    }
  }
  function fail(message) {
    box.hidden = true;
    button.disabled = false;
    error.textContent = message;
    error.hidden = false;
  }
  error.hidden = true;
  button.disabled = true;
  box.hidden = false;
  show(0);
  var xhr = new XMLHttpRequest();
  xhr.open("POST", form.action);
  xhr.setRequestHeader("Accept", "application/json");
  xhr.upload.addEventListener("progress", function (e) {
    if (e.lengthComputable && e.total) show(Math.round(e.loaded * 100 / e.total));
  });
  xhr.addEventListener("load", function () {
    var data = null;
    try { data = JSON.parse(xhr.responseText); } catch (ignored) { data = null; }
    if (xhr.status === 202 && data && data.url) {
      show(100, "Filen är överförd. Den läses in nu …");
      window.location.assign(data.url);
    } else if (data && typeof data.detail === "string") {
      fail(data.detail);
    } else {
      fail("Uppladdningen misslyckades (fel " + xhr.status + "). Kontrollera fälten och försök igen.");
    }
  });
  xhr.addEventListener("error", function () { fail("Överföringen avbröts. Kontrollera anslutningen och försök igen."); });
  xhr.send(new FormData(form));
});
