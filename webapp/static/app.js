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
  if (marked) { marked.focus({ preventScroll: false }); }
});
