// oabot officer console: small enhancements over pages that work without JavaScript.
// No inline script anywhere (the CSP allows this file only); settings come from
// <body data-*>.
(function () {
  "use strict";

  var body = document.body;

  // A submitted form's button says it is working and ignores further presses, so a double
  // tap sends once. The button is not disabled (a disabled button's name and value would
  // be left out of the form).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.dataset.busy === "1") {
      e.preventDefault();
      return;
    }
    form.dataset.busy = "1";
    var button = e.submitter || form.querySelector("button[type=submit]");
    if (button) {
      button.setAttribute("aria-disabled", "true");
      if (button.dataset.labelLoading) {
        button.dataset.label = button.textContent;
        button.textContent = button.dataset.labelLoading;
      }
    }
  });

  // Coming back with the browser's Back button shows the page as it was left: make its
  // forms usable again.
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) {
      return;
    }
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      delete form.dataset.busy;
      form.querySelectorAll("[aria-disabled=true]").forEach(function (b) {
        b.removeAttribute("aria-disabled");
        if (b.dataset.label) {
          b.textContent = b.dataset.label;
        }
      });
    });
  });

  // After a form comes back with errors, move focus to its summary so screen readers
  // and keyboards start there.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }

  // The menu on phones closes with Escape.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") {
      return;
    }
    var open = document.querySelector(".nav-mobile details[open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });

  // For pages that poll JSON (announcement progress): same-origin fetch with the CSRF
  // header on unsafe methods.
  window.oabotConsole = {
    root: body.dataset.root,
    fetchJSON: function (url, options) {
      options = options || {};
      var headers = new Headers(options.headers || {});
      headers.set("Accept", "application/json");
      var method = (options.method || "GET").toUpperCase();
      if (method !== "GET" && method !== "HEAD") {
        headers.set("X-Csrf-Token", body.dataset.csrf || "");
      }
      options.headers = headers;
      options.credentials = "same-origin";
      return fetch(url, options).then(function (r) {
        if (!r.ok) {
          throw new Error("HTTP " + r.status);
        }
        return r.json();
      });
    }
  };
})();
