// /docs: Swagger UI (from npm, swagger-ui-dist) over the app's own OpenAPI description.
// A file of its own because the CSP allows no inline script.
"use strict";

// Swagger UI leaves a few controls unnamed and scrolling code boxes unreachable by keyboard (WCAG 4.1.2,
// 2.1.1): name them and make them focusable as they appear.
function mendAccessibility(root) {
  root.querySelectorAll("select:not([aria-label])").forEach(function (select) {
    var row = select.closest("tr[data-param-name]");
    if (!select.labels || select.labels.length === 0) {
      select.setAttribute("aria-label", row ? "Värden för " + row.getAttribute("data-param-name") : "Välj värde");
    }
  });
  root.querySelectorAll(".highlight-code pre:not([tabindex])").forEach(function (pre) {
    pre.setAttribute("tabindex", "0");
  });
}

window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec"),
    domNode: root,
    deepLinking: false,  // with it each operation's button holds a link: nested controls (WCAG 4.1.2)
    docExpansion: "list",
    defaultModelsExpandDepth: -1,
    syntaxHighlight: false,
  });
  new MutationObserver(function () { mendAccessibility(root); }).observe(root, { childList: true, subtree: true });
});
